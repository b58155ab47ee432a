// End-to-end for the Hermit targets, through dist/index.js as the runner runs it. This machine
// has no internet: the hermit crate, its kernel and the loader cannot be fetched, so the boots
// run on GitHub (.github/workflows/hermit.yml). Here: dry-run plans (the QEMU command lines held
// against upstream's), std built for each Hermit target with build-std (the link fails without a
// kernel), the kernel-toolchain discovery on fixtures, and bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';
import { GITHUB } from '../../src/install/download.js';
import { chooseOpensbi, OPENSBI_FW_JUMP, systemOpensbi } from '../../src/targets/hermit/opensbi.js';

const TARGET_DIR = tempDir('e2e-hermit-target-');
// The runner always sets RUNNER_TOOL_CACHE (the tool cache the loader goes into).
const env = { CARGO_TARGET_DIR: TARGET_DIR, RUNNER_TOOL_CACHE: tempDir('e2e-hermit-toolcache-') };
const APP = 'test/fixtures/hermit/with-hermit/app';
const ARCHES = [
  ['x86_64-unknown-hermit', 'x86_64'],
  ['aarch64-unknown-hermit', 'aarch64'],
  ['riscv64gc-unknown-hermit', 'riscv64'],
] as const;

async function dry(inputs: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const r = await runAction({ 'working-directory': APP, toolchain: 'distro', 'dry-run': 'true', ...inputs }, { env: { ...env, ...extraEnv } });
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.equal(r.outputs.result, 'dry-run');
  return { r, plan: JSON.parse(r.outputs.plan) };
}

for (const [target, arch] of ARCHES) {
  test(`dry-run ${target}: toolchains incl. the kernel's, the loader download, cargo and QEMU commands`, async () => {
    const { r, plan } = await dry({ target, expect: 'Hello, world!' });
    assert.equal(plan.family, 'Hermit');
    // The command the run executes: the distribution's cargo, with its environment and std's vendored sources.
    assert.match(
      plan.build.command,
      new RegExp(
        `^CARGO_INCREMENTAL=0 RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo .*build --target ${target} --message-format=json-diagnostic-rendered-ansi -Zbuild-std=std,panic_abort$`,
      ),
    );
    // The kernel's toolchain, found through cargo metadata -> the hermit crate -> ../kernel/rust-toolchain.toml.
    assert.equal(plan.prepare.kernelToolchain, 'nightly-2026-07-01');
    assert.equal(
      plan.prepare.kernelToolchainInstall,
      'rustup toolchain install nightly-2026-07-01 --profile minimal --no-self-update --component rust-src --component llvm-tools --component rustfmt',
    );
    assert.match(plan.prepare.kernelSource, /with-hermit\/hermit-rs\/kernel$/);
    // The app's .cargo/config.toml above the kernel folder is named.
    assert.deepEqual(
      plan.prepare.cargoConfigsReachingTheKernel.map((f: string) => path.relative(process.cwd(), f)),
      ['test/fixtures/hermit/with-hermit/.cargo/config.toml'],
    );
    const asset = { x86_64: 'hermit-loader-x86_64-multiboot', aarch64: 'hermit-loader-aarch64-elf', riscv64: 'hermit-loader-riscv64-sbi' }[arch];
    // riscv64 on a system whose OpenSBI is older than 1.3 (Debian 12: 1.1): OpenSBI 1.9's release too.
    const sbi = arch === 'riscv64' ? chooseOpensbi({ kind: 'auto' }, systemOpensbi(), GITHUB) : undefined;
    assert.equal(plan.downloads.length, sbi?.kind === 'download' ? 2 : 1);
    if (sbi?.kind === 'download') {
      assert.equal(plan.downloads[1].url, 'https://github.com/riscv-software-src/opensbi/releases/download/v1.9/opensbi-1.9-rv-bin.tar.xz');
      assert.match(plan.downloads[1].checksum, /sha256 published by GitHub for riscv-software-src\/opensbi v1\.9 opensbi-1\.9-rv-bin\.tar\.xz/);
    }
    assert.equal(plan.downloads[0].url, `https://github.com/hermit-os/loader/releases/download/v0.5.7/${asset}`);
    assert.equal(plan.downloads[0].version, '0.5.7');
    assert.match(plan.downloads[0].checksum, new RegExp(`sha256 published by GitHub for hermit-os/loader v0.5.7 ${asset}`));
    const cmd = r.outputs['qemu-command'];
    const loader = `https://github.com/hermit-os/loader/releases/download/v0.5.7/${asset}`;
    // The app's path as cargo will write it (from cargo metadata), not a placeholder.
    const app = path.join(TARGET_DIR, target, 'debug', 'app');
    const expected = {
      x86_64: `qemu-system-x86_64 -accel tcg -cpu Skylake-Client -m 1024M -smp 1 -display none -serial stdio -global virtio-mmio.force-legacy=off -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel ${loader} -initrd ${app} -append env=NO_COLOR=1`,
      aarch64: `qemu-system-aarch64 -accel tcg -machine virt,gic-version=3 -cpu max,lpa2=off -m 1024M -smp 1 -display none -chardev stdio,id=console,mux=on -serial chardev:console -semihosting-config enable=on,target=native,chardev=console -device guest-loader,addr=0x48000000,initrd=${app} -kernel ${loader} -append env=NO_COLOR=1`,
      riscv64: `qemu-system-riscv64 -accel tcg -machine virt -cpu rv64 -m 1024M -smp 1 -display none -chardev stdio,id=console,mux=on -serial chardev:console -semihosting-config enable=on,target=native,chardev=console -bios BIOS -kernel ${loader} -initrd ${app} -append env=NO_COLOR=1`,
    }[arch];
    assert.match(cmd, /^\S*qemu-system-/);
    const bios = / -bios (\S+)/.exec(cmd)?.[1];
    if (sbi) assert.equal(bios, sbi.kind === 'file' ? sbi.file : path.join(path.dirname(bios!).split('/opensbi-1.9-rv-bin/')[0], sbi.member!));
    assert.equal(cmd.replace(/^\S*\//, '').replace(/ -bios \S+/, ' -bios BIOS'), expected);
    assert.deepEqual(plan.verdict.expect, ['Hello, world!', '/\\bexit status 0\\s*$/']);
    assert.deepEqual(plan.verdict.failOn, ['[PANIC]', 'panicked at ', '/\\bexit status (?!0\\s*$)-?\\d+\\s*$/']);
    assert.deepEqual(plan.verdict.exitCodes, arch === 'x86_64' ? [3] : [0]);
    assert.doesNotMatch(r.stdout, /::group::(Install|Build)/);
  });
}

test('dry-run: hermit-args after env=NO_COLOR=1; a local loader file is used as it is', async () => {
  const { r, plan } = await dry({
    target: 'x86_64-unknown-hermit',
    'hermit-args': 'env=RUST_LOG=debug -- --verbose',
    'hermit-loader': 'test/fixtures/hermit/with-hermit/app/src/main.rs',
  });
  assert.deepEqual(plan.downloads, []);
  assert.match(r.outputs['qemu-command'], / -kernel \S+\/test\/fixtures\/hermit\/with-hermit\/app\/src\/main\.rs /);
  assert.match(r.outputs['qemu-command'], / -append 'env=NO_COLOR=1 env=RUST_LOG=debug -- --verbose'$/);
});

test('dry-run: a loader URL with its sha256; an old version uses the pre-0.5.7 asset names', async () => {
  const sha = 'ab'.repeat(32);
  const { plan } = await dry({ target: 'aarch64-unknown-hermit', 'hermit-loader': 'https://example.org/l/my-loader', 'hermit-loader-sha256': sha });
  assert.equal(plan.downloads[0].url, 'https://example.org/l/my-loader');
  assert.equal(plan.downloads[0].checksum, `sha256 ${sha}`);
  const old = await dry({ target: 'riscv64gc-unknown-hermit', 'hermit-loader': 'v0.5.6' });
  assert.equal(old.plan.downloads[0].url, 'https://github.com/hermit-os/loader/releases/download/v0.5.6/hermit-loader-riscv64');
});

test('dry-run: HERMIT_MANIFEST_DIR points at the kernel source, as the hermit build script reads it', async () => {
  const { plan } = await dry({ target: 'x86_64-unknown-hermit' }, { HERMIT_MANIFEST_DIR: path.resolve('test/fixtures/hermit/manifest-dir-kernel') });
  assert.equal(plan.prepare.foundThrough, 'HERMIT_MANIFEST_DIR');
  assert.equal(plan.prepare.kernelToolchain, 'nightly-2026-05-15');
});

test('dry-run: Uhyve on x86_64 (cannot run here: no internet, no KVM with -cpu host) boots the app directly, exit status 0 = success', async () => {
  const { r, plan } = await dry(
    { target: 'x86_64-unknown-hermit', hypervisor: 'uhyve', 'hermit-args': '-- a b' },
    { PATH: `/nonexistent-uhyve:${process.env.PATH}` },
  );
  assert.equal(plan.family, 'Hermit (Uhyve)');
  assert.equal(plan.boot.program, 'Uhyve');
  assert.deepEqual(plan.downloads, [], 'no loader for Uhyve');
  assert.ok(
    plan.install.includes('cargo install --locked uhyve --version 0.9.1 (Uhyve 0.9.1)') || fs.existsSync(path.join(os.homedir(), '.cargo', 'bin', 'uhyve')),
    plan.install,
  );
  // Uhyve v0.9.1's clap takes the first `--` for itself: a `--` of the action's own keeps the app's.
  assert.equal(r.outputs['qemu-command'], `uhyve ${path.join(TARGET_DIR, 'x86_64-unknown-hermit', 'debug', 'app')} -- -- a b`);
  assert.deepEqual(plan.verdict.exitCodes, [0]);
});

test('the app without a hermit dependency: dry-run says no kernel will be linked', async () => {
  const { plan } = await dry({ target: 'x86_64-unknown-hermit', 'working-directory': 'test/fixtures/hermit/hello-std' });
  assert.match(plan.prepare.kernel, /no 'hermit' dependency/);
});

for (const [target] of ARCHES) {
  test(`build flags: std is compiled for ${target} with -Zbuild-std=std,panic_abort and the app links; booted without a kernel and with a stand-in loader file, it fails, never passes`, async () => {
    const r = await runAction(
      {
        target,
        'working-directory': 'test/fixtures/hermit/hello-std',
        toolchain: 'distro',
        'hermit-loader': 'package.json',
        timeout: '3',
        // riscv64: the system's fw_jump.bin as a file (Debian 12's 1.1 would otherwise mean a download of release 1.9, and there is no internet here).
        ...(target.startsWith('riscv64') ? { 'hermit-opensbi': OPENSBI_FW_JUMP.find((f) => fs.existsSync(f))! } : {}),
      },
      { env },
    );
    assert.match(r.stdout, /-Zbuild-std=std,panic_abort/);
    assert.match(r.stdout, /no 'hermit' dependency/);
    // std itself was compiled for the target: its rlib is in the target folder, and the app was linked.
    const deps = path.join(TARGET_DIR, target, 'debug', 'deps');
    assert.ok(
      fs.readdirSync(deps).some((f) => /^libstd-.*\.rlib$/.test(f)),
      `libstd for ${target} was built`,
    );
    assert.equal(r.outputs.kernel, path.join(TARGET_DIR, target, 'debug', 'hello-std'));
    assert.ok(fs.readFileSync(r.outputs.kernel).subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1')));
    // package.json is no loader: whatever QEMU does with it, the verdict is a failure.
    assert.equal(r.outputs.result, 'fail', r.outputs.reason);
    assert.doesNotMatch(r.outputs.reason, /^cargo build failed/);
    assert.deepEqual(r.leftoverQemu, []);
  });
}

test('bad Hermit inputs fail at once, before anything is installed', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { target: 'x86_64-unknown-hermit', 'hermit-loader': 'https://example.org/loader' },
      /Input 'hermit-loader-sha256': is required when hermit-loader is a URL/,
    ],
    [
      { target: 'x86_64-unknown-hermit', 'hermit-loader': 'https://example.org/loader', 'hermit-loader-sha256': 'xyz' },
      /Input 'hermit-loader-sha256': 'xyz' is not a SHA-256/,
    ],
    [{ target: 'x86_64-unknown-hermit', 'hermit-loader': 'no/such/file' }, /Input 'hermit-loader': 'no\/such\/file' is neither a version/],
    [{ target: 'x86_64-unknown-hermit', 'hermit-loader': 'ftp://example.org/x' }, /is not an http\(s\) URL/],
    [{ target: 'x86_64-unknown-hermit', 'hermit-loader': '0.5.7', 'hermit-loader-sha256': 'ab'.repeat(32) }, /Input 'hermit-loader-sha256': is only for a URL/],
    [{ target: 'x86_64-unknown-hermit', hypervisor: 'kvmtool' }, /Input 'hypervisor': 'kvmtool' is not a hypervisor/],
    [{ target: 'aarch64-unknown-hermit', hypervisor: 'uhyve' }, /Input 'hypervisor': uhyve runs x86_64 guests only/],
    [{ target: 'x86_64-unknown-hermit', hypervisor: 'uhyve', accel: 'tcg' }, /Input 'accel': tcg cannot be used with hypervisor: uhyve/],
    [{ target: 'x86_64-unknown-hermit', hypervisor: 'uhyve', 'hermit-loader': '0.5.7' }, /Input 'hermit-loader': is not used with hypervisor: uhyve/],
    [{ target: 'x86_64-unknown-hermit', 'qemu-args': '-append foo' }, /Input 'qemu-args': sets -append.*hermit-args/],
    [{ target: 'x86_64-unknown-hermit', 'hermit-args': `-- 'a b'` }, /Input 'hermit-args': contains quotes/],
    [{ target: 'riscv64gc-unknown-hermit', accel: 'kvm' }, /Input 'accel': kvm cannot run riscv64gc-unknown-hermit/],
    [
      { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', 'hermit-loader': '0.5.7' },
      /Input 'hermit-loader': is only read for x86_64-unknown-hermit, aarch64-unknown-hermit, riscv64gc-unknown-hermit, not for x86_64-unknown-none\. Remove it, or set target to x86_64-unknown-hermit\./,
    ],
  ];
  for (const [inputs, message] of cases) {
    const r = await runAction({ 'working-directory': APP, ...inputs }, { env });
    assert.equal(r.code, 1, JSON.stringify(inputs));
    assert.match(r.outputs.reason, message);
    assert.doesNotMatch(r.stdout, /::group::Install/, 'nothing is installed');
  }
});

test('a hermit crate without default features: the dry run fails with the feature to add (loader for QEMU, uhyve for Uhyve)', async () => {
  const base = { target: 'x86_64-unknown-hermit', toolchain: 'distro', 'dry-run': 'true' };
  const bare = await runAction({ ...base, 'working-directory': 'test/fixtures/hermit/features/app-bare' }, { env });
  assert.equal(bare.code, 1, bare.stdout.slice(-2000));
  assert.match(
    bare.outputs.reason,
    /^The hermit crate 0\.13\.3 has no default features: its kernel needs the loader feature to boot through Hermit's loader in QEMU.*features = \["loader"\]/,
  );
  const loader = await runAction({ ...base, 'working-directory': 'test/fixtures/hermit/features/app-loader' }, { env });
  assert.equal(loader.code, 0, loader.outputs.reason);
  const viaArgs = await runAction(
    { ...base, 'working-directory': 'test/fixtures/hermit/features/app-bare', 'cargo-args': '--features hermit/loader' },
    { env },
  );
  assert.equal(viaArgs.code, 0, viaArgs.outputs.reason);
  if (process.arch === 'x64' && process.platform === 'linux') {
    const uhyve = await runAction({ ...base, 'working-directory': 'test/fixtures/hermit/features/app-loader', hypervisor: 'uhyve' }, { env });
    assert.equal(uhyve.code, 1);
    assert.match(uhyve.outputs.reason, /needs the uhyve feature to boot with Uhyve/);
  }
  const old = await runAction({ ...base, 'working-directory': 'test/fixtures/hermit/features/app-old' }, { env });
  assert.equal(old.code, 0, old.outputs.reason);
});
