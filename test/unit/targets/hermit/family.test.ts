import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fetchAsset, GITHUB } from '../../../../src/install/download.js';
import { readRunnerEnv } from '../../../../src/model/runner-env.js';
import { loaderAsset, loaderAssetName } from '../../../../src/targets/hermit/loader.js';
import { EXIT_STATUS_NONZERO, EXIT_STATUS_ZERO, HERMIT_PANIC, kernelCommandLine } from '../../../../src/targets/hermit/family.js';
import { leakingConfigs } from '../../../../src/targets/hermit/kernel.js';
import { bootArgv, fakePlan } from '../../../../test/helpers/inputs.js';
import { SerialWatcher } from '../../../../src/verdict/watcher.js';
import { decide, type BootEnd } from '../../../../src/verdict/verdict.js';
import { matches } from '../../../../src/model/patterns.js';
import { freshToolCache, serve, type TestServer } from '../../../../test/helpers/http-server.js';
import { ROOT } from '../../../../test/helpers/action.js';

// A test file served by a local HTTP server on 127.0.0.1 stands in for the loader release asset,
// and a test releases-API answer for GitHub's published digest.
const LOADER = Buffer.from('test file: a stand-in for hermit-loader-x86_64-multiboot\n');
const LOADER_SHA = createHash('sha256').update(LOADER).digest('hex');
let server: TestServer;

before(async () => {
  freshToolCache('hermit-dl-');
  const release = (digest: string) => JSON.stringify({ assets: [{ name: 'hermit-loader-x86_64-multiboot', digest: `sha256:${digest}` }] });
  server = await serve({
    '/hermit-os/loader/releases/download/v0.5.7/hermit-loader-x86_64-multiboot': [200, LOADER],
    '/repos/hermit-os/loader/releases/tags/v0.5.7': [200, release(LOADER_SHA)],
    '/hermit-os/loader/releases/download/v0.5.8/hermit-loader-x86_64-multiboot': [200, LOADER],
    '/repos/hermit-os/loader/releases/tags/v0.5.8': [200, release('0'.repeat(64))],
    '/hermit-os/loader/releases/download/v0.5.9/hermit-loader-x86_64-multiboot': [500, 'internal error'],
    '/repos/hermit-os/loader/releases/tags/v0.5.9': [200, release(LOADER_SHA)],
  });
});
after(() => server.close());

const hosts = () => ({ download: server.base, api: server.base });

/** The runner's environment as main.ts reads it: freshToolCache put the tool cache and RUNNER_TEMP in process.env, where @actions/tool-cache reads them too. */
const runner = () => readRunnerEnv();

test('loader (test file on a local server): downloaded, checked against the published digest, cached; the second fetch comes from the tool cache', async () => {
  const a = loaderAsset('x86_64', { kind: 'version', version: '0.5.7' }, hosts())!;
  const file = await fetchAsset(a, runner());
  assert.deepEqual(fs.readFileSync(file), LOADER);
  const n = server.requests.length;
  assert.equal(await fetchAsset(a, runner()), file);
  assert.equal(server.requests.length, n, 'no second download');
});

test('loader: a digest that does not match fails closed and caches nothing', async () => {
  const a = loaderAsset('x86_64', { kind: 'version', version: '0.5.8' }, hosts())!;
  await assert.rejects(fetchAsset(a, runner()), /does not match its checksum .* it was deleted and not used/);
  await assert.rejects(fetchAsset(a, runner()), /does not match its checksum/, 'still refused: nothing was cached');
});

test('loader: a URL with a wrong sha256 fails closed', async () => {
  const url = `${server.base}/hermit-os/loader/releases/download/v0.5.7/hermit-loader-x86_64-multiboot`;
  await assert.rejects(
    fetchAsset(loaderAsset('x86_64', { kind: 'url', url, sha256: 'f'.repeat(64) }, GITHUB)!, runner()),
    /expected sha256 f{64}, got [0-9a-f]{64}/,
  );
  const ok = await fetchAsset(loaderAsset('x86_64', { kind: 'url', url, sha256: LOADER_SHA }, GITHUB)!, runner());
  assert.deepEqual(fs.readFileSync(ok), LOADER);
});

test('loader: a server error is a clear message with the URL, the status and the fix', async () => {
  const a = loaderAsset('x86_64', { kind: 'version', version: '0.5.9' }, hosts())!;
  // Tried again at once (an injected policy), not after tool-cache's 10-20 s back-off.
  await assert.rejects(
    fetchAsset(a, runner(), { attempts: 2, delayMs: () => 1 }),
    /Could not download hermit-loader-x86_64 0.5.9 from http:\/\/127.0.0.1:\d+\/hermit-os\/loader\/releases\/download\/v0.5.9\/hermit-loader-x86_64-multiboot: HTTP 500 \(after 2 attempts\)\. Check the version, or give another path or URL/,
  );
  const missing = loaderAsset('x86_64', { kind: 'version', version: '0.9.0' }, hosts())!;
  await assert.rejects(fetchAsset(missing, runner()), /answered HTTP 404 when asked for release v0.9.0 of hermit-os\/loader/);
});

test('loader asset names: renamed in v0.5.7', () => {
  assert.equal(loaderAssetName('x86_64', '0.5.6'), 'hermit-loader-x86_64');
  assert.equal(loaderAssetName('aarch64', '0.5.6'), 'hermit-loader-aarch64');
  assert.equal(loaderAssetName('riscv64', '0.4.0'), 'hermit-loader-riscv64');
  assert.equal(loaderAssetName('x86_64', '0.5.7'), 'hermit-loader-x86_64-multiboot');
  assert.equal(loaderAssetName('aarch64', '0.6.0'), 'hermit-loader-aarch64-elf');
  assert.equal(loaderAssetName('riscv64', '1.0.0'), 'hermit-loader-riscv64-sbi');
});

const plan = (target: string, over: Record<string, string> = {}) => fakePlan({ target, 'working-directory': 'test/fixtures/hermit/with-hermit/app', ...over });
const qemuCommand = (p: ReturnType<typeof plan>, program: string, c: ReturnType<typeof ctx>) => bootArgv(p, program, c);
const ctx = (accel: 'kvm' | 'tcg' = 'tcg') => ({
  kernel: '/app',
  accel,
  workDir: '/tmp',
  image: 'elf' as const,
  assets: { 'hermit-loader-x86_64': '/L', 'hermit-loader-aarch64': '/L', 'hermit-loader-riscv64': '/L' },
});

// The command lines of hermit-os/kernel's xtask (https://github.com/hermit-os/kernel/blob/main/xtask/src/ci/qemu.rs).
test('x86_64: loader as -kernel, app as -initrd, Skylake-Client (fsgsbase) under TCG, host under KVM, isa-debug-exit', () => {
  assert.equal(
    qemuCommand(plan('x86_64-unknown-hermit'), 'qemu-system-x86_64', ctx()).join(' '),
    'qemu-system-x86_64 -accel tcg -cpu Skylake-Client -m 1024M -smp 1 -display none -serial stdio -global virtio-mmio.force-legacy=off -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel /L -initrd /app -append env=NO_COLOR=1',
  );
  assert.deepEqual(qemuCommand(plan('x86_64-unknown-hermit'), 'q', ctx('kvm')).slice(1, 5), ['-accel', 'kvm', '-cpu', 'host']);
});

test('x86_64: a loader or app path with a space or a comma is booted from a plain-named link (QEMU splits Multiboot -initrd there)', () => {
  const spaced = { ...ctx(), kernel: '/my apps/hello,v2', assets: { ...ctx().assets, 'hermit-loader-x86_64': '/my tools/loader' } };
  const argv = qemuCommand(plan('x86_64-unknown-hermit'), 'q', spaced);
  assert.match(argv[argv.indexOf('-kernel') + 1], /^\/tmp\/multiboot\/[0-9a-f]{8}-loader$/);
  assert.match(argv[argv.indexOf('-initrd') + 1], /^\/tmp\/multiboot\/[0-9a-f]{8}-hello_v2$/);
});

test('aarch64: guest-loader (not -initrd), virt,gic-version=3, max,lpa2=off, semihosting', () => {
  assert.equal(
    qemuCommand(plan('aarch64-unknown-hermit'), 'qemu-system-aarch64', ctx()).join(' '),
    'qemu-system-aarch64 -accel tcg -machine virt,gic-version=3 -cpu max,lpa2=off -m 1024M -smp 1 -display none -chardev stdio,id=console,mux=on -serial chardev:console -semihosting-config enable=on,target=native,chardev=console -device guest-loader,addr=0x48000000,initrd=/app -kernel /L -append env=NO_COLOR=1',
  );
  assert.ok(!qemuCommand(plan('aarch64-unknown-hermit'), 'q', ctx()).includes('-initrd'));
});

test('riscv64: OpenSBI fw_jump.bin as -bios, rv64, semihosting; opensbi comes from apt', () => {
  const argv = qemuCommand(plan('riscv64gc-unknown-hermit'), 'qemu-system-riscv64', ctx()).join(' ');
  assert.match(
    argv,
    /^qemu-system-riscv64 -accel tcg -machine virt -cpu rv64 -m 1024M -smp 1 -display none -chardev stdio,id=console,mux=on -serial chardev:console -semihosting-config enable=on,target=native,chardev=console -bios \S+\/fw_jump\.bin -kernel \/L -initrd \/app -append env=NO_COLOR=1$/,
  );
});

test("kernel command line: NO_COLOR by default, then the user's arguments; the user may set NO_COLOR", () => {
  assert.equal(kernelCommandLine(''), 'env=NO_COLOR=1');
  assert.equal(kernelCommandLine('-- a b'), 'env=NO_COLOR=1 -- a b');
  assert.equal(kernelCommandLine('env=NO_COLOR= -- a'), 'env=NO_COLOR= -- a');
});

test('exit-status lines: non-zero and -1 fail, 0 is success evidence; [PANIC] fails', () => {
  for (const l of ['exit status 1', '[0.5][0][INFO  hermit::syscalls] exit status -1', 'exit status 101 ']) assert.ok(matches(EXIT_STATUS_NONZERO, l), l);
  for (const l of ['exit status 0', '[0.5][0][INFO  hermit] exit status 0']) {
    assert.ok(!matches(EXIT_STATUS_NONZERO, l), l);
    assert.ok(matches(EXIT_STATUS_ZERO, l), l);
  }
  assert.ok(!matches(EXIT_STATUS_ZERO, 'exit status 01'));
  assert.ok(matches(HERMIT_PANIC, '[1.0][0][PANIC] panicked at src/lib.rs'));
});

function judge(target: string, output: string, end: BootEnd, over: Record<string, string> = {}) {
  const p = plan(target, { expect: 'Hello, world!', ...over });
  const w = new SerialWatcher(p.verdict.rules);
  w.push(Buffer.from(output));
  w.end();
  return decide({ watcher: w, end, acceptedExitCodes: p.verdict.exitCodes, explainExit: p.verdict.explainExit, qemuStderr: '' });
}
const exited = (status: number): BootEnd => ({ kind: 'exited', status, signal: null });

test('verdict: aarch64/riscv64 QEMU exit 0 passes only with the exit status 0 line', () => {
  for (const t of ['aarch64-unknown-hermit', 'riscv64gc-unknown-hermit']) {
    assert.equal(judge(t, 'Hello, world!\nexit status 0\n', exited(0)).pass, true);
    const v = judge(t, 'Hello, world!\n', exited(0));
    assert.equal(v.pass, false);
    assert.match(v.reason, /before printing "\/\\\\bexit status 0/);
    assert.match(judge(t, 'Hello, world!\nexit status 3\n', exited(0)).reason, /Failure line .*"exit status 3"/);
  }
});

test('verdict: x86_64 status 3 with exit status 0 passes; status 1 fails with the meaning; an app panic fails at once', () => {
  assert.equal(judge('x86_64-unknown-hermit', 'Hello, world!\nexit status 0\n', exited(3)).pass, true);
  assert.match(judge('x86_64-unknown-hermit', 'Hello, world!\n', exited(1)).reason, /status 1: the Hermit kernel reported that the app failed/);
  assert.match(judge('x86_64-unknown-hermit', 'Hello, world!\n', exited(0)).reason, /status 0: the guest powered off/);
  assert.match(
    judge('x86_64-unknown-hermit', "thread 'main' panicked at src/main.rs:1:1:\nboom\nexit status -1\n", exited(1)).reason,
    /Failure line at serial line 1: "thread 'main' panicked at/,
  );
});

test("verdict: Uhyve exits with the app's code: 0 passes, anything else fails", () => {
  assert.equal(judge('x86_64-unknown-hermit', 'Hello, world!\n', exited(0), { hypervisor: 'uhyve' }).pass, true);
  assert.match(judge('x86_64-unknown-hermit', 'Hello, world!\n', exited(2), { hypervisor: 'uhyve' }).reason, /Uhyve exited with status 2: the app's exit code/);
});

const FIX = path.join(ROOT, 'test', 'fixtures', 'hermit');

test('cargo configs of the app that also reach the kernel build are named', () => {
  assert.deepEqual(leakingConfigs(path.join(FIX, 'with-hermit', 'app'), path.join(FIX, 'with-hermit', 'hermit-rs', 'kernel')), [
    path.join(FIX, 'with-hermit', '.cargo', 'config.toml'),
  ]);
  assert.deepEqual(leakingConfigs(path.join(FIX, 'hello-std'), path.join(FIX, 'manifest-dir-kernel')), []);
});

// Defect fixed by the redesign: Hermit hard-coded -machine/-m after the generic ones, and QEMU keeps the last.
test("machine and memory inputs replace Hermit's defaults: each option once", () => {
  const argv = qemuCommand(plan('aarch64-unknown-hermit', { memory: '2G', machine: 'virt,gic-version=2' }), 'q', ctx());
  assert.deepEqual(
    argv.filter((a) => a === '-m' || a === '-machine'),
    ['-machine', '-m'],
  );
  assert.equal(argv[argv.indexOf('-m') + 1], '2G');
  assert.equal(argv[argv.indexOf('-machine') + 1], 'virt,gic-version=2');
});

// Defect fixed: Uhyve got QEMU's -qmp option (the boot stage adds it only to a launcher that speaks QMP).
test('Uhyve needs KVM and does not speak QMP; its command has no QEMU option', () => {
  const p = plan('x86_64-unknown-hermit', { hypervisor: 'uhyve', 'hermit-args': '-- a', expect: 'ok' });
  assert.equal(p.launcher.name, 'Uhyve');
  assert.equal(p.launcher.needsKvm, true);
  assert.equal(p.launcher.speaksQmp, false);
  assert.deepEqual(qemuCommand(p, '/bin/uhyve', ctx('kvm')), ['/bin/uhyve', '/app', '--', '--', 'a']);
  assert.equal(plan('x86_64-unknown-hermit').launcher.speaksQmp, true);
});

// Defect fixed: runner together with hypervisor: uhyve was accepted, then Uhyve installed and the runner booted anyway.
test('runner and hypervisor: uhyve both choose what boots: one input error', () => {
  assert.throws(
    () => plan('x86_64-unknown-hermit', { hypervisor: 'uhyve', runner: './boot.sh', expect: 'ok' }),
    /Input 'runner': and hypervisor: uhyve both choose what boots the image. Remove runner to boot with Uhyve, or remove hypervisor/,
  );
});
