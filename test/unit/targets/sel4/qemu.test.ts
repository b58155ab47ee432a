// seL4 QEMU lines per route and arch, held against upstream's own command lines, and the
// memory/PRINTING facts read from hand-written prefixes shaped like real installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HEADLESS, microkitQemu, qemuArgv, rootTaskQemu, type Sel4QemuLine } from '../../../../src/targets/sel4/qemu.js';
import {
  chooseMemory,
  checkGenConfig,
  memoryMiB,
  parseGenConfig,
  parsePlatformGen,
  qemuArgsMemory,
  qemuSizeMiB,
  readPrefix,
} from '../../../../src/targets/sel4/kernel-facts.js';
import { InputError } from '../../../../src/model/errors.js';
import { ROOT } from '../../../helpers/action.js';

const FIX = path.join(ROOT, 'test/fixtures/sel4');

/**
 * Upstream's lines, copied from the files named, with `$(image)`-style variables replaced by the
 * same names our functions get. Console options (-nographic, -serial mon:stdio, -display none) are
 * dropped on both sides: the project uses its own headless set for the same serial port.
 */
const UPSTREAM = {
  // https://github.com/seL4/rust-root-task-demo/blob/main/Makefile (qemu_cmd)
  rootTaskAarch64: 'qemu-system-aarch64 -machine virt,virtualization=on -cpu cortex-a57 -m size=1G -serial mon:stdio -nographic -kernel IMAGE',
  // https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/worlds.nix (riscv64 qemu-riscv-virt, QEMU_MEMORY 2048, one core)
  rootTaskRiscv64: 'qemu-system-riscv64 -machine virt -cpu rv64 -m size=2048 -nographic -serial mon:stdio -kernel IMAGE',
  // same file, x86 pc99 (not Microkit)
  rootTaskX86_64:
    'qemu-system-x86_64 -cpu Nehalem,-vme,+pdpe1gb,-xsave,-xsaveopt,-xsavec,-fsgsbase,-invpcid,+syscall,+lm,enforce -m size=512M -nographic -serial mon:stdio -kernel KERNEL32 -initrd IMAGE',
  // https://github.com/seL4/rust-microkit-demo/blob/main/Makefile (BOARD=qemu_virt_aarch64)
  microkitAarch64:
    'qemu-system-aarch64 -machine virt,virtualization=on -cpu cortex-a53 -m size=2G -serial mon:stdio -nographic -device loader,file=IMAGE,addr=0x70000000,cpu-num=0',
  // https://github.com/seL4/microkit/blob/2.3.0/docs/manual.md (qemu_virt_aarch64_el1)
  microkitAarch64El1:
    'qemu-system-aarch64 -machine virt -cpu cortex-a53 -nographic -serial mon:stdio -device loader,file=IMAGE,addr=0x70000000,cpu-num=0 -m size=2G',
  // https://github.com/seL4/microkit/blob/2.3.0/example/cap_sharing/Makefile (riscv64; no -cpu: QEMU's default)
  microkitRiscv64: 'qemu-system-riscv64 -machine virt -kernel IMAGE -nographic -m size=2G -serial mon:stdio',
  // https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/worlds.nix (riscv64 microkit: the same with -cpu rv64)
  microkitRiscv64RustSel4: 'qemu-system-riscv64 -machine virt -cpu rv64 -m size=2048 -nographic -serial mon:stdio -kernel IMAGE',
  // same Makefile (x86_64)
  microkitX86_64: 'qemu-system-x86_64 -cpu qemu64,+fsgsbase,+pdpe1gb,+xsaveopt,+xsave -m 1G -display none -serial mon:stdio -kernel KERNEL32 -initrd IMAGE',
};

/** binary, -machine, -cpu, -m (in MiB), and the image arguments in order. */
function normalize(argv: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { binary: argv[0], image: [] as string[] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-nographic') continue;
    if (['-serial', '-display', '-monitor'].includes(a)) {
      i++;
      continue;
    }
    if (a === '-machine' || a === '-cpu') {
      out[a] = argv[++i];
      continue;
    }
    if (a === '-m') {
      out['-m'] = qemuSizeMiB(argv[++i]);
      continue;
    }
    (out.image as string[]).push(a);
  }
  return out;
}
const upstream = (s: string) => normalize(s.split(' '));
const ours = (l: Sel4QemuLine) => normalize(qemuArgv(l, HEADLESS));

test("root task: aarch64, riscv64 and x86_64 lines match upstream's", () => {
  assert.deepEqual(ours(rootTaskQemu({ arch: 'aarch64', image: 'IMAGE', memoryMiB: 1024 })), upstream(UPSTREAM.rootTaskAarch64));
  assert.deepEqual(ours(rootTaskQemu({ arch: 'riscv64', image: 'IMAGE', memoryMiB: 2048 })), upstream(UPSTREAM.rootTaskRiscv64));
  assert.deepEqual(ours(rootTaskQemu({ arch: 'x86_64', image: 'IMAGE', kernel32: 'KERNEL32' })), upstream(UPSTREAM.rootTaskX86_64));
});

test("Microkit: qemu_virt_aarch64 (loader device at 0x70000000), _el1, qemu_virt_riscv64 and x86_64_generic match upstream's", () => {
  assert.deepEqual(ours(microkitQemu({ board: 'qemu_virt_aarch64', image: 'IMAGE', memoryMiB: 2048 })), upstream(UPSTREAM.microkitAarch64));
  assert.deepEqual(ours(microkitQemu({ board: 'qemu_virt_aarch64_el1', image: 'IMAGE', memoryMiB: 2048 })), upstream(UPSTREAM.microkitAarch64El1));
  const rv = ours(microkitQemu({ board: 'qemu_virt_riscv64', image: 'IMAGE', memoryMiB: 2048 }));
  assert.deepEqual(rv, upstream(UPSTREAM.microkitRiscv64RustSel4));
  const { '-cpu': cpu, ...rest } = rv;
  assert.equal(cpu, 'rv64');
  assert.deepEqual(rest, upstream(UPSTREAM.microkitRiscv64));
  assert.deepEqual(ours(microkitQemu({ board: 'x86_64_generic', image: 'IMAGE', kernel32: 'KERNEL32' })), upstream(UPSTREAM.microkitX86_64));
  assert.throws(() => microkitQemu({ board: 'x86_64_generic', image: 'IMAGE' }), /sel4_32\.elf/);
});

test('the whole line: headless console, -smp for multi-core kernels, commas in a loader path doubled', () => {
  const l = microkitQemu({ board: 'qemu_virt_aarch64', image: '/w/a,b/loader.img', memoryMiB: 2048, smp: 4 });
  assert.deepEqual(qemuArgv(l, HEADLESS), [
    'qemu-system-aarch64',
    '-machine',
    'virt,virtualization=on',
    '-cpu',
    'cortex-a53',
    '-m',
    '2048M',
    '-smp',
    '4',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-device',
    'loader,file=/w/a,,b/loader.img,addr=0x70000000,cpu-num=0',
  ]);
  assert.equal(rootTaskQemu({ arch: 'aarch64', image: 'i', smp: 1 }).smp, undefined);
});

test("platform_gen.yaml (hex) and platform_gen.json (decimal) read the same; -m is the highest end minus QEMU's RAM base", () => {
  const yamlFile = path.join(FIX, 'prefix-aarch64/support/platform_gen.yaml');
  const jsonFile = path.join(FIX, 'prefix-aarch64/support/platform_gen.json');
  const y = parsePlatformGen(fs.readFileSync(yamlFile, 'utf8'), yamlFile);
  assert.deepEqual(y, parsePlatformGen(fs.readFileSync(jsonFile, 'utf8'), jsonFile));
  assert.deepEqual(y.memory, [{ start: 0x4000_0000, end: 0x8000_0000 }]);
  assert.equal(memoryMiB('aarch64', y, yamlFile), 1024);
  // riscv64: 3 GiB built, memory starting after the 2 MiB SBI reservation.
  const rv = path.join(FIX, 'prefix-riscv64/support/platform_gen.yaml');
  assert.equal(memoryMiB('riscv64', parsePlatformGen(fs.readFileSync(rv, 'utf8'), rv), rv), 3072);
  // A Microkit board's platform_gen.json: 2 GiB.
  const mk = path.join(FIX, 'microkit-board/qemu_virt_aarch64/debug/platform_gen.json');
  assert.equal(memoryMiB('aarch64', parsePlatformGen(fs.readFileSync(mk, 'utf8'), mk), mk), 2048);
  assert.equal(memoryMiB('x86_64', y, yamlFile), undefined, 'x86_64 finds its memory at boot');
  assert.throws(() => parsePlatformGen('devices: []\n', 'p.yaml'), /has no 'memory' list/);
  assert.throws(() => parsePlatformGen('memory:\n- start: 0x10\n  end: 0x5\n', 'p.yaml'), /memory\[0\] is not a \{start, end\} region/);
  assert.throws(() => memoryMiB('riscv64', y, yamlFile), /below QEMU's RAM base 0x80000000/);
});

test('memory: the built size by default; a smaller memory input is refused naming QEMU_MEMORY; a larger one is kept', () => {
  assert.equal(chooseMemory(3072, undefined, 'platform_gen.yaml'), '3072M');
  assert.equal(chooseMemory(undefined, undefined, 'x'), undefined);
  assert.equal(chooseMemory(1024, '2G', 'x'), '2G');
  assert.equal(chooseMemory(1024, '1024', 'x'), '1024');
  assert.throws(
    () => chooseMemory(3072, '2G', 'support/platform_gen.yaml'),
    (e: Error) => e instanceof InputError && e.input === 'memory' && /'2G' is less than the 3072 MiB .* QEMU_MEMORY/.test(e.message),
  );
  assert.equal(qemuSizeMiB('size=1G'), 1024);
  assert.equal(qemuSizeMiB('size=2G,slots=2,maxmem=8G'), 2048);
  assert.equal(qemuSizeMiB('1.5G'), 1536);
  // qemu-args' -m: the last one counts, in any spelling, and is checked like memory.
  assert.equal(qemuArgsMemory(['-smp', '2', '-m', '2G']), '2G');
  assert.equal(qemuArgsMemory(['-m=1G', '--m', 'size=4G']), 'size=4G');
  assert.equal(qemuArgsMemory(['-machine', 'virt']), undefined);
  assert.equal(chooseMemory(3072, undefined, 'x', ['-m', '4G']), '4G');
  assert.throws(
    () => chooseMemory(3072, undefined, 'support/platform_gen.yaml', ['-m', '2G']),
    (e: Error) => e instanceof InputError && e.input === 'qemu-args' && /-m 2G is less than the 3072 MiB .*leave -m out of qemu-args/.test(e.message),
  );
  assert.throws(() => chooseMemory(3072, undefined, 'x', ['-smp', '1', '-m', 'size=1G,maxmem=4G']), /Input 'qemu-args': -m size=1G,maxmem=4G is less than/);
  assert.equal(qemuSizeMiB('512'), 512);
});

test('gen_config.json: a kernel without PRINTING, for another arch, or without the FPU riscv64gc needs is refused', () => {
  const f = (p: string) => path.join(FIX, p, 'libsel4/include/kernel/gen_config.json');
  const aarch64 = parseGenConfig(fs.readFileSync(f('prefix-aarch64'), 'utf8'), 'x');
  checkGenConfig(aarch64, 'aarch64', { needsFpu: false, file: 'x', input: 'sel4-prefix' });
  const release = parseGenConfig(fs.readFileSync(f('prefix-aarch64-release'), 'utf8'), 'gen_config.json');
  assert.throws(
    () => checkGenConfig(release, 'aarch64', { needsFpu: false, file: 'gen_config.json', input: 'sel4-prefix' }),
    (e: Error) => e instanceof InputError && /built without PRINTING .*"PRINTING" is false.*KernelPrinting=ON/.test(e.message),
  );
  assert.throws(() => checkGenConfig(aarch64, 'riscv64', { needsFpu: false, file: 'x', input: 'sel4-prefix' }), /built for aarch64 .*, the target for riscv64/);
  assert.throws(
    () => checkGenConfig({ ...aarch64, SEL4_ARCH: 'riscv64', RISCV_EXT_D: false }, 'riscv64', { needsFpu: true, file: 'x', input: 'sel4-prefix' }),
    /without the RISC-V D extension/,
  );
  assert.throws(() => parseGenConfig('[1]', 'g.json'), /not a JSON object/);
});

test('readPrefix: the installed layout, read and checked', () => {
  const a = readPrefix(path.join(FIX, 'prefix-aarch64'), 'aarch64', false);
  assert.equal(a.memoryMiB, 1024);
  assert.match(a.platformFile!, /platform_gen\.yaml$/);
  const x = readPrefix(path.join(FIX, 'prefix-x86_64'), 'x86_64', false);
  assert.equal(x.memoryMiB, undefined);
  assert.equal(x.platformFile, undefined);
  assert.throws(() => readPrefix(path.join(FIX, 'prefix-aarch64-release'), 'aarch64', false), /without PRINTING/);
  assert.throws(() => readPrefix(path.join(FIX, 'prefix-x86_64'), 'aarch64', false), /built for x86_64/);
  assert.throws(
    () => readPrefix(path.join(FIX, 'locks'), 'aarch64', false),
    (e: Error) => e instanceof InputError && e.input === 'sel4-prefix' && /has no bin\/kernel\.elf/.test(e.message),
  );
});
