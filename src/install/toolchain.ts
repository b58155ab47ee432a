import * as core from '@actions/core';
import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ActionError, InfraError } from '../model/errors.js';
import type { RunnerEnv } from '../model/runner-env.js';
import { aptInstall, aptPolicy, refreshLists } from './apt.js';
import { upgradable } from './apt-lists.js';
import { distroStdError, distroStep, hasVendoredCrates } from './distro-std.js';
import { capture } from '../proc/run.js';
import { findToolchainFile } from './toolchain-file.js';
import { rustupFailure, rustupWithRetry } from './rustup-retry.js';
import { ensureRustup, rustupHomes, rustupInitAsset } from './rustup-init.js';
import { probeUrl } from './download.js';

export type ToolchainKind = 'rustup' | 'system' | 'distro';

/** A Rust toolchain ready to build for the target, and how to call its cargo. */
export interface Toolchain {
  kind: ToolchainKind;
  /** e.g. "rustup nightly-2026-06-01" or "distro (/usr/bin)". */
  description: string;
  /** Where the name came from: the input, a toolchain file, or the default. */
  source: string;
  cargo: string;
  /** Environment for cargo (RUSTUP_TOOLCHAIN, RUSTC, RUSTC_BOOTSTRAP, PATH). Never RUSTFLAGS. */
  env: Record<string, string>;
  /** Extra `--config` arguments for cargo (a vendored std source). */
  cargoConfig: string[];
  rustcVersion: string;
  /** The whole `rustc -vV` text (commit hash, LLVM version): the build cache's key is made from it. */
  rustcVerbose: string;
  host: string;
  sysroot: string;
  /** Does the sysroot hold a prebuilt std (core at least) for the target? */
  prebuiltStd: boolean;
  /** Does the build need -Zbuild-std? */
  buildStd: boolean;
}

/**
 * The toolchain input, parsed (src/inputs/inputs.ts): the crate's rust-toolchain(.toml) through
 * rustup (else nightly), a named rustup toolchain, the cargo and rustc on PATH, or the Linux
 * distribution's Rust in /usr/bin.
 */
export type ToolchainChoice = { kind: 'file' } | { kind: 'rustup'; name: string } | { kind: 'system' } | { kind: 'distro' };

/** The choice as the input is written ('' for the toolchain file). */
export const choiceText = (c: ToolchainChoice): string => (c.kind === 'file' ? '' : c.kind === 'rustup' ? c.name : c.kind);

export interface ToolchainRequest {
  toolchain: ToolchainChoice;
  workingDirectory: string;
  target: string;
  linksWithRustLld: boolean;
  /** A scratch folder for shims. */
  toolDir: string;
  /** The runner's environment: PATH (kept after the shims), where rustup goes when it is missing. */
  env: RunnerEnv;
}

const RUST_SRC = 'lib/rustlib/src/rust/library';

function hasRustSrc(sysroot: string): boolean {
  return fs.existsSync(path.join(sysroot, RUST_SRC, 'core', 'Cargo.toml'));
}

function hasPrebuiltStd(sysroot: string, target: string): boolean {
  const dir = path.join(sysroot, 'lib', 'rustlib', target, 'lib');
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /^libcore-.*\.rlib$/.test(f));
}

/** rustc's version line, host triple and sysroot, as this environment resolves them. */
async function inspectRustc(rustc: string, env: Record<string, string>, cwd: string) {
  const [vv, sr] = await Promise.all([capture(rustc, ['-vV'], { env, cwd }), capture(rustc, ['--print', 'sysroot'], { env, cwd })]);
  if (vv.code !== 0 || sr.code !== 0) return undefined;
  const host = /^host: (.+)$/m.exec(vv.stdout)?.[1].trim() ?? '';
  return { version: vv.stdout.split('\n')[0].trim(), verbose: vv.stdout, host, sysroot: sr.stdout.trim() };
}

const isNightly = (version: string) => /-(nightly|dev)\b/.test(version);

async function distroPackages(): Promise<string[]> {
  const osRelease = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
  const id = /^ID=(.*)$/m.exec(osRelease)?.[1].replace(/"/g, '');
  const version = /^VERSION_ID=(.*)$/m.exec(osRelease)?.[1].replace(/"/g, '');
  // Debian 12's default rustc is too old for today's crates; its -web packages are current and ship the std source.
  if (id === 'debian' && version === '12') return ['rustc-web', 'cargo-web', 'rust-web-src'];
  return ['rustc', 'cargo', 'rust-src'];
}

/** Makes a folder of links to put first on PATH, so names resolve to the tools we chose. */
function shimDir(dir: string, links: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(links)) {
    const p = path.join(dir, name);
    fs.rmSync(p, { force: true });
    fs.symlinkSync(target, p);
  }
  return dir;
}

/** Checks that a rust-lld is reachable; otherwise points one at the system's lld. */
async function ensureRustLld(tc: Toolchain, req: ToolchainRequest): Promise<void> {
  if (fs.existsSync(path.join(tc.sysroot, 'lib', 'rustlib', tc.host, 'bin', 'rust-lld'))) return;
  if (await io.which('rust-lld', false)) return;
  let lld = (await io.which('ld.lld', false)) || (await io.which('lld', false));
  if (!lld) {
    await aptInstall(['lld'], 'linking with rust-lld');
    lld = (await io.which('ld.lld', false)) || (await io.which('lld', false));
  }
  if (!lld) throw new InfraError('The target links with rust-lld, which this toolchain lacks, and no lld could be found or installed.', 'toolchain');
  // lld picks its flavour from the name it is called by: rust-lld with rustc's `-flavor gnu`.
  const dir = shimDir(path.join(req.toolDir, 'rust-lld'), { 'rust-lld': fs.existsSync('/usr/bin/lld') ? '/usr/bin/lld' : lld });
  tc.env.PATH = `${dir}${path.delimiter}${tc.env.PATH ?? req.env.vars.PATH ?? ''}`;
  core.info(`rust-lld: not shipped with this toolchain; using ${lld} through ${dir}/rust-lld`);
}

/** Is every crates.io package in the crate's Cargo.lock available from the vendored std sources? */
function lockfileVendored(workingDirectory: string, vendor: string): boolean {
  let d = workingDirectory;
  for (;;) {
    const lock = path.join(d, 'Cargo.lock');
    if (fs.existsSync(lock)) {
      let doc: { package?: { name: string; version: string; source?: string }[] };
      try {
        doc = parseToml(fs.readFileSync(lock, 'utf8')) as typeof doc;
      } catch {
        return false;
      }
      for (const p of doc.package ?? []) {
        if (!p.source?.startsWith('registry+')) continue;
        if (!fs.existsSync(path.join(vendor, `${p.name}-${p.version}`)) && !fs.existsSync(path.join(vendor, p.name))) return false;
      }
      return true;
    }
    const parent = path.dirname(d);
    if (parent === d) return true;
    d = parent;
  }
}

async function rustupToolchain(req: ToolchainRequest): Promise<Toolchain> {
  let name = choiceText(req.toolchain);
  let source = 'the toolchain input';
  const extraComponents: string[] = [];
  const extraTargets: string[] = [];
  if (name === '') {
    const file = findToolchainFile(req.workingDirectory);
    if (file?.path) {
      return finish(req, {
        kind: 'rustup',
        description: `custom toolchain at ${file.path}`,
        source: file.file,
        env: {},
        rustc: path.join(file.path, 'bin', 'rustc'),
        cargo: path.join(file.path, 'bin', 'cargo'),
      });
    }
    if (file?.channel) {
      name = file.channel;
      source = file.file;
      extraComponents.push(...file.components);
      extraTargets.push(...file.targets.filter((t) => t !== req.target));
    } else {
      name = 'nightly';
      source = 'the default (no rust-toolchain.toml found)';
    }
  }
  // Toolchain '${name}' needs rustup: installed when missing (a container, a self-hosted runner).
  await ensureRustup(req.env);
  const env: Record<string, string> = { RUSTUP_TOOLCHAIN: name, RUSTUP_AUTO_INSTALL: '0' };
  const cwd = req.workingDirectory;

  let info = await inspectRustc('rustc', env, cwd);
  if (!info) {
    const args = ['toolchain', 'install', name, '--profile', 'minimal', '--no-self-update', '--component', 'rust-src', '--component', 'llvm-tools'];
    // A nightly without rust-src or llvm-tools is skipped back to the newest that has them.
    if (/^nightly(-[a-z0-9_]+-[a-z0-9_-]+)?$/.test(name) && !/\d{4}-\d{2}-\d{2}/.test(name)) args.push('--allow-downgrade');
    for (const c of extraComponents) args.push('--component', c);
    const r = await rustupWithRetry(args, { cwd });
    if (r.code !== 0) {
      throw new InfraError(
        `rustup could not install toolchain '${name}' (from ${source}); ${rustupFailure(r)}. On a runner without access to rustup's servers, use toolchain: distro.`,
        'toolchain',
      );
    }
    info = await inspectRustc('rustc', env, cwd);
    if (!info) throw new ActionError(`Toolchain '${name}' was installed but its rustc does not run.`);
  }

  const buildStdNeeded = !hasPrebuiltStd(info.sysroot, req.target);
  const missing: string[] = [];
  if (!hasRustSrc(info.sysroot)) missing.push('rust-src');
  if (!fs.existsSync(path.join(info.sysroot, 'lib', 'rustlib', info.host, 'bin', `llvm-objcopy${os.platform() === 'win32' ? '.exe' : ''}`)))
    missing.push('llvm-tools');
  for (const c of extraComponents) if (!missing.includes(c)) missing.push(c);
  if (missing.length) {
    const r = await rustupWithRetry(['component', 'add', '--toolchain', name, ...missing], { cwd });
    if (r.code !== 0) {
      const why = rustupFailure(r);
      if (!hasRustSrc(info.sysroot) && buildStdNeeded) {
        throw new InfraError(
          `rustup could not add rust-src to '${name}', which building ${req.target} needs: ${why}. On a runner without access to rustup's servers, use toolchain: distro.`,
          'toolchain',
        );
      }
      core.warning(`rustup could not add ${missing.join(', ')} to '${name}': ${why}. Continuing: the build does not need them.`);
    }
  }

  const wantTargets = [...extraTargets];
  if (buildStdNeeded) {
    const list = await capture('rustup', ['target', 'list', '--toolchain', name], { cwd });
    const available = new Set(list.stdout.split('\n').map((l) => l.split(' ')[0].trim()));
    if (available.has(req.target)) wantTargets.push(req.target);
    else core.info(`rustup ships no prebuilt std for ${req.target} with '${name}': the standard library is built from source (build-std).`);
  }
  if (wantTargets.length) {
    const r = await rustupWithRetry(['target', 'add', '--toolchain', name, ...wantTargets], { cwd });
    if (r.code !== 0)
      core.warning(`rustup could not add target(s) ${wantTargets.join(', ')}; ${rustupFailure(r)}. Building the standard library from source instead.`);
  }
  return finish(req, { kind: 'rustup', description: `rustup ${name}`, source, env, rustc: 'rustc', cargo: 'cargo' });
}

async function systemToolchain(req: ToolchainRequest): Promise<Toolchain> {
  const cargo = await io.which('cargo', false);
  if (!cargo)
    throw new ActionError(
      'toolchain: system uses the cargo on PATH, but there is none. Install Rust before this step, or use toolchain: distro or a rustup toolchain name.',
    );
  return finish(req, { kind: 'system', description: `system (${cargo})`, source: 'the toolchain input', env: {}, rustc: 'rustc', cargo: 'cargo' });
}

/** crates.io's sparse index (https://doc.rust-lang.org/cargo/reference/registry-index.html#sparse-protocol): what build-std would fetch from. */
const CRATES_IO_INDEX = 'https://index.crates.io/config.json';

/** Can the URL be fetched within a few seconds? (Through the proxy, as cargo would reach it.) */
async function reachable(url: string): Promise<boolean> {
  return (await probeUrl(url, 5000)).ok;
}

async function distroToolchain(req: ToolchainRequest): Promise<Toolchain> {
  const sysroot = '/usr';
  const packages = await distroPackages();
  const srcPackage = packages[2];
  const vendorDir = path.join(sysroot, RUST_SRC, 'vendor');
  const facts = () => ({
    tools: fs.existsSync('/usr/bin/rustc') && fs.existsSync('/usr/bin/cargo'),
    source: hasRustSrc(sysroot),
    vendor: hasVendoredCrates(vendorDir),
    buildStd: !hasPrebuiltStd(sysroot, req.target),
  });
  let step = distroStep(facts(), vendorDir);
  if (step.step === 'install') {
    await aptInstall(packages, 'toolchain: distro');
    step = distroStep(facts(), vendorDir);
  }
  if (step.step === 'upgrade') {
    // The lists may be stale (a newer version that ships library/vendor may be on offer): refresh, then upgrade.
    core.info(`toolchain: distro: ${step.why}; looking for a newer ${srcPackage}.`);
    const fresh = await refreshLists(packages, 'toolchain: distro', `the installed ${srcPackage} cannot build std offline`);
    let policy = await aptPolicy(packages);
    if (upgradable(policy[srcPackage])) {
      await aptInstall(packages, `toolchain: distro, upgrading ${srcPackage} ${policy[srcPackage].installed} to ${policy[srcPackage].candidate}`);
      policy = await aptPolicy(packages);
    }
    step = distroStep(facts(), vendorDir);
    if (step.step !== 'ready') {
      // Without the vendored crates build-std fetches std's dependencies from crates.io: fine where it
      // can be reached (a GitHub-hosted runner), hopeless offline, where the build would fail late.
      if (!(await reachable(CRATES_IO_INDEX))) throw new InfraError(distroStdError(srcPackage, policy[srcPackage], vendorDir, fresh), 'toolchain');
      core.warning(
        `toolchain: distro: ${srcPackage} ${policy[srcPackage]?.installed ?? ''} has no ${vendorDir}; crates.io can be reached, so build-std fetches std's dependencies from there.`,
      );
    }
  }
  if (step.step !== 'ready') {
    throw new InfraError(
      "toolchain: distro installed the distribution's Rust packages, but /usr/bin/rustc, /usr/bin/cargo or the standard library source is still missing.",
      'toolchain',
    );
  }
  // rustup's proxies usually come first on PATH: make `cargo` and `rustc` mean the distribution's, for build scripts too.
  const dir = shimDir(path.join(req.toolDir, 'distro-bin'), { cargo: '/usr/bin/cargo', rustc: '/usr/bin/rustc', rustdoc: '/usr/bin/rustdoc' });
  const env = { RUSTC: '/usr/bin/rustc', PATH: `${dir}${path.delimiter}${req.env.vars.PATH ?? ''}` };
  return finish(req, {
    kind: 'distro',
    description: 'distro (/usr/bin/rustc)',
    source: 'the toolchain input',
    env,
    rustc: '/usr/bin/rustc',
    cargo: '/usr/bin/cargo',
  });
}

async function finish(
  req: ToolchainRequest,
  t: { kind: ToolchainKind; description: string; source: string; env: Record<string, string>; rustc: string; cargo: string },
): Promise<Toolchain> {
  const tc = await settle(req, t, false);
  if (req.linksWithRustLld) await ensureRustLld(tc, req);
  return tc;
}

/**
 * The toolchain as cargo will use it: its environment (RUSTC_BOOTSTRAP for a stable rustc that
 * builds std) and --config arguments (std's vendored sources). Shared by the run and the dry run,
 * so the dry run's cargo command is the one the run executes. Changes nothing.
 */
async function settle(
  req: ToolchainRequest,
  t: { kind: ToolchainKind; description: string; source: string; env: Record<string, string>; rustc: string; cargo: string },
  quiet: boolean,
): Promise<Toolchain> {
  const info = await inspectRustc(t.rustc, t.env, req.workingDirectory);
  if (!info) throw new ActionError(`${t.description}: ${t.rustc} does not run.`);
  const prebuiltStd = hasPrebuiltStd(info.sysroot, req.target);
  const tc: Toolchain = {
    kind: t.kind,
    description: t.description,
    source: t.source,
    cargo: t.cargo,
    env: { ...t.env },
    cargoConfig: [],
    rustcVersion: info.version,
    rustcVerbose: info.verbose,
    host: info.host,
    sysroot: info.sysroot,
    prebuiltStd,
    buildStd: !prebuiltStd,
  };
  if (tc.buildStd) {
    if (!hasRustSrc(info.sysroot)) {
      throw new ActionError(
        `${t.description} has no prebuilt std for ${req.target} and no standard library source (rust-src) to build one: add the rust-src component, or use toolchain: distro.`,
      );
    }
    if (!isNightly(info.version)) {
      tc.env.RUSTC_BOOTSTRAP = '1';
      if (!quiet) core.notice(`${info.version} is not a nightly; build-std needs nightly features, so RUSTC_BOOTSTRAP=1 is set for the build.`);
    }
    // Some distributions ship std's own dependencies in the source tree: build-std can then work offline.
    const vendor = path.join(info.sysroot, RUST_SRC, 'vendor');
    if (fs.existsSync(vendor) && lockfileVendored(req.workingDirectory, vendor)) {
      tc.cargoConfig.push('--config', `source.crates-io.replace-with="std-vendor"`, '--config', `source.std-vendor.directory=${JSON.stringify(vendor)}`);
      if (!quiet) core.info(`std's dependencies come from the vendored sources in ${vendor}.`);
    }
  }
  return tc;
}

/**
 * The toolchain a run would use, found without installing anything (dry run): undefined when it
 * is not installed yet (then what installToolchain would do is in planToolchain's actions).
 */
export async function predictToolchain(req: ToolchainRequest): Promise<Toolchain | undefined> {
  try {
    if (req.toolchain.kind === 'system')
      return await settle(req, { kind: 'system', description: 'system', source: 'the toolchain input', env: {}, rustc: 'rustc', cargo: 'cargo' }, true);
    if (req.toolchain.kind === 'distro') {
      if (!fs.existsSync('/usr/bin/cargo')) return undefined;
      return await settle(
        req,
        {
          kind: 'distro',
          description: 'distro (/usr/bin/rustc)',
          source: 'the toolchain input',
          env: { RUSTC: '/usr/bin/rustc' },
          rustc: '/usr/bin/rustc',
          cargo: '/usr/bin/cargo',
        },
        true,
      );
    }
    if (!(await io.which('rustup', false))) return undefined;
    const plan = await planToolchain(req);
    if (plan.actions.length) return undefined;
    return await settle(
      req,
      {
        kind: 'rustup',
        description: `rustup ${plan.name}`,
        source: plan.source,
        env: { RUSTUP_TOOLCHAIN: plan.name, RUSTUP_AUTO_INSTALL: '0' },
        rustc: 'rustc',
        cargo: 'cargo',
      },
      true,
    );
  } catch {
    return undefined;
  }
}

/** Resolves the toolchain the input asks for and installs whatever it is missing. */
export async function installToolchain(req: ToolchainRequest): Promise<Toolchain> {
  if (req.toolchain.kind === 'system') return systemToolchain(req);
  if (req.toolchain.kind === 'distro') return distroToolchain(req);
  return rustupToolchain(req);
}

/** What installToolchain would do, found without changing anything (for dry-run). */
export interface ToolchainPlan {
  kind: ToolchainKind;
  name: string;
  source: string;
  /** Steps that would be taken, in words (empty when everything is there). */
  actions: string[];
  /** true/false when it can be told now; undefined when it depends on what rustup installs. */
  buildStd?: boolean;
}

export async function planToolchain(req: ToolchainRequest): Promise<ToolchainPlan> {
  if (req.toolchain.kind === 'system' || req.toolchain.kind === 'distro') {
    const distro = req.toolchain.kind === 'distro';
    const rustc = distro ? '/usr/bin/rustc' : 'rustc';
    const info = await inspectRustc(rustc, {}, req.workingDirectory);
    const actions: string[] = [];
    if (distro && (!info || !hasRustSrc('/usr'))) actions.push(`apt-get install ${(await distroPackages()).join(' ')}`);
    if (!distro && !info) actions.push('none possible: no rustc on PATH (the run would fail)');
    return {
      kind: req.toolchain.kind,
      name: req.toolchain.kind,
      source: 'the toolchain input',
      actions,
      buildStd: info ? !hasPrebuiltStd(info.sysroot, req.target) : undefined,
    };
  }
  let name = choiceText(req.toolchain);
  let source = 'the toolchain input';
  if (name === '') {
    const file = findToolchainFile(req.workingDirectory);
    name = file?.channel ?? file?.path ?? 'nightly';
    source = file ? file.file : 'the default (no rust-toolchain.toml found)';
  }
  const env = { RUSTUP_TOOLCHAIN: name, RUSTUP_AUTO_INSTALL: '0' };
  const hasRustup = Boolean(await io.which('rustup', false));
  const info = hasRustup ? await inspectRustc('rustc', env, req.workingDirectory) : undefined;
  const actions: string[] = [];
  if (!hasRustup) {
    const { cargoHome } = rustupHomes(req.env.vars);
    actions.push(
      `install rustup into ${cargoHome} (rustup-init from ${rustupInitAsset(req.env.vars).url}, sha256-checked; -y --profile minimal --default-toolchain none)`,
    );
  }
  if (!info) actions.push(`rustup toolchain install ${name} --profile minimal --component rust-src --component llvm-tools`);
  else if (!hasRustSrc(info.sysroot)) actions.push(`rustup component add --toolchain ${name} rust-src`);
  if (!info || !hasPrebuiltStd(info.sysroot, req.target))
    actions.push(`rustup target add --toolchain ${name} ${req.target} (if rustup ships a prebuilt std for it; else build-std)`);
  return { kind: 'rustup', name, source, actions, buildStd: info && hasPrebuiltStd(info.sysroot, req.target) ? false : undefined };
}
