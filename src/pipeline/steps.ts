import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setStage } from '../proc/processes.js';
import type { CargoRun, Launch } from '../boot/launchers.js';
import { boot, type BootResult } from '../boot/qemu.js';
import type { PoolResult } from '../boot/pool.js';
import type { TestBootResult } from '../boot/test-executable.js';
import type { TestExecutable } from '../cargo/test-executables.js';
import { QEMU_ARCHES, shellJoin, type Accel, type ImageKind } from '../boot/qemu-args.js';
import { cargoBuild, cargoCommand, predictExecutable } from '../cargo/cargo.js';
import { ActionError } from '../model/errors.js';
import { aptInstallMissing } from '../install/apt.js';
import { cachedAsset, describeAsset, fetchAsset } from '../install/download.js';
import { ensureFirmware } from '../install/qemu.js';
import { installToolchain, planToolchain, predictToolchain, type Toolchain } from '../install/toolchain.js';
import type { Plan } from '../plan/plan.js';
import { GuestEcho, showUntrusted } from '../report/guest-log.js';
import { detectImage } from '../targets/common.js';
import type { BuildPrep, CargoView } from '../targets/contract.js';
import { accelPolicy, chooseAccel, fallBackToTcg } from './accel.js';
import { predictCache, restoreBuild, restoreTools, saveCache, type PipelineCache } from './cache.js';
import { describeProbe, describeStep } from '../model/conversation.js';

/**
 * The run in steps. Each step can run, or predict what running it would give without side effects
 * (dry run), and describes itself from the same state either way: a dry run prints the
 * descriptions of the very steps a real run executes, and a real run logs the same commands.
 */
export interface State {
  plan: Plan;
  scratch: string;
  /** Downloaded assets by tool (dry run: the cached path, else the URL). */
  assets: Record<string, string>;
  /** The launcher's program. */
  program?: string;
  installActions: string[];
  toolchain?: Toolchain;
  /** What the toolchain step found in a dry run (actions, build-std). */
  toolchainPlan?: unknown;
  prep: BuildPrep;
  prepared?: Record<string, unknown>;
  kernel?: string;
  /** Every executable cargo built (an assembly step gets them all). */
  executables?: string[];
  image?: ImageKind;
  accel?: Accel;
  accelWhy?: string;
  /** Why the accelerator changed during the boot (a KVM boot repeated under TCG), for the report. */
  accelNote?: string;
  launch?: Launch;
  result?: BootResult;
  timings: Record<string, number>;
  /** The build cache (src/pipeline/cache.ts): restored in install, saved after cargo build; cachePlan: the dry run's keys. */
  cache?: PipelineCache;
  cachePlan?: Record<string, unknown>;
  echo: GuestEcho;
  logPath: string;
  /** command: test (src/pipeline/test-steps.ts): the test executables cargo built, their suite names, and each boot's result. */
  tests?: { executables: TestExecutable[]; names: string[]; results: PoolResult<TestBootResult>[] };
}

export interface Step {
  /** The log group it runs in and the timing it counts to (install, build, boot). */
  stage: 'install' | 'build' | 'boot';
  predict(s: State): Promise<void>;
  run(s: State): Promise<void>;
  /** Runs outside a log group: the boot (its serial output stays in view), a build with nothing to build. */
  ungrouped?(s: State): boolean;
}

const PLACEHOLDER = '<the executable cargo builds>';

/** The cargo environment and --config arguments, as the toolchain gives them (dry run: as it would). */
function cargoView(s: State): CargoView {
  const tc = s.toolchain;
  const t = s.plan.inputs.toolchain;
  if (tc) return { cargo: tc.cargo, env: tc.env, cargoConfig: tc.cargoConfig };
  if (t === 'distro') return { cargo: '/usr/bin/cargo', env: { RUSTC: '/usr/bin/rustc' }, cargoConfig: [] };
  return { cargo: 'cargo', env: t && t !== 'system' ? { RUSTUP_TOOLCHAIN: t, RUSTUP_AUTO_INSTALL: '0' } : {}, cargoConfig: [] };
}

/** The environment cargo build gets: the toolchain's, the family's and its before-cargo step's (PATH apart). */
function buildEnv(s: State): Record<string, string> {
  const env = { ...cargoView(s).env, ...s.plan.target.build.env, ...(s.prep.env ?? {}) };
  // The target's tools go first on PATH, in front of the toolchain's own.
  if (s.prep.path?.length) env.PATH = [...s.prep.path, s.toolchain?.env.PATH ?? process.env.PATH ?? ''].join(path.delimiter);
  return env;
}

/** The command as a person would paste it: the variables that matter (PATH left out: it names scratch folders), then the argv. */
export function commandLine(argv: string[], env: Record<string, string> = {}): string {
  const vars = Object.entries(env)
    .filter(([k]) => k !== 'PATH')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${shellJoin([v])}`);
  return [...vars, shellJoin(argv)].join(' ');
}

export function cargoArgv(s: State, subcommand: 'build' | 'run' | 'test'): string[] {
  const b = s.plan.build as Extract<Plan['build'], { kind: 'cargo' }>;
  const v = cargoView(s);
  const buildStd = s.toolchain ? s.toolchain.buildStd : (s.toolchainPlan as { buildStd?: boolean } | undefined)?.buildStd !== false;
  return cargoCommand(
    { cargo: v.cargo, cargoConfig: [...v.cargoConfig, ...(s.plan.target.build.cargoConfig ?? [])], buildStd },
    { target: s.plan.inputs.target, buildStd: s.plan.target.build.buildStd, cargoArgs: b.cargoArgs, workingDirectory: b.workingDirectory },
    subcommand,
  );
}

const toolchainRequest = (s: State) => ({
  toolchain: s.plan.inputs.toolchain,
  workingDirectory: s.plan.inputs.workingDirectory,
  target: s.plan.inputs.target,
  linksWithRustLld: s.plan.target.build.linksWithRustLld,
  toolDir: path.join(s.scratch, 'bin'),
});

/** Install: the launcher (QEMU or the family's), apt packages, verified downloads, firmware, the toolchain. */
export const install: Step = {
  stage: 'install',
  async predict(s) {
    const { target, launcher } = s.plan;
    const planned = await launcher.planInstall();
    s.program = planned.path;
    const apt = target.install.apt;
    s.installActions.push(...planned.actions, ...(apt.length ? [`apt-get install ${apt.join(' ')} (those not installed yet)`] : []));
    for (const a of target.install.downloads) s.assets[a.tool] = cachedAsset(a) ?? a.url;
    if (s.plan.build.kind === 'cargo') {
      const req = toolchainRequest(s);
      const tp = await planToolchain(req);
      s.toolchainPlan = tp;
      s.installActions.push(...tp.actions);
      s.toolchain = await predictToolchain(req);
    }
    s.cachePlan = await predictCache(s.plan, s.toolchain);
  },
  async run(s) {
    const { target, launcher } = s.plan;
    s.cache = await restoreTools(s.plan);
    const installed = await launcher.install();
    s.program = installed.path;
    await aptInstallMissing(target.install.apt, target.target);
    for (const a of target.install.downloads) s.assets[a.tool] = await fetchAsset(a, undefined, s.plan.inputs.token);
    await ensureFirmware(target.install.firmware);
    if (s.plan.build.kind === 'cargo') {
      const tc = await installToolchain(toolchainRequest(s));
      s.toolchain = tc;
      core.info(`Toolchain: ${tc.description} (${tc.rustcVersion}), from ${tc.source}`);
      await restoreBuild(s.cache, s.plan, tc);
      core.info(
        tc.buildStd
          ? `std for ${target.target}: built from source (build-std: ${target.build.buildStd.crates.join(', ')})`
          : `std for ${target.target}: prebuilt, from the toolchain`,
      );
    }
    if (installed.note) core.info(`${launcher.name}: ${await installed.note}`);
  },
};

/** Build: the family's before-cargo step, cargo build, the family's image assembly. */
export const build: Step = {
  stage: 'build',
  ungrouped: (s) => s.plan.build.kind === 'prebuilt',
  async predict(s) {
    const b = s.plan.build;
    if (b.kind === 'prebuilt') return void (s.kernel = b.kernel);
    const before = s.plan.target.build.beforeCargo;
    if (before) s.prepared = await before.describe(cargoView(s));
    const exe = await predictExecutable(cargoView(s), { workingDirectory: b.workingDirectory, target: s.plan.inputs.target, cargoArgs: b.cargoArgs });
    s.kernel = 'path' in exe ? exe.path : PLACEHOLDER;
    const assemble = s.plan.target.build.assemble;
    if (assemble) s.kernel = assemble.output(s.scratch);
  },
  async run(s) {
    const b = s.plan.build;
    if (b.kind === 'prebuilt') return void (s.kernel = b.kernel);
    const { target } = s.plan;
    s.prep = (await target.build.beforeCargo?.run(cargoView(s), s.assets)) ?? {};
    let cargoPassed = false;
    try {
      const env = buildEnv(s);
      core.info(`[command]${commandLine(cargoArgv(s, 'build'), env)}`);
      const tc = s.toolchain!;
      const built = await cargoBuild(
        { ...tc, cargoConfig: [...tc.cargoConfig, ...(target.build.cargoConfig ?? [])] },
        {
          workingDirectory: b.workingDirectory,
          target: s.plan.inputs.target,
          buildStd: target.build.buildStd,
          cargoArgs: b.cargoArgs,
          env: { ...target.build.env, ...(s.prep.env ?? {}), ...(env.PATH ? { PATH: env.PATH } : {}) },
          workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
          manyExecutables: target.build.assemble !== undefined,
        },
      );
      s.kernel = built.kernel;
      s.executables = built.executables;
      cargoPassed = true;
    } finally {
      s.prep.cleanup?.();
      await saveCache(s.cache, s.plan, cargoPassed);
    }
    if (target.build.assemble) s.kernel = await target.build.assemble.run(s.executables ?? [s.kernel], s.scratch);
    core.info(`Built ${s.kernel}`);
  },
};

function cargoRun(s: State): CargoRun | undefined {
  if (s.plan.build.kind !== 'cargo' || !s.toolchain) return undefined;
  return {
    argv: cargoArgv(s, 'run'),
    env: { ...s.toolchain.env, ...(process.env.CARGO_TERM_COLOR === undefined ? { CARGO_TERM_COLOR: 'never' } : {}) },
    cwd: s.plan.build.workingDirectory,
  };
}

function launch(s: State): void {
  const ctx = { kernel: s.kernel!, accel: s.accel!, workDir: s.scratch, assets: s.assets, image: s.image! };
  s.launch = s.plan.launcher.launch(s.program!, ctx, cargoRun(s));
}

/** Boot: check the image, choose the accelerator, launch, watch the serial console. */
export const bootStep: Step = {
  stage: 'boot',
  ungrouped: () => true,
  async predict(s) {
    const k = s.kernel!;
    s.image = fs.existsSync(k) ? detectImage(k) : s.plan.inputs.target.endsWith('-uefi') ? 'pe' : 'elf';
    s.accel = s.plan.launcher.needsKvm || s.plan.inputs.accel === 'kvm' ? 'kvm' : 'tcg';
    launch(s);
  },
  async run(s) {
    const { plan } = s;
    const image = detectImage(s.kernel!);
    const kinds = plan.target.boot.images;
    if (kinds && !kinds.includes(image)) {
      const name = { elf: 'an ELF executable', pe: 'a PE (.efi) application', raw: 'a raw disk image' };
      throw new ActionError(
        `${s.kernel} is ${name[image]}, but ${plan.inputs.target} boots ${kinds.map((k) => name[k]).join(' or ')}. ${plan.build.kind === 'prebuilt' ? 'Check the kernel input.' : 'Check what the crate builds.'}`,
      );
    }
    s.image = image;
    const bootWith = async (accel: Accel): Promise<BootResult> => {
      s.accel = accel;
      if (plan.launcher.speaksQmp) plan.target.boot.qemu.prepare?.({ kernel: s.kernel!, accel, workDir: s.scratch, assets: s.assets, image });
      launch(s);
      const l = s.launch!;
      core.setOutput('qemu-command', shellJoin(l.argv));
      core.info(`[command]${commandLine(l.argv)}`);
      core.setOutput('log', s.logPath);
      core.info(`Serial output of ${plan.inputs.target} (workflow commands from the guest are ignored):`);
      s.echo.start();
      try {
        return await boot({
          command: l.argv[0],
          args: l.argv.slice(1),
          timeout: plan.inputs.timeout,
          idleTimeout: plan.inputs.idleTimeout,
          logPath: s.logPath,
          env: l.env,
          cwd: l.cwd,
          rules: plan.verdict.rules,
          onLine: (line) => s.echo.line(line),
          onLines: (block, escapes) => s.echo.block(block, escapes),
          qmp: plan.launcher.speaksQmp,
          waitForExit: plan.verdict.waitForExit,
          conversation: { probes: plan.inputs.probes, steps: plan.inputs.consoleScript },
        });
      } finally {
        s.echo.stop();
      }
    };
    const first = await bootWith(await chooseAccel(plan, s.program!, image));
    const settled = await fallBackToTcg(plan, s.accel!, first, bootWith);
    s.result = settled.result;
    s.accelNote = settled.note;
    showUntrusted("QEMU's own messages (workflow commands in them are ignored):", s.result.stderr);
    plan.target.boot.afterBoot?.(s.logPath);
  },
};

export const STEPS: Step[] = [install, build, bootStep];

/** Runs a step, timed; install and build in a log group (the serial output stays in view). */
export async function runStep(s: State, step: Step): Promise<void> {
  const t = Date.now();
  setStage(step.stage); // a cancellation names the stage it interrupted
  try {
    if (step.ungrouped?.(s)) await step.run(s);
    else await core.group(step.stage[0].toUpperCase() + step.stage.slice(1), () => step.run(s));
  } finally {
    s.timings[step.stage] = (Date.now() - t) / 1000;
  }
}

/** The forwards, probes and console-script steps, for the dry run (their QEMU arguments are in the command). */
function conversationPlan(plan: Plan): Record<string, unknown> {
  const { forwards, probes, consoleScript } = plan.inputs;
  return {
    ...(forwards.length ? { forward: forwards.map((f) => `127.0.0.1:${f.host} -> guest port ${f.guest} (TCP)`) } : {}),
    ...(probes.length ? { probes: probes.map(describeProbe) } : {}),
    ...(consoleScript.length ? { consoleScript: consoleScript.map((st) => `${describeStep(st)}, within ${st.timeout} s`) } : {}),
  };
}

/** The plan as the dry run prints it: from the same state the steps describe themselves from. */
export function describe(s: State): Record<string, unknown> {
  const { plan } = s;
  const b = plan.build;
  return {
    target: plan.inputs.target,
    family: plan.target.family,
    toolchain: s.toolchainPlan,
    install: s.installActions,
    ...(s.prepared ? { prepare: s.prepared } : {}),
    downloads: plan.target.install.downloads.map(describeAsset),
    cache: s.cachePlan,
    build:
      b.kind === 'cargo'
        ? { directory: b.workingDirectory, command: commandLine(cargoArgv(s, plan.inputs.command === 'test' ? 'test' : 'build'), buildEnv(s)), image: s.kernel }
        : { kernel: b.kernel },
    boot: {
      program: plan.launcher.name === 'QEMU' ? QEMU_ARCHES[plan.target.boot.qemu.arch].binary : plan.launcher.name,
      launcher: plan.launcher.name,
      kvm: plan.launcher.needsKvm,
      qmp: plan.launcher.speaksQmp,
      accel: accelPolicy(plan),
      command: commandLine(s.launch!.argv),
      timeout: plan.inputs.timeout,
      idleTimeout: plan.inputs.idleTimeout,
      ...conversationPlan(plan),
    },
    verdict: {
      expect: plan.verdict.rules.expect.map((p) => p.source),
      ordered: plan.verdict.rules.ordered,
      failOn: plan.verdict.rules.failOn.map((p) => p.source),
      exitCodes: plan.verdict.exitCodes,
    },
  };
}
