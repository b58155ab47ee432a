// Issue 23, end-to-end: the bundled action on a machine without rustup (a `container: debian:12`
// job, a self-hosted runner), as in the container example of docs/runners.md. PATH is limited to a folder of
// links to the system's programs without rustup, cargo or rustc; HOME, CARGO_HOME and RUSTUP_HOME
// are scratch folders. rustup-init is a STAND-IN (test/standins/rustup/standin-rustup-init.sh: the
// real one cannot be downloaded here), served from 127.0.0.1 through RUSTUP_UPDATE_ROOT with its
// sha256; its rustup "installs" Debian's Rust, with which the example kernel is really built and
// booted in QEMU. The first run is also behind a proxy: rustup-init's host is a made-up name only
// the local CONNECT proxy (test/helpers/connect-proxy.ts) resolves, given as HTTP_PROXY.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runAction } from '../helpers/action.js';
import { serve, type TestServer } from '../helpers/http-server.js';
import { connectProxy } from '../helpers/connect-proxy.js';
import { tempDir } from '../helpers/tmp.js';
import { rustupHostTriple } from '../../src/install/rustup-init.js';

const STANDIN = fs.readFileSync(path.join(ROOT, 'test', 'standins', 'rustup', 'standin-rustup-init.sh'));
const SHA = createHash('sha256').update(STANDIN).digest('hex');
const DIST = `/rustup/dist/${rustupHostTriple()}`;
const HIDDEN = /^(rustup|rustup-init|cargo|cargo-.*|rustc|rustdoc|rust-gdb|rust-gdbgui|rust-lldb|rustfmt|clippy-driver)$/;

let server: TestServer;
let bin: string;

before(async () => {
  server = await serve({
    [`${DIST}/rustup-init`]: [200, STANDIN],
    [`${DIST}/rustup-init.sha256`]: [200, `${SHA}  rustup-init\n`],
    '/bad/rustup/dist/x86_64-unknown-linux-gnu/rustup-init': [200, STANDIN],
    '/bad/rustup/dist/aarch64-unknown-linux-gnu/rustup-init': [200, STANDIN],
    '/bad/rustup/dist/x86_64-unknown-linux-gnu/rustup-init.sha256': [200, `${'0'.repeat(64)}  rustup-init\n`],
    '/bad/rustup/dist/aarch64-unknown-linux-gnu/rustup-init.sha256': [200, `${'0'.repeat(64)}  rustup-init\n`],
  });
  // The PATH of a machine without rustup: links to every program in the system folders but Rust's.
  bin = tempDir('no-rustup-bin-');
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const link = path.join(bin, name);
      if (HIDDEN.test(name) || fs.existsSync(link)) continue;
      fs.symlinkSync(path.join(dir, name), link);
    }
  }
});
after(() => server.close());

/** A scratch HOME with CARGO_HOME and RUSTUP_HOME in it, and the environment of a runner without rustup. */
function machine(updateRoot: string) {
  const home = tempDir('no-rustup-home-');
  const env = {
    PATH: bin,
    HOME: home,
    CARGO_HOME: path.join(home, 'cargo'),
    RUSTUP_HOME: path.join(home, 'rustup'),
    RUSTUP_UPDATE_ROOT: updateRoot,
    RUNNER_TOOL_CACHE: path.join(home, 'toolcache'),
    GITHUB_PATH: path.join(home, 'github_path'),
    CARGO_TARGET_DIR: path.join(home, 'target'),
    RUSTUP_TOOLCHAIN: undefined,
    RUSTC: undefined,
    CARGO: undefined,
  };
  fs.writeFileSync(env.GITHUB_PATH, '');
  return env;
}

const inputs = {
  target: 'x86_64-unknown-none',
  'working-directory': 'examples/x86_64-unknown-none',
  expect: 'Hello from x86_64-unknown-none!',
  timeout: '60',
  accel: 'tcg',
};

test('no rustup on PATH: rustup-init is downloaded (through a proxy), checked against its sha256, run; PATH is exported; the kernel builds and boots', async () => {
  assert.equal(
    fs.readdirSync(bin).some((n) => HIDDEN.test(n)),
    false,
    'the limited PATH has no rustup, cargo or rustc',
  );
  const proxy = await connectProxy();
  const host = `rustup.proxy-test.invalid:${new URL(server.base).port}`;
  const env = { ...machine(`http://${host}/rustup`), HTTP_PROXY: proxy.url, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };
  const r = await runAction(inputs, { env, timeoutMs: 400_000 }).finally(() => proxy.close());
  assert.equal(r.outputs.result, 'pass', `${r.outputs.reason}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  assert.equal(r.code, 0);
  const cargoBin = path.join(env.CARGO_HOME, 'bin');
  // Downloaded from the update root, checksum first; run non-interactively without a toolchain.
  assert.deepEqual(
    server.requests.filter((u) => u.startsWith(DIST)),
    [`${DIST}/rustup-init.sha256`, `${DIST}/rustup-init`],
  );
  assert.match(r.stdout, new RegExp(`rustup-init-${rustupHostTriple()} \\S+: sha256 ${SHA} verified`));
  assert.deepEqual(proxy.connects, [host, host], 'both requests went through the proxy (HTTP_PROXY), tunnelled with CONNECT');
  const calls = fs.readFileSync(path.join(env.RUSTUP_HOME, 'calls'), 'utf8').split('\n');
  assert.equal(calls[0], 'rustup-init -y --profile minimal --default-toolchain none --no-modify-path');
  assert.match(calls[1], /^rustup toolchain install nightly --profile minimal --no-self-update --component rust-src --component llvm-tools/);
  // rustup's folder is on PATH for later steps (GITHUB_PATH), as dtolnay/rust-toolchain exports it.
  assert.equal(fs.readFileSync(env.GITHUB_PATH, 'utf8').trim(), cargoBin);
  assert.ok(fs.existsSync(path.join(cargoBin, 'rustup')));
});

test('a rustup-init that does not match its published sha256 is deleted unrun; the run stops with a toolchain error that says what to do', async () => {
  const env = machine(`${server.base}/bad/rustup`);
  const r = await runAction(inputs, { env, timeoutMs: 120_000 });
  assert.equal(r.code, 1);
  assert.equal(r.outputs.result, 'error', r.stdout.slice(-3000));
  assert.match(
    r.outputs.reason,
    /rustup is not installed and could not be installed: The download of rustup-init-\S+ \S+ from http:\/\/127\.0\.0\.1:\d+\/bad\/rustup\/dist\/\S+\/rustup-init does not match its checksum \(expected sha256 0{64}, got [0-9a-f]{64}\); it was deleted and not used\. Install rustup before this step, or use toolchain: distro/,
  );
  assert.equal(fs.existsSync(path.join(env.RUSTUP_HOME, 'calls')), false, 'rustup-init never ran');
  assert.equal(fs.existsSync(path.join(env.CARGO_HOME, 'bin', 'rustup')), false);
  assert.equal(fs.readFileSync(env.GITHUB_PATH, 'utf8'), '', 'nothing added to PATH');
});
