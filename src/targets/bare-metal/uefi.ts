import { NICS } from '../../boot/network.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qemuOptionValue, rawDrive, type BootContext, type QemuLoad } from '../../boot/qemu-args.js';
import { literal } from '../../model/patterns.js';
import { explainIsaDebugExit, explainSemihosting, RUST_PANIC } from '../common.js';
import type { TargetPlan } from '../contract.js';
import { bareMetalPlan } from './common.js';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';

/** OVMF's files, from Debian/Ubuntu's `ovmf` package. */
export const OVMF_FIRMWARE = [
  { path: OVMF_CODE, aptPackage: 'ovmf' },
  { path: OVMF_VARS, aptPackage: 'ovmf' },
];

/** OVMF as pflash: the code read-only, the boot's own writable copy of the variable store (ovmfVars makes it). */
export const ovmfDrives = (workDir: string) => [
  `if=pflash,format=raw,readonly=on,file=${qemuOptionValue(OVMF_CODE)}`,
  `if=pflash,format=raw,file=${qemuOptionValue(path.join(workDir, 'OVMF_VARS.fd'))}`,
];

/** Copies the variable store into the boot's work folder, writable (the firmware writes boot entries to it). */
export function ovmfVars(workDir: string): void {
  fs.copyFileSync(OVMF_VARS, path.join(workDir, 'OVMF_VARS.fd'));
  fs.chmodSync(path.join(workDir, 'OVMF_VARS.fd'), 0o644);
}
const AAVMF = '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd';

/** Where the firmware looks for the app on a removable disk (UEFI 2.10, 3.5.1.1). */
const BOOT_FILE: Record<string, string> = { x86_64: 'BOOTX64.EFI', aarch64: 'BOOTAA64.EFI' };

const espDir = (ctx: BootContext) => path.join(ctx.workDir, 'esp');

/** The disk to boot: a FAT folder holding the .efi app as the default boot file, or a whole disk image as it is. */
const bootDisk = (ctx: BootContext) => (ctx.image === 'pe' ? `format=raw,file=${qemuOptionValue(`fat:rw:${espDir(ctx)}`)}` : rawDrive(ctx.kernel));

/** Copies the .efi app to <workDir>/esp/EFI/BOOT/<boot file> (a disk image is booted as it is). */
function prepareEsp(arch: string, ctx: BootContext): void {
  if (ctx.image !== 'pe') return;
  const dir = path.join(espDir(ctx), 'EFI', 'BOOT');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(ctx.kernel, path.join(dir, BOOT_FILE[arch]));
}

/**
 * UEFI applications (`.efi`, or a UEFI-bootable raw disk image such as the `bootloader` crate
 * makes), started by UEFI firmware in QEMU from a FAT folder shown as a disk.
 *
 * x86_64: OVMF as pflash (read-only code, a writable copy of the variable store in the boot's
 * workDir); the UEFI console appears on the serial port; success is isa-debug-exit 0x10 (status 33).
 * aarch64: the `virt` board with QEMU_EFI.fd (package qemu-efi-aarch64) and semihosting SYS_EXIT.
 */
export function uefi(target: string): TargetPlan | undefined {
  const family = 'UEFI application';
  if (target === 'x86_64-unknown-uefi') {
    return bareMetalPlan(target, {
      family,
      qemu: {
        arch: 'x86_64',
        cpu: { kvm: 'host', tcg: undefined },
        memory: '256M',
        console: 'serial',
        noMonitor: true,
        noReboot: true,
        noNic: true,
        nic: NICS.virtioPci,
        devices: ['isa-debug-exit,iobase=0xf4,iosize=0x04'],
        load: (ctx): QemuLoad => ({ drives: [...ovmfDrives(ctx.workDir), bootDisk(ctx)] }),
        prepare(ctx) {
          ovmfVars(ctx.workDir);
          prepareEsp('x86_64', ctx);
        },
      },
      firmware: OVMF_FIRMWARE,
      images: ['pe', 'raw'],
      exitCodes: [33],
      // OVMF's report of a CPU exception.
      failOn: [RUST_PANIC, literal('!!!! X64 Exception Type')],
      explainExit: explainIsaDebugExit,
    });
  }
  if (target === 'aarch64-unknown-uefi') {
    return bareMetalPlan(target, {
      family,
      qemu: {
        arch: 'aarch64',
        machine: 'virt',
        cpu: { kvm: 'host', tcg: 'cortex-a57' },
        memory: '256M',
        console: 'semihosting',
        noMonitor: true,
        noReboot: true,
        noNic: true,
        nic: NICS.virtioMmio,
        load: (ctx) => ({ bios: AAVMF, drives: [bootDisk(ctx)] }),
        prepare: (ctx) => prepareEsp('aarch64', ctx),
      },
      firmware: [{ path: AAVMF, aptPackage: 'qemu-efi-aarch64' }],
      images: ['pe', 'raw'],
      exitCodes: [0],
      failOn: [RUST_PANIC],
      explainExit: explainSemihosting,
    });
  }
  return undefined;
}
