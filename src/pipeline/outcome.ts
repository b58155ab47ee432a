import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellJoin } from '../boot/qemu-args.js';
import { safeFileName } from '../model/paths.js';
import type { Plan } from '../plan/plan.js';
import { bootTimings, factOutputs } from '../report/outputs.js';
import { qemuVersionNumber } from '../install/qemu.js';
import { writeSummary, type Report } from '../report/summary.js';
import type { Toolchain } from '../install/toolchain.js';
import { runName } from '../inputs/matrix.js';
import { accelPolicy } from './accel.js';
import type { Booted } from './boot.js';
import type { Installed } from './install.js';

/** The decisions taken from the inputs, in one log group, so a reader of the log sees them all. */
export function logPlan(plan: Plan): void {
  const { inputs, verdict, build, launcher } = plan;
  core.startGroup(`Plan for ${inputs.target} (${plan.target.family})`);
  core.info(`name: ${runName(inputs)}`);
  core.info(
    `command: ${inputs.command}${inputs.shard ? `, shard ${inputs.shard.index}/${inputs.shard.total} (the test executables whose package, kind and name hash to it)` : ''}`,
  );
  core.info(
    `build: ${build.kind === 'cargo' ? `cargo in ${build.workingDirectory}${build.cargoArgs.length ? ` with ${shellJoin(build.cargoArgs)}` : ''}` : `prebuilt ${build.kernel}`}`,
  );
  core.info(
    `expect (${verdict.rules.ordered ? 'in order' : 'any order'}): ${verdict.rules.expect.map((p) => JSON.stringify(p.source)).join(', ') || '(nothing)'}`,
  );
  core.info(`fail-on: ${verdict.rules.failOn.map((p) => JSON.stringify(p.source)).join(', ') || '(nothing)'}`);
  core.info(`accepted exit status: ${verdict.exitCodes.join(', ') || '(none: the guest must be stopped by the action)'}`);
  const timeout = inputs.timeout === undefined ? 'default' : `${inputs.timeout}s`;
  core.info(`timeout: ${timeout}${inputs.idleTimeout ? `, idle-timeout: ${inputs.idleTimeout}s` : ''}; accel: ${accelPolicy(plan).words}`);
  if (launcher.kind === 'qemu') {
    const q = plan.qemu;
    const chosen = [q.machine && `-machine ${q.machine}`, q.cpu && `-cpu ${q.cpu}`, q.memory && `-m ${q.memory}`].filter(Boolean).join(' ');
    core.info(`QEMU: ${chosen || "the target's defaults"}${q.extra.length ? ` + ${shellJoin(q.extra)}` : ''}`);
  } else if (inputs.runner) core.info(`boot with: ${inputs.runner.kind === 'cargo' ? "cargo run (the crate's cargo runner)" : shellJoin(inputs.runner.argv)}`);
  else core.info(`boot with: ${launcher.name}`);
  for (const n of plan.target.notes ?? []) core.info(n);
  core.endGroup();
  for (const w of plan.target.warnings ?? []) core.warning(w.message, { title: w.title });
}

/** The toolchain as resolved, for the `toolchain` output: the rustup name (nightly-2026-06-01), `system` or `distro`. */
const toolchainName = (tc: Toolchain) => (tc.kind === 'rustup' ? tc.description.replace(/^rustup /, '') : tc.kind);

/**
 * What the report shows of the stages that ran (also when a later one failed): the toolchain, the
 * cache, the QEMU version, the first boot, and the accelerator of every boot.
 */
export function facts(plan: Plan, installed: Installed | undefined, boots: Booted[]): Partial<Report> {
  const tc = installed?.toolchain;
  const booted = boots[0];
  // The accelerator is the action's choice only where it launches QEMU (or Uhyve, always KVM); a runner command chooses its own.
  const shown = plan.launcher.speaksQmp || plan.launcher.needsKvm;
  return {
    outputs: {
      ...factOutputs({
        rustc: tc?.rustcVerbose,
        toolchain: tc && toolchainName(tc),
        cacheHit: installed?.cache?.hit,
        timings: booted && bootTimings(booted.result.moments),
        accels: shown ? boots.map((b) => b.accel) : [],
        // From the QMP greeting of the QEMU that booted: only the action's own QEMU command line speaks QMP
        // (a runner command or cargo run may boot another QEMU than the one installed: no version is claimed for it).
        qemuVersion: qemuVersionNumber(boots.find((b) => b.result.qemuVersion)?.result.qemuVersion ?? ''),
      }),
      ...booted?.outputs,
    },
    toolchain: tc ? `${tc.description}: ${tc.rustcVersion}` : undefined,
    cache: installed?.cache?.notes.length ? installed.cache.notes.join('; ') : undefined,
    accel: booted && shown ? (booted.accelNote ?? booted.accel) : undefined,
    qemuCommand: booted ? shellJoin(booted.argv) : undefined,
  };
}

/**
 * The `log` output exists on every path, so a workflow's upload step never fails a second time:
 * where no boot wrote it, a file in the log folder says why there is no serial output.
 */
function ensureLog(report: Report, logDir: string | undefined): string | undefined {
  if (report.logPath && fs.existsSync(report.logPath)) return report.logPath;
  if (!logDir) return undefined;
  try {
    fs.mkdirSync(logDir, { recursive: true });
    const file = path.join(logDir, `${safeFileName(report.name ?? report.target)}-no-boot.log`);
    fs.writeFileSync(file, `The action ended before any boot wrote serial output: ${report.reason}\n`);
    return file;
  } catch {
    return undefined;
  }
}

/** The dry run's outputs: the plan, and the QEMU command it shows. */
export function publishDryRun(plan: Record<string, unknown> & { boot: { command: string } & Record<string, unknown> }): void {
  core.startGroup('Dry run: the plan (nothing is installed, built or booted)');
  core.info(JSON.stringify(plan, null, 2));
  core.endGroup();
  core.setOutput('plan', JSON.stringify(plan));
  core.setOutput('qemu-command', plan.boot.command);
  core.setOutput('result', 'dry-run');
  core.setOutput('reason', 'Dry run: nothing was installed, built or booted.');
}

/** Outputs, the job summary, and the step's own pass or fail. `env`: the runner's environment (RunnerEnv.vars). */
export async function publish(report: Report, env: NodeJS.ProcessEnv, logDir?: string): Promise<void> {
  if (report.kernel) core.setOutput('kernel', report.kernel);
  core.setOutput('result', report.pass ? 'pass' : report.error ? 'error' : 'fail');
  for (const [name, value] of Object.entries(report.outputs ?? {})) core.setOutput(name, value);
  if (report.qemuCommand) core.setOutput('qemu-command', report.qemuCommand);
  const log = ensureLog(report, logDir);
  if (log) core.setOutput('log', log);
  core.setOutput('reason', report.reason);
  if (report.exitCode !== undefined) core.setOutput('exit-code', String(report.exitCode));
  try {
    await writeSummary(report, env);
  } catch (e) {
    core.warning(`Could not write the job summary: ${(e as Error).message}`);
  }
  if (report.pass) core.info(`PASS: ${report.reason}`);
  else core.setFailed(report.reason);
}
