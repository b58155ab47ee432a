// End-to-end: examples/x86_64-unknown-uefi built with build-std into a .efi, put on a FAT ESP as
// EFI/BOOT/BOOTX64.EFI and started by OVMF; the app exits through isa-debug-exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertFail, assertPass, copyExample, exampleCases } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';

const target = 'x86_64-unknown-uefi';
const { targetDir, run } = exampleCases({
  target,
  command:
    /qemu-system-x86_64 -accel (tcg|kvm) .*-drive if=pflash,format=raw,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE.fd -drive if=pflash,format=raw,file=\S+\/OVMF_VARS.fd -drive format=raw,file=fat:rw:\S+\/esp$/,
  exitCode: 33,
  qemuMarker: 'OVMF_VARS',
});

test(`${target}: an ELF given as the kernel is refused, naming what UEFI boots`, async () => {
  // An ELF (a copy of /bin/true: path inputs must stay inside the workspace or the temp folders).
  const elf = path.join(tempDir('e2e-uefi-elf-'), 'true');
  fs.copyFileSync('/bin/true', elf);
  const r = await run({ kernel: elf, 'working-directory': '.' });
  assertFail(r, /^\/\S+\/true is an ELF executable, but x86_64-unknown-uefi boots a PE \(\.efi\) application or a raw disk image\. Check the kernel input\.$/);
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

// command: test on UEFI: the example's app as two integration tests (harness = false), each a
// .efi of its own. Both boot side by side, each with its own ESP and OVMF variables file.
test(`${target}: command: test boots every test .efi, each on its own ESP`, async () => {
  const crate = tempDir('e2e-uefi-tests-');
  copyExample(target, crate);
  const app = fs.readFileSync(path.join(crate, 'src', 'main.rs'), 'utf8');
  fs.mkdirSync(path.join(crate, 'tests'));
  for (const name of ['boots', 'boots_too']) fs.writeFileSync(path.join(crate, 'tests', `${name}.rs`), app);
  // No panic = "abort" profile: with it, `cargo test -Zbuild-std` builds core twice (https://github.com/rust-lang/cargo/issues/7359);
  // UEFI targets abort on panic by themselves. The binary has no test harness to build (no std).
  const manifest = fs.readFileSync(path.join(crate, 'Cargo.toml'), 'utf8').replace(/\[profile\.[\s\S]*$/, '');
  fs.writeFileSync(
    path.join(crate, 'Cargo.toml'),
    `${manifest}\n[[bin]]\nname = "hello-uefi"\npath = "src/main.rs"\ntest = false\n\n[[test]]\nname = "boots"\nharness = false\n\n[[test]]\nname = "boots_too"\nharness = false\n`,
  );
  const r = await run({ 'working-directory': crate, command: 'test', accel: 'tcg' });
  assertPass(r);
  assert.match(r.outputs.reason, /^All 2 test executables passed \(2 test cases\)\.$/);
  assert.match(r.stdout, /-drive if=pflash,format=raw,file=\S+\/tests\/0\/OVMF_VARS\.fd -drive format=raw,file=fat:rw:\S+\/tests\/0\/esp/);
  assert.match(r.stdout, /-drive if=pflash,format=raw,file=\S+\/tests\/1\/OVMF_VARS\.fd -drive format=raw,file=fat:rw:\S+\/tests\/1\/esp/);
});
