// The QEMU command line each target family builds, and the inputs that change it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../../src/model/errors.js';
import { runnerCommand } from '../../../../src/boot/launchers.js';
import { QEMU_ARCHES, type BootContext } from '../../../../src/boot/qemu-args.js';
import { detectImage } from '../../../../src/targets/common.js';
import { bootArgv, fakeInputs, fakePlan } from '../../../../test/helpers/inputs.js';
import { tempDir } from '../../../helpers/tmp.js';

const inputs = (over: Record<string, string>) => ({ 'working-directory': 'examples/x86_64-unknown-none', expect: 'ok', ...over });
const read = (over: Record<string, string>) => fakeInputs(inputs(over));
const plan = (over: Record<string, string>) => fakePlan(inputs(over));
const argv = (over: Record<string, string>, c: Partial<BootContext> = {}) => bootArgv(plan(over), 'qemu', c).join(' ');
/** The family's plan for a target, with an expect line. */
const resolveTarget = (target: string) => plan({ target }).target;
const binary = (target: string) => QEMU_ARCHES[resolveTarget(target).boot.qemu.arch];

const SEMIHOSTING =
  '-display none -chardev stdio,id=console,mux=on -serial chardev:console -semihosting-config enable=on,target=native,chardev=console -monitor none';

test('aarch64-unknown-none(-softfloat): virt board, cortex-a57, semihosting on the serial console', () => {
  for (const target of ['aarch64-unknown-none', 'aarch64-unknown-none-softfloat']) {
    assert.equal(argv({ target }), `qemu -accel tcg -machine virt -cpu cortex-a57 -m 128M ${SEMIHOSTING} -no-reboot -kernel /k`);
    assert.deepEqual(resolveTarget(target).verdict.exitCodes, [0]);
    assert.equal(binary(target).binary, 'qemu-system-aarch64');
  }
});

test("riscv64: virt board with QEMU's OpenSBI; riscv32: -bios none (no 32-bit OpenSBI in Debian)", () => {
  assert.equal(
    argv({ target: 'riscv64gc-unknown-none-elf' }),
    'qemu -accel tcg -machine virt -m 128M -display none -serial stdio -monitor none -no-reboot -kernel /k',
  );
  assert.equal(
    argv({ target: 'riscv64imac-unknown-none-elf' }),
    'qemu -accel tcg -machine virt -m 128M -display none -serial stdio -monitor none -no-reboot -kernel /k',
  );
  assert.equal(
    argv({ target: 'riscv32imac-unknown-none-elf' }),
    'qemu -accel tcg -machine virt -m 128M -display none -serial stdio -monitor none -no-reboot -bios none -kernel /k',
  );
  assert.equal(binary('riscv32imc-unknown-none-elf').binary, 'qemu-system-riscv32');
  assert.equal(binary('riscv64gc-unknown-none-elf').aptPackage, 'qemu-system-misc');
  assert.deepEqual(
    resolveTarget('riscv64gc-unknown-none-elf').verdict.failOn.map((p) => p.source),
    ['panicked at ', 'sbi_trap_error'],
  );
});

test('Cortex-M: one board per architecture, semihosting', () => {
  const boards: Record<string, string> = {
    'thumbv6m-none-eabi': 'lm3s6965evb',
    'thumbv7m-none-eabi': 'lm3s6965evb',
    'thumbv7em-none-eabi': 'mps2-an386',
    'thumbv7em-none-eabihf': 'mps2-an386',
    'thumbv8m.base-none-eabi': 'mps2-an505',
    'thumbv8m.main-none-eabihf': 'mps2-an505',
  };
  for (const [target, board] of Object.entries(boards)) {
    assert.equal(argv({ target }), `qemu -accel tcg -machine ${board} ${SEMIHOSTING} -no-reboot -kernel /k`, target);
  }
  assert.throws(() => read({ target: 'thumbv7a-none-eabi' }), /'thumbv7a-none-eabi' is not a supported target/);
});

test('x86_64-unknown-uefi: OVMF as pflash with a writable VARS copy, the app on a FAT ESP, isa-debug-exit', () => {
  assert.equal(
    argv({ target: 'x86_64-unknown-uefi' }, { image: 'pe' }),
    'qemu -accel tcg -m 256M -display none -serial stdio -monitor none -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 ' +
      '-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd -drive if=pflash,format=raw,file=/w/OVMF_VARS.fd -drive format=raw,file=fat:rw:/w/esp',
  );
  // A UEFI disk image is booted as it is.
  assert.match(argv({ target: 'x86_64-unknown-uefi' }, { image: 'raw' }), / -drive format=raw,file=\/k,snapshot=on$/);
  assert.deepEqual(resolveTarget('x86_64-unknown-uefi').verdict.exitCodes, [33]);
  assert.deepEqual(resolveTarget('x86_64-unknown-uefi').boot.images, ['pe', 'raw']);
});

test('aarch64-unknown-uefi: virt board with QEMU_EFI.fd and BOOTAA64.EFI', () => {
  assert.equal(
    argv({ target: 'aarch64-unknown-uefi' }, { image: 'pe' }),
    `qemu -accel tcg -machine virt -cpu cortex-a57 -m 256M ${SEMIHOSTING} -no-reboot -nic none -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd -drive format=raw,file=fat:rw:/w/esp`,
  );
});

test('x86_64-unknown-none: an ELF boots with -kernel, a raw disk image (bootloader crate) with -drive', () => {
  assert.match(argv({ target: 'x86_64-unknown-none' }), / -kernel \/k$/);
  assert.match(argv({ target: 'x86_64-unknown-none' }, { image: 'raw' }), /isa-debug-exit,iobase=0xf4,iosize=0x04 -drive format=raw,file=\/k,snapshot=on$/);
});

test('detectImage reads the first bytes', () => {
  const d = tempDir('detect-');
  const write = (name: string, bytes: Buffer) => (fs.writeFileSync(path.join(d, name), bytes), path.join(d, name));
  assert.equal(detectImage(write('elf', Buffer.from('\x7fELF\x02\x01', 'latin1'))), 'elf');
  assert.equal(detectImage(write('pe', Buffer.from('MZ\x90\x00', 'latin1'))), 'pe');
  assert.equal(detectImage(write('img', Buffer.alloc(512))), 'raw');
  assert.equal(detectImage(write('tiny', Buffer.from('x'))), 'raw');
});

test('machine, cpu and memory inputs replace the defaults; the same option in qemu-args does too', () => {
  assert.equal(
    argv({ target: 'aarch64-unknown-none', machine: 'virt,gic-version=3', cpu: 'max', memory: '1G' }),
    `qemu -accel tcg -machine virt,gic-version=3 -cpu max -m 1G ${SEMIHOSTING} -no-reboot -kernel /k`,
  );
  assert.equal(
    argv({ target: 'aarch64-unknown-none', 'qemu-args': '-M virt,secure=on -cpu cortex-a72 -m 64M' }),
    `qemu -accel tcg ${SEMIHOSTING} -no-reboot -kernel /k -M virt,secure=on -cpu cortex-a72 -m 64M`,
  );
  assert.equal(argv({ target: 'thumbv7m-none-eabi', machine: 'mps2-an385' }), `qemu -accel tcg -machine mps2-an385 ${SEMIHOSTING} -no-reboot -kernel /k`);
  // The cpu input wins under KVM too.
  assert.match(bootArgv(plan({ target: 'x86_64-unknown-none', cpu: 'qemu64' }), 'q', { accel: 'kvm' }).join(' '), /^q -accel kvm -cpu qemu64 /);
});

function rejects(inputs: Record<string, string>, input: string, message: RegExp) {
  assert.throws(
    () => plan(inputs),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
      assert.equal(e.input, input);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('bad machine, cpu, memory and runner inputs name the input and what would be valid', () => {
  rejects(
    { target: 'aarch64-unknown-none', machine: 'virt; reboot' },
    'machine',
    /'virt; reboot' is not valid. Give a QEMU machine type .* qemu-system-aarch64 -machine help/,
  );
  rejects({ target: 'aarch64-unknown-none', cpu: 'a b' }, 'cpu', /QEMU CPU model/);
  rejects({ target: 'aarch64-unknown-none', memory: 'lots' }, 'memory', /'lots' is not valid.*512M, 2G/);
  rejects({ target: 'aarch64-unknown-none', memory: '0' }, 'memory', /not valid/);
  rejects({ target: 'aarch64-unknown-none', machine: 'virt', 'qemu-args': '-machine virt' }, 'machine', /qemu-args sets '-machine' too/);
  rejects({ target: 'aarch64-unknown-none', cpu: 'max', 'qemu-args': '-cpu max' }, 'cpu', /qemu-args sets '-cpu' too/);
  rejects({ target: 'aarch64-unknown-none', memory: '1G', 'qemu-args': '-m 2G' }, 'memory', /qemu-args sets '-m' too/);
  rejects({ target: 'aarch64-unknown-none', runner: 'my-qemu.sh', machine: 'virt' }, 'machine', /runner replaces/);
  rejects({ target: 'aarch64-unknown-none', runner: 'my-qemu.sh', 'qemu-args': '-m 1G' }, 'qemu-args', /runner replaces/);
  rejects({ target: 'aarch64-unknown-none', runner: 'cargo', kernel: 'package.json' }, 'runner', /cargo run.*kernel/);
});

test('a target whose success status is 0 needs an expect line: QEMU also exits 0 on power-off or reset', () => {
  for (const target of ['aarch64-unknown-none', 'riscv64gc-unknown-none-elf', 'thumbv7m-none-eabi']) {
    rejects(
      { target, expect: '' },
      'expect',
      /exit status 0 counts as success .*status 0 alone proves nothing. Add a line your kernel prints only when it succeeded/,
    );
    assert.deepEqual(plan({ target, expect: '', 'exit-code': '3' }).verdict.exitCodes, [3]);
  }
  rejects({ target: 'x86_64-unknown-none', expect: '', 'exit-code': '0' }, 'expect', /status 0 alone proves nothing/);
  assert.deepEqual(plan({ target: 'x86_64-unknown-uefi', expect: '' }).verdict.exitCodes, [33]);
});

test('runner: {kernel} is replaced, else the path is appended; "cargo" means cargo run', () => {
  assert.deepEqual(runnerCommand(['qemu-run', '--image={kernel}', '-v'], '/k'), ['qemu-run', '--image=/k', '-v']);
  assert.deepEqual(runnerCommand(['./run.sh', '-v'], '/k'), ['./run.sh', '-v', '/k']);
  assert.deepEqual(read({ target: 'aarch64-unknown-none', runner: 'cargo' }).runner, { kind: 'cargo' });
  assert.deepEqual(read({ target: 'aarch64-unknown-none', runner: "sh -c 'qemu {kernel}'" }).runner, { kind: 'command', argv: ['sh', '-c', 'qemu {kernel}'] });
});
