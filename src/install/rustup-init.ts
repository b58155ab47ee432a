import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InfraError } from '../model/errors.js';
import type { RunnerEnv } from '../model/runner-env.js';
import { errorLine, runLogged } from '../proc/run.js';
import { DEFAULT_RETRY, fetchAsset, type Asset, type RetryPolicy } from './download.js';
import { isExecutable } from '../model/paths.js';

/**
 * rustup installed where it is missing (a `container:` job, a self-hosted runner, any image without
 * it), as dtolnay/rust-toolchain does
 * (https://github.com/dtolnay/rust-toolchain/blob/master/action.yml: `sh.rustup.rs | sh -s --
 * --default-toolchain none -y`, then CARGO_HOME/bin on GITHUB_PATH), but without a shell pipe:
 * the rustup-init binary that script downloads
 * (https://github.com/rust-lang/rustup/blob/master/rustup-init.sh: `$RUSTUP_UPDATE_ROOT/dist/<triple>/rustup-init`),
 * checked against the `.sha256` published next to it, and tool-cached.
 */

/** Where rustup-init.sh downloads rustup-init from; RUSTUP_UPDATE_ROOT overrides it there as here (mirrors, tests). */
export const RUSTUP_UPDATE_ROOT = 'https://static.rust-lang.org/rustup';

/** Is this Node's C library glibc (else musl: Alpine containers)? */
function glibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return Boolean(report?.header?.glibcVersionRuntime);
}

/** rustup's host triple for this runner (the action runs on x64 and arm64 Linux only: src/install/host.ts). */
export function rustupHostTriple(arch: string = process.arch, gnu: boolean = glibc()): string {
  const cpu = arch === 'arm64' ? 'aarch64' : 'x86_64';
  return `${cpu}-unknown-linux-${gnu ? 'gnu' : 'musl'}`;
}

/** Where rustup goes: CARGO_HOME (its bin holds rustup and the cargo/rustc proxies) and RUSTUP_HOME, as rustup-init decides them. */
export function rustupHomes(env: NodeJS.ProcessEnv): { cargoHome: string; rustupHome: string } {
  const home = env.HOME || os.homedir();
  return { cargoHome: env.CARGO_HOME || path.join(home, '.cargo'), rustupHome: env.RUSTUP_HOME || path.join(home, '.rustup') };
}

/**
 * The rustup-init download. rustup publishes the newest under dist/ only, so the tool-cache version
 * is the day: a runner reuses it for a day, then fetches the current one.
 */
export function rustupInitAsset(env: NodeJS.ProcessEnv, triple = rustupHostTriple(), today = new Date()): Asset {
  const root = (env.RUSTUP_UPDATE_ROOT || RUSTUP_UPDATE_ROOT).replace(/\/$/, '');
  const url = `${root}/dist/${triple}/rustup-init`;
  return {
    tool: `rustup-init-${triple}`,
    version: `${today.getUTCFullYear()}.${today.getUTCMonth() + 1}.${today.getUTCDate()}`,
    url,
    fileName: 'rustup-init',
    sha256: { sha256Url: `${url}.sha256` },
  };
}

/** The first executable `name` on the PATH of `env`. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

export interface RustupFound {
  rustup: string;
  /** Set when it was not on PATH: the folder added to PATH (this step's and, through GITHUB_PATH, later steps'). */
  addedToPath?: string;
  installed: boolean;
}

/**
 * rustup, from PATH, else from CARGO_HOME/bin (installed earlier, not on PATH), else installed there
 * with the checksum-verified rustup-init: `-y --profile minimal --default-toolchain none
 * --no-modify-path` (the toolchain is installed next, by name; the runner's shell profiles are left
 * alone, PATH is exported with core.addPath instead). `runner` is the runner's environment: its
 * `vars` are process.env itself in a run, so a PATH that core.addPath changed is the one looked in.
 */
export async function ensureRustup(runner: RunnerEnv, retry: RetryPolicy = DEFAULT_RETRY): Promise<RustupFound> {
  const env = runner.vars;
  const onPath = findOnPath('rustup', env);
  if (onPath) return { rustup: onPath, installed: false };
  const { cargoHome, rustupHome } = rustupHomes(env);
  const bin = path.join(cargoHome, 'bin');
  const rustup = path.join(bin, 'rustup');
  if (fs.existsSync(rustup)) {
    core.addPath(bin);
    core.info(`rustup: ${rustup} (not on PATH; added)`);
    return { rustup, addedToPath: bin, installed: false };
  }
  const asset = rustupInitAsset(env);
  core.info(`rustup is not on PATH: installing it into ${cargoHome} (RUSTUP_HOME ${rustupHome}) with rustup-init from ${asset.url}.`);
  let init: string;
  try {
    init = await fetchAsset(asset, runner, retry);
  } catch (e) {
    throw new InfraError(
      `rustup is not installed and could not be installed: ${(e as Error).message} Install rustup before this step, or use toolchain: distro (the distribution's Rust) or toolchain: system (the cargo on PATH).`,
      'toolchain',
    );
  }
  fs.chmodSync(init, 0o755);
  const r = await runLogged(init, ['-y', '--profile', 'minimal', '--default-toolchain', 'none', '--no-modify-path'], {
    env: { ...env, CARGO_HOME: cargoHome, RUSTUP_HOME: rustupHome, RUSTUP_INIT_SKIP_PATH_CHECK: 'yes' },
  });
  if (r.code !== 0 || !fs.existsSync(rustup)) {
    throw new InfraError(
      `rustup-init (${asset.url}) could not install rustup into ${cargoHome}: ${errorLine(r.stderr) || errorLine(r.stdout) || `exit status ${r.code}, and no ${rustup}`}. Install rustup before this step, or use toolchain: distro.`,
      'toolchain',
    );
  }
  core.addPath(bin);
  core.info(`rustup: installed into ${bin}, added to PATH for this and later steps.`);
  return { rustup, addedToPath: bin, installed: true };
}
