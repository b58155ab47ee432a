import * as io from '@actions/io';
import { ensureQemu } from '../install/qemu.js';
import { mergeQemuArgs } from '../cargo/bootimage.js';
import { qemuArgv, QEMU_ARCHES, type BootContext, type QemuBoot, type QemuChoices } from './qemu-args.js';

/**
 * What boots the image: QEMU, a hypervisor a family brings (Uhyve), the user's command, or
 * `cargo run`. Each says whether it needs KVM and whether it speaks QMP (the boot stage adds a QMP
 * socket only to a launcher that does).
 */
export interface Launcher {
  /** Which launcher it is (the dry run and the log name it by `name`). */
  kind: 'qemu' | 'runner' | 'cargo-run' | 'family';
  name: string;
  needsKvm: boolean;
  speaksQmp: boolean;
  /**
   * Finds or installs the program; returns its path and a note for the log (with the QEMU version
   * when QEMU boots without QMP; with QMP its greeting gives the version, pipeline/boot.ts).
   */
  install(): Promise<{ path: string; note?: Promise<string> }>;
  /** What install() would do, without doing it (no actions when the program is there), and the program's path. */
  planInstall(): Promise<{ actions: string[]; path: string }>;
  /**
   * The command that boots ctx.kernel (ctx.accel is the accelerator chosen). `imageArgs`: QEMU
   * arguments of this image (bootimage's test-args), merged after the family's and before the
   * user's; only the action's QEMU command line takes them.
   */
  launch(program: string, ctx: BootContext, more?: { cargoRun?: CargoRun; imageArgs?: string[] }): Launch;
}

export interface Launch {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** `cargo run` as the build ran cargo build (the pipeline fills it in from the toolchain). */
export interface CargoRun {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Installs the target's QEMU (the user's runner command is expected to use it too). */
function qemuInstall(q: QemuBoot, speaksQmp: boolean): Pick<Launcher, 'install' | 'planInstall'> {
  const { binary, aptPackage } = QEMU_ARCHES[q.arch];
  return {
    async install() {
      // QEMU's QMP greeting says its version at boot (pipeline/boot.ts): then no `--version` run for it.
      const r = await ensureQemu(binary, aptPackage, !speaksQmp);
      const installed = r.installed ? ', installed now' : '';
      return { path: r.path, note: r.version ? r.version.then((v) => `${r.path} (${v})${installed}`) : Promise.resolve(`${r.path}${installed}`) };
    },
    async planInstall() {
      const found = await io.which(binary, false);
      return found ? { actions: [], path: found } : { actions: [`apt-get install ${aptPackage}`], path: binary };
    },
  };
}

/** The action's own QEMU command line. */
export function qemuLauncher(q: QemuBoot, choices: QemuChoices): Launcher {
  return {
    kind: 'qemu',
    name: 'QEMU',
    needsKvm: false,
    speaksQmp: true,
    ...qemuInstall(q, true),
    launch: (program, ctx, more) => {
      if (!more?.imageArgs?.length) return { argv: qemuArgv(program, q, choices, ctx) };
      // The image's own arguments go between the family's and the user's, without what they repeat.
      const family = qemuArgv(program, q, { ...choices, extra: [] }, ctx);
      return { argv: [...mergeQemuArgs(family, more.imageArgs), ...choices.extra] };
    },
  };
}

/** The runner input's command for an image: `{kernel}` replaced by its path, else the path appended. */
export function runnerCommand(argv: string[], kernel: string): string[] {
  if (!argv.some((a) => a.includes('{kernel}'))) return [...argv, kernel];
  return argv.map((a) => a.split('{kernel}').join(kernel));
}

/** The user's own command (runner input): not QEMU itself, so no QMP, and no KVM probe. */
export function commandLauncher(argv: string[], q: QemuBoot): Launcher {
  return {
    kind: 'runner',
    name: 'runner',
    needsKvm: false,
    speaksQmp: false,
    ...qemuInstall(q, false),
    launch: (_program, ctx) => ({ argv: runnerCommand(argv, ctx.kernel) }),
  };
}

/** `runner: cargo`: cargo run with the build's target and arguments, so the crate's cargo runner boots it. */
export function cargoRunLauncher(q: QemuBoot): Launcher {
  return {
    kind: 'cargo-run',
    name: 'cargo run',
    needsKvm: false,
    speaksQmp: false,
    ...qemuInstall(q, false),
    launch: (_program, _ctx, more) => {
      const cargoRun = more?.cargoRun;
      if (!cargoRun) throw new Error('Internal error: cargo run without a toolchain.');
      return { argv: cargoRun.argv, env: cargoRun.env, cwd: cargoRun.cwd };
    },
  };
}
