import * as core from '@actions/core';
import * as path from 'node:path';
import { ActionCache, buildEntry, describeEntry, shouldSave, toolsEntry, type CacheEntry, type Restored } from '../cache/index.js';
import type { Asset } from '../install/download.js';
import type { Toolchain } from '../install/toolchain.js';
import type { Plan } from '../plan/plan.js';

/**
 * The cache as the pipeline uses it (src/cache/ does the work): the tools entry is restored before
 * the downloads, the build entry once the toolchain is installed (its key needs `rustc -vV`), and
 * both are saved right after cargo build (see src/cache/index.ts for why not in a `post` step).
 */
export interface PipelineCache {
  cache: ActionCache;
  tools?: Restored;
  build?: Restored;
  /** The build's entry was restored from its exact key (the `cache-hit` output); undefined when not used. */
  hit?: boolean;
}

/** Input values the build key is made of (src/cache/key.ts KEY_INPUTS), from the parsed plan: nothing downstream reads inputs itself. */
export function keyInput(plan: Plan): (name: string) => string {
  const i = plan.inputs;
  const values: Record<string, string> = {
    target: i.target,
    toolchain: i.toolchain,
    'working-directory': path.relative(i.workspace, i.workingDirectory) || '.',
    'cargo-args': JSON.stringify(i.cargoArgs),
  };
  for (const [name, v] of Object.entries(i.own)) values[name] = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return (name) => values[name] ?? '';
}

export const toolParts = (downloads: Asset[]) =>
  downloads.map((a) => ({ name: a.tool, version: a.version, pin: typeof a.sha256 === 'string' ? a.sha256 : a.url }));

function buildRequest(plan: Plan, tc: Toolchain) {
  const b = plan.build as Extract<Plan['build'], { kind: 'cargo' }>;
  return {
    target: plan.inputs.target,
    workingDirectory: b.workingDirectory,
    workspace: plan.inputs.workspace,
    cargoArgs: b.cargoArgs,
    rustcVerbose: tc.rustcVerbose,
    cargo: tc.cargo,
    cargoEnv: tc.env,
    input: keyInput(plan),
  };
}

/** The entry's key and paths, as lines of the Install group (GitHub's log groups do not nest). */
function logEntry(entry: CacheEntry): void {
  for (const line of describeEntry(entry)) core.info(`Cache: ${line}`);
}

/** Opens the cache (one line when it cannot be used) and restores the tools entry: before any download. */
export async function restoreTools(plan: Plan): Promise<PipelineCache> {
  const cache = await ActionCache.open({ enabled: plan.inputs.cache });
  const pc: PipelineCache = { cache };
  if (!cache.available) return pc;
  const tools = toolsEntry({ tools: toolParts(plan.target.install.downloads) });
  if (tools) {
    logEntry(tools);
    pc.tools = await cache.restore(tools);
  }
  return pc;
}

/** Restores the build entry: after the toolchain is installed, before cargo. */
export async function restoreBuild(pc: PipelineCache | undefined, plan: Plan, tc: Toolchain): Promise<void> {
  if (!pc?.cache.available || plan.build.kind !== 'cargo') return;
  const entry = await buildEntry(buildRequest(plan, tc));
  logEntry(entry);
  pc.build = await pc.cache.restore(entry);
  pc.hit = pc.build.hit;
}

/** Saves what was restored (or tried), when the build's outcome allows it (shouldSave). Never throws for a cache problem. */
export async function saveCache(pc: PipelineCache | undefined, plan: Plan, buildSucceeded: boolean): Promise<void> {
  if (!pc?.cache.available) return;
  if (!shouldSave({ buildSucceeded, cacheOnFailure: plan.inputs.cacheOnFailure })) {
    core.info('Cache: not saved, the build failed (cache-on-failure: true saves it anyway).');
    return;
  }
  for (const r of [pc.tools, pc.build]) if (r) await pc.cache.save(r);
}

/** What a real run would restore, for the dry-run plan: the keys (the build's needs the toolchain's rustc -vV). */
export async function predictCache(plan: Plan, tc: Toolchain | undefined): Promise<Record<string, unknown>> {
  if (!plan.inputs.cache) return { enabled: false };
  const tools = toolsEntry({ tools: toolParts(plan.target.install.downloads) });
  let build: CacheEntry | undefined;
  if (plan.build.kind === 'cargo' && tc?.rustcVerbose) build = await buildEntry(buildRequest(plan, tc));
  const show = (e: CacheEntry | undefined) => e && { key: e.key, restoreKeys: e.restoreKeys, paths: e.paths };
  return { enabled: true, saveOnFailure: plan.inputs.cacheOnFailure, ...(tools ? { tools: show(tools) } : {}), ...(build ? { build: show(build) } : {}) };
}
