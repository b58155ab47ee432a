import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cargoFlag, profileDir } from '../model/cargo-args.js';

export { cargoFlag, profileDir };
import { parse as parseToml } from 'smol-toml';

/**
 * Where cargo puts its output, as cargo decides it
 * (https://doc.rust-lang.org/cargo/reference/config.html#buildtarget-dir): `--target-dir` in the
 * cargo arguments, else CARGO_TARGET_DIR, else CARGO_BUILD_TARGET_DIR, else `build.target-dir` of
 * the nearest cargo config that sets it (relative to the folder holding its `.cargo`), else
 * `target` in the workspace root. Relative paths from the command line and the environment are
 * relative to the folder cargo runs in.
 */
export function cargoTargetDir(opts: {
  workingDirectory: string;
  workspaceRoot: string;
  cargoArgs: string[];
  env: NodeJS.ProcessEnv;
  /** build.target-dir of the cargo config files, nearest first, with the folder each applies to. */
  configTargetDirs?: { dir: string; targetDir: string }[];
}): string {
  const cwd = path.resolve(opts.workingDirectory);
  const flag = cargoFlag(opts.cargoArgs, '--target-dir');
  if (flag) return path.resolve(cwd, flag);
  const fromEnv = opts.env.CARGO_TARGET_DIR || opts.env.CARGO_BUILD_TARGET_DIR;
  if (fromEnv) return path.resolve(cwd, fromEnv);
  const fromConfig = opts.configTargetDirs?.[0];
  if (fromConfig) return path.resolve(fromConfig.dir, fromConfig.targetDir);
  return path.join(path.resolve(opts.workspaceRoot), 'target');
}

/** `build.target-dir` of each cargo config file from `dir` up, nearest first. Unreadable files are skipped (cargo will say why). */
export function configTargetDirs(dir: string): { dir: string; targetDir: string }[] {
  const out: { dir: string; targetDir: string }[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    for (const name of ['config.toml', 'config']) {
      const f = path.join(d, '.cargo', name);
      if (!fs.existsSync(f)) continue;
      try {
        const doc = parseToml(fs.readFileSync(f, 'utf8')) as { build?: { 'target-dir'?: unknown } };
        const t = doc.build?.['target-dir'];
        if (typeof t === 'string') out.push({ dir: d, targetDir: t });
      } catch {
        // cargo reports a broken config itself, with a better message than ours.
      }
      break; // cargo reads config.toml, or config when there is no config.toml
    }
    if (path.dirname(d) === d) return out;
  }
}

/** CARGO_HOME of `env` (the runner's environment, RunnerEnv.vars), else ~/.cargo. */
export function cargoHome(env: NodeJS.ProcessEnv): string {
  return env.CARGO_HOME || path.join(os.homedir(), '.cargo');
}

/**
 * What the build entry holds:
 * - `<target-dir>/<target>`: everything built for the target, the standard library built by
 *   build-std included (cargo builds it into the target's own folder);
 * - `<target-dir>/<profile>`: what cargo builds for the host when `--target` is given: build
 *   scripts and proc macros (https://doc.rust-lang.org/cargo/reference/build-cache.html);
 * - cargo's registry index and downloaded crates, and git dependencies (the bare repositories and
 *   their checkouts, which is where a git dependency such as the Hermit kernel is built from).
 *   Not `registry/src`: cargo unpacks it again from `registry/cache` by itself (Swatinem/rust-cache
 *   leaves it out for the same reason).
 */
export function buildCachePaths(opts: { targetDir: string; target: string; cargoArgs: string[]; cargoHome: string }): string[] {
  return [
    path.join(opts.targetDir, opts.target),
    path.join(opts.targetDir, profileDir(opts.cargoArgs)),
    path.join(opts.cargoHome, 'registry', 'index'),
    path.join(opts.cargoHome, 'registry', 'cache'),
    path.join(opts.cargoHome, 'git', 'db'),
    path.join(opts.cargoHome, 'git', 'checkouts'),
  ];
}

/**
 * What the tools entry holds: the tool-cache folder of each thing the action downloads
 * (@actions/tool-cache keeps `<RUNNER_TOOL_CACHE>/<tool>/<version>/<arch>` and a `.complete`
 * marker, so a restored folder is found as it is), and the files of tools it builds (e.g. Uhyve's
 * binary in `<CARGO_HOME>/bin`).
 */
export function toolCachePaths(opts: { toolCache: string; tools: string[]; builtFiles?: string[] }): string[] {
  return [...opts.tools.map((t) => path.join(opts.toolCache, t)), ...(opts.builtFiles ?? [])];
}

/**
 * RUNNER_TOOL_CACHE of `env` (the runner's environment, RunnerEnv.vars), as @actions/tool-cache
 * reads it from process.env: the same value, since main.ts reads the runner environment from process.env.
 */
export function toolCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  return env.RUNNER_TOOL_CACHE || undefined;
}
