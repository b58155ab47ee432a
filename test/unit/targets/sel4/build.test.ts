// seL4 build details as command lines, held against upstream's (pure: nothing is run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addPayload,
  buildRustflags,
  kernelBuildApt,
  kernelLoaderInstall,
  kernelToElf32,
  microkitCommand,
  microkitEnv,
  microkitOutputs,
  rootTaskEnv,
  RUST_BUILD_APT,
  unstableOptionsConfig,
} from '../../../../src/targets/sel4/build.js';
import { cmakeCommand, kernelBuildPlan, kernelCacheKey, kernelSettings, parseSel4Config, parseSel4Version } from '../../../../src/targets/sel4/kernel-build.js';
import { InputError } from '../../../../src/model/errors.js';

test("-Zunstable-options goes in a --config for the custom target only, keeping the crate's build.rustflags (cargo would drop them)", () => {
  assert.deepEqual(unstableOptionsConfig('aarch64-sel4'), ['--config', 'target.aarch64-sel4.rustflags=["-Zunstable-options"]']);
  const own = buildRustflags([
    '[build]\nrustflags = "-C force-frame-pointers=yes"\n',
    '[build]\nrustflags = ["-Zunstable-options", "-Cdebuginfo=2"]\n[env]\nRUST_TARGET_PATH = { value = "support/targets", relative = true }\n',
  ]);
  assert.deepEqual(own, ['-C', 'force-frame-pointers=yes', '-Zunstable-options', '-Cdebuginfo=2']);
  assert.deepEqual(unstableOptionsConfig('x86_64-sel4-minimal', own), [
    '--config',
    'target.x86_64-sel4-minimal.rustflags=["-Zunstable-options","-C","force-frame-pointers=yes","-Cdebuginfo=2"]',
  ]);
  assert.deepEqual(buildRustflags(['[unstable]\nbuild-std = ["core"]\n']), []);
});

test('apt packages: libclang for bindgen; cmake, ninja, dtc, the Python modules and the cross gcc for a kernel build', () => {
  assert.deepEqual(RUST_BUILD_APT, ['libclang-dev']);
  assert.ok(kernelBuildApt('aarch64').includes('gcc-aarch64-linux-gnu'));
  assert.ok(kernelBuildApt('riscv64').includes('gcc-riscv64-linux-gnu'));
  assert.ok(kernelBuildApt('x86_64').includes('gcc'));
  for (const p of ['cmake', 'ninja-build', 'device-tree-compiler', 'libxml2-utils', 'python3-jinja2', 'python3-ply', 'python3-lxml', 'python3-yaml'])
    assert.ok(kernelBuildApt('riscv64').includes(p), p);
});

test("the kernel loader is cargo installed as rust-root-task-demo's Dockerfile does, at the crate's revision", () => {
  // https://github.com/seL4/rust-root-task-demo/blob/main/docker/Dockerfile:
  //   CC_aarch64_unknown_none=aarch64-linux-gnu-gcc SEL4_PREFIX=$SEL4_INSTALL_DIR cargo install
  //     -Z build-std=core,compiler_builtins -Z build-std-features=compiler-builtins-mem
  //     --target aarch64-unknown-none --git $url --rev $rev --root $SEL4_INSTALL_DIR sel4-kernel-loader
  //   cargo install --git $url --rev $rev --root $SEL4_INSTALL_DIR sel4-kernel-loader-add-payload
  const rev = '2c9786744900433f37e803c25ab208835a802cf3';
  const [loader, tool] = kernelLoaderInstall('aarch64', rev, '/opt/seL4', '/opt/seL4');
  const common = `--git https://github.com/seL4/rust-sel4 --rev ${rev} --root /opt/seL4`;
  assert.equal(
    loader.args.join(' '),
    `install -Z build-std=core,compiler_builtins -Z build-std-features=compiler-builtins-mem --target aarch64-unknown-none ${common} sel4-kernel-loader`,
  );
  assert.deepEqual(loader.env, { CC_aarch64_unknown_none: 'aarch64-linux-gnu-gcc', SEL4_PREFIX: '/opt/seL4' });
  assert.equal(tool.args.join(' '), `install ${common} sel4-kernel-loader-add-payload`);
  const [rv] = kernelLoaderInstall('riscv64', rev, '/k', '/l');
  assert.ok(rv.args.includes('riscv64imac-unknown-none-elf'));
  assert.deepEqual(rv.env, { CC_riscv64imac_unknown_none_elf: 'riscv64-linux-gnu-gcc', SEL4_PREFIX: '/k' });
  assert.deepEqual(kernelLoaderInstall('x86_64', rev, '/k', '/l'), []);
});

test("image assembly: add-payload on aarch64/riscv64, objcopy to elf32 on x86_64; Microkit's command and outputs", () => {
  // https://github.com/seL4/rust-root-task-demo/blob/main/Makefile: $(loader_cli) --loader $(loader) --sel4-prefix $(sel4_prefix) --app $(app) -o $@
  assert.deepEqual(addPayload('/l', '/k', '/b/example.elf', '/b/image.elf'), [
    '/l/bin/sel4-kernel-loader-add-payload',
    '--loader',
    '/l/bin/sel4-kernel-loader',
    '--sel4-prefix',
    '/k',
    '--app',
    '/b/example.elf',
    '-o',
    '/b/image.elf',
  ]);
  assert.deepEqual(kernelToElf32('/k/bin/kernel.elf', '/w/kernel32.elf'), ['objcopy', '-O', 'elf32-i386', '/k/bin/kernel.elf', '/w/kernel32.elf']);
  // https://github.com/seL4/rust-microkit-demo/blob/main/Makefile: microkit <system> --search-path <dir> --board <b> --config <c> -r report.txt -o loader.img
  assert.deepEqual(microkitCommand('/sdk', '/c/hello.system', ['/t/release', '/t/release'], 'qemu_virt_aarch64', 'debug', '/o'), [
    '/sdk/bin/microkit',
    '/c/hello.system',
    '--search-path',
    '/t/release',
    '--board',
    'qemu_virt_aarch64',
    '--config',
    'debug',
    '-o',
    '/o/loader.img',
    '-r',
    '/o/report.txt',
  ]);
  assert.deepEqual(microkitOutputs('/o', 'x86_64_generic'), { image: '/o/loader.img', kernel32: '/o/sel4_32.elf' });
  assert.deepEqual(microkitOutputs('/o', 'qemu_virt_aarch64'), { image: '/o/loader.img' });
});

test('environments: SEL4_PREFIX for root tasks; SEL4_INCLUDE_DIRS and SEL4_PLATFORM_INFO into the board folder for Microkit', () => {
  assert.deepEqual(rootTaskEnv('/k'), { SEL4_PREFIX: '/k' });
  assert.deepEqual(microkitEnv('/sdk', 'qemu_virt_aarch64', 'debug'), {
    SEL4_INCLUDE_DIRS: '/sdk/board/qemu_virt_aarch64/debug/include',
    SEL4_PLATFORM_INFO: '/sdk/board/qemu_virt_aarch64/debug/platform_gen.json',
  });
  assert.deepEqual(microkitEnv('/sdk', 'x86_64_generic', 'debug'), { SEL4_INCLUDE_DIRS: '/sdk/board/x86_64_generic/debug/include' });
});

test("kernel build: the Dockerfile's cmake line for aarch64; x86_64 with the host gcc and rust-sel4's simulation settings", () => {
  // https://github.com/seL4/rust-root-task-demo/blob/main/docker/Dockerfile:
  //   cmake -DCROSS_COMPILER_PREFIX=aarch64-linux-gnu- -DCMAKE_INSTALL_PREFIX=$SEL4_INSTALL_DIR -DKernelPlatform=qemu-arm-virt
  //     -DKernelArmHypervisorSupport=ON -DKernelVerificationBuild=OFF -DARM_CPU=cortex-a57 -G Ninja -S . -B build
  const r = {
    arch: 'aarch64' as const,
    source: parseSel4Version('14.0.0')!,
    settings: kernelSettings('aarch64', {}),
    qemuVersion: 'QEMU emulator version 7.2.0',
  };
  const cmake = cmakeCommand(r, '/w/seL4', '/w/build', '/opt/seL4');
  const upstream = [
    '-DCROSS_COMPILER_PREFIX=aarch64-linux-gnu-',
    '-DCMAKE_INSTALL_PREFIX=/opt/seL4',
    '-DKernelPlatform=qemu-arm-virt',
    '-DKernelArmHypervisorSupport=ON',
    '-DKernelVerificationBuild=OFF',
    '-DARM_CPU=cortex-a57',
  ];
  for (const a of upstream) assert.ok(cmake.includes(a), a);
  assert.deepEqual(cmake.slice(0, 7), ['cmake', '-G', 'Ninja', '-S', '/w/seL4', '-B', '/w/build']);
  const plan = kernelBuildPlan(r, '/w', '/opt/seL4');
  assert.deepEqual(plan[0], ['git', 'clone', '--quiet', '--depth', '1', '--branch', '14.0.0', 'https://github.com/seL4/seL4.git', '/w/seL4']);
  assert.deepEqual(plan.slice(3), [
    ['ninja', '-C', '/w/build', 'all'],
    ['ninja', '-C', '/w/build', 'install'],
  ]);
  const x = cmakeCommand({ ...r, arch: 'x86_64', settings: kernelSettings('x86_64', {}) }, 's', 'b', 'p');
  assert.ok(!x.some((a) => a.startsWith('-DCROSS_COMPILER_PREFIX')));
  for (const a of [
    '-DKernelPlatform=pc99',
    '-DKernelSel4Arch=x86_64',
    '-DKernelFSGSBase=msr',
    '-DKernelSupportPCID=OFF',
    '-DKernelIOMMU=OFF',
    '-DKernelFPU=FXSAVE',
  ])
    assert.ok(x.includes(a), a);
});

test('sel4-config lines: NAME=VALUE on top of the defaults; settings that silence the kernel or change the platform are refused', () => {
  assert.deepEqual(parseSel4Config('# more memory\nQEMU_MEMORY=2048\n\n KernelMaxNumNodes = 2 \n'), { QEMU_MEMORY: '2048', KernelMaxNumNodes: '2' });
  assert.equal(kernelSettings('riscv64', { QEMU_MEMORY: '2048' }).QEMU_MEMORY, '2048');
  assert.throws(
    () => parseSel4Config('QEMU_MEMORY'),
    (e: Error) => e instanceof InputError && e.input === 'sel4-config' && /line 1 \('QEMU_MEMORY'\) is not NAME=VALUE/.test(e.message),
  );
  assert.throws(() => parseSel4Config('A=1\nA=2'), /A is set twice \(line 2\)/);
  assert.throws(() => parseSel4Config('-DX=1'), /is not NAME=VALUE/);
  assert.throws(() => kernelSettings('aarch64', { KernelPrinting: 'OFF' }), /prints nothing/);
  assert.throws(() => kernelSettings('aarch64', { KernelVerificationBuild: 'ON' }), /turns KernelPrinting off/);
  assert.throws(() => kernelSettings('aarch64', { KernelPlatform: 'bcm2711' }), /does not match the target/);
});

test('sel4-version: a known release with its pinned commit, or tag@commit; anything else refused', () => {
  assert.deepEqual(parseSel4Version('16.0.0'), { tag: '16.0.0', commit: '6e7c3b733d296cfd88d5fbf635c96e447a882374' });
  assert.equal(parseSel4Version(''), undefined);
  assert.deepEqual(parseSel4Version(`13.0.0@${'a'.repeat(40)}`), { tag: '13.0.0', commit: 'a'.repeat(40) });
  assert.throws(() => parseSel4Version('13.0.0'), /not a seL4 release this action knows the commit of.*13\.0\.0@<commit>/);
  assert.throws(() => parseSel4Version(`16.0.0@${'b'.repeat(40)}`), /seL4 16\.0\.0 is commit 6e7c3b7/);
  assert.throws(() => parseSel4Version('16.0.0; rm -rf /'), /is not a seL4 release tag/);
});

test("the kernel's cache key changes with the version, any setting and the QEMU version (not on x86_64, which reads no device tree)", () => {
  const base = {
    arch: 'riscv64' as const,
    source: parseSel4Version('16.0.0')!,
    settings: kernelSettings('riscv64', {}),
    qemuVersion: 'QEMU emulator version 7.2.0',
  };
  const k = kernelCacheKey(base);
  assert.equal(k.tool, 'sel4-kernel-riscv64');
  assert.match(k.version, /^16\.0\.0-h[0-9a-f]{12}$/);
  assert.equal(kernelCacheKey({ ...base, settings: { ...base.settings } }).version, k.version, 'stable');
  assert.notEqual(kernelCacheKey({ ...base, settings: { ...base.settings, QEMU_MEMORY: '2048' } }).version, k.version);
  assert.notEqual(kernelCacheKey({ ...base, qemuVersion: 'QEMU emulator version 8.2.2' }).version, k.version);
  assert.notEqual(kernelCacheKey({ ...base, source: parseSel4Version('15.0.0')! }).version.split('-')[1], k.version.split('-')[1]);
  const x = { ...base, arch: 'x86_64' as const, settings: kernelSettings('x86_64', {}) };
  assert.equal(kernelCacheKey({ ...x, qemuVersion: 'other' }).version, kernelCacheKey(x).version);
  assert.match(kernelCacheKey({ ...base, source: { tag: 'standin', commit: 'c'.repeat(40) } }).version, /^0\.0\.0-standin-h[0-9a-f]{12}$/);
});

test('the examples agree with the family: rust-sel4 by tag, the target specs they name, the flags carried over', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { ROOT } = await import('../../../helpers/action.js');
  const { versionsFromManifest } = await import('../../../../src/targets/sel4/versions.js');
  const { parseSel4Target } = await import('../../../../src/targets/sel4/targets.js');
  const { parse } = await import('smol-toml');
  for (const [ex, targets] of [
    ['sel4-root-task', ['aarch64-sel4', 'riscv64imac-sel4', 'x86_64-sel4']],
    ['sel4-microkit-hello', ['aarch64-sel4']],
  ] as const) {
    const dir = path.join(ROOT, 'examples', ex);
    const v = versionsFromManifest(fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8'))!;
    assert.equal(v.release.tag, 'v5.0.0', ex);
    const toolchain = parse(fs.readFileSync(path.join(dir, 'rust-toolchain.toml'), 'utf8')) as { toolchain: { channel: string } };
    assert.equal(toolchain.toolchain.channel, v.release.rustToolchain, `${ex} pins rust-sel4 v5.0.0's nightly`);
    const config = fs.readFileSync(path.join(dir, '.cargo/config.toml'), 'utf8');
    assert.deepEqual(buildRustflags([config]), ['-Zunstable-options']);
    for (const t of targets) {
      assert.ok(parseSel4Target(t), t);
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'support/targets', `${t}.json`), 'utf8')) as { 'exe-suffix': string };
      assert.equal(spec['exe-suffix'], '.elf', `${ex}/${t}: the executables are <name>.elf, as the .system file names them`);
    }
  }
});
