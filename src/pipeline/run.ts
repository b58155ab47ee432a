import * as core from '@actions/core';
import { QEMU_ARCHES } from '../boot/qemu-args.js';
import type { PoolResult } from '../boot/pool.js';
import { predictExecutable } from '../cargo/cargo.js';
import { describeAsset } from '../install/download.js';
import { runName } from '../inputs/matrix.js';
import { describeProbe, describeStep } from '../model/conversation.js';
import { setStage } from '../proc/processes.js';
import type { Report } from '../report/summary.js';
import { accelPolicy } from './accel.js';
import { bootAll, bootContextOf, imageKindOf, launchOf, type Booted } from './boot.js';
import { build, cargoCommandOf, cargoSetup, commandLine } from './build.js';
import { conclude } from './conclude.js';
import { install, planInstall, type Installed } from './install.js';
import { judge, type Judged } from './judge.js';
import { BOOT_MODE, groupsBoots, type Image } from './mode.js';
import { facts } from './outcome.js';
import type { RunContext } from './run-context.js';

/** Runs one stage, timed, and in a log group unless `grouped` is false (the boot: its serial output stays in view). */
async function stage<T>(name: 'install' | 'build' | 'boot', report: Report, grouped: boolean, work: () => Promise<T>): Promise<T> {
  const t = Date.now();
  setStage(name); // a cancellation names the stage it interrupted
  try {
    return grouped ? await core.group(name[0].toUpperCase() + name.slice(1), work) : await work();
  } finally {
    report.timings[name] = (Date.now() - t) / 1000;
  }
}

/** The line under each image's log group: its verdict, visible while the group is folded. */
export function verdictLine(r: PoolResult<Judged>): string {
  if (r.status === 'done') return `${r.value.verdict.pass ? 'PASS' : 'FAIL'} ${r.name}: ${r.value.verdict.reason}`;
  return r.status === 'error' ? `ERROR ${r.name}: ${(r.error as Error).message}` : `cancelled ${r.name}`;
}

/**
 * The whole run, the same for every mode: install -> build -> boot -> judge -> report. Each stage
 * is a function from what the one before gave; the mode (src/pipeline/mode.ts) says only what
 * cargo runs and which images come out of the build. What the stages saw is put into `report`,
 * also when one of them fails.
 */
export async function runPipeline(ctx: RunContext, report: Report): Promise<void> {
  let installed: Installed | undefined;
  const boots: Booted[] = [];
  let images: Image[] = [];
  try {
    installed = await stage('install', report, true, () => install(ctx));
    const inst = installed;
    const built = await stage('build', report, ctx.plan.build.kind === 'cargo', () => build(ctx, inst));
    images = ctx.mode.images(ctx.plan, built, ctx.logDir, ctx.scratch);
    const { shard } = ctx.plan.inputs;
    if (shard)
      core.info(
        `Shard ${shard.index}/${shard.total} boots ${images.length} of the ${built.tests.length} test executables: ${images.map((i) => i.name).join(', ')}.`,
      );
    report.kernel = images[0].path;
    // Several boots: the log output is the folder holding each one's serial log.
    report.logPath = groupsBoots(ctx.mode, images) ? ctx.logDir : images[0].logPath;
    const results = await stage('boot', report, false, () =>
      bootAll(
        ctx,
        inst,
        images,
        (b) => {
          boots.push(b);
          return judge(ctx, b);
        },
        verdictLine,
      ),
    );
    const outcome = conclude(ctx, results);
    Object.assign(report, outcome, { outputs: { ...report.outputs, ...outcome.outputs } });
  } finally {
    // In the images' order, not the order the boots ended in: qemu-command is the first image's (under both, the BIOS boot's).
    boots.sort((a, b) => images.indexOf(a.image) - images.indexOf(b.image));
    const seen = facts(ctx.plan, installed, boots);
    report.outputs = { ...seen.outputs, ...report.outputs };
    report.toolchain ??= seen.toolchain;
    report.accel ??= seen.accel;
    report.qemuCommand ??= seen.qemuCommand;
    report.cache ??= seen.cache;
  }
}

/** The forwards, probes and console-script steps, for the dry run (their QEMU arguments are in the command). */
function conversationPlan(ctx: RunContext): Record<string, unknown> {
  const { forwards, probes, consoleScript } = ctx.plan.inputs;
  return {
    ...(forwards.length ? { forward: forwards.map((f) => `127.0.0.1:${f.host} -> guest port ${f.guest} (TCP)`) } : {}),
    ...(probes.length ? { probes: probes.map(describeProbe) } : {}),
    ...(consoleScript.length ? { consoleScript: consoleScript.map((st) => `${describeStep(st)}, within ${st.timeout} s`) } : {}),
  };
}

/** What the build would boot, for the dry run: the prebuilt kernel, the executable cargo would build (assembled), or a placeholder. */
async function predictedKernel(ctx: RunContext, setup: ReturnType<typeof cargoSetup>): Promise<string> {
  const { plan } = ctx;
  if (plan.build.kind === 'prebuilt') return plan.build.kernel;
  if (ctx.mode.cargo === 'test') return '<every test executable cargo test --no-run builds>';
  if (plan.target.build.assemble) return plan.target.build.assemble.output(ctx.scratch);
  const exe = await predictExecutable(setup, { workingDirectory: plan.build.workingDirectory, target: plan.inputs.target, cargoArgs: plan.build.cargoArgs });
  return 'path' in exe ? exe.path : '<the executable cargo builds>';
}

/**
 * The dry run: the plan as the stages would run it, from the same functions that give the real
 * run its commands (the cargo command, the QEMU command for the image under the accelerator the
 * policy shows, the cache keys). Nothing is installed, built or booted.
 */
export async function describeRun(ctx: RunContext): Promise<Record<string, unknown> & { boot: { command: string } & Record<string, unknown> }> {
  const { plan } = ctx;
  const ip = await planInstall(ctx);
  const setup = cargoSetup(ctx, ip.toolchain, ip.toolchainPlan);
  const prepared = plan.build.kind === 'cargo' ? await plan.target.build.beforeCargo?.describe(setup) : undefined;
  const kernel = await predictedKernel(ctx, setup);
  const images = BOOT_MODE.images(plan, { kernel, tests: [] }, ctx.logDir, ctx.scratch);
  const [image] = images;
  const policy = accelPolicy(plan);
  const describePrepare = plan.target.boot.qemu.describePrepare;
  // Each boot of the image (several under boot-firmware: both): its preparation and command; the plan's are the first's.
  const boots = images.map((i) => ({
    name: i.name,
    ...(describePrepare ? { prepare: describePrepare(bootContextOf(ctx, ip, i, policy.shown)) } : {}),
    command: commandLine(launchOf(ctx, ip, i, policy.shown).argv),
  }));
  const cmd = plan.build.kind === 'cargo' ? cargoCommandOf(ctx, setup, {}, ctx.mode.cargo) : undefined;
  const { launcher } = plan;
  const { shard } = plan.inputs;
  return {
    name: runName(plan.inputs),
    target: plan.inputs.target,
    family: plan.target.family,
    command: ctx.mode.command,
    ...(shard
      ? {
          shard: `${shard.index}/${shard.total}: the test executables whose package, kind and name hash to shard ${shard.index} of ${shard.total} (which ones is known once cargo has built them)`,
        }
      : {}),
    toolchain: ip.toolchainPlan,
    install: ip.actions,
    ...(prepared ? { prepare: prepared } : {}),
    downloads: plan.target.install.downloads.map((a) => describeAsset(a, ctx.env)),
    cache: ip.cacheKeys,
    build: cmd && plan.build.kind === 'cargo' ? { directory: cmd.cwd, command: commandLine(cmd.argv, cmd.env), image: kernel } : { kernel },
    boot: {
      program: launcher.kind === 'qemu' ? QEMU_ARCHES[plan.target.boot.qemu.arch].binary : launcher.name,
      launcher: launcher.name,
      kvm: launcher.needsKvm,
      qmp: launcher.speaksQmp,
      accel: policy.words,
      image: imageKindOf(ctx, kernel),
      ...(boots[0].prepare ? { prepare: boots[0].prepare } : {}),
      command: boots[0].command,
      ...(boots.length > 1 ? { boots } : {}),
      timeout: image.timeout,
      idleTimeout: plan.inputs.idleTimeout,
      ...conversationPlan(ctx),
    },
    verdict: {
      expect: plan.verdict.rules.expect.map((p) => p.source),
      ordered: plan.verdict.rules.ordered,
      failOn: plan.verdict.rules.failOn.map((p) => p.source),
      exitCodes: plan.verdict.exitCodes,
      ...(plan.verdict.waitForExit ? { waitForExit: true } : {}),
    },
  };
}
