import * as core from '@actions/core';
import * as fs from 'node:fs';
import { probeUrl } from '../install/download.js';

/** @actions/cache (with the Azure storage client) is loaded only when a cache is really used: it is most of the bundle, and every run would pay for loading it. */
const cacheLib = () => import('@actions/cache');

/** One cache entry: what is kept under which key. */
export interface CacheEntry {
  /** What it is, for the log: "build" or "tools". */
  name: string;
  key: string;
  restoreKeys: string[];
  paths: string[];
  /** The build entry: cargo's target folder, and the folders of it that are cached (cleaned before a save, cleanup.ts). */
  targetDir?: string;
  targetRoots?: string[];
}

export interface Restored {
  entry: CacheEntry;
  /** The key of the entry that was restored (the primary key or a restore key), if any. */
  matchedKey?: string;
  /** Was the primary key itself found? (The `cache-hit` output, as actions/cache defines it.) */
  hit: boolean;
  seconds: number;
}

export type SaveOutcome = 'saved' | 'already-cached' | 'nothing-to-save' | 'not-saved' | 'unavailable';

export interface OpenOptions {
  /** The `cache` input. */
  enabled: boolean;
  /**
   * The runner's environment (RunnerEnv.vars): whether the runner gave the step a cache service.
   * @actions/cache reads the same variables from process.env itself, which main.ts read them from.
   */
  env: NodeJS.ProcessEnv;
  /** Where the one line about an unusable cache goes (core.info by default). */
  log?: (line: string) => void;
  /** How long to wait for the cache service to answer at all. */
  probeTimeoutMs?: number;
}

/**
 * The URL @actions/cache will talk to, as it decides it
 * (https://github.com/actions/toolkit/blob/main/packages/cache/src/internal/config.ts): the v2 cache
 * service (twirp, what GitHub runs since 2025, announced in actions/toolkit#1886) at
 * ACTIONS_RESULTS_URL when the runner sets ACTIONS_CACHE_SERVICE_V2, else the legacy service at
 * ACTIONS_CACHE_URL. Undefined when the runner gave the step no cache service at all.
 */
export function cacheServiceUrl(env: NodeJS.ProcessEnv): string | undefined {
  const v2 = !!env.ACTIONS_CACHE_SERVICE_V2;
  return (v2 ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL) || undefined;
}

/** Why the cache cannot be used here, in one sentence; undefined when it can be tried. */
export function whyNoCache(enabled: boolean, env: NodeJS.ProcessEnv): string | undefined {
  if (!enabled) return 'Cache: off (cache: false).';
  const url = cacheServiceUrl(env);
  if (!url) {
    return 'Cache: not used, the runner provides no cache service to this step (ACTIONS_RESULTS_URL is not set: a self-hosted runner without one, or a local run); continuing without it.';
  }
  if (!env.ACTIONS_RUNTIME_TOKEN) return 'Cache: not used, the runner gave this step no ACTIONS_RUNTIME_TOKEN for the cache service; continuing without it.';
  return undefined;
}

/** Does anything answer at the cache service's address? Any HTTP answer counts: only a network error means it cannot be reached. */
export async function probe(url: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; why: string }> {
  // Through @actions/http-client, as @actions/cache itself talks to the service: a proxy applies to both.
  return probeUrl(new URL(url).origin, timeoutMs);
}

/**
 * The action's cache: restores and saves entries with @actions/cache. Caching is an optimisation,
 * never a reason to fail: where the service is off, missing or unreachable, the run goes on without
 * it, and says so in one line (said once, when the cache is opened; later calls are then quiet no-ops).
 */
export class ActionCache {
  private constructor(
    readonly available: boolean,
    /** The one line said when the cache cannot be used. */
    readonly notice: string | undefined,
  ) {}

  static async open(opts: OpenOptions): Promise<ActionCache> {
    const env = opts.env;
    const log = opts.log ?? core.info;
    let why = whyNoCache(opts.enabled, env);
    if (!why) {
      const url = cacheServiceUrl(env)!;
      const p = await probe(url, opts.probeTimeoutMs ?? 5000);
      if (!p.ok) why = `Cache: not used, the cache service at ${new URL(url).origin} cannot be reached (${p.why}); continuing without it.`;
    }
    if (why) log(why);
    return new ActionCache(!why, why);
  }

  /** Restores an entry (the primary key, else the newest entry under a restore key). Never throws for a service problem. */
  async restore(entry: CacheEntry): Promise<Restored> {
    const started = Date.now();
    if (!this.available) return { entry, hit: false, seconds: 0 };
    let matchedKey: string | undefined;
    try {
      // @actions/cache logs a failure as a warning itself and answers undefined (a miss).
      matchedKey = await (await cacheLib()).restoreCache([...entry.paths], entry.key, [...entry.restoreKeys]);
    } catch (e) {
      // Only a ValidationError (a key or path the library refuses) gets here: a bug of ours, not the user's.
      core.warning(`Cache (${entry.name}): not restored: ${(e as Error).message}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const hit = matchedKey === entry.key;
    core.info(
      `Cache (${entry.name}): ${matchedKey ? `restored ${hit ? 'the exact entry' : `a near entry (${matchedKey})`}` : 'nothing to restore (a cold run)'} in ${seconds.toFixed(1)} s.`,
    );
    return { entry, matchedKey, hit, seconds };
  }

  /**
   * Saves an entry after a restore. Skipped when the exact key was restored (entries are immutable:
   * the service refuses a second save under the same key) and when none of its paths exist.
   */
  async save(restored: Restored): Promise<{ outcome: SaveOutcome; seconds: number }> {
    const started = Date.now();
    const { entry } = restored;
    const done = (outcome: SaveOutcome, line?: string) => {
      if (line) core.info(`Cache (${entry.name}): ${line}`);
      return { outcome, seconds: (Date.now() - started) / 1000 };
    };
    if (!this.available) return done('unavailable');
    if (restored.hit) return done('already-cached', 'the exact entry was restored, nothing new to save.');
    const paths = entry.paths.filter((p) => fs.existsSync(p));
    if (paths.length === 0) return done('nothing-to-save', 'nothing to save (none of its folders exist).');
    let id: number;
    try {
      // The same path list as the restore: @actions/cache makes it part of the entry's version.
      id = await (await cacheLib()).saveCache([...entry.paths], entry.key);
    } catch (e) {
      return done('not-saved', `not saved: ${(e as Error).message}`);
    }
    // -1: the library said why (another job saving the same key, the size limit, a read-only token).
    return id === -1 ? done('not-saved') : done('saved', `saved as ${entry.key} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
}

/** Lines for the log group that shows the decision (as Swatinem/rust-cache shows its configuration). */
export function describeEntry(entry: CacheEntry): string[] {
  return [
    `${entry.name} key: ${entry.key}`,
    ...(entry.restoreKeys.length ? [`${entry.name} restore keys: ${entry.restoreKeys.join(', ')}`] : []),
    `${entry.name} paths:`,
    ...entry.paths.map((p) => `  ${p}`),
  ];
}
