// The stand-in for a unikernel server (see build.sh): how to build it and boot it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseForwards } from '../../../src/inputs/forward.js';
import { networkArgs, NICS } from '../../../src/boot/network.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The line the guest prints once httpd and the port-7 service run. */
export const LISTENING = 'stand-in httpd: listening on port 80';

/**
 * Builds the initramfs into a fresh temp dir (the caller removes `dir`); returns it with the kernel
 * (a bzImage) and the same kernel as an ELF `vmlinux` (booted through the action by its PVH entry).
 */
export function buildStandin(): { kernel: string; vmlinux: string; initrd: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-linux-httpd-'));
  try {
    const kernel = execFileSync('bash', [path.join(HERE, 'build.sh'), dir], { encoding: 'utf8' }).trim();
    return { kernel, vmlinux: path.join(dir, 'vmlinux'), initrd: path.join(dir, 'initramfs.cpio.gz'), dir };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The QEMU arguments (qemu-system-x86_64, TCG) that boot it with the given `forward` input. */
export function standinArgs(kernel: string, initrd: string, forward: string): string[] {
  return [
    '-accel',
    'tcg',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-m',
    '256M',
    '-kernel',
    kernel,
    '-initrd',
    initrd,
    '-append',
    'console=ttyS0 quiet panic=-1',
    ...networkArgs(parseForwards(forward), NICS.virtioPci),
  ];
}
