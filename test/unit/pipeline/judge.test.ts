// The boot and judge stages for one test executable, with a shell script standing in for QEMU
// (STAND-IN: only the serial output and the exit status matter here; the real boots are in
// test/e2e/test-suite.test.ts and test/e2e/test-command.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Launcher } from '../../../src/boot/launchers.js';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import { bootAll } from '../../../src/pipeline/boot.js';
import { judge, type Judged } from '../../../src/pipeline/judge.js';
import { TEST_MODE, type Image } from '../../../src/pipeline/mode.js';
import type { RunContext } from '../../../src/pipeline/run-context.js';
import { fakePlan } from '../../helpers/inputs.js';
import { ROOT } from '../../helpers/action.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir('judge-');

const standIn: Launcher = {
  kind: 'runner',
  name: 'stand-in QEMU (sh -c SCRIPT)',
  needsKvm: false,
  speaksQmp: false,
  install: async () => ({ path: 'sh' }),
  planInstall: async () => ({ actions: [], path: 'sh' }),
  // The "image" is the script itself.
  launch: (_program, ctx) => ({ argv: ['sh', '-c', fs.readFileSync(ctx.kernel, 'utf8')] }),
};

async function run(script: string, opts: { exitCodes?: number[]; expect?: string } = {}): Promise<Judged> {
  const plan = fakePlan({
    target: 'x86_64-unknown-none',
    'working-directory': 'test/kernels/x86_64-tests',
    command: 'test',
    ...(opts.expect ? { expect: opts.expect } : {}),
  });
  const n = fs.readdirSync(dir).length;
  const file = path.join(dir, `exe-${n}.sh`);
  fs.writeFileSync(file, script);
  const ctx: RunContext = {
    plan: { ...plan, launcher: standIn },
    env: readRunnerEnv({ ...process.env, GITHUB_WORKSPACE: ROOT, RUNNER_TEMP: dir }, ROOT),
    mode: TEST_MODE,
    scratch: dir,
    logDir: dir,
  };
  const image: Image = {
    path: file,
    name: 'exe',
    workDir: path.join(dir, `w${n}`),
    logPath: path.join(dir, `exe-${n}.log`),
    timeout: 20,
    exitCodes: opts.exitCodes ?? [0],
    qemuArgs: [],
    notes: [],
  };
  const [r] = await bootAll(ctx, { program: 'sh', assets: {} }, [image], (b) => judge(ctx, b), undefined, { write: () => undefined });
  assert.equal(r.status, 'done', r.status === 'error' ? String(r.error) : r.status);
  return (r as { value: Judged }).value;
}

test('a libtest executable runs on after a test panics: later cases are reported, and it fails', async () => {
  const r = await run(
    `printf 'running 2 tests\\ntest a ... \\nthread %sa%s panicked at src/lib.rs:3:5:\\nboom\\nFAILED\\n' "'" "'"; sleep 0.5; printf 'test b ... ok\\n\\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\\n'; exit 101`,
  );
  assert.deepEqual(
    r.report!.cases.map((c) => [c.name, c.status]),
    [
      ['a', 'failed'],
      ['b', 'passed'],
    ],
  );
  assert.deepEqual(r.report!.cases[0].location, { file: 'src/lib.rs', line: 3, col: 5 });
  assert.equal(r.report!.pass, false);
  assert.equal(r.verdict.pass, false);
});

test('another executable is stopped at its first panic line', async () => {
  const r = await run(`printf 'k::a...\\t[failed]\\nError: panicked at src/lib.rs:3:5:\\n'; exec sleep 10`);
  assert.ok(r.booted.result.seconds < 8, `stopped early (${r.booted.result.seconds} s)`);
  assert.deepEqual(
    r.report!.cases.map((c) => [c.name, c.status]),
    [['k::a', 'failed']],
  );
  assert.equal(r.verdict.pass, false);
});

test('status 0 without results, no expect line: the executable fails, and so do its case, the counts and the verdict', async () => {
  const none = await run(`printf 'booted\\n'; exit 0`);
  assert.equal(none.verdict.pass, false);
  assert.match(none.verdict.reason, /^it exited with status 0 but printed no test results/);
  assert.deepEqual(
    none.report!.cases.map((c) => [c.name, c.status]),
    [['exe', 'failed']],
  );
  assert.deepEqual(none.report!.counts, { passed: 0, failed: 1, ignored: 0 });
  // defmt-test cases without its closing line: the cases ran, the run is not shown complete.
  const cut = await run(`printf '(1/2) running \\140a\\140...\\n(2/2) running \\140b\\140...\\n'; exit 0`);
  assert.deepEqual(
    cut.report!.cases.map((c) => [c.name, c.status]),
    [
      ['a', 'passed'],
      ['b', 'failed'],
    ],
  );
  assert.equal(cut.verdict.pass, false);
  // The same output with an expect line given: status 0 with the line stands.
  assert.equal((await run(`printf 'booted\\n'; exit 0`, { expect: 'booted' })).verdict.pass, true);
});
