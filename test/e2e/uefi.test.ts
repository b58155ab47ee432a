// End-to-end: examples/x86_64-unknown-uefi built with build-std into a .efi, put on a FAT ESP as
// EFI/BOOT/BOOTX64.EFI and started by OVMF; the app exits through isa-debug-exit.
import { test } from 'node:test';
import * as path from 'node:path';
import { assertFail, assertPass, exampleCases } from '../helpers/example.js';

const target = 'x86_64-unknown-uefi';
const { targetDir, run } = exampleCases({
  target,
  command:
    /qemu-system-x86_64 -accel (tcg|kvm) .*-drive if=pflash,format=raw,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE.fd -drive if=pflash,format=raw,file=\S+\/OVMF_VARS.fd -drive format=raw,file=fat:rw:\S+\/esp$/,
  exitCode: 33,
  qemuMarker: 'OVMF_VARS',
});

test(`${target}: an ELF given as the kernel is refused, naming what UEFI boots`, async () => {
  const r = await run({ kernel: '/bin/true', 'working-directory': '.' });
  assertFail(r, /^\/bin\/true is an ELF executable, but x86_64-unknown-uefi boots a PE \(\.efi\) application or a raw disk image\. Check the kernel input\.$/);
});

test(`${target}: the built .efi also boots as a prebuilt kernel`, async () => {
  const r = await run({ kernel: path.join(targetDir, target, 'debug', 'hello-uefi.efi'), 'working-directory': '.', accel: 'tcg' });
  assertPass(r);
});

// aarch64: examples/aarch64-unknown-uefi as EFI/BOOT/BOOTAA64.EFI, started by AAVMF (QEMU_EFI.fd) on
// the virt board; the app exits through semihosting.
exampleCases({
  target: 'aarch64-unknown-uefi',
  command:
    /qemu-system-aarch64 -accel tcg -machine virt -cpu cortex-a57 -m 256M .*-semihosting-config enable=on,target=native,chardev=console .*-bios \/usr\/share\/qemu-efi-aarch64\/QEMU_EFI\.fd -drive format=raw,file=fat:rw:\S+\/esp$/,
  exitCode: 0,
  qemuMarker: 'QEMU_EFI',
});
