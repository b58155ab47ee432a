// End-to-end for x86_64-unikraft-linux-musl: the bundled action (dist/index.js) builds the example's
// std for the target with build-std (Debian's toolchain, offline) up to the link step. KraftKit
// cannot be had here (no internet), so a STAND-IN kraftld (test/fixtures/unikraft/standin-kraftkit)
// is put first on PATH with `kraftkit: system`: it records what the action gave it and writes a fake
// image where the real kraftld would copy the unikernel. Booting that fake image must fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runAction } from '../helpers/action.js';
import { copyExample } from '../helpers/example.js';
import { KRAFTKIT_DEFAULT_VERSION } from '../../src/targets/unikraft/kraftkit.js';
import { tempDir } from '../helpers/tmp.js';

const TARGET_DIR = tempDir('e2e-unikraft-target-');
const STANDIN = path.join(ROOT, 'test', 'fixtures', 'unikraft', 'standin-kraftkit');
const TARGET = 'x86_64-unikraft-linux-musl';

function standinEnv(log: string) {
  return { CARGO_TARGET_DIR: TARGET_DIR, STANDIN_KRAFTLD_LOG: log, PATH: `${STANDIN}:${process.env.PATH}` };
}

function readLog(log: string) {
  const lines = fs.readFileSync(log, 'utf8').split('\n');
  const pick = (k: string) => lines.filter((l) => l.startsWith(`${k}=`)).map((l) => l.slice(k.length + 1));
  const args = pick('arg');
  return {
    cwd: pick('cwd')[0],
    args,
    env: Object.fromEntries(pick('env').map((e) => e.split(/=(.*)/s).slice(0, 2))),
    kraftfile: pick('kraftfile').join('\n'),
    out: args[args.indexOf('-o') + 1],
  };
}

test('a real std build for Unikraft reaches kraftld with what the real one needs; the stand-in image does not pass', async () => {
  const log = path.join(TARGET_DIR, 'kraftld.log');
  const r = await runAction(
    {
      target: TARGET,
      'working-directory': 'examples/unikraft-hello',
      toolchain: 'distro',
      kraftkit: 'system',
      expect: 'Hello, world!',
      timeout: '20',
      accel: 'tcg',
    },
    { env: standinEnv(log) },
  );
  assert.ok(fs.existsSync(log), `kraftld was called\n${r.stdout.slice(-3000)}`);
  const k = readLog(log);
  assert.equal(k.cwd, path.join(ROOT, 'examples', 'unikraft-hello'), 'kraftld runs where the Kraftfile is');
  assert.match(r.stdout, /kraftld runs kraft build in \S+unikraft-hello, the Cargo workspace root, where the Kraftfile is/);
  assert.deepEqual(
    { ...k.env },
    {
      KRAFTKIT_TARGET: 'helloworld',
      KRAFTKIT_PLAT: 'qemu',
      KRAFTKIT_ARCH: 'x86_64',
      KRAFTKIT_NO_PROMPT: 'true',
      KRAFTKIT_NO_CHECK_UPDATES: 'true',
      KRAFTKIT_NO_EMOJIS: 'true',
      KRAFTKIT_NO_WARN_SUDO: 'true',
      KRAFTKIT_LOG_TYPE: 'basic',
    },
  );
  assert.ok(k.out.startsWith(path.join(TARGET_DIR, TARGET, 'debug', 'deps', 'unikraft_hello-')), `-o is cargo's output path: ${k.out}`);
  assert.ok(
    k.args.some((a) => /unikraft_hello-.*\.o$/.test(a)),
    'the object files are passed',
  );
  assert.ok(
    k.args.some((a) => /libstd-.*\.rlib$/.test(a)),
    'std, built from source, is passed',
  );
  assert.match(r.stdout, /std for x86_64-unikraft-linux-musl: built from source \(build-std: std, panic_abort\)/);
  assert.match(r.stdout, /-Zbuild-std=std,panic_abort/);
  assert.doesNotMatch(r.stdout, /RUSTFLAGS=/);
  // The image cargo reports is the file kraftld wrote.
  assert.equal(r.outputs.kernel, path.join(TARGET_DIR, TARGET, 'debug', 'unikraft-hello'));
  assert.match(fs.readFileSync(r.outputs.kernel, 'utf8'), /STAND-IN UNIKERNEL IMAGE/);
  assert.match(r.outputs['qemu-command'], /-device isa-debug-exit,iobase=0x501,iosize=0x02 -kernel \S+unikraft-hello$/);
  // Never a false pass: the stand-in image is not bootable.
  assert.equal(r.outputs.result, 'fail', r.outputs.reason);
  assert.equal(r.code, 1);
  assert.deepEqual(r.leftoverQemu, []);
});

test('unikraft-tty-stdio adds CONFIG_LIBPOSIX_TTY_STDIO to the Kraftfile kraftld sees, and restores the original', async () => {
  const ws = tempDir('e2e-unikraft-ws-');
  const app = path.join(ws, 'app');
  copyExample('unikraft-hello', app);
  const silent = 'spec: v0.6\nname: helloworld\nunikraft: stable\nlibraries:\n  musl: stable\ntargets:\n- qemu/x86_64\n';
  fs.writeFileSync(path.join(app, 'Kraftfile'), silent);
  const log = path.join(ws, 'kraftld.log');
  const r0 = await runAction(
    { target: TARGET, 'working-directory': 'app', toolchain: 'distro', expect: 'Hello, world!', 'dry-run': 'true' },
    { workspace: ws, env: standinEnv(log) },
  );
  // A Rust (musl) app prints without CONFIG_LIBPOSIX_TTY_STDIO (lib-musl PR #85): no warning about it;
  // but `unikraft: stable` moves, which is warned about.
  assert.doesNotMatch(r0.stdout, /CONFIG_LIBPOSIX_TTY_STDIO/);
  assert.match(r0.stdout, /::warning title=Unikraft version not pinned::Kraftfile asks for unikraft: stable, which moves/);
  const r = await runAction(
    {
      target: TARGET,
      'working-directory': 'app',
      toolchain: 'distro',
      kraftkit: 'system',
      expect: 'Hello, world!',
      'unikraft-tty-stdio': 'true',
      timeout: '10',
      accel: 'tcg',
    },
    { workspace: ws, env: standinEnv(log) },
  );
  const k = readLog(log);
  assert.match(k.kraftfile, /unikraft:\n\s+version: stable\n\s+kconfig:\n\s+CONFIG_LIBPOSIX_TTY_STDIO: 'y'/, k.kraftfile + r.stdout.slice(-2000));
  assert.equal(fs.readFileSync(path.join(app, 'Kraftfile'), 'utf8'), silent, 'the original Kraftfile is back');
  assert.doesNotMatch(r.stdout, /console may stay silent/);
  assert.equal(r.outputs.result, 'fail');
});

test('dry-run shows the Unikraft plan: KraftKit download and checksum, build env, QEMU line, verdict', async () => {
  const r = await runAction(
    {
      target: TARGET,
      'working-directory': 'examples/unikraft-hello',
      toolchain: 'distro',
      expect: 'Hello, world!',
      'unikraft-args': 'one two',
      'dry-run': 'true',
    },
    { env: { RUNNER_TOOL_CACHE: path.join(TARGET_DIR, 'toolcache') } },
  );
  assert.equal(r.code, 0, r.stdout);
  const plan = JSON.parse(r.outputs.plan);
  assert.equal(plan.family, 'Unikraft (KraftKit, qemu/x86_64)');
  assert.match(plan.build.command, /-Zbuild-std=std,panic_abort$/);
  assert.match(plan.build.command, /(^| )KRAFTKIT_TARGET=helloworld /, 'the build command carries the environment it runs with');
  assert.equal(plan.downloads.length, 1);
  const v = KRAFTKIT_DEFAULT_VERSION;
  assert.equal(
    plan.downloads[0].url,
    `https://github.com/unikraft/kraftkit/releases/download/v${v}/kraft_${v}_linux_${process.arch === 'arm64' ? 'arm64' : 'amd64'}.tar.gz`,
  );
  assert.match(plan.downloads[0].checksum, new RegExp(`sha256 published by GitHub for unikraft/kraftkit v${v.replace(/\./g, '\\.')}`));
  assert.deepEqual(plan.verdict.exitCodes, [0, 83]);
  assert.deepEqual(plan.verdict.failOn, ['panicked at ', '/Unikraft crash - /i', 'CRIT: ', '/\\[ FAILED \\]|\\.\\s+FAILED\\s*$/', '/main returned -?[1-9]/']);
  // No kernel arguments: no `--` (kraft run writes it only before kernel arguments).
  assert.match(
    r.outputs['qemu-command'],
    /-machine pc -cpu qemu64,\+pdpe1gb,\+rdrand,\+rdseed,-vmx,-svm -m 64M -display none -serial stdio -monitor none -no-reboot -device isa-debug-exit,iobase=0x501,iosize=0x02 -kernel \S+\/x86_64-unikraft-linux-musl\/debug\/unikraft-hello -append 'one two'$/,
  );
  assert.doesNotMatch(r.stdout, /::group::(Install|Build)/);
});

test('dry-run validates like a real run: no expect, no qemu/x86_64 target, bad KraftKit version', async () => {
  // An input error is `error`; the app's own Kraftfile that cannot boot here is the app failing: `fail`.
  const cases: [Record<string, string>, RegExp, string][] = [
    [{ expect: '' }, /^Input 'expect': is empty, but exit status 0 counts as success for x86_64-unikraft-linux-musl/, 'error'],
    [{ 'working-directory': 'test/fixtures/unikraft/wrong-platform' }, /has no qemu\/x86_64 target \(it has: fc\/x86_64, qemu\/arm64\)/, 'fail'],
    [{ kraftkit: 'latest' }, /^Input 'kraftkit': 'latest' is not a KraftKit version/, 'error'],
  ];
  for (const [over, msg, result] of cases) {
    const r = await runAction({ target: TARGET, 'working-directory': 'examples/unikraft-hello', expect: 'Hello, world!', 'dry-run': 'true', ...over });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.result, result, r.outputs.reason);
    assert.match(r.outputs.reason, msg);
  }
});

test('a workspace member with its Kraftfile beside it, and a stale .config from an earlier build: kraftld runs in the member, the .config is removed', async () => {
  const ws = tempDir('e2e-unikraft-member-');
  copyExample('unikraft-workspace', ws);
  const member = path.join(ws, 'app');
  const stale = path.join(member, '.config.member_qemu-x86_64');
  fs.writeFileSync(stale, 'CONFIG_UK_NAME="member"\n');
  const log = path.join(ws, 'kraftld.log');
  const r = await runAction(
    {
      target: TARGET,
      'working-directory': 'app',
      toolchain: 'distro',
      kraftkit: 'system',
      expect: 'Hello from a workspace member!',
      timeout: '10',
      accel: 'tcg',
    },
    { workspace: ws, env: standinEnv(log) },
  );
  assert.ok(fs.existsSync(log), `kraftld was called\n${r.stdout.slice(-3000)}`);
  const k = readLog(log);
  // cargo runs the linker in the workspace root (ws); the action's kraftld wrapper runs the real one in app/.
  assert.equal(k.cwd, member, 'kraftld runs beside the Kraftfile, not in the workspace root');
  assert.equal(k.env.KRAFTKIT_TARGET, 'member');
  assert.match(k.kraftfile, /name: member/);
  assert.match(r.stdout, new RegExp(`member of the Cargo workspace at ${ws.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, where cargo runs the linker`));
  assert.ok(!fs.existsSync(stale), 'the stale .config is gone');
  assert.match(r.stdout, /Removed \S+\.config\.member_qemu-x86_64 \(written by an earlier kraft build\)/);
  assert.ok(
    k.args.every((a) => a.startsWith('-') || path.isAbsolute(a)),
    `absolute paths only: ${k.args.filter((a) => !a.startsWith('-') && !path.isAbsolute(a))}`,
  );
  assert.equal(r.outputs.kernel, path.join(TARGET_DIR, TARGET, 'debug', 'unikraft-member'));
  assert.equal(r.outputs.result, 'fail', 'the stand-in image never passes');
  assert.deepEqual(r.leftoverQemu, []);
});

test('Kraftfile layouts kraft accepts pass validation (dry run): the kvm alias, Kraftfile.yml with kernel:; two Kraftfiles fail', async () => {
  const ok: [string, string][] = [
    ['kvm-alias', 'helloworld'],
    ['kernel-key', 'hello-kernel'],
  ];
  for (const [fixture, name] of ok) {
    const r = await runAction({
      target: TARGET,
      'working-directory': `test/fixtures/unikraft/${fixture}`,
      toolchain: 'distro',
      expect: 'x',
      'dry-run': 'true',
    });
    assert.equal(r.code, 0, `${fixture}: ${r.outputs.reason}`);
    assert.match(JSON.parse(r.outputs.plan).build.command, new RegExp(`(^| )KRAFTKIT_TARGET=${name} `));
  }
  const r = await runAction({
    target: TARGET,
    'working-directory': 'test/fixtures/unikraft/yaml-and-kraftfile',
    toolchain: 'distro',
    expect: 'x',
    'dry-run': 'true',
  });
  assert.equal(r.code, 1);
  assert.match(r.outputs.reason, /has 2 Kraftfiles \(Kraftfile\.yaml, Kraftfile\); kraft refuses that/);
});
