import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BootContext, QemuBoot } from './qemu-args.js';

/**
 * Files QEMU loads through its Multiboot loader (an x86 `-kernel` that is a Multiboot image, and its
 * `-initrd` modules) reach the guest as text, not only as bytes
 * (https://github.com/qemu/qemu/blob/master/hw/i386/multiboot.c):
 *
 * - the kernel's Multiboot command line is `<-kernel path> <-append>`, so a path with a space
 *   becomes several words: Unikraft hands them to `main` as several arguments;
 * - `-initrd` is a comma-separated list of modules, each `<path> <module command line>`: a path with
 *   a comma or a space is cut there and QEMU fails to load it (Hermit's loader gets the app that way).
 *
 * So such a file is booted from a symbolic link with a plain name in the boot's scratch folder. A
 * plain path (letters, digits and `/._+-@%`) is used as it is, so the command line stays pasteable.
 */

/**
 * Characters QEMU's Multiboot loader and a guest splitting its command line leave alone (no `=`
 * either: Unikraft's uklibparam reads `name=value` words as library parameters).
 */
const PLAIN = /^[\w@%+./-]+$/;

/** Is this path passed to a Multiboot guest as one word? (commas split -initrd, spaces split both) */
export function isPlainMultibootPath(file: string): boolean {
  return PLAIN.test(file);
}

/** The folder the plain links go in: the boot's scratch folder, or the temp folder when that is not plain either. */
function linkDir(workDir: string): string {
  return isPlainMultibootPath(workDir) ? workDir : os.tmpdir();
}

/**
 * The path a Multiboot-loaded file is booted from: the file itself when its path is plain, else a
 * link in the scratch folder whose name is the file's name with every other character made `_`
 * (and a short hash of the full path, so two files never share a link). Pure: names the link;
 * linkMultibootFile creates it.
 */
export function multibootPath(file: string, workDir: string): string {
  // A dry run names what is not a file yet: a download's URL, `<the executable cargo builds>`.
  if (isPlainMultibootPath(file) || /^[a-z][\w+.-]*:\/\//i.test(file) || /^<.*>$/.test(file)) return file;
  const abs = path.resolve(file);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 8);
  const name = path.basename(abs).replace(/[^\w.+-]/g, '_') || 'image';
  return path.join(linkDir(workDir), 'multiboot', `${hash}-${name}`);
}

/** Creates the link multibootPath names (when it names one), pointing at the file's absolute path. */
export function linkMultibootFile(file: string, workDir: string): string {
  const link = multibootPath(file, workDir);
  if (link === file) return file;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.resolve(file), link);
  return link;
}

/**
 * A Multiboot target's load and prepare (QemuBoot), booting its -kernel and -initrd from plain
 * paths: load names the links, prepare creates them (after the family's own prepare). The one place
 * every Multiboot-loaded family (Unikraft, Hermit's x86_64 loader) gets this from.
 */
export function plainMultibootPaths(q: Pick<QemuBoot, 'load' | 'prepare'>): Pick<QemuBoot, 'load' | 'prepare'> {
  return {
    load(ctx: BootContext) {
      const l = q.load(ctx);
      return {
        ...l,
        ...(l.kernel !== undefined ? { kernel: multibootPath(l.kernel, ctx.workDir) } : {}),
        ...(l.initrd !== undefined ? { initrd: multibootPath(l.initrd, ctx.workDir) } : {}),
      };
    },
    prepare(ctx: BootContext) {
      q.prepare?.(ctx);
      const l = q.load(ctx);
      if (l.kernel !== undefined) linkMultibootFile(l.kernel, ctx.workDir);
      if (l.initrd !== undefined) linkMultibootFile(l.initrd, ctx.workDir);
    },
  };
}
