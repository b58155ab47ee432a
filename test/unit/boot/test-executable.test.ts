// bootTestExecutable with a shell script standing in for QEMU (stand-in: only the serial output and
// the exit status matter here; the real boots are in test/e2e/test-suite.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { bootTestExecutable } from '../../../src/boot/test-executable.js';
import { literal } from '../../../src/model/patterns.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir('test-executable-');

function run(script: string, exitCodes = [0], requireResults = false) {
  return bootTestExecutable({
    requireResults,
    name: 'exe',
    command: 'sh',
    args: ['-c', script],
    timeout: 20,
    rules: { expect: [], ordered: true, failOn: [literal('panicked at ')] },
    acceptedExitCodes: exitCodes,
    explainExit: (s) => `status ${s}`,
    logPath: path.join(dir, `${Math.random()}.log`),
  });
}

test('a libtest executable runs on after a test panics: later cases are reported, and it fails', async () => {
  const r = await run(
    `printf 'running 2 tests\\ntest a ... \\nthread %sa%s panicked at src/lib.rs:3:5:\\nboom\\nFAILED\\n' "'" "'"; sleep 0.5; printf 'test b ... ok\\n\\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\\n'; exit 101`,
  );
  assert.deepEqual(
    r.report.cases.map((c) => [c.name, c.status]),
    [
      ['a', 'failed'],
      ['b', 'passed'],
    ],
  );
  assert.deepEqual(r.report.cases[0].location, { file: 'src/lib.rs', line: 3, col: 5 });
  assert.equal(r.report.pass, false);
  assert.equal(r.verdict.pass, false);
});

test('another executable is stopped at its first panic line', async () => {
  const r = await run(`printf 'k::a...\\t[failed]\\nError: panicked at src/lib.rs:3:5:\\n'; exec sleep 10`);
  assert.ok(r.seconds < 8, `stopped early (${r.seconds} s)`);
  assert.deepEqual(
    r.report.cases.map((c) => [c.name, c.status]),
    [['k::a', 'failed']],
  );
  assert.equal(r.report.pass, false);
});

test('status 0 without results, no expect line: the executable fails, and so do its case and the counts', async () => {
  const none = await run(`printf 'booted\\n'; exit 0`, [0], true);
  assert.equal(none.report.pass, false);
  assert.match(none.report.reason, /^it exited with status 0 but printed no test results/);
  assert.deepEqual(
    none.report.cases.map((c) => [c.name, c.status]),
    [['exe', 'failed']],
  );
  assert.deepEqual(none.report.counts, { passed: 0, failed: 1, ignored: 0 });
  // defmt-test cases without its closing line: the cases ran, the run is not shown complete.
  const cut = await run(`printf '(1/2) running \\140a\\140...\\n(2/2) running \\140b\\140...\\n'; exit 0`, [0], true);
  assert.deepEqual(
    cut.report.cases.map((c) => [c.name, c.status]),
    [
      ['a', 'passed'],
      ['b', 'failed'],
    ],
  );
  assert.equal(cut.report.pass, false);
  // The same output with an expect line given (requireResults off): status 0 stands.
  assert.equal((await run(`printf 'booted\\n'; exit 0`)).report.pass, true);
});
