// Issue 22, point 8: in test mode the verdict, the tests-* counts and the JUnit report come from one judgement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorSuite, judgeTestRun, type ExecutableResult } from '../../../src/report/test-run.js';
import { junitXml, suiteFromReport } from '../../../src/report/junit.js';
import { parseTestOutput, type ExecutableOutcome } from '../../../src/verdict/test-cases.js';
import { ROOT } from '../../helpers/action.js';

/** libtest's terse format (`cargo test -q`): a dot per passed case, only failures named. */
const TERSE_FAILED = [
  'running 3 tests',
  '.F.',
  'failures:',
  '',
  '---- tests::two stdout ----',
  "thread 'tests::two' panicked at src/main.rs:10:5:",
  'assertion failed',
  '',
  'failures:',
  '    tests::two',
  '',
  'test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s',
].join('\n');
const TERSE_NAMED = 'running 2 tests\n.F\ntests::two --- FAILED\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n';
const TERSE_OK = 'running 2 tests\n..\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n';

const passed: ExecutableOutcome = { pass: true, reason: 'The guest exited with status 33.' };
const exited1: ExecutableOutcome = { pass: false, reason: 'The guest exited with status 35.' };

/** The run as the pipeline judges it, and the JUnit document it writes from the same reports. */
function run(results: ExecutableResult[]) {
  const judged = judgeTestRun(results);
  const suites = results.map((r) => (r.report ? suiteFromReport(r.report, { name: r.name, seconds: r.seconds }) : errorSuite(r.name, r.reason, r.seconds)));
  const xml = junitXml(suites);
  const root = /<testsuites[^>]* tests="(\d+)" failures="(\d+)" errors="0" skipped="(\d+)"/.exec(xml)!;
  return { judged, junit: { tests: Number(root[1]), failures: Number(root[2]), skipped: Number(root[3]) } };
}

function assertOneJudgement(results: ExecutableResult[]) {
  const { judged, junit } = run(results);
  assert.equal(junit.failures, judged.counts.failed, 'JUnit failures = tests-failed');
  assert.equal(junit.skipped, judged.counts.ignored);
  assert.equal(junit.tests, judged.counts.passed + judged.counts.failed + judged.counts.ignored);
  assert.equal(judged.pass, judged.counts.failed === 0 && results.length > 0, `pass ${judged.pass} with ${judged.counts.failed} failed`);
  return judged;
}

test('terse libtest output reporting FAILED fails with a failed case, whatever the exit status said', () => {
  for (const exe of [passed, exited1]) {
    const report = parseTestOutput(TERSE_FAILED, exe, 'terse');
    assert.equal(report.pass, false);
    assert.ok(report.counts.failed >= 1, JSON.stringify(report.counts));
    const judged = assertOneJudgement([{ name: 'terse', report, seconds: 1 }]);
    assert.equal(judged.pass, false);
    assert.ok(judged.counts.failed >= 1);
  }
  const named = parseTestOutput(TERSE_NAMED, passed, 'terse');
  assert.deepEqual(
    named.cases.map((c) => [c.name, c.status]),
    [['tests::two', 'failed']],
  );
  assertOneJudgement([{ name: 'terse', report: named, seconds: 1 }]);
});

test('the counts add up over executables, a passing one and an executable that never booted included', () => {
  const ok = parseTestOutput(TERSE_OK, { pass: true, reason: 'The guest exited with status 33.' }, 'ok');
  const blog = parseTestOutput(fs.readFileSync(path.join(ROOT, 'test/fixtures/test-output/blog_os-failing.txt'), 'utf8'), exited1, 'failing');
  const judged = assertOneJudgement([
    { name: 'ok', report: ok, seconds: 1 },
    { name: 'failing', report: blog, seconds: 1 },
    { name: 'broken', seconds: 0, reason: 'QEMU could not start' },
  ]);
  assert.equal(judged.pass, false);
  assert.deepEqual(
    judged.rows.map((r) => [r.name, r.pass, r.failed]),
    [
      ['ok', true, 0],
      ['failing', false, blog.counts.failed],
      ['broken', false, 1],
    ],
  );
  assert.match(judged.reason, /^2 of 3 test executables failed: failing: .*; broken: QEMU could not start$/);
  const good = assertOneJudgement([{ name: 'ok', report: ok, seconds: 1 }]);
  assert.equal(good.reason, 'All 1 test executables passed (1 test case).');
  assert.equal(judgeTestRun([]).pass, false, 'no executable is no pass');
});

test('several boots of one image (boot-firmware: both): the run passes only when every boot passed; the reason names each; one exit status only when they agree', async () => {
  const { judgeBoots } = await import('../../../src/report/test-run.js');
  const pass = judgeBoots([
    { name: 'k (bios)', seconds: 1, pass: true, reason: 'The guest exited with status 33.', exitCode: 33 },
    { name: 'k (uefi)', seconds: 2, pass: true, reason: 'The guest exited with status 33.', exitCode: 33 },
  ]);
  assert.equal(pass.pass, true);
  assert.equal(pass.reason, 'All 2 boots passed. k (bios): The guest exited with status 33.; k (uefi): The guest exited with status 33.');
  assert.equal(pass.exitCode, 33);
  const fail = judgeBoots([
    { name: 'k (bios)', seconds: 1, pass: true, reason: 'ok', exitCode: 33 },
    { name: 'k (uefi)', seconds: 60, pass: false, reason: 'Timed out after 60 s.' },
  ]);
  assert.equal(fail.pass, false);
  assert.equal(fail.reason, '1 of 2 boots failed. k (uefi): Timed out after 60 s.');
  assert.equal(fail.exitCode, undefined, 'the statuses differ (one boot has none)');
  assert.deepEqual(
    fail.rows.map((r) => r.pass),
    [true, false],
  );
  assert.equal(judgeBoots([]).pass, false, 'no boot is no pass');
});
