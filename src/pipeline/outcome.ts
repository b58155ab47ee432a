import * as core from '@actions/core';
import * as fs from 'node:fs';
import { shellJoin } from '../boot/qemu-args.js';
import type { Plan } from '../plan/plan.js';
import { writeSummary, type Report } from '../report/summary.js';
import { decide } from '../verdict/verdict.js';
import { cleanLine } from '../verdict/watcher.js';
import { annotatePanic } from '../report/panic-location.js';
import { bootTimings, factOutputs } from '../report/outputs.js';
import { accelPolicy } from './accel.js';
import type { State } from './steps.js';
import type { ProbeRow } from '../report/summary.js';
import { describeStep, type ConversationOutcome } from '../model/conversation.js';

/** The decisions taken from the inputs, in one log group, so a reader of the log sees them all. */
export function logPlan(plan: Plan): void {
  const { inputs, verdict, build, launcher } = plan;
  core.startGroup(`Plan for ${inputs.target} (${plan.target.family})`);
  core.info(
    `build: ${build.kind === 'cargo' ? `cargo in ${build.workingDirectory}${build.cargoArgs.length ? ` with ${shellJoin(build.cargoArgs)}` : ''}` : `prebuilt ${build.kernel}`}`,
  );
  core.info(
    `expect (${verdict.rules.ordered ? 'in order' : 'any order'}): ${verdict.rules.expect.map((p) => JSON.stringify(p.source)).join(', ') || '(nothing)'}`,
  );
  core.info(`fail-on: ${verdict.rules.failOn.map((p) => JSON.stringify(p.source)).join(', ') || '(nothing)'}`);
  core.info(`accepted exit status: ${verdict.exitCodes.join(', ') || '(none: the guest must be stopped by the action)'}`);
  core.info(`timeout: ${inputs.timeout}s${inputs.idleTimeout ? `, idle-timeout: ${inputs.idleTimeout}s` : ''}; accel: ${accelPolicy(plan)}`);
  if (inputs.runner) core.info(`boot with: ${inputs.runner.kind === 'cargo' ? "cargo run (the crate's cargo runner)" : shellJoin(inputs.runner.argv)}`);
  else if (launcher.speaksQmp) {
    const q = plan.qemu;
    const chosen = [q.machine && `-machine ${q.machine}`, q.cpu && `-cpu ${q.cpu}`, q.memory && `-m ${q.memory}`].filter(Boolean).join(' ');
    core.info(`QEMU: ${chosen || "the target's defaults"}${q.extra.length ? ` + ${shellJoin(q.extra)}` : ''}`);
  } else core.info(`boot with: ${launcher.name}`);
  core.endGroup();
}

/** The verdict on a finished boot, and what the report shows of the run. */
export function verdictOf(s: State): Partial<Report> {
  const r = s.result!;
  const v = decide({
    watcher: r.watcher,
    end: r.end,
    acceptedExitCodes: s.plan.verdict.exitCodes,
    resetAccepted: s.plan.verdict.resetAccepted,
    explainExit: s.plan.verdict.explainExit,
    qemuStderr: r.stderr,
    waitForExit: s.plan.verdict.waitForExit,
    conversation: r.conversation,
  });
  const tail = r.watcher.lastLines().slice(-20);
  const explain = s.plan.target.verdict.explainNoVerdict;
  // The whole serial log (the watcher keeps only a tail): the boot markers come early.
  if (!v.pass && !r.watcher.failure && explain)
    v.reason = `${v.reason} ${explain(serialLines(s.logPath, r.watcher.lastLines()).map(cleanLine), r.end)}`.trimEnd();
  if (!v.pass) {
    // A guest's `panicked at src/x.rs:L:C` becomes an annotation on that line, when the file is the crate's.
    const seen = r.watcher.failure;
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const crate = s.plan.build.kind === 'cargo' ? s.plan.build.workingDirectory : workspace;
    annotatePanic([seen?.line ?? '', seen?.next ?? '', ...tail.map(cleanLine)], crate, workspace, core.error);
  }
  return { pass: v.pass, reason: v.reason, exitCode: v.exitCode, tail, ...reportOf(s), probes: r.conversation && probeRows(r.conversation) };
}

/** The probes and the console script's steps with their timings, for the job summary. */
function probeRows(c: ConversationOutcome): ProbeRow[] {
  const rows: ProbeRow[] = c.probes.map((o) => ({ what: o.probe.label, ok: o.ok, startedAt: o.startedMs, ms: o.ms, detail: o.message }));
  if (c.script) {
    for (const st of c.script.steps) rows.push({ what: `console ${describeStep(st.step)}`, ok: true, ms: st.ms, detail: '' });
    if (!c.script.ok) rows.push({ what: 'console script', ok: false, ms: 0, detail: c.script.message });
  }
  return rows;
}

function serialLines(logPath: string, fallback: string[]): string[] {
  try {
    return fs.readFileSync(logPath, 'utf8').split('\n');
  } catch {
    return fallback;
  }
}

/** The toolchain as resolved, for the `toolchain` output: the rustup name (nightly-2026-06-01), `system` or `distro`. */
const toolchainName = (s: State) => s.toolchain && (s.toolchain.kind === 'rustup' ? s.toolchain.description.replace(/^rustup /, '') : s.toolchain.kind);

/** What the report shows of the steps that ran (also when a later one failed). */
export function reportOf(s: State): Partial<Report> {
  return {
    outputs: factOutputs({
      rustc: s.toolchain?.rustcVerbose,
      toolchain: toolchainName(s),
      cacheHit: s.cache?.hit,
      timings: s.result && bootTimings(s.result.moments),
    }),
    toolchain: s.toolchain ? `${s.toolchain.description}: ${s.toolchain.rustcVersion}` : undefined,
    kernel: s.kernel,
    accel: s.plan.launcher.speaksQmp || s.plan.launcher.needsKvm ? (s.accelNote ?? s.accel) : undefined,
    qemuCommand: s.launch ? shellJoin(s.launch.argv) : undefined,
    logPath: s.launch ? s.logPath : undefined,
  };
}

/** Outputs, the job summary, and the step's own pass or fail. */
export async function publish(report: Report, opts: { dryRun?: Record<string, unknown> } = {}): Promise<void> {
  if (opts.dryRun) {
    const plan = opts.dryRun as { boot: { command: string } };
    core.startGroup('Dry run: the plan (nothing is installed, built or booted)');
    core.info(JSON.stringify(plan, null, 2));
    core.endGroup();
    core.setOutput('plan', JSON.stringify(plan));
    core.setOutput('qemu-command', plan.boot.command);
    core.setOutput('result', 'dry-run');
    core.setOutput('reason', 'Dry run: nothing was installed, built or booted.');
    return;
  }
  if (report.kernel) core.setOutput('kernel', report.kernel);
  core.setOutput('result', report.pass ? 'pass' : report.error ? 'error' : 'fail');
  for (const [name, value] of Object.entries(report.outputs ?? {})) core.setOutput(name, value);
  core.setOutput('reason', report.reason);
  if (report.exitCode !== undefined) core.setOutput('exit-code', String(report.exitCode));
  try {
    await writeSummary(report);
  } catch (e) {
    core.warning(`Could not write the job summary: ${(e as Error).message}`);
  }
  if (report.pass) core.info(`PASS: ${report.reason}`);
  else core.setFailed(report.reason);
}
