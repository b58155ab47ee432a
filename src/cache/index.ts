// The action's cache, as the pipeline uses it (see docs/caching.md):
//
//   const cache = await ActionCache.open({ enabled: inputs.cache, env });      // one line if unusable
//   const tools = await cache.restore(toolsEntry({ assets, builtFiles, env })); // before Install
//   ... install (downloads found in the restored tool cache are not fetched again) ...
//   const build = await cache.restore(await buildEntry({ ...; rustcVerbose })); // after the toolchain, before cargo
//   ... cargo build ...
//   if (shouldSave({ buildSucceeded, cacheOnFailure, cacheSave })) {
//     const aside = build.entry.targetDir && setAside(planCleanup(build.entry.targetRoots, units), ...); // cleanup.ts
//     await cache.save(tools); await cache.save(build); aside.putBack();
//   }
//
// Saved in the step itself, right after the build, not in a `post` step: the build's output is
// complete then and nothing later (the boot) changes it; the step knows whether the build
// succeeded, which `post-if` cannot express per input; and no state has to cross to a second
// Node process. The cost, the upload, is paid by this step instead of a post step: the same job time.
import * as path from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { capture } from '../proc/run.js';
import { buildCacheKeys, keyEnvironment, keyFiles, toolsCacheKeys, type ToolPart } from './key.js';
import { buildCachePaths, cargoHome, cargoTargetDir, configTargetDirs, toolCacheDir, toolCachePaths } from './paths.js';
import type { CacheEntry } from './service.js';

export { BuildUnits, describeCleanup, planCleanup, setAside, treeBytes, type Removal } from './cleanup.js';
export { ActionCache, describeEntry, type CacheEntry, type Restored, type SaveOutcome } from './service.js';

/** The action's version as released (package.json), part of every key. */
export const ACTION_VERSION: string = pkg.version;

export interface BuildEntryRequest {
  target: string;
  /** The crate's folder (absolute, or relative to the current directory). */
  workingDirectory: string;
  /** GITHUB_WORKSPACE: file names in the key are relative to it. */
  workspace: string;
  cargoArgs: string[];
  /** `rustc -vV` of the toolchain the build will use, run with the build's environment. */
  rustcVerbose: string;
  /** How cargo is called (for `cargo locate-project`), with the toolchain's environment. */
  cargo: string;
  cargoEnv: Record<string, string>;
  /** The values of the inputs that change the build, by name (Inputs.buildKey). */
  inputs: Record<string, string>;
  /** The runner's environment (RunnerEnv.vars): CARGO_HOME, cargo's target folder, the variables in the key. */
  env: NodeJS.ProcessEnv;
  platform?: string;
  arch?: string;
  /** The `cache-key` input. */
  prefix?: string;
}

/** The build entry: key from the toolchain, target, lock file, toolchain file, cargo config, inputs, environment; paths from cargo's layout. */
export async function buildEntry(req: BuildEntryRequest): Promise<CacheEntry> {
  const env = req.env;
  const home = cargoHome(env);
  const loc = await capture(req.cargo, ['locate-project', '--workspace', '--message-format', 'plain'], { cwd: req.workingDirectory, env: req.cargoEnv });
  const workspaceRoot = loc.code === 0 && loc.stdout.trim() ? path.dirname(loc.stdout.trim()) : req.workingDirectory;
  const targetDir = cargoTargetDir({
    workingDirectory: req.workingDirectory,
    workspaceRoot,
    cargoArgs: req.cargoArgs,
    env: { ...env, ...req.cargoEnv },
    configTargetDirs: configTargetDirs(req.workingDirectory),
  });
  const keys = buildCacheKeys({
    target: req.target,
    rustcVerbose: req.rustcVerbose,
    files: keyFiles({ workingDirectory: req.workingDirectory, workspace: req.workspace, cargoHome: home }),
    inputs: req.inputs,
    env: keyEnvironment(env),
    actionVersion: ACTION_VERSION,
    platform: req.platform ?? process.platform,
    arch: req.arch ?? process.arch,
    prefix: req.prefix,
  });
  const paths = buildCachePaths({ targetDir, target: req.target, cargoArgs: req.cargoArgs, cargoHome: home });
  // The first two paths are cargo's target folders (for the target, and the host's profile): what cleanup.ts cleans.
  return { name: 'build', ...keys, paths, targetDir, targetRoots: paths.slice(0, 2) };
}

/**
 * The tools entry: the tool-cache folders of the target's downloads (Asset.tool, version, checksum)
 * and the files of tools the action builds. Undefined when there is nothing to keep, or no tool cache.
 */
export function toolsEntry(opts: {
  tools: ToolPart[];
  builtFiles?: string[];
  /** The runner's environment (RunnerEnv.vars): where the tool cache is. */
  env: NodeJS.ProcessEnv;
  platform?: string;
  arch?: string;
  prefix?: string;
}): CacheEntry | undefined {
  const dir = toolCacheDir(opts.env);
  if (!opts.tools.length && !opts.builtFiles?.length) return undefined;
  const paths = toolCachePaths({ toolCache: dir ?? '', tools: dir ? opts.tools.map((t) => t.name) : [], builtFiles: opts.builtFiles });
  if (!paths.length) return undefined;
  const keys = toolsCacheKeys({
    tools: opts.tools,
    actionVersion: ACTION_VERSION,
    platform: opts.platform ?? process.platform,
    arch: opts.arch ?? process.arch,
    prefix: opts.prefix,
  });
  return { name: 'tools', ...keys, paths };
}

/**
 * Save or not, after the build. Never with cache-save: false (the entries are still restored: a
 * pull request's jobs then use main's entry without adding their own, which would evict it). A
 * build that succeeded is saved whatever the boot then shows (the cache holds the build, not the
 * verdict). A failed build is saved only with cache-on-failure: its finished dependencies
 * (build-std's core among them) are kept, but the entry is then final for that key, so later runs
 * with the same key keep rebuilding what had failed.
 */
export function shouldSave(o: { buildSucceeded: boolean; cacheOnFailure: boolean; cacheSave: boolean }): boolean {
  return o.cacheSave && (o.buildSucceeded || o.cacheOnFailure);
}
