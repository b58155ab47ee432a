// The dry-run plan of each route and arch: every step's command line in order, from the pure modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GITHUB } from '../../../../src/install/download.js';
import { microkitPlan, rootTaskPlan } from '../../../../src/targets/sel4/plan.js';
import { parseSel4Target } from '../../../../src/targets/sel4/targets.js';
import { NEWEST, RELEASES, type VersionChoice } from '../../../../src/targets/sel4/versions.js';

const v5: VersionChoice = { rev: NEWEST.commit, requested: 'tag=v5.0.0', release: NEWEST, known: true, note: 'Cargo.lock: rust-sel4 tag v5.0.0 is v5.0.0' };
const common = {
  versions: v5,
  sel4Config: {},
  loader: { kind: 'cargo-install' } as const,
  buildRustflags: [],
  qemuVersion: 'QEMU emulator version 7.2.0',
  work: '/w',
  toolCache: '/tc',
  nodeArch: 'x64',
};
const flat = (p: { steps: { argv?: string[] }[] }) => p.steps.map((s) => s.argv?.join(' ') ?? '');

test("root task, aarch64, kernel built: clone + cmake + ninja, loader installed at the crate's rev, add-payload, QEMU at the built size", () => {
  const p = rootTaskPlan({ ...common, target: parseSel4Target('aarch64-sel4')!, app: '/t/aarch64-sel4/debug/root-task.elf' });
  const steps = flat(p);
  assert.match(steps[1], /^git clone --quiet --depth 1 --branch 16\.0\.0 https:\/\/github\.com\/seL4\/seL4\.git /);
  assert.match(
    steps[3],
    /^cmake -G Ninja .* -DCROSS_COMPILER_PREFIX=aarch64-linux-gnu- -DKernelPlatform=qemu-arm-virt -DKernelSel4Arch=aarch64 -DARM_CPU=cortex-a57 -DKernelArmHypervisorSupport=ON -DKernelVerificationBuild=OFF$/,
  );
  const prefix = p.cargo.env.SEL4_PREFIX;
  assert.match(prefix, /^\/tc\/sel4-kernel-aarch64\/16\.0\.0-h[0-9a-f]{12}\/x64$/);
  assert.equal(
    steps[6],
    `cargo install -Z build-std=core,compiler_builtins -Z build-std-features=compiler-builtins-mem --target aarch64-unknown-none --git https://github.com/seL4/rust-sel4 --rev ${NEWEST.commit} --root /w/sel4-kernel-loader sel4-kernel-loader`,
  );
  assert.equal(
    steps[8],
    `/w/sel4-kernel-loader/bin/sel4-kernel-loader-add-payload --loader /w/sel4-kernel-loader/bin/sel4-kernel-loader --sel4-prefix ${prefix} --app /t/aarch64-sel4/debug/root-task.elf -o /w/image.elf`,
  );
  assert.deepEqual(p.cargo.config, ['--config', 'target.aarch64-sel4.rustflags=["-Zunstable-options"]']);
  assert.deepEqual(p.qemu, [
    'qemu-system-aarch64',
    '-machine',
    'virt,virtualization=on',
    '-cpu',
    'cortex-a57',
    '-m',
    '1024M',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-kernel',
    '/w/image.elf',
  ]);
  for (const pkg of ['libclang-dev', 'gcc-aarch64-linux-gnu', 'cmake', 'ninja-build', 'qemu-system-arm']) assert.ok(p.apt.includes(pkg), pkg);
});

test('root task, riscv64 with QEMU_MEMORY from sel4-config: -m follows it; x86_64 with sel4-prefix: no build, no loader, elf32 kernel + initrd', () => {
  const rv = rootTaskPlan({ ...common, sel4Config: { QEMU_MEMORY: '2048' }, target: parseSel4Target('riscv64imac-sel4')!, app: '/t/rt.elf' });
  assert.deepEqual(rv.qemu.slice(0, 7), ['qemu-system-riscv64', '-machine', 'virt', '-cpu', 'rv64', '-m', '2048M']);
  assert.ok(flat(rv).some((s) => s.includes('--target riscv64imac-unknown-none-elf')));
  assert.equal(rootTaskPlan({ ...common, target: parseSel4Target('riscv64gc-sel4')!, app: '/t/rt.elf' }).qemu[6], '3072M', "seL4's riscv64 default");
  const x = rootTaskPlan({ ...common, prefix: '/opt/seL4', target: parseSel4Target('x86_64-sel4')!, app: '/t/x86_64-sel4/debug/root-task.elf' });
  assert.deepEqual(flat(x), ['objcopy -O elf32-i386 /opt/seL4/bin/kernel.elf /w/kernel32.elf']);
  assert.deepEqual(x.cargo.env, { SEL4_PREFIX: '/opt/seL4' });
  assert.deepEqual(x.qemu.slice(-4), ['-kernel', '/w/kernel32.elf', '-initrd', '/t/x86_64-sel4/debug/root-task.elf']);
  assert.ok(!x.apt.includes('cmake'), 'no kernel build');
});

test("root task: a given loader is used as is; an unknown revision still installs at the crate's rev", () => {
  const p = rootTaskPlan({ ...common, prefix: '/k', loader: { kind: 'path', root: '/opt/loader' }, target: parseSel4Target('aarch64-sel4')!, app: '/a.elf' });
  assert.deepEqual(flat(p), [
    '/opt/loader/bin/sel4-kernel-loader-add-payload --loader /opt/loader/bin/sel4-kernel-loader --sel4-prefix /k --app /a.elf -o /w/image.elf',
  ]);
  assert.throws(
    () => rootTaskPlan({ ...common, versions: { ...v5, rev: undefined }, prefix: '/k', target: parseSel4Target('aarch64-sel4')!, app: '/a.elf' }),
    /Input .sel4-kernel-loader.: is not set.*Give sel4-kernel-loader: the --root/,
  );
});

test('Microkit on qemu_virt_aarch64: the paired SDK downloaded, SEL4_INCLUDE_DIRS into the board, microkit command, loader device', () => {
  const v3: VersionChoice = { ...v5, release: RELEASES[0], rev: RELEASES[0].commit };
  const p = microkitPlan({
    target: parseSel4Target('aarch64-sel4-microkit')!,
    versions: v3,
    board: 'qemu_virt_aarch64',
    config: 'debug',
    system: '/c/hello.system',
    buildRustflags: [],
    memoryMiB: 2048,
    work: '/w',
    toolCache: '/tc',
    nodeArch: 'x64',
    hosts: GITHUB,
    searchPaths: ['/c/target/aarch64-sel4-microkit/release'],
  });
  assert.match(
    p.steps[0].what,
    /Microkit SDK 2\.1\.0: download https:\/\/github\.com\/seL4\/microkit\/releases\/download\/2\.1\.0\/microkit-sdk-2\.1\.0-linux-x86-64\.tar\.gz \(sha256 published by GitHub\)/,
  );
  const sdk = '/tc/microkit-sdk-unpacked/2.1.0/x64/microkit-sdk-2.1.0';
  assert.deepEqual(p.cargo.env, {
    SEL4_INCLUDE_DIRS: `${sdk}/board/qemu_virt_aarch64/debug/include`,
    SEL4_PLATFORM_INFO: `${sdk}/board/qemu_virt_aarch64/debug/platform_gen.json`,
  });
  assert.equal(
    flat(p)[1],
    `${sdk}/bin/microkit /c/hello.system --search-path /c/target/aarch64-sel4-microkit/release --board qemu_virt_aarch64 --config debug -o /w/microkit/loader.img -r /w/microkit/report.txt`,
  );
  assert.deepEqual(p.qemu, [
    'qemu-system-aarch64',
    '-machine',
    'virt,virtualization=on',
    '-cpu',
    'cortex-a53',
    '-m',
    '2048M',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-device',
    'loader,file=/w/microkit/loader.img,addr=0x70000000,cpu-num=0',
  ]);
});

test('Microkit on x86_64_generic from a local SDK: sel4_32.elf as -kernel, loader.img as -initrd', () => {
  const p = microkitPlan({
    target: parseSel4Target('x86_64-sel4')!,
    versions: v5,
    sdk: { kind: 'path', path: '/sdk' },
    board: 'x86_64_generic',
    config: 'debug',
    system: '/c/s.system',
    buildRustflags: [],
    work: '/w',
    toolCache: '/tc',
    nodeArch: 'x64',
    hosts: GITHUB,
    searchPaths: ['/c/t'],
  });
  assert.equal(p.steps.length, 1, 'nothing to download');
  assert.deepEqual(p.qemu.slice(0, 5), ['qemu-system-x86_64', '-cpu', 'qemu64,+fsgsbase,+pdpe1gb,+xsaveopt,+xsave', '-m', '1024M']);
  assert.deepEqual(p.qemu.slice(-4), ['-kernel', '/w/microkit/sel4_32.elf', '-initrd', '/w/microkit/loader.img']);
});
