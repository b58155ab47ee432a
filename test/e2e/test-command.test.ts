// command: test through the bundle: the x86_64-tests crate's whole suite built with a real
// `cargo test --no-run` (Debian's toolchain), every test executable booted in real QEMU (TCG),
// judged per case, written as JUnit, the failing case annotated on its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

test(
  'command: test with shard 1/2 and 2/2: every executable booted once over the two; JUnit files merge without clashes; accel and qemu-version set',
  { timeout: 900_000 },
  async () => {
    const shards = [await run('x86_64-tests', { shard: '1/2', annotations: 'none' }), await run('x86_64-tests', { shard: '2/2', annotations: 'none' })];
    // The QEMU the action found on PATH, asked here on its own.
    const qemu = /version (\d+\.\d+\.\d+)/.exec(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }))![1];
    const suites: string[][] = [];
    let passed = 0;
    let failed = 0;
    for (const [i, r] of shards.entries()) {
      const label = `x86_64-unknown-none (distro) [shard ${i + 1}/2]`;
      assert.ok(['pass', 'fail'].includes(r.outputs.result), `${r.outputs.result}: ${r.outputs.reason}`);
      assert.equal(r.outputs.accel, 'tcg');
      assert.equal(r.outputs['qemu-version'], qemu);
      assert.match(r.stdout, new RegExp(`Shard ${i + 1}/2 boots \\d of the 4 test executables`));
      assert.ok(r.summary.includes(`${label}: ${r.outputs.result}`), `the summary heading names the shard: ${r.summary.slice(0, 300)}`);
      assert.equal(path.basename(r.outputs.junit), `x86_64-unknown-none_distro_shard_${i + 1}_2-junit.xml`);
      const doc = await parseStringPromise(fs.readFileSync(r.outputs.junit, 'utf8'));
      assert.equal(doc.testsuites.$.name, label);
      suites.push(doc.testsuites.testsuite.map((s: { $: { name: string } }) => s.$.name));
      passed += Number(r.outputs['tests-passed']);
      failed += Number(r.outputs['tests-failed']);
      // annotations: none: the failed case is not annotated on its line, but the step still fails saying why.
      assert.doesNotMatch(r.stdout, /::error title=Test failed/);
      if (r.outputs.result === 'fail') assert.match(r.stdout, /^::error::\d of \d test executables? failed: failing:/m);
    }
    const all = [...suites[0], ...suites[1]].sort();
    assert.deepEqual(
      all,
      ['basic_boot', 'failing', 'should_panic', 'tested_kernel'].map((n) => `x86_64-unknown-none (distro) / ${n}`),
      'each executable in exactly one shard, its suite named after the run',
    );
    assert.deepEqual([passed, failed], [6, 1], 'the same cases as the whole suite in one run');
    assert.deepEqual(shards.map((r) => r.outputs.result).sort(), ['fail', 'pass'], 'the shard with failing fails, the other passes');

    // A shard with no executable: fails (as nextest fails a run that selects no test), naming where each went.
    const empty = await run('x86_64-tests', { shard: '2/4' });
    assert.equal(empty.outputs.result, 'fail', empty.outputs.reason);
    assert.match(
      empty.outputs.reason,
      /^Shard 2\/4 has none of the 4 test executables \(tested_kernel: shard \d, basic_boot: shard \d, failing: shard \d, should_panic: shard \d\).*Use fewer shards/,
    );
    assert.equal(empty.outputs.accel, undefined, 'nothing booted');

    // The dry run names the run and its shard.
    const dry = await run('x86_64-tests', { shard: '1/2', 'dry-run': 'true', name: 'suite' });
    const plan = JSON.parse(dry.outputs.plan);
    assert.equal(plan.name, 'suite [shard 1/2]');
    assert.match(plan.shard, /^1\/2: the test executables whose package, kind and name hash to shard 1 of 2/);
  },
);
