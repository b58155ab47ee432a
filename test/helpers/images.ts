// The real upstream images (Hermit, rust-sel4, Unikraft) built from upstream sources on a machine
// like this one: ../shared/images beside the checkout (CI has it there), else /work/shared/images.
// Their README gives provenance, hand-boot lines and the sha256 of each uncompressed file. The
// folder is read-only: each file is copied and gunzipped (or untarred) into a scratch folder and
// checked against the README's sha256 where it lists one.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT } from './action.js';
import { tempDir } from './tmp.js';

export const IMAGE_DIRS = [path.resolve(ROOT, '..', 'shared', 'images'), '/work/shared/images'];

/** The images folder, or undefined when neither place has one. */
export function imagesDir(dirs = IMAGE_DIRS): string | undefined {
  return dirs.find((d) => fs.existsSync(path.join(d, 'README.md')));
}

/**
 * The reason to skip the images suite, or undefined to run it. In CI (CI=true) a missing folder is
 * a failure, not a skip: the suite exists to boot these images, and a green run without them
 * would claim what was never checked.
 */
export function imagesSkip(dirs = IMAGE_DIRS, ci = process.env.CI): string | undefined {
  if (imagesDir(dirs)) return undefined;
  const msg = `no images folder (looked in ${dirs.join(' and ')})`;
  if (ci === 'true') throw new Error(`${msg}: CI must have ../shared/images beside the checkout for npm run test:images`);
  return msg;
}

/** sha256 of each uncompressed file by its path below the images folder (without .gz), from the README's tables. */
export function readmeSha256(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = '';
  for (const line of fs.readFileSync(path.join(dir, 'README.md'), 'utf8').split('\n')) {
    const h = /^## (\S+?)\/?( |$)/.exec(line);
    if (h) section = h[1];
    const row = /^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$/.exec(line);
    if (!row) continue;
    const name = row[1].includes('/') ? row[1] : `${section}/${row[1]}`;
    out[name] = row[2];
  }
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let scratch: string | undefined;
const done = new Map<string, string>();

/**
 * A private copy of one image (`rel` below the images folder, without `.gz`): gunzipped and
 * checked against the README's sha256 when it lists one. A `.tar.gz` is unpacked into a folder,
 * whose path is returned.
 */
export function image(rel: string): string {
  const hit = done.get(rel);
  if (hit) return hit;
  const dir = imagesDir();
  if (!dir) throw new Error(imagesSkip() ?? 'no images folder');
  scratch ??= tempDir('images-');
  const out = path.join(scratch, rel);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (fs.existsSync(path.join(dir, `${rel}.tar.gz`))) {
    fs.mkdirSync(out, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(dir, `${rel}.tar.gz`), '-C', out]);
  } else {
    const bytes = gunzipSync(fs.readFileSync(path.join(dir, `${rel}.gz`)));
    const want = readmeSha256(dir)[rel];
    if (want && sha256(bytes) !== want) throw new Error(`${rel}: sha256 ${sha256(bytes)}, the images README says ${want}`);
    fs.writeFileSync(out, bytes, { mode: 0o755 });
  }
  done.set(rel, out);
  return out;
}
