import * as core from '@actions/core';
import * as path from 'node:path';
import { aptInstallMissing } from '../install/apt.js';
import { cachedAsset, fetchAsset } from '../install/download.js';
import { ensureFirmware } from '../install/qemu.js';
import { installToolchain, planToolchain, predictToolchain, type Toolchain, type ToolchainPlan } from '../install/toolchain.js';
import { predictCache, restoreBuild, restoreTools, type PipelineCache } from './cache.js';
import type { RunContext } from './run-context.js';

/** What the install stage leaves for the build and the boot. */
export interface Installed {
  /** The launcher's program (QEMU's path, Uhyve's). */
  program: string;
  /** Local paths of the downloaded assets, by tool (dry run: the cached path, else the URL). */
  assets: Record<string, string>;
  /** The toolchain cargo runs with; undefined when nothing is built (dry run: as it would be, when it can tell). */
  toolchain?: Toolchain;
  cache?: PipelineCache;
}

/** What a dry run shows of the install: the actions a real run would take, and the cache keys. */
export interface InstallPlan extends Installed {
  actions: string[];
  toolchainPlan?: ToolchainPlan;
  cacheKeys: Record<string, unknown>;
}

const toolchainRequest = (ctx: RunContext) => ({
  toolchain: ctx.plan.inputs.toolchain,
  workingDirectory: ctx.plan.inputs.workingDirectory,
  target: ctx.plan.inputs.target,
  linksWithRustLld: ctx.plan.target.build.linksWithRustLld,
  toolDir: path.join(ctx.scratch, 'bin'),
  env: ctx.env,
});

/** Install: the launcher (QEMU or the family's), apt packages, verified downloads, firmware, the toolchain, the cache. */
export async function install(ctx: RunContext): Promise<Installed> {
  const { plan } = ctx;
  const { target, launcher } = plan;
  const cache = await restoreTools(ctx);
  const installed = await launcher.install();
  await aptInstallMissing(target.install.apt, target.target);
  const assets: Record<string, string> = {};
  for (const a of target.install.downloads) assets[a.tool] = await fetchAsset(a, ctx.env, undefined, plan.inputs.token);
  await ensureFirmware(target.install.firmware);
  let toolchain: Toolchain | undefined;
  if (plan.build.kind === 'cargo') {
    toolchain = await installToolchain(toolchainRequest(ctx));
    core.info(`Toolchain: ${toolchain.description} (${toolchain.rustcVersion}), from ${toolchain.source}`);
    await restoreBuild(cache, ctx, toolchain);
    core.info(
      toolchain.buildStd
        ? `std for ${target.target}: built from source (build-std: ${target.build.buildStd.crates.join(', ')})`
        : `std for ${target.target}: prebuilt, from the toolchain`,
    );
  }
  if (installed.note) core.info(`${launcher.name}: ${await installed.note}`);
  return { program: installed.path, assets, toolchain, cache };
}

/** The install as a dry run shows it: what would be installed, without installing anything. */
export async function planInstall(ctx: RunContext): Promise<InstallPlan> {
  const { plan } = ctx;
  const { target, launcher } = plan;
  const planned = await launcher.planInstall();
  const apt = target.install.apt;
  const actions = [...planned.actions, ...(apt.length ? [`apt-get install ${apt.join(' ')} (those not installed yet)`] : [])];
  const assets: Record<string, string> = {};
  for (const a of target.install.downloads) assets[a.tool] = cachedAsset(a, ctx.env) ?? a.url;
  let toolchain: Toolchain | undefined;
  let toolchainPlan: ToolchainPlan | undefined;
  if (plan.build.kind === 'cargo') {
    toolchainPlan = await planToolchain(toolchainRequest(ctx));
    actions.push(...toolchainPlan.actions);
    toolchain = await predictToolchain(toolchainRequest(ctx));
  }
  const cacheKeys = await predictCache(ctx, toolchain);
  return { program: planned.path, assets, toolchain, toolchainPlan, actions, cacheKeys };
}
