import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionError, InfraError, resultOf } from './model/errors.js';
import { checkHost } from './install/host.js';
import { readInputs } from './inputs/inputs.js';
import { describe, runStep, STEPS, type State } from './pipeline/steps.js';
import { TEST_STEPS, testVerdictOf } from './pipeline/test-steps.js';
import { logPlan, publish, reportOf, verdictOf } from './pipeline/outcome.js';
import { resolvePlan } from './plan/plan.js';
import { GuestEcho } from './report/guest-log.js';
import type { Report } from './report/summary.js';

/** The whole action: read the inputs, resolve the plan, run its steps (or describe them), publish the outcome. */
export async function run(): Promise<void> {
  const report: Report = { target: core.getInput('target') || '(none)', pass: false, reason: '', timings: {}, tail: [] };
  const echo = new GuestEcho();
  try {
    const host = checkHost(process.platform, process.arch);
    if (!host.ok) throw new InfraError(host.message, 'runner');
    const plan = resolvePlan(readInputs((name) => core.getInput(name)));
    report.target = plan.inputs.target;
    const scratch = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'unikernel-boot-'));
    const s: State = {
      plan,
      scratch,
      assets: {},
      installActions: [],
      prep: {},
      timings: report.timings,
      echo,
      logPath: path.join(scratch, `${plan.inputs.target}-serial.log`),
    };
    logPlan(plan);
    const steps = plan.inputs.command === 'test' ? TEST_STEPS : STEPS;
    if (plan.inputs.dryRun) {
      for (const step of steps) await step.predict(s);
      return publish(report, { dryRun: describe(s) });
    }
    try {
      for (const step of steps) await runStep(s, step);
    } finally {
      Object.assign(report, reportOf(s));
    }
    Object.assign(report, plan.inputs.command === 'test' ? testVerdictOf(s) : verdictOf(s));
  } catch (e) {
    echo.stop();
    report.pass = false;
    report.error = resultOf(e) === 'error';
    report.reason = e instanceof ActionError ? e.message : `Unexpected error: ${(e as Error).stack ?? String(e)}`;
  }
  await publish(report);
}
