import * as core from '@actions/core';
import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InfraError } from '../model/errors.js';
import { listsAgeMs, parsePolicy, refreshDecision, type ListFile, type PolicyEntry } from './apt-lists.js';
import { capture, errorLine, runLogged } from '../proc/run.js';

/**
 * How apt is called. The defaults are the machine's own apt; tests point the lists at a copy
 * (`-o Dir::State::Lists=...`, `-o Dir::Cache=...`) and simulate installs, so that they never change
 * the machine's packages.
 */
export interface AptConfig {
  /** `-o NAME=VALUE` options for every apt-get and apt-cache call. */
  options: string[];
  /** Where the package lists are (to tell their age). */
  listsDir: string;
  /** apt-get install --simulate: decide and print, install nothing. */
  simulate: boolean;
  /**
   * Seconds apt-get waits for the dpkg lock (held on GitHub's runners while unattended-upgrades
   * runs after boot) before giving up: apt's DPkg::Lock::Timeout, apt >= 1.9.11
   * (https://salsa.debian.org/apt-team/apt/-/blob/main/doc/apt-get.8.xml).
   */
  lockTimeout: number;
  now: () => number;
}

const DEFAULTS: AptConfig = { options: [], listsDir: '/var/lib/apt/lists', simulate: false, lockTimeout: 300, now: Date.now };
let config: AptConfig = DEFAULTS;
/** Set once the lists were refreshed in this run: never twice. */
let refreshed = false;

/** For tests: apt against a copy of the lists (resets what this run has refreshed). */
export function configureApt(c: Partial<AptConfig>): void {
  config = { ...DEFAULTS, ...c };
  refreshed = false;
}

// LC_ALL=C: apt's labels ("Installed:", "Candidate:") and errors are translated in other locales, and they are parsed and quoted.
const env = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };

/** apt-get's command line, through `sudo -n` when not root (as on GitHub runners). */
async function aptGet(args: string[], why: string, packages: string[]): Promise<[string, string[]]> {
  const all = ['-o', `DPkg::Lock::Timeout=${config.lockTimeout}`, ...config.options.flatMap((o) => ['-o', o]), ...args];
  if (process.getuid?.() === 0) return ['apt-get', all];
  if (!(await io.which('sudo', false))) {
    throw new InfraError(`${why} needs ${packages.join(' ')}; installing needs root and sudo is missing. Install them before this step.`, 'install');
  }
  return ['sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'LC_ALL=C', 'apt-get', ...all]];
}

/** `apt-cache policy` for the packages (installed and candidate versions), from the configured lists. */
export async function aptPolicy(packages: string[]): Promise<Record<string, PolicyEntry>> {
  const r = await capture('apt-cache', [...config.options.flatMap((o) => ['-o', o]), 'policy', ...packages], { env });
  return r.code === 0 ? parsePolicy(r.stdout) : {};
}

function listEntries(dir: string): ListFile[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).map((d) => {
      const st = fs.statSync(path.join(dir, d.name));
      return { name: d.name, mtimeMs: st.mtimeMs, isFile: st.isFile() };
    });
  } catch {
    return [];
  }
}

/** Runs apt-get update (once per run); a failure is a warning: the install then uses the lists as they are. */
async function update(why: string, packages: string[]): Promise<boolean> {
  refreshed = true;
  const r = await runLogged(...(await aptGet(['-q', 'update'], why, packages)), { env });
  if (r.code !== 0) {
    core.warning(`apt-get update failed (${errorLine(r.stderr) || `exit status ${r.code}`}); installing from the package lists as they are.`);
    return false;
  }
  return true;
}

/**
 * Refreshes the package lists when they are missing, older than a day, or offer no candidate for one
 * of the packages, or when `force` gives a reason; prints one line saying what was done and why.
 * Returns whether the lists are fresh from this run.
 */
export async function refreshLists(packages: string[], why: string, force?: string): Promise<boolean> {
  if (refreshed) return true;
  const d = force
    ? { refresh: true, why: force }
    : refreshDecision({ ageMs: listsAgeMs(listEntries(config.listsDir), config.now()), policy: await aptPolicy(packages), packages });
  if (!d.refresh) {
    core.info(`Package lists: not refreshed (${d.why}).`);
    return false;
  }
  core.info(`Package lists: refreshing with apt-get update (${d.why}).`);
  return update(why, packages);
}

async function requireAptGet(packages: string[], why: string): Promise<void> {
  if (!(await io.which('apt-get', false))) {
    throw new InfraError(`${why} needs the package(s) ${packages.join(' ')}, but this runner has no apt-get; install them before this step.`, 'install');
  }
}

/**
 * Installs (or upgrades to the candidate) Debian/Ubuntu packages with apt-get, after refreshing the
 * package lists if they are stale, waiting for a held dpkg lock.
 */
export async function aptInstall(packages: string[], why: string): Promise<void> {
  if (packages.length === 0) return;
  await requireAptGet(packages, why);
  await refreshLists(packages, why);
  const install = ['-y', '-q', '--no-install-recommends', ...(config.simulate ? ['--simulate'] : []), 'install', ...packages];
  core.info(`Installing ${packages.join(' ')} (${why}) with apt-get`);
  let r = await runLogged(...(await aptGet(install, why, packages)), { env });
  if (r.code !== 0 && !refreshed) {
    // Lists that looked fresh may still miss a dependency's new version: refresh once and try again.
    core.info('Package lists: refreshing with apt-get update (the install failed with the lists as they were).');
    await update(why, packages);
    r = await runLogged(...(await aptGet(install, why, packages)), { env });
  }
  if (r.code !== 0) {
    throw new InfraError(`apt-get could not install ${packages.join(' ')} (${why}): ${errorLine(r.stderr) || `exit status ${r.code}`}.`, 'install');
  }
}

/** Installs those of the packages that are not installed yet (checked with dpkg-query). */
export async function aptInstallMissing(packages: string[], why: string): Promise<void> {
  const missing: string[] = [];
  for (const p of packages) {
    const r = await capture('dpkg-query', ['-W', '-f=${Status}', p]);
    if (!r.stdout.includes('install ok installed')) missing.push(p);
  }
  await aptInstall(missing, why);
}
