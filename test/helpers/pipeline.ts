import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TestExecutable } from '../../src/cargo/test-executables.js';
import { readRunnerEnv } from '../../src/model/runner-env.js';
import { bootAll } from '../../src/pipeline/boot.js';
import { judge } from '../../src/pipeline/judge.js';
import { TEST_MODE } from '../../src/pipeline/mode.js';
import { verdictLine } from '../../src/pipeline/run.js';
import type { RunContext } from '../../src/pipeline/run-context.js';
import type { ExecutableReport } from '../../src/verdict/test-cases.js';
import type { Verdict } from '../../src/verdict/verdict.js';
import { ROOT } from './action.js';
import { fakePlan } from './inputs.js';

/** One test executable's boot and judgement, as the tests and the bench read them. */
export interface TestRunResult {
  name: string;
  verdict: Verdict;
  report: ExecutableReport;
  command: string[];
  seconds: number;
  started: Date;
}

/**
 * The pipeline's boot and judge stages (src/pipeline/boot.ts, judge.ts) driven directly for test
 * executables a test built itself: the x86_64-unknown-none plan in test mode under TCG, real QEMU.
 * `inputs` are extra action inputs (exit-code, ...).
 */
export async function bootTestExecutables(
  exes: TestExecutable[],
  opts: { workDir: string; inputs?: Record<string, string>; concurrency?: number; write?: (c: string | Uint8Array) => void },
): Promise<TestRunResult[]> {
  const plan = fakePlan({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test', accel: 'tcg', ...opts.inputs });
  const logDir = path.join(opts.workDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const ctx: RunContext = {
    plan,
    env: readRunnerEnv({ ...process.env, GITHUB_WORKSPACE: ROOT, RUNNER_TEMP: opts.workDir }, ROOT),
    mode: TEST_MODE,
    scratch: opts.workDir,
    logDir,
  };
  const program = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim();
  const images = TEST_MODE.images(plan, { tests: exes }, logDir, opts.workDir);
  const pooled = await bootAll(ctx, { program, assets: {} }, images, (b) => judge(ctx, b), verdictLine, { write: opts.write, concurrency: opts.concurrency });
  return pooled.map((r) => {
    if (r.status !== 'done') throw new Error(`${r.name}: ${r.status === 'error' ? String(r.error) : 'cancelled'}`);
    const { booted, verdict, report } = r.value;
    return { name: booted.image.name, verdict, report: report!, command: booted.argv, seconds: booted.result.seconds, started: booted.started };
  });
}
