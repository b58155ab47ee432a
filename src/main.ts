import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionError } from './errors.js';
import { readInputs } from './inputs/inputs.js';
import { cpuFor, makePlan, qemuCommand, runnerCommand, shellJoin, type Plan } from './plan/plan.js';
import { ensureFirmware, ensureQemu } from './install/qemu.js';
import { installToolchain, type Toolchain } from './install/toolchain.js';
import { cargoBuild, cargoCommand } from './build/cargo.js';
import { probeKvm } from './boot/accel.js';
import { boot } from './boot/qemu.js';
import { decide } from './verdict/verdict.js';
import { GuestEcho } from './report/guest-log.js';
import { writeSummary, type Report } from './report/summary.js';
import { detectImage, type Accel, type BootContext } from './targets/index.js';

async function timed<T>(into: Record<string, number>, key: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await f();
  } finally {
    into[key] = (Date.now() - t) / 1000;
  }
}

async function chooseAccel(plan: Plan, qemu: string): Promise<Accel> {
  if (plan.accel === 'tcg') return 'tcg';
  if (!plan.profile.kvmCapable) {
    core.info(`Accelerator: TCG (${plan.target} cannot run under KVM on this ${process.arch} host).`);
    return 'tcg';
  }
  const cpu = cpuFor(plan, 'kvm');
  const probe = await probeKvm(qemu, cpu);
  if (probe.ok) {
    core.info(`Accelerator: KVM (probe passed${cpu ? ` with -cpu ${cpu}` : ''}).`);
    return 'kvm';
  }
  if (plan.accel === 'kvm') {
    throw new ActionError(`accel: kvm was asked for, but KVM does not work here: ${probe.why}. Use accel: auto to fall back to TCG.`);
  }
  core.info(`Accelerator: TCG, because KVM does not work here: ${probe.why}.`);
  return 'tcg';
}

/** The whole pipeline: inputs -> plan -> install -> build -> boot -> verdict -> report. */
export async function run(): Promise<void> {
  const timings: Report['timings'] = {};
  const report: Report = { target: core.getInput('target') || '(none)', pass: false, reason: '', timings, tail: [] };
  const echo = new GuestEcho();
  try {
    const inputs = readInputs((name) => core.getInput(name));
    const plan = makePlan(inputs);
    report.target = plan.target;

    const scratch = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'unikernel-boot-'));
    const logPath = path.join(scratch, `${plan.target}-serial.log`);

    core.startGroup(`Plan for ${plan.target} (${plan.profile.family})`);
    core.info(`build: ${plan.build.kind === 'cargo' ? `cargo in ${plan.build.workingDirectory}${plan.build.cargoArgs.length ? ` with ${shellJoin(plan.build.cargoArgs)}` : ''}` : `prebuilt ${plan.build.kernel}`}`);
    core.info(`expect (${plan.rules.ordered ? 'in order' : 'any order'}): ${plan.rules.expect.map((p) => JSON.stringify(p.source)).join(', ') || '(nothing)'}`);
    core.info(`fail-on: ${plan.rules.failOn.map((p) => JSON.stringify(p.source)).join(', ') || '(nothing)'}`);
    core.info(`accepted exit status: ${plan.exitCodes.join(', ') || '(none: the guest must be stopped by the action)'}`);
    core.info(`timeout: ${plan.timeout}s${plan.idleTimeout ? `, idle-timeout: ${plan.idleTimeout}s` : ''}; accel: ${plan.accel}`);
    if (plan.runner) core.info(`boot with: ${plan.runner.kind === 'cargo' ? "cargo run (the crate's cargo runner)" : shellJoin(plan.runner.argv)}`);
    else core.info(`QEMU: ${[plan.machine && `-machine ${plan.machine}`, plan.userCpu && `-cpu ${plan.userCpu}`, plan.memory && `-m ${plan.memory}`].filter(Boolean).join(' ') || "QEMU's defaults"}${plan.userQemuArgs.length ? ` + ${shellJoin(plan.userQemuArgs)}` : ''}`);
    core.endGroup();

    let toolchain: Toolchain | undefined;
    const qemu = await core.group('Install', () =>
      timed(timings, 'install', async () => {
        const q = await ensureQemu(plan.qemu.binary, plan.qemu.aptPackage);
        await ensureFirmware(plan.profile.firmware);
        if (plan.build.kind === 'cargo') {
          toolchain = await installToolchain({
            toolchain: plan.toolchain,
            workingDirectory: plan.build.workingDirectory,
            target: plan.target,
            linksWithRustLld: plan.profile.linksWithRustLld,
            toolDir: path.join(scratch, 'bin'),
          });
          report.toolchain = `${toolchain.description}: ${toolchain.rustcVersion}`;
          core.info(`Toolchain: ${toolchain.description} (${toolchain.rustcVersion}), from ${toolchain.source}`);
          core.info(toolchain.buildStd ? `std for ${plan.target}: built from source (build-std: ${plan.profile.buildStd.crates.join(', ')})` : `std for ${plan.target}: prebuilt, from the toolchain`);
        }
        return q;
      }),
    );

    let kernel: string;
    if (plan.build.kind === 'cargo') {
      const b = plan.build;
      const built = await core.group('Build', () =>
        timed(timings, 'build', () =>
          cargoBuild(toolchain!, {
            workingDirectory: b.workingDirectory,
            target: plan.target,
            buildStd: plan.profile.buildStd,
            cargoArgs: b.cargoArgs,
            workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
          }),
        ),
      );
      kernel = built.kernel;
      core.info(`Built ${kernel}`);
    } else {
      kernel = plan.build.kernel;
    }
    report.kernel = kernel;
    core.setOutput('kernel', kernel);

    const image = detectImage(kernel);
    const kinds = plan.profile.images;
    if (kinds && !kinds.includes(image)) {
      const name = { elf: 'an ELF executable', pe: 'a PE (.efi) application', raw: 'a raw disk image' };
      throw new ActionError(`${kernel} is ${name[image]}, but ${plan.target} boots ${kinds.map((k) => name[k]).join(' or ')}. ${plan.build.kind === 'prebuilt' ? 'Check the kernel input.' : 'Check what the crate builds.'}`);
    }
    const accel = plan.runner ? 'tcg' : await chooseAccel(plan, qemu.path);
    if (!plan.runner) report.accel = accel;
    const ctx: BootContext = { kernel, accel, workDir: scratch, image };
    let argv: string[];
    let bootEnv: Record<string, string> | undefined;
    if (plan.runner?.kind === 'cargo') {
      const b = plan.build as Extract<Plan['build'], { kind: 'cargo' }>;
      argv = cargoCommand(toolchain!, { target: plan.target, buildStd: plan.profile.buildStd, cargoArgs: b.cargoArgs }, 'run');
      bootEnv = { ...toolchain!.env, ...(process.env.CARGO_TERM_COLOR === undefined ? { CARGO_TERM_COLOR: 'never' } : {}) };
    } else if (plan.runner) {
      argv = runnerCommand(plan.runner.argv, kernel);
    } else {
      plan.profile.prepare?.(ctx);
      argv = qemuCommand(plan, qemu.path, ctx);
    }
    report.qemuCommand = shellJoin(argv);
    core.setOutput('qemu-command', report.qemuCommand);
    core.info(`[command]${report.qemuCommand}`);
    report.logPath = logPath;
    core.setOutput('log', logPath);

    core.info(`Serial output of ${plan.target} (workflow commands from the guest are ignored):`);
    echo.start();
    const result = await timed(timings, 'boot', () =>
      boot({
        command: argv[0],
        args: argv.slice(1),
        timeout: plan.timeout,
        idleTimeout: plan.idleTimeout,
        logPath,
        env: bootEnv,
        cwd: plan.runner?.kind === 'cargo' ? (plan.build as { workingDirectory: string }).workingDirectory : undefined,
        rules: plan.rules,
        onLine: (l) => echo.line(l),
      }),
    );
    echo.stop();
    if (result.stderr.trim()) core.info(`QEMU's own messages:\n${result.stderr.trimEnd()}`);

    const verdict = decide({
      watcher: result.watcher,
      end: result.end,
      acceptedExitCodes: plan.exitCodes,
      explainExit: plan.profile.explainExit,
      qemuStderr: result.stderr,
    });
    report.pass = verdict.pass;
    report.reason = verdict.reason;
    report.exitCode = verdict.exitCode;
    report.tail = result.watcher.lastLines().slice(-20);
  } catch (e) {
    echo.stop();
    report.pass = false;
    report.reason = e instanceof ActionError ? e.message : `Unexpected error: ${(e as Error).stack ?? String(e)}`;
  }

  core.setOutput('result', report.pass ? 'pass' : 'fail');
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
