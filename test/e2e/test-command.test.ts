// command: test through the bundle: the x86_64-tests crate's whole suite built with a real
// `cargo test --no-run` (Debian's toolchain), every test executable booted in real QEMU (TCG),
// judged per case, written as JUnit, the failing case annotated on its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseStringPromise } from 'xml2js';
import { runAction } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

const env = { CARGO_TARGET_DIR: tempDir('e2e-test-command-target-') };
const run = (crate: string, inputs: Record<string, string> = {}) =>
  runAction(
    { target: 'x86_64-unknown-none', 'working-directory': `test/kernels/${crate}`, toolchain: 'distro', accel: 'tcg', command: 'test', ...inputs },
    { env, qemuMarker: env.CARGO_TARGET_DIR },
  );

test('command: test fails naming the failing test; JUnit holds every case; the annotation is on the failing line', { timeout: 900_000 }, async () => {
  const r = await run('x86_64-tests');
  assert.equal(r.outputs.result, 'fail', `${r.outputs.reason}\n${r.stdout.slice(-3000)}`);
  assert.match(r.outputs.reason, /^1 of 4 test executables failed: failing: 1 test case failed \(failing::arithmetic_is_wrong\)/);
  assert.deepEqual([r.outputs['tests-passed'], r.outputs['tests-failed']], ['6', '1']);
  assert.match(r.stdout, /\[command\].*\/cargo .*test --no-run --target x86_64-unknown-none/);
  assert.match(r.stdout, /::error title=Test failed%3A failing%3A%3Aarithmetic_is_wrong,file=test\/kernels\/x86_64-tests\/tests\/failing.rs,line=28,col=5::/);
  const doc = await parseStringPromise(fs.readFileSync(r.outputs.junit, 'utf8'));
  const cases = doc.testsuites.testsuite.flatMap((s: { testcase: { $: { name: string }; failure?: unknown }[] }) =>
    s.testcase.map((c) => [c.$.name, c.failure ? 'failed' : 'passed']),
  );
  assert.deepEqual(cases, [
    ['tested_kernel::tests::adds', 'passed'],
    ['tested_kernel::tests::exit_codes', 'passed'],
    ['basic_boot::adds_large', 'passed'],
    ['basic_boot::prints', 'passed'],
    ['failing::adds_correctly', 'passed'],
    ['failing::arithmetic_is_wrong', 'failed'],
    ['should_panic::should_fail', 'passed'],
  ]);
  assert.match(r.summary, /failing[\s\S]*1 test case failed/);
  assert.deepEqual(r.leftoverQemu, []);
});

test('command: test with [package.metadata.bootimage]: its test-success-exit-code, test-args and test-timeout are used', { timeout: 900_000 }, async () => {
  const r = await run('x86_64-tests-bootimage');
  assert.equal(r.outputs.result, 'fail', r.outputs.reason);
  assert.match(r.outputs.reason, /^1 of 4 test executables failed: failing:/);
  assert.equal(r.outputs['tests-passed'], '6');
  assert.match(r.stdout, /test-success-exit-code from \S+: QEMU status 65/);
  assert.match(r.stdout, /test-timeout from \S+: 30s per test executable/);
  assert.match(r.stdout, /\[command\]\S*qemu-system-x86_64 .* -m 64M/);
  // exit-code given: it wins over the table, so the executables that exit with 65 fail.
  const control = await run('x86_64-tests-bootimage', { 'exit-code': '33', 'cargo-args': '--test basic_boot' });
  assert.equal(control.outputs.result, 'fail');
  assert.match(control.outputs.reason, /status 65/);
});
