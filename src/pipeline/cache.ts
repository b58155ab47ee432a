import * as core from '@actions/core';
import * as path from 'node:path';
import {
  ActionCache,
  buildEntry,
  BuildUnits,
  describeCleanup,
  describeEntry,
  planCleanup,
  setAside,
  shouldSave,
  toolsEntry,
  treeBytes,
  type CacheEntry,
  type Restored,
} from '../cache/index.js';
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
  /** What happened, for the job summary's cache line: the restore, then the save. */
  notes: string[];
}

export const toolParts = (downloads: Asset[]) =>
  downloads.map((a) => ({ name: a.tool, version: a.version, pin: typeof a.sha256 === 'string' ? a.sha256 : a.url }));

const toolsOf = (ctx: RunContext) =>
  toolsEntry({
    tools: [...toolParts(ctx.plan.target.install.downloads), ...(ctx.plan.target.install.builtTools ?? [])],
    env: ctx.env.vars,
    prefix: ctx.plan.inputs.cacheKey || undefined,
  });

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
    prefix: plan.inputs.cacheKey || undefined,
  });
}

/** The entry's key and paths, as lines of the Install group (GitHub's log groups do not nest). */
function logEntry(entry: CacheEntry): void {
  for (const line of describeEntry(entry)) core.info(`Cache: ${line}`);
}

/** Opens the cache (one line when it cannot be used) and restores the tools entry: before any download. */
export async function restoreTools(ctx: RunContext): Promise<PipelineCache> {
  const cache = await ActionCache.open({ enabled: ctx.plan.inputs.cache, env: ctx.env.vars });
  const pc: PipelineCache = { cache, notes: cache.notice ? [cache.notice.replace(/^Cache: /, '').replace(/\.$/, '')] : [] };
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
  const b = pc.build;
  pc.notes.push(b.hit ? `restored ${entry.key}` : b.matchedKey ? `restored a near entry, ${b.matchedKey}` : 'nothing to restore (a cold run)');
}

/**
 * Saves what was restored (or tried), when the inputs and the build's outcome allow it (shouldSave).
 * The build entry is cleaned first (cleanup.ts: incremental folders, units this build did not use),
 * the left-out paths put back after the save. Never throws for a cache problem.
 */
export async function saveCache(pc: PipelineCache | undefined, ctx: RunContext, buildSucceeded: boolean, units?: BuildUnits): Promise<void> {
  if (!pc?.cache.available) return;
  const { cacheOnFailure, cacheSave } = ctx.plan.inputs;
  if (!shouldSave({ buildSucceeded, cacheOnFailure, cacheSave })) {
    const why = cacheSave ? 'the build failed (cache-on-failure: true saves it anyway)' : 'cache-save: false (restored only)';
    core.info(`Cache: not saved, ${why}.`);
    pc.notes.push(`not saved, ${why}`);
    return;
  }
  if (pc.tools) await pc.cache.save(pc.tools);
  const b = pc.build;
  if (!b) return;
  // Cleaned only when it is saved: an entry restored from its exact key is not saved again.
  const aside = b.hit ? undefined : leaveOut(b.entry, units, buildSucceeded);
  if (aside) pc.notes.push(aside.line);
  try {
    const saved = await pc.cache.save(b);
    const said = { saved: `saved as ${b.entry.key}`, 'already-cached': 'the exact entry was restored, not saved again' } as Record<string, string>;
    pc.notes.push(said[saved.outcome] ?? `not saved (${saved.outcome})`);
  } finally {
    aside?.putBack();
  }
}

/**
 * Sets aside what the build entry leaves out (cleanup.ts), and says what and how big the entry is.
 * A cleanup that fails (a file system refusing a rename) saves the entry as it is.
 */
function leaveOut(entry: CacheEntry, units: BuildUnits | undefined, buildSucceeded: boolean): { line: string; putBack: () => void } | undefined {
  if (!entry.targetDir || !entry.targetRoots) return undefined;
  try {
    const aside = setAside(planCleanup(entry.targetRoots, units), path.join(entry.targetDir, '.unikernel-boot-left-out'));
    const why = units?.complete
      ? undefined
      : `unused artifacts not looked for: ${buildSucceeded ? "cargo did not list the build's units" : 'the build failed, cargo listed only what it reached'}`;
    const line = describeCleanup(
      aside.moved,
      entry.paths.reduce((n, p) => n + treeBytes(p), 0),
      why,
    );
    core.info(`Cache (build): ${line}.`);
    return { line, putBack: aside.putBack };
  } catch (e) {
    core.info(`Cache (build): not cleaned before saving (${(e as Error).message}); saved as it is.`);
    return undefined;
  }
}

/** What a real run would restore, for the dry-run plan: the keys (the build's needs the toolchain's rustc -vV). */
export async function predictCache(ctx: RunContext, tc: Toolchain | undefined): Promise<Record<string, unknown>> {
  if (!ctx.plan.inputs.cache) return { enabled: false };
  const tools = toolsOf(ctx);
  const build = tc?.rustcVerbose ? await buildEntryOf(ctx, tc) : undefined;
  const show = (e: CacheEntry | undefined) => e && { key: e.key, restoreKeys: e.restoreKeys, paths: e.paths };
  return {
    enabled: true,
    save: ctx.plan.inputs.cacheSave,
    saveOnFailure: ctx.plan.inputs.cacheOnFailure,
    ...(ctx.plan.inputs.cacheKey ? { keyPrefix: ctx.plan.inputs.cacheKey } : {}),
    ...(tools ? { tools: show(tools) } : {}),
    ...(build ? { build: show(build) } : {}),
  };
}
