import * as core from '@actions/core';
import { ActionCache, buildEntry, describeEntry, shouldSave, toolsEntry, type CacheEntry, type Restored } from '../cache/index.js';
import type { Asset } from '../install/download.js';
import type { Toolchain } from '../install/toolchain.js';
import type { RunContext } from './run-context.js';

/**
 * The cache as the pipeline uses it (src/cache/ does the work): the tools entry is restored before
 * the downloads, the build entry once the toolchain is installed (its key needs `rustc -vV`), and
 * both are saved right after cargo (see src/cache/index.ts for why not in a `post` step).
 */
export interface PipelineCache {
  cache: ActionCache;
  tools?: Restored;
  build?: Restored;
  /** The build's entry was restored from its exact key (the `cache-hit` output); undefined when not used. */
  hit?: boolean;
}

export const toolParts = (downloads: Asset[]) =>
  downloads.map((a) => ({ name: a.tool, version: a.version, pin: typeof a.sha256 === 'string' ? a.sha256 : a.url }));

const toolsOf = (ctx: RunContext) => toolsEntry({ tools: toolParts(ctx.plan.target.install.downloads), env: ctx.env.vars });

function buildEntryOf(ctx: RunContext, tc: Toolchain): Promise<CacheEntry> | undefined {
  const { plan } = ctx;
  if (plan.build.kind !== 'cargo') return undefined;
  return buildEntry({
    target: plan.inputs.target,
    workingDirectory: plan.build.workingDirectory,
    workspace: ctx.env.workspace,
    cargoArgs: plan.build.cargoArgs,
    rustcVerbose: tc.rustcVerbose,
    cargo: tc.cargo,
    cargoEnv: tc.env,
    inputs: plan.inputs.buildKey,
    env: ctx.env.vars,
  });
}

/** The entry's key and paths, as lines of the Install group (GitHub's log groups do not nest). */
function logEntry(entry: CacheEntry): void {
  for (const line of describeEntry(entry)) core.info(`Cache: ${line}`);
}

/** Opens the cache (one line when it cannot be used) and restores the tools entry: before any download. */
export async function restoreTools(ctx: RunContext): Promise<PipelineCache> {
  const cache = await ActionCache.open({ enabled: ctx.plan.inputs.cache });
  const pc: PipelineCache = { cache };
  if (!cache.available) return pc;
  const tools = toolsOf(ctx);
  if (tools) {
    logEntry(tools);
    pc.tools = await cache.restore(tools);
  }
  return pc;
}

/** Restores the build entry: after the toolchain is installed, before cargo. */
export async function restoreBuild(pc: PipelineCache | undefined, ctx: RunContext, tc: Toolchain): Promise<void> {
  const entry = pc?.cache.available ? await buildEntryOf(ctx, tc) : undefined;
  if (!pc || !entry) return;
  logEntry(entry);
  pc.build = await pc.cache.restore(entry);
  pc.hit = pc.build.hit;
}

/** Saves what was restored (or tried), when the build's outcome allows it (shouldSave). Never throws for a cache problem. */
export async function saveCache(pc: PipelineCache | undefined, ctx: RunContext, buildSucceeded: boolean): Promise<void> {
  if (!pc?.cache.available) return;
  if (!shouldSave({ buildSucceeded, cacheOnFailure: ctx.plan.inputs.cacheOnFailure })) {
    core.info('Cache: not saved, the build failed (cache-on-failure: true saves it anyway).');
    return;
  }
  for (const r of [pc.tools, pc.build]) if (r) await pc.cache.save(r);
}

/** What a real run would restore, for the dry-run plan: the keys (the build's needs the toolchain's rustc -vV). */
export async function predictCache(ctx: RunContext, tc: Toolchain | undefined): Promise<Record<string, unknown>> {
  if (!ctx.plan.inputs.cache) return { enabled: false };
  const tools = toolsOf(ctx);
  const build = tc?.rustcVerbose ? await buildEntryOf(ctx, tc) : undefined;
  const show = (e: CacheEntry | undefined) => e && { key: e.key, restoreKeys: e.restoreKeys, paths: e.paths };
  return {
    enabled: true,
    saveOnFailure: ctx.plan.inputs.cacheOnFailure,
    ...(tools ? { tools: show(tools) } : {}),
    ...(build ? { build: show(build) } : {}),
  };
}
