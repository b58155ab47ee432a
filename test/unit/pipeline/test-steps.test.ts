import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lacksEvidence } from '../../../src/pipeline/test-steps.js';
import type { ExecutableReport } from '../../../src/verdict/test-cases.js';
import { fakeInputs } from '../../helpers/inputs.js';

const report = (r: Partial<ExecutableReport>): ExecutableReport => ({
  cases: [],
  pass: true,
  reason: 'exited',
  style: 'none',
  counts: { passed: 0, failed: 0, ignored: 0 },
  ...r,
});

test("status 0 without expect needs the executable's own results", () => {
  assert.match(lacksEvidence(report({}), 0, false) ?? '', /status 0 alone proves nothing/);
  assert.equal(lacksEvidence(report({ style: 'libtest', libtest: { ok: true, passed: 2, failed: 0, ignored: 0 } }), 0, false), undefined);
  assert.equal(lacksEvidence(report({ style: 'blog_os', counts: { passed: 1, failed: 0, ignored: 0 } }), 0, false), undefined);
  assert.equal(lacksEvidence(report({ style: 'defmt-test', defmtAllPassed: true, counts: { passed: 2, failed: 0, ignored: 0 } }), 0, false), undefined);
  assert.match(
    lacksEvidence(report({ style: 'defmt-test', defmtAllPassed: false, counts: { passed: 2, failed: 0, ignored: 0 } }), 0, false) ?? '',
    /all tests passed!/,
    'defmt-test cases pass only by the next one starting: without its last line the run may have been cut short',
  );
  assert.equal(
    lacksEvidence(report({ style: 'libtest', counts: { passed: 3, failed: 0, ignored: 0 } }), 0, false),
    undefined,
    "libtest's case lines, no summary",
  );
  assert.match(lacksEvidence(report({ style: 'libtest', libtest: { ok: false, passed: 3, failed: 0, ignored: 0 } }), 0, false) ?? '', /proves nothing/);
  assert.match(lacksEvidence(report({ style: 'libtest', counts: { passed: 0, failed: 0, ignored: 2 } }), 0, false) ?? '', /proves nothing/);
  assert.equal(lacksEvidence(report({}), 0, true), undefined, 'an expect line is evidence');
  assert.equal(lacksEvidence(report({}), 33, false), undefined, 'a status other than 0 is evidence');
});

test('command input: boot or test; test with kernel or runner: cargo is an input error', () => {
  assert.equal(fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test' }).command, 'test');
  assert.throws(() => fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'tests' }), /command/);
  assert.throws(
    () => fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test', runner: 'cargo' }),
    /runner/,
  );
});
