import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/action.js';
import { lacksEvidence, parsePanicLine, parseTestOutput, TestCaseParser, type ExecutableReport } from '../../../src/verdict/test-cases.js';

// Serial output of test/kernels/x86_64-tests' four executables booted in QEMU, and of a host
// crate's libtest harness (pretty format, multi-threaded and --test-threads=1 --nocapture).
const fixture = (name: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/test-output', name), 'utf8');
const PASS = { pass: true, reason: 'The guest exited with status 33.' };
const FAIL = { pass: false, reason: 'Failure line at serial line 5: "Error: panicked at tests/failing.rs:28:5:"' };
const brief = (r: ReturnType<typeof parseTestOutput>) => r.cases.map((c) => [c.name, c.status]);

test('blog_os: the failing integration test names its failing case, with the panic location and message', () => {
  const r = parseTestOutput(fixture('blog_os-failing.txt'), FAIL, 'failing');
  assert.equal(r.style, 'blog_os');
  assert.deepEqual(brief(r), [
    ['failing::adds_correctly', 'passed'],
    ['failing::arithmetic_is_wrong', 'failed'],
  ]);
  const bad = r.cases[1];
  assert.deepEqual(bad.location, { file: 'tests/failing.rs', line: 28, col: 5 });
  assert.equal(bad.message, 'assertion `left == right` failed: 2 + 2 should be 5\n  left: 4\n right: 5');
  assert.equal(r.pass, false);
  assert.match(r.reason, /^1 test case failed \(failing::arithmetic_is_wrong\): Failure line/);
  assert.deepEqual(r.counts, { passed: 1, failed: 1, ignored: 0 });
});

test('blog_os: passing executables, a test that prints between its name and [ok], a should-panic test without a framework', () => {
  const basic = parseTestOutput(fixture('blog_os-basic_boot.txt'), PASS, 'basic_boot');
  assert.deepEqual(brief(basic), [
    ['basic_boot::adds_large', 'passed'],
    ['basic_boot::prints', 'passed'],
  ]);
  assert.deepEqual(basic.cases[1].output, ['printing from a test']);
  assert.equal(basic.pass, true);
  assert.equal(basic.reason, PASS.reason);
  assert.deepEqual(brief(parseTestOutput(fixture('blog_os-should_panic.txt'), PASS, 'should_panic')), [['should_panic::should_fail', 'passed']]);
  assert.deepEqual(brief(parseTestOutput(fixture('blog_os-tested_kernel.txt'), PASS, 'tested_kernel')), [
    ['tested_kernel::tests::adds', 'passed'],
    ['tested_kernel::tests::exit_codes', 'passed'],
  ]);
});

test('libtest (multi-threaded): ok, FAILED, ignored with and without a reason, should panic; the failure section gives the location', () => {
  const exe = { pass: false, reason: 'exited with status 101' };
  const r = parseTestOutput(fixture('libtest-threads.txt'), exe, 'libtest_sample');
  assert.equal(r.style, 'libtest');
  assert.deepEqual(brief(r), [
    ['tests::ignored_plain', 'ignored'],
    ['tests::ignored_with_reason', 'ignored'],
    ['tests::panics', 'passed'],
    ['tests::adds', 'passed'],
    ['tests::prints', 'passed'],
    ['tests::wrong', 'failed'],
  ]);
  assert.equal(r.cases[1].message, 'needs hardware');
  assert.deepEqual(r.cases[5].location, { file: 'src/lib.rs', line: 11, col: 18 });
  assert.equal(r.cases[5].message, 'assertion `left == right` failed: 2 + 2 should be 5\n  left: 4\n right: 5');
  assert.deepEqual(r.libtest, { ok: false, passed: 3, failed: 1, ignored: 2 });
  assert.deepEqual(r.counts, { passed: 3, failed: 1, ignored: 2 });
});

test('libtest (--test-threads=1 --nocapture): results after the test output, panics inline, a should-panic panic is no failure', () => {
  const r = parseTestOutput(fixture('libtest-nocapture.txt'), { pass: false, reason: 'exited with status 101' }, 'libtest_sample');
  assert.deepEqual(brief(r), [
    ['tests::adds', 'passed'],
    ['tests::ignored_plain', 'ignored'],
    ['tests::ignored_with_reason', 'ignored'],
    ['tests::panics', 'passed'],
    ['tests::prints', 'passed'],
    ['tests::wrong', 'failed'],
  ]);
  assert.equal(r.cases[3].location, undefined);
  assert.equal(r.cases[3].message, undefined);
  assert.deepEqual(r.cases[4].output, ['hello from a test']);
  assert.deepEqual(r.cases[5].location, { file: 'src/lib.rs', line: 11, col: 18 });
  assert.equal(r.cases[5].message, 'assertion `left == right` failed: 2 + 2 should be 5\n  left: 4\n right: 5', 'FAILED is not part of the message');
});

test('libtest saying FAILED fails the executable even when its exit looked fine; a failed case fails a passing executable', () => {
  const lt = parseTestOutput('running 1 test\ntest a ... ok\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n', PASS, 'x');
  assert.equal(lt.pass, false);
  assert.match(lt.reason, /test result: FAILED/);
  const blog = parseTestOutput('k::a...\t[ok]\nk::b...\t[failed]\n', PASS, 'k');
  assert.equal(blog.pass, false);
  assert.match(blog.reason, /^1 test case failed \(k::b\), although the executable itself reported success/);
});

test('no per-test lines: the executable is the one test case', () => {
  const ok = parseTestOutput('Hello from x86_64-unknown-none!\nLoading...\nall tests passed\n', PASS, 'hello');
  assert.equal(ok.style, 'none');
  assert.deepEqual(brief(ok), [['hello', 'passed']]);
  const bad = parseTestOutput('booting\npanicked at src/main.rs:10:5:\nboom\n', { pass: false, reason: 'panic' }, 'hello');
  assert.deepEqual(brief(bad), [['hello', 'failed']]);
  assert.equal(bad.cases[0].message, 'panic');
  assert.deepEqual(bad.cases[0].location, { file: 'src/main.rs', line: 10, col: 5 });
  assert.deepEqual(bad.panic, { location: { file: 'src/main.rs', line: 10, col: 5 }, message: 'boom' });
});

test('a case still running when the executable ended takes its outcome; a failure after every case passed is a case of its own', () => {
  const hung = parseTestOutput('Running 2 tests\nk::a...\t[ok]\nk::hangs...\t', { pass: false, reason: 'Timed out after 30s' }, 'k');
  assert.deepEqual(brief(hung), [
    ['k::a', 'passed'],
    ['k::hangs', 'failed'],
  ]);
  assert.equal(hung.cases[1].inferred, true);
  assert.equal(hung.cases[1].message, 'Timed out after 30s');
  assert.match(hung.reason, /^1 test case failed \(k::hangs\): Timed out/);
  const after = parseTestOutput('k::a...\t[ok]\n', { pass: false, reason: 'QEMU exited with status 35' }, 'k');
  assert.deepEqual(brief(after), [
    ['k::a', 'passed'],
    ['k', 'failed'],
  ]);
  assert.equal(after.pass, false);
  assert.equal(after.cases[1].message, 'QEMU exited with status 35');
});

test('lines split across blocks, escape codes and CRLF, and timings from the line times', () => {
  const p = new TestCaseParser();
  p.block(Buffer.from('test a ... \x1b[32mo'), 0);
  p.block('k\x1b[0m\r\ntest b ... ', 1);
  p.block('FAILED\r\n', 2.5);
  const r = p.finish({ pass: false, reason: 'status 101' }, 'x', 3);
  assert.deepEqual(brief(r), [
    ['a', 'passed'],
    ['b', 'failed'],
  ]);
  const q = new TestCaseParser();
  q.line('k::slow...\t', 1);
  q.line('\t[ok]', 4);
  assert.equal(q.finish(PASS, 'k').cases[0].seconds, 3);
});

test('panic lines: Rust 1.73+ and the older quoted form', () => {
  assert.deepEqual(parsePanicLine('Error: panicked at tests/failing.rs:28:5:'), { location: { file: 'tests/failing.rs', line: 28, col: 5 } });
  assert.deepEqual(parsePanicLine("thread 'main' (1) panicked at src/main.rs:2:5:"), { location: { file: 'src/main.rs', line: 2, col: 5 } });
  assert.deepEqual(parsePanicLine("panicked at 'boom', src/lib.rs:7:9"), { location: { file: 'src/lib.rs', line: 7, col: 9 }, message: 'boom' });
  assert.deepEqual(parsePanicLine('[PANIC] panicked at ../x86_64-tests/tests/failing.rs:28:5:'), {
    location: { file: '../x86_64-tests/tests/failing.rs', line: 28, col: 5 },
  });
  assert.equal(parsePanicLine('panicked at the disco'), undefined);
});

test('defmt-test: a case passes when the next starts or all pass; ignored cases; a panic fails the case that was running', () => {
  // As a decoder shows it (timestamp, level, location lines) and as printed by hand.
  const decoded = [
    '0.000000 INFO  (1/3) running `reads_id`...',
    '└─ suite::tests::__defmt_test_entry @ tests/suite.rs:8',
    '0.000001 INFO  (2/3) ignoring `not_ready`...',
    '0.000002 INFO  (3/3) running `sums`...',
    'sum is 4',
    '0.000003 INFO  all tests passed!',
    '└─ suite::tests::__defmt_test_entry @ tests/suite.rs:8',
  ].join('\n');
  const ok = parseTestOutput(decoded, { pass: true, reason: 'QEMU exited with status 0.' }, 'suite');
  assert.equal(ok.style, 'defmt-test');
  assert.deepEqual(brief(ok), [
    ['reads_id', 'passed'],
    ['not_ready', 'ignored'],
    ['sums', 'passed'],
  ]);
  assert.equal(ok.defmtAllPassed, true);
  assert.deepEqual(ok.cases[2].output, ['sum is 4']);
  assert.equal(ok.pass, true);

  const bad = parseTestOutput(
    '(1/3) running `reads_id`...\n(2/3) running `sums`...\npanicked at tests/suite.rs:31:9:\nassertion `left == right` failed\n  left: 3\n right: 4\n',
    { pass: false, reason: 'QEMU exited with status 1.' },
    'suite',
  );
  assert.deepEqual(brief(bad), [
    ['reads_id', 'passed'],
    ['sums', 'failed'],
  ]);
  assert.equal(bad.defmtAllPassed, false);
  assert.deepEqual(bad.cases[1].location, { file: 'tests/suite.rs', line: 31, col: 9 });
  assert.match(bad.cases[1].message ?? '', /^assertion `left == right` failed/);
  assert.match(bad.reason, /^1 test case failed \(sums\)/);
  // The third case never ran: it is not reported as passed.
  assert.equal(bad.cases.length, 2);
});

test('defmt-test: `all tests passed!` outside a defmt-test run is an ordinary line', () => {
  const r = parseTestOutput('hello\nall tests passed!\n', PASS, 'hello');
  assert.equal(r.style, 'none');
  assert.equal(r.defmtAllPassed, undefined);
});

test("blog_os-style variants other kernels' frameworks print: [OK], [PASS], [FAIL], [skipped]", () => {
  const r = parseTestOutput(
    'kernel::mm::maps...\t[OK]\nkernel::sched::runs... [PASS]\nkernel::fs::later...[skipped]\nkernel::net::sends...\t[FAIL]\npanicked at src/net.rs:9:5:\nno route\n',
    { pass: false, reason: 'QEMU exited with status 1.' },
    'kernel',
  );
  assert.equal(r.style, 'blog_os');
  assert.deepEqual(brief(r), [
    ['kernel::mm::maps', 'passed'],
    ['kernel::sched::runs', 'passed'],
    ['kernel::fs::later', 'ignored'],
    ['kernel::net::sends', 'failed'],
  ]);
  assert.deepEqual(r.cases[3].location, { file: 'src/net.rs', line: 9, col: 5 });
});

const report = (r: Partial<ExecutableReport>): ExecutableReport => ({
  cases: [],
  pass: true,
  reason: 'exited',
  style: 'none',
  counts: { passed: 0, failed: 0, ignored: 0 },
  ...r,
});

test("status 0 without expect needs the executable's own results", () => {
  assert.match(lacksEvidence(report({}), 0) ?? '', /status 0 alone proves nothing/);
  assert.equal(lacksEvidence(report({ style: 'libtest', libtest: { ok: true, passed: 2, failed: 0, ignored: 0 } }), 0), undefined);
  assert.equal(lacksEvidence(report({ style: 'blog_os', counts: { passed: 1, failed: 0, ignored: 0 } }), 0), undefined);
  assert.equal(lacksEvidence(report({ style: 'defmt-test', defmtAllPassed: true, counts: { passed: 2, failed: 0, ignored: 0 } }), 0), undefined);
  assert.match(
    lacksEvidence(report({ style: 'defmt-test', defmtAllPassed: false, counts: { passed: 2, failed: 0, ignored: 0 } }), 0) ?? '',
    /all tests passed!/,
    'defmt-test cases pass only by the next one starting: without its last line the run may have been cut short',
  );
  assert.equal(lacksEvidence(report({ style: 'libtest', counts: { passed: 3, failed: 0, ignored: 0 } }), 0), undefined, "libtest's case lines, no summary");
  assert.match(lacksEvidence(report({ style: 'libtest', libtest: { ok: false, passed: 3, failed: 0, ignored: 0 } }), 0) ?? '', /proves nothing/);
  assert.match(lacksEvidence(report({ style: 'libtest', counts: { passed: 0, failed: 0, ignored: 2 } }), 0) ?? '', /proves nothing/);
  assert.equal(lacksEvidence(report({}), 33), undefined, 'a status other than 0 is evidence');
});
