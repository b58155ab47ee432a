import * as core from '@actions/core';
import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionError } from './errors.js';
import { readInputs, type Inputs } from './inputs/inputs.js';
import { bootCommand, cpuFor, makePlan, runnerCommand, shellJoin, type Plan } from './plan/plan.js';
import { ensureFirmware, ensureQemu } from './install/qemu.js';
import { aptInstallMissing } from './install/apt.js';
import { cachedAsset, describeAsset, fetchAsset, type Asset } from './install/download.js';
import { installToolchain, planToolchain, type Toolchain } from './install/toolchain.js';
import { cargoBuild, cargoCommand } from './build/cargo.js';
import { makeKvmUsable, openKvm, probeKvm } from './boot/accel.js';
import { capture } from './install/run.js';
import { boot } from './boot/qemu.js';
import { decide } from './verdict/verdict.js';
import { GuestEcho } from './report/guest-log.js';
import { writeSummary, type Report } from './report/summary.js';
import { annotatePanic } from './report/panic-location.js';
import { setStage } from './boot/processes.js';
import { cleanLine } from './verdict/watcher.js';
import { detectImage, type Accel, type BootContext } from './targets/index.js';

async function timed<T>(into: Record<string, number>, key: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  setStage(key); // a cancellation names the stage it interrupted
  try {
    return await f();
  } finally {
    into[key] = (Date.now() - t) / 1000;
  }
}

/** Runs a command with optional stdin (for the udev rule), quietly; returns its exit status. */
async function runQuiet(cmd: string, args: string[], input?: string): Promise<number> {
  if (input === undefined) return (await capture(cmd, args)).code;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(cmd, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
  return r.status ?? 1;
}

/** GitHub-hosted runners: /dev/kvm needs a udev rule before a non-root user can open it. */
async function enableKvm(): Promise<void> {
  const what = await makeKvmUsable(runQuiet);
  if (what) core.info(`KVM: ${what}.`);
}

async function chooseAccel(plan: Plan, qemu: string): Promise<Accel> {
  if (plan.accel === 'tcg') return 'tcg';
  if (!plan.profile.kvmCapable) {
    core.info(`Accelerator: TCG (${plan.target} cannot run under KVM on this ${process.arch} host).`);
    return 'tcg';
  }
  await enableKvm();
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

/**
 * dry-run: everything that can be resolved without side effects, printed and given as outputs
 * (`plan` as JSON, `qemu-command`). Nothing is downloaded, installed, built or booted.
 */
async function dryRun(plan: Plan, inputs: Inputs, scratch: string, assets: Asset[]): Promise<void> {
  const program = plan.profile.bootProgram;
  const qemuPath = program ? '' : await io.which(plan.qemu.binary, false);
  const toolchain = plan.build.kind === 'cargo'
    ? await planToolchain({ toolchain: plan.toolchain, workingDirectory: plan.build.workingDirectory, target: plan.target, linksWithRustLld: plan.profile.linksWithRustLld, toolDir: path.join(scratch, 'bin') })
    : undefined;
  const accel: Accel = plan.accel === 'kvm' ? 'kvm' : 'tcg';
  const kernel = plan.build.kind === 'prebuilt' ? plan.build.kernel : '<the executable cargo builds>';
  const assetPaths = Object.fromEntries(assets.map((a) => [a.tool, cachedAsset(a) ?? a.url]));
  const qemu = bootCommand(plan, program ? program.name.toLowerCase() : qemuPath || plan.qemu.binary, { kernel, accel: program ? 'kvm' : accel, workDir: scratch, assets: assetPaths, image: plan.build.kind === 'prebuilt' ? detectImage(kernel) : 'elf' });
  let prepared: Record<string, unknown> | undefined;
  if (plan.build.kind === 'cargo' && toolchain && plan.profile.prepareToolchain) {
    const distro = toolchain.kind === 'distro';
    const env: Record<string, string> = distro ? { RUSTC: '/usr/bin/rustc' } : toolchain.kind === 'rustup' ? { RUSTUP_TOOLCHAIN: toolchain.name, RUSTUP_AUTO_INSTALL: '0' } : {};
    prepared = (await plan.profile.prepareToolchain({ inputs, cargo: distro ? '/usr/bin/cargo' : 'cargo', env, cargoConfig: [], dryRun: true })).plan;
  }
  const extraApt = plan.profile.aptPackages?.(inputs) ?? [];
  const cargo = plan.build.kind === 'cargo' && toolchain
    ? cargoCommand({ cargo: 'cargo', cargoConfig: [], buildStd: toolchain.buildStd !== false }, { target: plan.target, buildStd: plan.profile.buildStd, cargoArgs: plan.build.cargoArgs })
    : undefined;
  const out = {
    target: plan.target,
    family: plan.profile.family,
    toolchain,
    install: [
      ...(program ? await program.planInstall() : qemuPath ? [] : [`apt-get install ${plan.qemu.aptPackage}`]),
      ...(extraApt.length ? [`apt-get install ${extraApt.join(' ')} (those not installed yet)`] : []),
      ...(toolchain?.actions ?? []),
    ],
    ...(prepared ? { prepare: prepared } : {}),
    downloads: assets.map(describeAsset),
    build: cargo ? { directory: (plan.build as { workingDirectory: string }).workingDirectory, command: shellJoin(cargo), env: plan.profile.buildEnv?.(inputs) ?? {} } : { kernel },
    boot: {
      program: program ? program.name : plan.qemu.binary,
      accel: program ? `kvm (${program.name} always uses KVM)` : plan.accel === 'auto' ? (plan.profile.kvmCapable ? 'auto: KVM if a probe passes, else TCG (shown: TCG)' : 'tcg') : plan.accel,
      command: shellJoin(qemu),
      timeout: plan.timeout,
      idleTimeout: plan.idleTimeout,
    },
    verdict: {
      expect: plan.rules.expect.map((p) => p.source),
      ordered: plan.rules.ordered,
      failOn: plan.rules.failOn.map((p) => p.source),
      exitCodes: plan.exitCodes,
    },
  };
  core.startGroup('Dry run: the plan (nothing is installed, built or booted)');
  core.info(JSON.stringify(out, null, 2));
  core.endGroup();
  core.setOutput('plan', JSON.stringify(out));
  core.setOutput('qemu-command', out.boot.command);
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
    plan.profile.validate?.(inputs);
    const assets = plan.profile.assets?.(inputs) ?? [];

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

    if (inputs.dryRun) {
      await dryRun(plan, inputs, scratch, assets);
      report.pass = true;
      report.reason = 'Dry run: nothing was installed, built or booted.';
      core.setOutput('result', 'dry-run');
      core.setOutput('reason', report.reason);
      return;
    }

    let toolchain: Toolchain | undefined;
    let buildEnv: Record<string, string> = {};
    const assetPaths: Record<string, string> = {};
    const qemu = await core.group('Install', () =>
      timed(timings, 'install', async () => {
        const program = plan.profile.bootProgram;
        const q = program ? { path: await program.install() } : await ensureQemu(plan.qemu.binary, plan.qemu.aptPackage);
        await aptInstallMissing(plan.profile.aptPackages?.(inputs) ?? [], `${plan.target}`);
        for (const a of assets) assetPaths[a.tool] = await fetchAsset(a);
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
          if (plan.profile.prepareToolchain) {
            const prepared = await plan.profile.prepareToolchain({ inputs, cargo: toolchain.cargo, env: toolchain.env, cargoConfig: toolchain.cargoConfig, dryRun: false });
            buildEnv = prepared.env;
          }
          core.info(toolchain.buildStd ? `std for ${plan.target}: built from source (build-std: ${plan.profile.buildStd.crates.join(', ')})` : `std for ${plan.target}: prebuilt, from the toolchain`);
        }
        // Asked in the background since ensureQemu: the answer is there by now.
        if ('version' in q) core.info(`QEMU: ${q.path} (${await q.version})${q.installed ? ', installed now' : ''}`);
        return q;
      }),
    );

    let kernel: string;
    if (plan.build.kind === 'cargo') {
      const b = plan.build;
      const built = await core.group('Build', () =>
        timed(timings, 'build', async () => {
          const prep = (await plan.profile.prepareBuild?.(inputs, assetPaths)) ?? {};
          try {
            const env = { ...(plan.profile.buildEnv?.(inputs) ?? {}), ...buildEnv, ...(prep.env ?? {}) };
            // The target's tools go first on PATH, in front of the toolchain's own PATH.
            if (prep.path?.length) env.PATH = [...prep.path, toolchain!.env.PATH ?? process.env.PATH ?? ''].join(path.delimiter);
            return await cargoBuild(toolchain!, {
              workingDirectory: b.workingDirectory,
              target: plan.target,
              buildStd: plan.profile.buildStd,
              cargoArgs: b.cargoArgs,
              env,
              workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
            });
          } finally {
            prep.cleanup?.();
          }
        }),
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
    let accel: Accel;
    if (plan.profile.bootProgram) {
      // A hypervisor such as Uhyve: KVM or nothing.
      await enableKvm();
      const kvm = openKvm();
      if (!kvm.ok) throw new ActionError(`${plan.profile.bootProgram.name} needs KVM, but /dev/kvm cannot be opened (${kvm.code}). Run on a Linux x86_64 runner with KVM, or use hypervisor: qemu.`);
      accel = 'kvm';
    } else {
      accel = plan.runner ? 'tcg' : await chooseAccel(plan, qemu.path);
    }
    if (!plan.runner) report.accel = accel;
    const ctx: BootContext = { kernel, accel, workDir: scratch, image, assets: assetPaths };
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
      argv = bootCommand(plan, qemu.path, ctx);
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
        onLines: (block, escapes) => echo.block(block, escapes),
        qmp: !plan.runner, // a runner is not QEMU itself
      }),
    );
    echo.stop();
    if (result.stderr.trim()) core.info(`QEMU's own messages:\n${result.stderr.trimEnd()}`);
    plan.profile.afterBoot?.(logPath); // issue 14

    const verdict = decide({
      watcher: result.watcher,
      end: result.end,
      acceptedExitCodes: plan.exitCodes,
      resetAccepted: plan.resetAccepted,
      explainExit: plan.profile.explainExit,
      qemuStderr: result.stderr,
    });
    report.pass = verdict.pass;
    report.reason = verdict.reason;
    report.exitCode = verdict.exitCode;
    report.tail = result.watcher.lastLines().slice(-20);
    const seen = result.watcher.failure;
    if (!verdict.pass) annotatePanic([seen?.line ?? '', seen?.next ?? '', ...report.tail.map(cleanLine)], plan.build.kind === 'cargo' ? plan.build.workingDirectory : process.env.GITHUB_WORKSPACE || process.cwd(), process.env.GITHUB_WORKSPACE || process.cwd(), core.error);
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
