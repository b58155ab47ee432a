// bootTestExecutable with a shell script standing in for QEMU (stand-in: only the serial output and
// the exit status matter here; the real boots are in test/e2e/test-suite.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { bootTestExecutable } from '../../../src/boot/test-executable.js';
import { literal } from '../../../src/verdict/patterns.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir('test-executable-');

function run(script: string, exitCodes = [0]) {
  return bootTestExecutable({
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
