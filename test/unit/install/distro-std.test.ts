// toolchain: distro: can what is installed build std offline? Decisions from recorded facts, and the
// failure message when the archive has nothing better.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distroStdError, distroStep, hasVendoredCrates } from '../../../src/install/distro-std.js';
import { parsePolicy } from '../../../src/install/apt-lists.js';
import { tempDir } from '../../helpers/tmp.js';

const VENDOR = '/usr/lib/rustlib/src/rust/library/vendor';
const ok = { tools: true, source: true, vendor: true, buildStd: true };

test('missing tools or source: install; build-std without vendored crates: upgrade; else ready', () => {
  assert.deepEqual(distroStep({ ...ok, tools: false }, VENDOR), { step: 'install', why: '/usr/bin/rustc or /usr/bin/cargo is missing' });
  assert.deepEqual(distroStep({ ...ok, source: false, vendor: false }, VENDOR), { step: 'install', why: 'the standard library source is missing' });
  // rust-web-src 1.85 (bookworm main): source without library/vendor, a target that needs build-std.
  const up = distroStep({ ...ok, vendor: false }, VENDOR);
  assert.equal(up.step, 'upgrade');
  assert.match((up as { why: string }).why, /has no \/usr\/lib\/rustlib\/src\/rust\/library\/vendor/);
  // A target with a prebuilt std in the sysroot needs no vendored crates.
  assert.deepEqual(distroStep({ ...ok, vendor: false, buildStd: false }, VENDOR), { step: 'ready' });
  assert.deepEqual(distroStep(ok, VENDOR), { step: 'ready' });
});

const tmp = tempDir('distro-std-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('vendored crates: folders with .cargo-checksum.json; an empty or absent vendor folder has none', () => {
  const v = path.join(tmp, 'vendor');
  assert.equal(hasVendoredCrates(v), false);
  fs.mkdirSync(path.join(v, 'libc-0.2.177'), { recursive: true });
  assert.equal(hasVendoredCrates(v), false);
  fs.writeFileSync(path.join(v, 'libc-0.2.177', '.cargo-checksum.json'), '{"files":{}}');
  assert.equal(hasVendoredCrates(v), true);
});

test('the failure names the package, the version found, what is missing and the fix', () => {
  const stale = parsePolicy(
    `rust-web-src:\n  Installed: 1.85.0+dfsg3-1~deb12u3\n  Candidate: 1.85.0+dfsg3-1~deb12u3\n  Version table:\n *** 1.85.0+dfsg3-1~deb12u3 500\n`,
  );
  const msg = distroStdError('rust-web-src', stale['rust-web-src'], VENDOR, true);
  assert.match(msg, /rust-web-src 1\.85\.0\+dfsg3-1~deb12u3 has no \/usr\/lib\/rustlib\/src\/rust\/library\/vendor/);
  assert.match(msg, /offers nothing newer even after apt-get update\./);
  assert.match(msg, /Fix: .*bookworm-security.*apt-get update.*toolchain: nightly/);
  assert.match(distroStdError('rust-src', undefined, VENDOR, false), /rust-src not installed has no/);
});
