// Builds that fail say what cargo said: real cargo on the broken crates of test/kernels/broken, and a
// guest panic annotated on the crate's source. Through dist/index.js, as the runner runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAction, type ActionRun } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

const env = { CARGO_TARGET_DIR: tempDir('e2e-build-errors-target-') };
const build = (dir: string, inputs: Record<string, string> = {}) =>
  runAction({ target: 'x86_64-unknown-none', 'working-directory': dir, toolchain: 'distro', expect: 'never printed', timeout: '60', ...inputs }, { env });

function assertBuildFailed(r: ActionRun, lines: RegExp[]): string[] {
  assert.equal(r.outputs.result, 'fail', `${r.outputs.reason}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.code, 1);
  const reason = r.outputs.reason.split('\n');
  assert.doesNotMatch(r.outputs.reason, /with 0 errors|annotated/);
  lines.forEach((re, i) => assert.match(reason[i] ?? '', re, `line ${i} of the reason:\n${r.outputs.reason}`));
  // The job summary shows the quoted lines too.
  assert.match(r.summary, /<pre>error: /);
  return reason;
}

test("a broken Cargo.toml: cargo's own parse error and where", async () => {
  const r = await build('test/kernels/broken/bad-manifest');
  assertBuildFailed(r, [/^cargo build failed \(exit status 101\); cargo said:$/, /^error: unclosed table, expected `\]`$/, /^--> Cargo\.toml:5:14$/]);
});

test("a dependency that does not exist: cargo's registry error", async () => {
  const r = await build('test/kernels/broken/missing-dep');
  assertBuildFailed(r, [/cargo said:$/, /^error: no matching package named `no-such-crate-w11-test` found$/, /^location searched: /]);
});

test("a dependency that cannot be fetched: cargo's error and its causes", async () => {
  const r = await build('test/kernels/broken/no-network');
  const reason = assertBuildFailed(r, [/cargo said:$/, /^error: failed to get `some-lib` as a dependency of package `no-network v0\.1\.0/]);
  assert.ok(
    reason.slice(2).some((l) => l.startsWith('Caused by: ')),
    r.outputs.reason,
  );
});

test("a link failure: the linker's own error, not its command line", async () => {
  const r = await build('test/kernels/broken/link-fail');
  assert.equal(r.outputs.result, 'fail', r.outputs.reason);
  const reason = r.outputs.reason.split('\n');
  assert.equal(reason[0], 'cargo build failed (exit status 101) with 1 error: linking with `rust-lld` failed: exit status: 1.');
  assert.match(reason[1], /^note: rust-lld: error: undefined symbol: w11_function_nothing_defines$/);
  assert.ok(
    reason.every((l) => l.length < 400),
    'no linker command line',
  );
});

test("a guest panic is annotated on the crate's file and line, workspace-relative", async () => {
  const r = await build('test/kernels/x86_64-none', { 'cargo-args': '--features panic', expect: 'Hello from x86_64-unknown-none!\nall tests passed' });
  assert.equal(r.outputs.result, 'fail');
  const m = /panicked at src\/main\.rs:(\d+):(\d+):/.exec(r.outputs.reason);
  assert.ok(m, r.outputs.reason);
  assert.match(r.stdout, new RegExp(`^::error title=Guest panic,file=test/kernels/x86_64-none/src/main\\.rs,line=${m[1]},col=${m[2]}::panicked: boom$`, 'm'));
});
