import * as fs from 'node:fs';
import * as path from 'node:path';
import { InfraError } from '../../model/errors.js';
import { capture, errorLine } from '../../proc/run.js';

/** The Debian/Ubuntu packages grub-mkrescue needs for a BIOS and UEFI bootable ISO. */
export const GRUB_APT = ['grub-pc-bin', 'grub-efi-amd64-bin', 'xorriso', 'mtools'];

/**
 * The grub.cfg of the generated ISO: GRUB's own console on COM1 (where the kernel prints too, so
 * a GRUB error such as "no multiboot header found" shows in the serial log), and the kernel loaded
 * with `multiboot2` and started with `boot` as the script runs, with no menu
 * (https://www.gnu.org/software/grub/manual/grub/grub.html, "serial", "terminal_output",
 * "multiboot2", "boot"). If `boot` returns, GRUB could not start the kernel: it says so and halts
 * (QEMU exits 0, which is never a pass) instead of waiting at a prompt until the timeout.
 */
export function grubCfg(): string {
  return [
    'serial --unit=0 --speed=115200',
    'terminal_input serial',
    'terminal_output serial',
    'multiboot2 /boot/kernel',
    'boot',
    'echo "unikernel-boot-action: GRUB could not boot /boot/kernel (see the error above)"',
    'halt',
    '',
  ].join('\n');
}

/** Where the ISO's files and the ISO itself go in a boot's work folder. */
export function grubPaths(workDir: string) {
  return { root: path.join(workDir, 'grub-iso'), iso: path.join(workDir, 'grub.iso') };
}

/** The grub-mkrescue command line: the folder becomes a hybrid BIOS (i386-pc) and UEFI (x86_64-efi) ISO. */
export function grubMkrescueArgv(workDir: string): string[] {
  const { root, iso } = grubPaths(workDir);
  return ['grub-mkrescue', '-o', iso, root];
}

/** Builds the GRUB ISO around a multiboot2 kernel: <root>/boot/kernel, <root>/boot/grub/grub.cfg, then grub-mkrescue. */
export async function buildGrubIso(kernel: string, workDir: string, log: (line: string) => void): Promise<string> {
  const { root, iso } = grubPaths(workDir);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'boot', 'grub'), { recursive: true });
  fs.copyFileSync(kernel, path.join(root, 'boot', 'kernel'));
  fs.writeFileSync(path.join(root, 'boot', 'grub', 'grub.cfg'), grubCfg());
  const [cmd, ...args] = grubMkrescueArgv(workDir);
  log(`[command]${[cmd, ...args].join(' ')}`);
  const r = await capture(cmd, args);
  if (r.code !== 0 || !fs.existsSync(iso)) {
    // The runner's part (a tool missing or failing), not the kernel's: result error.
    const why = r.code === 127 ? 'grub-mkrescue is not installed' : `grub-mkrescue failed (exit ${r.code}): ${errorLine(r.stderr || r.stdout)}`;
    throw new InfraError(
      `Could not build the GRUB ISO for the multiboot2 kernel ${kernel}: ${why}. It needs the packages ${GRUB_APT.join(', ')} (the action installs them on Debian/Ubuntu runners); or build the ISO yourself and give it as the kernel input.`,
      'grub',
    );
  }
  return iso;
}
