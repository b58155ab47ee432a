import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Launcher } from '../../boot/launchers.js';
import { InfraError } from '../../model/errors.js';
import { errorLine, runLogged } from '../../proc/run.js';
import { UHYVE_VERSION, uhyveCommand, uhyveInstallArgs } from './uhyve-command.js';

async function uhyvePath(cargoHome: string): Promise<string | undefined> {
  const onPath = await io.which('uhyve', false);
  if (onPath) return onPath;
  const home = cargoHome;
  const inHome = path.join(home, 'bin', 'uhyve');
  return fs.existsSync(inHome) ? inHome : undefined;
}

/**
 * Uhyve (https://github.com/hermit-os/uhyve): a hypervisor that boots a Hermit app directly, KVM
 * or nothing, and no QMP. Found on PATH (or in ~/.cargo/bin), else installed as its README says:
 * cargo install --locked uhyve (pinned). It exits with the app's exit code.
 */
export function uhyveLauncher(args: string[], cargoHome: string): Launcher {
  return {
    kind: 'family',
    name: 'Uhyve',
    needsKvm: true,
    speaksQmp: false,
    async install() {
      const found = await uhyvePath(cargoHome);
      if (found) return { path: found, note: Promise.resolve(found) };
      // Outside the app's folder, so the app's rust-toolchain.toml does not choose the toolchain.
      const r = await runLogged('cargo', uhyveInstallArgs(), { cwd: os.tmpdir() });
      const installed = await uhyvePath(cargoHome);
      if (r.code !== 0 || !installed) {
        throw new InfraError(
          `cargo ${uhyveInstallArgs().join(' ')} failed: ${errorLine(r.stderr) || `exit status ${r.code}`}. Install Uhyve before this step (a release tarball or cargo install), or use hypervisor: qemu.`,
          'install',
        );
      }
      return { path: installed, note: Promise.resolve(`${installed}, installed now`) };
    },
    async planInstall() {
      const found = await uhyvePath(cargoHome);
      return found ? { actions: [], path: found } : { actions: [`cargo ${uhyveInstallArgs().join(' ')} (Uhyve ${UHYVE_VERSION})`], path: 'uhyve' };
    },
    launch: (program, ctx) => ({ argv: uhyveCommand(program, ctx.kernel, args) }),
  };
}
