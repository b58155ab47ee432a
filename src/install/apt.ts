import * as core from '@actions/core';
import * as io from '@actions/io';
import { ActionError } from '../errors.js';
import { capture, errorLine, runLogged } from './run.js';

let updated = false;

/** Installs Debian/Ubuntu packages with apt-get, through sudo when not root (as on GitHub runners). */
export async function aptInstall(packages: string[], why: string): Promise<void> {
  if (packages.length === 0) return;
  const aptGet = await io.which('apt-get', false);
  if (!aptGet) {
    throw new ActionError(`${why} needs the package(s) ${packages.join(' ')}, but this runner has no apt-get; install them before this step.`);
  }
  const root = process.getuid?.() === 0;
  const prefix: string[] = [];
  if (!root) {
    if (!(await io.which('sudo', false))) {
      throw new ActionError(`${why} needs ${packages.join(' ')}; installing needs root and sudo is missing. Install them before this step.`);
    }
    prefix.push('sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive');
  }
  const cmd = (args: string[]): [string, string[]] => (prefix.length ? [prefix[0], [...prefix.slice(1), 'apt-get', ...args]] : ['apt-get', args]);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['-y', '-q', '--no-install-recommends', 'install', ...packages];

  core.info(`Installing ${packages.join(' ')} (${why}) with apt-get`);
  let r = updated ? await runLogged(...cmd(install), { env }) : await capture(...cmd(install), { env });
  if (r.code !== 0 && !updated) {
    // The package lists may be stale or absent (fresh containers): update once and try again.
    updated = true;
    await runLogged(...cmd(['-q', 'update']), { env });
    r = await runLogged(...cmd(install), { env });
  }
  if (r.code !== 0) {
    throw new ActionError(`apt-get could not install ${packages.join(' ')} (${why}): ${errorLine(r.stderr) || `exit status ${r.code}`}.`);
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
