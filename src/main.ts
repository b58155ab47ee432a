import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActionError, InfraError, resultOf } from './model/errors.js';
import { readRunnerEnv, type RunnerEnv } from './model/runner-env.js';
import { checkHost } from './install/host.js';
import { readInputs } from './inputs/inputs.js';
import { runName } from './inputs/matrix.js';
import { modeOf } from './pipeline/mode.js';
import { logPlan, publish, publishDryRun } from './pipeline/outcome.js';
import { describeRun, runPipeline } from './pipeline/run.js';
import { resolvePlan } from './plan/plan.js';
import type { Report } from './report/summary.js';

/** A scratch folder of this run's own under RUNNER_TEMP; one sentence when it cannot be made. */
function makeScratch(env: RunnerEnv): string {
  try {
    return fs.mkdtempSync(path.join(env.temp, 'unikernel-boot-'));
  } catch (e) {
    throw new InfraError(
      `The action cannot write its scratch files in ${env.temp} (RUNNER_TEMP, else the system's temporary folder): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Run on a runner whose RUNNER_TEMP is a writable folder.`,
      'runner',
    );
  }
}

/** The whole action: read the runner's environment and the inputs, resolve the plan, run the pipeline (or describe it), publish the outcome. */
export async function run(): Promise<void> {
  const report: Report = { target: core.getInput('target') || '(none)', pass: false, reason: '', timings: {}, tail: [] };
  let logDir: string | undefined;
  // The one read of the process's environment: everything below gets it from here.
  const vars = process.env;
  try {
    const env = readRunnerEnv(vars);
    const host = checkHost(process.platform, process.arch);
    if (!host.ok) throw new InfraError(host.message, 'runner');
    const scratch = makeScratch(env);
    logDir = path.join(scratch, 'logs');
    fs.mkdirSync(logDir);
    const plan = resolvePlan(readInputs((name) => core.getInput(name), env));
    report.target = plan.inputs.target;
    report.name = runName(plan.inputs);
    const ctx = { plan, env, mode: modeOf(plan), scratch, logDir };
    logPlan(plan);
    if (plan.inputs.dryRun) return publishDryRun(await describeRun(ctx));
    await runPipeline(ctx, report);
  } catch (e) {
    report.pass = false;
    report.error = resultOf(e) === 'error';
    report.reason = e instanceof ActionError ? e.message : `Unexpected error: ${(e as Error).stack ?? String(e)}`;
  }
  try {
    await publish(report, vars, logDir);
  } catch (e) {
    // GITHUB_OUTPUT or GITHUB_STEP_SUMMARY could not be written: the step still fails or passes, in one sentence.
    const why = `The action could not write its outputs (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the run's result was: ${report.pass ? 'pass' : 'fail'}: ${report.reason}`;
    if (report.pass) core.warning(why);
    else core.setFailed(why);
  }
}
