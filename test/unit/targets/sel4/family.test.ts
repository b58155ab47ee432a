// The seL4 family behind the contract: the plan resolvePlan makes from the inputs (route, QEMU line
// per route and arch, memory, verdict), and the dry-run description of the before-cargo step
// with upstream's command lines. Offline: the crates are the repository's examples (their
// Cargo.toml pins rust-sel4 v5.0.0), the kernels hand-written prefix fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootArgv, fakePlan } from '../../../helpers/inputs.js';
import { tempDir } from '../../../helpers/tmp.js';
import { crateRustflags, readVersions } from '../../../../src/targets/sel4/family.js';
import { familyFor } from '../../../../src/targets/registry.js';

const ROOT_TASK = { 'working-directory': 'examples/sel4-root-task' };
const MICROKIT = { 'working-directory': 'examples/sel4-microkit-hello', 'microkit-system': 'hello.system' };
const FIX = 'test/fixtures/sel4';
const cargo = { cargo: 'cargo', env: {}, cargoConfig: [] };

const argv = (inputs: Record<string, string>, kernel?: string) => {
  const p = fakePlan(inputs);
  return bootArgv(p, 'QEMU', { kernel: kernel ?? p.target.build.assemble?.output('/w') ?? '/t/root-task', workDir: '/w' }).join(' ');
};

const describe = async (inputs: Record<string, string>) => {
  const d = (await fakePlan(inputs).target.build.beforeCargo!.describe(cargo)) as {
    route: string;
    apt: string[];
    steps: { what: string; argv?: string; env?: Record<string, string> }[];
    cargo: { config: string[]; env: Record<string, string> };
  };
  return { ...d, lines: d.steps.map((s) => s.argv ?? s.what) };
};

test('the registry hands rust-sel4 triples to the seL4 family, and only those', () => {
  for (const t of ['aarch64-sel4', 'riscv64imac-sel4', 'riscv64gc-sel4-roottask-minimal', 'x86_64-sel4-unwind', 'aarch64-sel4-microkit'])
    assert.equal(familyFor(t)?.name, 'seL4 (rust-sel4)', t);
  assert.notEqual(familyFor('aarch64-unknown-none')?.name, 'seL4 (rust-sel4)');
  assert.throws(() => fakePlan({ target: 'armv7a-sel4', ...ROOT_TASK }), /Input 'target': .*boots seL4 only on aarch64, riscv64 and x86_64/);
});

test('route: root task by default, Microkit with microkit-system; inputs of the other route are refused', () => {
  assert.equal(fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK }).target.family, 'seL4 (root task)');
  assert.equal(fakePlan({ target: 'aarch64-sel4', ...MICROKIT }).target.family, 'seL4 (Microkit)');
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4-roottask', ...MICROKIT }),
    /Input 'microkit-system': is set, but the target aarch64-sel4-roottask is a root-task target/,
  );
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', ...MICROKIT, 'sel4-version': '16.0.0' }),
    /Input 'sel4-version': is set, but this run boots the Microkit route/,
  );
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK, 'microkit-board': 'qemu_virt_aarch64' }),
    /Input 'microkit-board': is set, but this run boots a root task/,
  );
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', ...MICROKIT, 'microkit-config': 'release' }),
    /Input 'microkit-config': 'release' builds seL4 without KernelPrinting/,
  );
  assert.throws(() => fakePlan({ target: 'aarch64-unknown-none', ...ROOT_TASK, 'sel4-prefix': `${FIX}/prefix-aarch64` }), /sel4-prefix/);
});

test("memory without sel4-prefix: a prebuilt image is assumed to be built for seL4's default, and a smaller size says it is a default and where it comes from", () => {
  const dir = tempDir('sel4-image-');
  const img = path.join(dir, 'image.elf');
  fs.writeFileSync(img, 'not read for aarch64');
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', kernel: img, memory: '512M' }),
    /Input 'memory': '512M' is less than 1024 MiB, seL4's default QEMU_MEMORY for qemu-arm-virt \(https:\/\/github\.com\/seL4\/seL4\/blob\/16\.0\.0\/src\/plat\/qemu-arm-virt\/config\.cmake\); no sel4-prefix says what the kernel was built for, so the action assumes that default\. Give sel4-prefix/,
  );
  // A kernel the action builds gets that default: said as such, not as a guess.
  assert.throws(
    () => fakePlan({ target: 'riscv64imac-sel4', ...ROOT_TASK, memory: '2G' }),
    /'2G' is less than the 3072 MiB the seL4 kernel was built for \(the kernel the action builds, with seL4's default QEMU_MEMORY for qemu-riscv-virt/,
  );
});

test("QEMU line per route and arch, from the pipeline's emitter (image = the assembled one, or the root task on x86_64)", () => {
  assert.equal(
    argv({ target: 'aarch64-sel4', ...ROOT_TASK }),
    'QEMU -accel tcg -machine virt,virtualization=on -cpu cortex-a57 -m 1024M -display none -serial stdio -monitor none -kernel /w/image.elf',
  );
  assert.equal(
    argv({ target: 'riscv64imac-sel4', ...ROOT_TASK }),
    // QEMU's virt board starts a -kernel at its lowest address: the image goes in through the
    // generic loader, and -kernel is the jump to its entry point (riscv-entry.ts).
    'QEMU -accel tcg -machine virt -cpu rv64 -m 3072M -display none -serial stdio -monitor none -device loader,file=/w/image.elf -kernel /w/riscv64-entry-stub.elf',
  );
  assert.equal(
    argv({ target: 'x86_64-sel4', ...ROOT_TASK }),
    'QEMU -accel tcg -cpu Nehalem,-vme,+pdpe1gb,-xsave,-xsaveopt,-xsavec,-fsgsbase,-invpcid,+syscall,+lm,enforce -m 512M -display none -serial stdio -monitor none -kernel /w/kernel32.elf -initrd /t/root-task',
  );
  assert.equal(
    argv({ target: 'aarch64-sel4', ...MICROKIT }),
    'QEMU -accel tcg -machine virt,virtualization=on -cpu cortex-a53 -m 2048M -display none -serial stdio -monitor none -device loader,file=/w/microkit/loader.img,addr=0x70000000,cpu-num=0',
  );
  assert.equal(
    argv({ target: 'aarch64-sel4', ...MICROKIT, 'microkit-board': 'qemu_virt_aarch64_el1' }),
    'QEMU -accel tcg -machine virt -cpu cortex-a53 -m 2048M -display none -serial stdio -monitor none -device loader,file=/w/microkit/loader.img,addr=0x70000000,cpu-num=0',
  );
  assert.equal(
    argv({ target: 'riscv64imac-sel4', ...MICROKIT }),
    'QEMU -accel tcg -machine virt -cpu rv64 -m 2048M -display none -serial stdio -monitor none -kernel /w/microkit/loader.img',
  );
  assert.equal(
    argv({ target: 'x86_64-sel4', ...MICROKIT }),
    'QEMU -accel tcg -cpu qemu64,+fsgsbase,+pdpe1gb,+xsaveopt,+xsave -m 1024M -display none -serial stdio -monitor none -kernel /w/microkit/sel4_32.elf -initrd /w/microkit/loader.img',
  );
  // A comma in the image's path is doubled inside the -device value.
  assert.match(argv({ target: 'aarch64-sel4', ...MICROKIT }, '/a,b/loader.img'), /loader,file=\/a,,b\/loader.img,addr=0x70000000/);
});

test('TCG only: accel kvm is refused before anything is installed', () => {
  assert.equal(fakePlan({ target: 'x86_64-sel4', ...ROOT_TASK }).target.boot.kvmCapable, false);
  assert.throws(() => fakePlan({ target: 'x86_64-sel4', ...ROOT_TASK, accel: 'kvm' }), /Input 'accel': kvm cannot run x86_64-sel4/);
});

test("memory: -m from the prefix's platform_gen, from sel4-config QEMU_MEMORY, and a smaller memory input refused naming QEMU_MEMORY", () => {
  const rv = { target: 'riscv64imac-sel4', ...ROOT_TASK, 'sel4-prefix': `${FIX}/prefix-riscv64` };
  assert.match(argv(rv), / -m 3072M /); // the region ends at 0x1_4000_0000, RAM starts at 0x8000_0000 (the front cut for OpenSBI does not count)
  assert.match(argv({ target: 'aarch64-sel4', ...ROOT_TASK, 'sel4-prefix': `${FIX}/prefix-aarch64` }), / -m 1024M /);
  assert.match(argv({ target: 'aarch64-sel4', ...ROOT_TASK, 'sel4-config': 'QEMU_MEMORY=2048' }), / -m 2048M /);
  assert.throws(() => fakePlan({ ...rv, memory: '1G' }), /Input 'memory': '1G' is less than the \d+ MiB the seL4 kernel was built for .*QEMU_MEMORY/);
  assert.throws(() => fakePlan({ target: 'aarch64-sel4', ...MICROKIT, memory: '512M' }), /Input 'memory': '512M' is less than the 2048 MiB/);
  assert.match(argv({ ...rv, memory: '4G' }), / -m 4G /, 'a larger memory input replaces the default');
  // The same check for a -m in qemu-args (QEMU takes the last -m, and qemu-args come last).
  assert.throws(() => fakePlan({ ...rv, 'qemu-args': '-m 2G' }), /Input 'qemu-args': -m 2G is less than the 3072 MiB the seL4 kernel was built for/);
  assert.doesNotThrow(() => fakePlan({ ...rv, 'qemu-args': '-m 4G' }));
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK, 'sel4-prefix': `${FIX}/prefix-aarch64-release` }),
    /Input 'sel4-prefix': the seL4 kernel was built without PRINTING/,
  );
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK, 'sel4-prefix': `${FIX}/prefix-aarch64`, 'sel4-version': '16.0.0' }),
    /Input 'sel4-version': is set, and so is sel4-prefix/,
  );
});

test("kernel input: on x86_64 it is the root task and sel4-prefix is required; with it, the prefix's kernel is the elf32 -kernel", () => {
  const kernel = `${FIX}/prefix-aarch64/bin/kernel.elf`;
  assert.throws(() => fakePlan({ target: 'x86_64-sel4', kernel }), /Input 'sel4-prefix': is not set, and kernel is given for x86_64-sel4/);
  const p = fakePlan({ target: 'x86_64-sel4', kernel, 'sel4-prefix': `${FIX}/prefix-x86_64` });
  assert.equal(p.build.kind, 'prebuilt');
  assert.deepEqual(p.target.install.apt, ['binutils'], 'objcopy; nothing for a build');
  assert.ok(p.target.boot.qemu.prepare, 'the elf32 copy is made before the boot');
  assert.match(argv({ target: 'aarch64-sel4', kernel }, '/img/image.elf'), /-kernel \/img\/image.elf$/);
});

test("verdict: no exit status counts; TEST_PASS or INDICATE_SUCCESS when no expect is given, replaced by the user's; the kernel's failure lines", () => {
  const p = fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK });
  assert.deepEqual(p.verdict.exitCodes, []);
  assert.deepEqual(
    p.verdict.rules.expect.map((e) => e.source),
    ['/TEST_PASS|INDICATE_SUCCESS/'],
  );
  assert.ok(p.verdict.rules.failOn.some((f) => f.source === 'KERNEL DATA ABORT!'));
  const u = fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK, expect: 'Hello, World!' });
  assert.deepEqual(
    u.verdict.rules.expect.map((e) => e.source),
    ['Hello, World!'],
  );
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK, 'wait-for-exit': 'true' }),
    /Input 'wait-for-exit': is true, but no exit status counts as success/,
  );
  const explain = p.target.verdict.explainNoVerdict!;
  assert.match(explain(['some noise']), /seL4 never booted/);
  assert.match(
    explain(['Bootstrapping kernel', 'Booting all finished, dropped to user space', 'Hello']),
    /booted \(the seL4 kernel booted and started the root task\).*hung/,
  );
});

test("cargo: -Zunstable-options for the custom target through --config, keeping the crate's build.rustflags", () => {
  const dir = tempDir('sel4-rustflags-');
  fs.mkdirSync(path.join(dir, '.cargo'));
  fs.writeFileSync(path.join(dir, '.cargo', 'config.toml'), 'build.rustflags = ["-Cforce-frame-pointers=yes"]\n');
  assert.ok(crateRustflags(dir, tempDir('sel4-cargo-home-')).includes('-Cforce-frame-pointers=yes'));
  const p = fakePlan({ target: 'aarch64-sel4', ...ROOT_TASK });
  assert.deepEqual(p.target.build.cargoConfig, ['--config', 'target.aarch64-sel4.rustflags=["-Zunstable-options"]']);
  assert.deepEqual(p.target.build.buildStd, { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] });
});

test('versions: from the nearest Cargo.lock, else the manifest, else the newest (said so)', () => {
  assert.match(readVersions(path.resolve('examples/sel4-root-task')).note, /tag v5.0.0 is v5.0.0: seL4 16.0.0, Microkit 2.3.0/);
  const dir = tempDir('sel4-versions-');
  fs.copyFileSync(`${FIX}/locks/rust-root-task-demo-9a209e1.Cargo.lock`, path.join(dir, 'Cargo.lock'));
  fs.mkdirSync(path.join(dir, 'crate'));
  const v = readVersions(path.join(dir, 'crate'));
  assert.equal(v.release.tag, 'v3.0.0');
  const none = tempDir('sel4-versions-none-');
  assert.match(readVersions(none).note, /No rust-sel4 dependency found .* using the newest pairing, v5.0.0/);
  fs.copyFileSync(`${FIX}/locks/crates-io-sel4.Cargo.lock`, path.join(none, 'Cargo.lock'));
  fs.writeFileSync(path.join(none, 'Cargo.toml'), '[package]\nname = "x"\nversion = "0.1.0"\n');
  assert.throws(
    () => fakePlan({ target: 'aarch64-sel4', 'working-directory': path.relative(process.cwd(), none) }),
    /from crates.io: that is an older, unrelated project/,
  );
});

test("dry-run plan, root task on each arch: the kernel build, the loader install at the crate's revision, the image, the cargo environment", async () => {
  const a = await describe({ target: 'aarch64-sel4', ...ROOT_TASK });
  assert.equal(a.route, 'root-task');
  assert.ok(a.apt.includes('libclang-dev') && a.apt.includes('gcc-aarch64-linux-gnu') && a.apt.includes('cmake'));
  const lines = a.lines.join('\n');
  assert.match(lines, /^python3 -m pip install .*pyfdt==0.3$/m);
  assert.match(lines, /^git clone --quiet --depth 1 --branch 16.0.0 https:\/\/github.com\/seL4\/seL4.git /m);
  assert.match(
    lines,
    /^cmake -G Ninja .* -DCROSS_COMPILER_PREFIX=aarch64-linux-gnu- -DKernelPlatform=qemu-arm-virt -DKernelSel4Arch=aarch64 -DARM_CPU=cortex-a57 -DKernelArmHypervisorSupport=ON -DKernelVerificationBuild=OFF$/m,
  );
  assert.match(lines, /^ninja -C .* install$/m);
  assert.match(
    lines,
    /^cargo install -Z build-std=core,compiler_builtins -Z build-std-features=compiler-builtins-mem --target aarch64-unknown-none --git https:\/\/github.com\/seL4\/rust-sel4 --rev d441a880938209f661201704dfbee7b91c5aa905 .* sel4-kernel-loader$/m,
  );
  assert.match(
    lines,
    /sel4-kernel-loader-add-payload --loader .*sel4-kernel-loader --sel4-prefix .* --app <the root task cargo builds> -o <scratch>\/image.elf$/m,
  );
  assert.match(a.cargo.env.SEL4_PREFIX, /sel4-kernel-aarch64\/16.0.0-h[0-9a-f]{12}/);

  const rv = (await describe({ target: 'riscv64imac-sel4', ...ROOT_TASK })).lines.join('\n');
  assert.match(rv, /-DCROSS_COMPILER_PREFIX=riscv64-linux-gnu- -DKernelPlatform=qemu-riscv-virt -DKernelSel4Arch=riscv64/);
  assert.match(rv, /--target riscv64imac-unknown-none-elf .* sel4-kernel-loader$/m);

  const x = await describe({ target: 'x86_64-sel4', ...ROOT_TASK });
  const xl = x.lines.join('\n');
  assert.match(xl, /-DKernelPlatform=pc99 -DKernelSel4Arch=x86_64 .*-DKernelFSGSBase=msr/);
  assert.doesNotMatch(xl, /sel4-kernel-loader/, 'x86_64 boots the kernel by Multiboot: no loader');
  assert.match(xl, /^objcopy -O elf32-i386 .*\/bin\/kernel.elf <scratch>\/kernel32.elf$/m);

  const pre = (await describe({ target: 'aarch64-sel4', ...ROOT_TASK, 'sel4-prefix': `${FIX}/prefix-aarch64` })).lines.join('\n');
  assert.doesNotMatch(pre, /git clone|cmake/, 'an installed kernel is not built');
  assert.match(pre, new RegExp(`--sel4-prefix ${path.resolve(FIX, 'prefix-aarch64')}`));
});

test("dry-run plan, Microkit: the SDK download, the microkit command with every protection domain's folder, the board's headers for cargo", async () => {
  const m = await describe({ target: 'aarch64-sel4', ...MICROKIT });
  assert.equal(m.route, 'microkit');
  const lines = m.lines.join('\n');
  assert.match(lines, /Microkit SDK 2.3.0: download https:\/\/github.com\/seL4\/microkit\/releases\/download\/2.3.0\/microkit-sdk-2.3.0-linux-x86-64.tar.gz/);
  assert.match(
    lines,
    /bin\/microkit \S+\/hello.system --search-path <the folder of each protection domain cargo builds> --board qemu_virt_aarch64 --config debug -o <scratch>\/microkit\/loader.img/,
  );
  assert.match(m.cargo.env.SEL4_INCLUDE_DIRS, /board\/qemu_virt_aarch64\/debug\/include$/);
  assert.match(m.cargo.env.SEL4_PLATFORM_INFO, /board\/qemu_virt_aarch64\/debug\/platform_gen.json$/);
  const p = fakePlan({ target: 'aarch64-sel4', ...MICROKIT });
  assert.equal(p.target.install.downloads[0].url, 'https://github.com/seL4/microkit/releases/download/2.3.0/microkit-sdk-2.3.0-linux-x86-64.tar.gz');
  const rv = (await describe({ target: 'riscv64imac-sel4', ...MICROKIT })).lines.join('\n');
  assert.match(rv, /--board qemu_virt_riscv64 --config debug/);
  const x = (await describe({ target: 'x86_64-sel4', ...MICROKIT, 'microkit-config': 'smp-debug' })).lines.join('\n');
  assert.match(x, /--board x86_64_generic --config smp-debug/);
});
