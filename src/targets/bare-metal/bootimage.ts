import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBootimage } from '../../cargo/bootimage.js';
import { ActionError, InfraError } from '../../model/errors.js';
import { capture, errorLine } from '../../proc/run.js';
import { bootloader09 } from './bootloader.js';

/**
 * bootloader 0.9 kernels (blog_os and the kernels that followed it) carry no boot header: `cargo
 * bootimage` builds the kernel with `cargo build` (every argument passed on), then builds the
 * bootloader around each executable into `<out dir>/bootimage-<bin>.bin`, a BIOS disk image
 * (https://github.com/rust-osdev/bootimage/blob/master/src/bin/cargo-bootimage.rs, and
 * src/args/build.rs: every argument but --quiet goes to cargo build). The action installs bootimage
 * as its README says (`cargo install bootimage`, https://github.com/rust-osdev/bootimage#installation),
 * pinned and --locked, into the tool cache, and runs `cargo bootimage` with the build's own arguments.
 */
export const BOOTIMAGE = { crate: 'bootimage', version: '0.10.4' };

/** Where bootimage is installed (`cargo install --root`): <tool cache>/bootimage/<version>; its binaries in bin/. */
export const bootimageRoot = (toolCache: string) => path.join(toolCache, BOOTIMAGE.crate, BOOTIMAGE.version);

/** `cargo install bootimage --version <pinned> --locked --root <dir>` (its own Cargo.lock: the versions it was released with). */
export function bootimageInstallArgv(cargo: string, toolCache: string): string[] {
  return [cargo, 'install', BOOTIMAGE.crate, '--version', BOOTIMAGE.version, '--locked', '--root', bootimageRoot(toolCache)];
}

/**
 * `cargo bootimage` with the arguments of the build (`cargo [--config ...] build --target T
 * -Zbuild-std=... <cargo-args>`): the subcommand replaced, and --message-format left out
 * (bootimage asks cargo for JSON itself to find the executables). cargo does not hand its own
 * options before an external subcommand to it, so the build's --config options come after
 * `bootimage`, which passes them to `cargo build` with the rest.
 */
export function cargoBootimageArgv(buildArgv: string[]): string[] {
  const i = buildArgv.indexOf('build');
  if (i < 1) throw new Error(`Internal error: not a cargo build command: ${buildArgv.join(' ')}`);
  const rest = buildArgv.slice(i + 1).filter((a) => !a.startsWith('--message-format'));
  return [buildArgv[0], 'bootimage', ...buildArgv.slice(1, i), ...rest];
}

/** `bootimage runner <executable>`: how cargo runs a test executable under bootimage (the crate's `.cargo/config.toml` runner). */
export const bootimageRunnerArgv = (toolCache: string, exe: string) => [path.join(bootimageRoot(toolCache), 'bin', 'bootimage'), 'runner', exe];

/** Is the executable a test executable? Upstream's runner tells them so: its folder is deps/ (src/main.rs, `is_test`). */
export const isTestExecutable = (exe: string) => path.basename(path.dirname(exe)) === 'deps';

/**
 * A folder with a `qemu-system-x86_64` that exits 0 at once, first on PATH for `bootimage runner`:
 * the runner writes the image (what the action wants) and then starts its run-command, by default
 * `qemu-system-x86_64 -drive format=raw,file=<image>` (src/config.rs); the action boots the image
 * itself afterwards, with its own QEMU command, console and verdict.
 */
function qemuStub(workDir: string): string {
  const dir = path.join(workDir, 'bootimage-runner-qemu-stub');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'qemu-system-x86_64'), '#!/bin/sh\n# The action boots the image bootimage runner just wrote itself.\nexit 0\n', {
    mode: 0o755,
  });
  return dir;
}

/** The image cargo bootimage makes for an executable: `bootimage-<file stem>.bin` next to it. */
export const bootimageImage = (kernel: string) => path.join(path.dirname(kernel), `bootimage-${path.parse(kernel).name}.bin`);

/** Where bootimage goes on this runner: the tool cache, and the runner's PATH (cargo finds `cargo-bootimage` on it). */
export interface BootimageHost {
  toolCache: string;
  path?: string;
}

interface BootimageBuild {
  kernel: string;
  workingDirectory: string;
  /** The boot's work folder (the runner's QEMU stub goes there). */
  workDir: string;
  /** The test executable's Cargo.toml (command: test). */
  manifest?: string;
  host: BootimageHost;
  cargo: string;
  buildArgv: string[];
  env: Record<string, string>;
  log: (line: string) => void;
}

/** Is the pinned bootimage in the tool cache already (a restored tools cache entry, an earlier boot)? */
export const bootimageInstalled = (toolCache: string) =>
  ['bootimage', 'cargo-bootimage'].every((b) => fs.existsSync(path.join(bootimageRoot(toolCache), 'bin', b)));

/**
 * Installs the pinned bootimage into the tool cache unless it is there; returns the environment
 * that finds it (its bin folder first on PATH, where cargo looks for `cargo-bootimage`).
 */
export async function installBootimage(o: {
  host: BootimageHost;
  cargo: string;
  env: Record<string, string>;
  log: (line: string) => void;
}): Promise<Record<string, string>> {
  const bin = path.join(bootimageRoot(o.host.toolCache), 'bin');
  const env = { ...o.env, PATH: [bin, o.env.PATH ?? o.host.path ?? ''].join(path.delimiter) };
  if (bootimageInstalled(o.host.toolCache)) return env;
  const [cmd, ...args] = bootimageInstallArgv(o.cargo, o.host.toolCache);
  o.log(`[command]${[cmd, ...args].join(' ')}`);
  const r = await capture(cmd, args, { env });
  if (r.code !== 0) {
    throw new InfraError(
      `Could not install bootimage ${BOOTIMAGE.version} (cargo install exited ${r.code}: ${errorLine(r.stderr || r.stdout)}), which makes the BIOS disk image of a bootloader 0.9 kernel; it needs crates.io. Or run \`cargo bootimage\` yourself and give target/<target>/debug/bootimage-<crate>.bin as the kernel input.`,
      'install',
    );
  }
  return env;
}

/**
 * Installs bootimage (unless the pinned version is there), then makes the disk image as a bootimage
 * user's commands would: `cargo bootimage` for the crate's binary (command: boot), `bootimage
 * runner` for a test executable (cargo test's runner); returns the image.
 */
export async function buildBootimage(o: BootimageBuild): Promise<string> {
  const env = await installBootimage(o);
  if (isTestExecutable(o.kernel)) return runnerImage(o, env);
  const [cmd, ...args] = cargoBootimageArgv(o.buildArgv);
  o.log(`[command]${[cmd, ...args].join(' ')}`);
  const r = await capture(cmd, args, { cwd: o.workingDirectory, env });
  const image = bootimageImage(o.kernel);
  if (r.code !== 0) {
    throw new ActionError(
      `cargo bootimage failed for ${o.kernel} (exit ${r.code}): ${errorLine(r.stderr || r.stdout)}. bootimage builds bootloader 0.9 with a nightly toolchain that has the rust-src and llvm-tools-preview components (rustup component add rust-src llvm-tools-preview).`,
    );
  }
  if (!fs.existsSync(image)) {
    throw new ActionError(`cargo bootimage made no ${path.basename(image)} next to ${o.kernel}; give the crate's binary, or a disk image as the kernel input.`);
  }
  return image;
}

/** A test executable's image, written by `bootimage runner` as `cargo test` would run it (its QEMU stubbed out). */
async function runnerImage(o: BootimageBuild, env: Record<string, string>): Promise<string> {
  const manifest = o.manifest ?? path.join(o.workingDirectory, 'Cargo.toml');
  if (readBootimage(manifest)?.unused.includes('run-command')) {
    throw new ActionError(
      `${manifest}: [package.metadata.bootimage] run-command is set, and bootimage runner (which makes the disk image of a test executable) runs it after writing the image; the action boots the image itself, so it runs the runner only with the default run-command: remove run-command (the action's qemu-args input adds QEMU arguments).`,
    );
  }
  const [cmd, ...args] = bootimageRunnerArgv(o.host.toolCache, o.kernel);
  o.log(`[command]${[cmd, ...args].join(' ')}`);
  // Cargo gives a runner CARGO_MANIFEST_DIR, the folder of the test executable's package; the runner reads it.
  const r = await capture(cmd, args, {
    cwd: o.workingDirectory,
    env: { ...env, CARGO_MANIFEST_DIR: path.dirname(manifest), PATH: [qemuStub(o.workDir), env.PATH].join(path.delimiter) },
  });
  const image = bootimageImage(o.kernel);
  if (!fs.existsSync(image)) {
    throw new ActionError(
      `bootimage runner made no ${path.basename(image)} for ${o.kernel} (exit ${r.code}): ${errorLine(r.stderr || r.stdout)}. bootimage builds bootloader 0.9 with a nightly toolchain that has the rust-src and llvm-tools-preview components (rustup component add rust-src llvm-tools-preview).`,
    );
  }
  return image;
}

/**
 * Is the crate in `workingDirectory` one that cargo bootimage makes bootable? Its Cargo.toml
 * depends on bootloader 0.9, or has a `[package.metadata.bootimage]` table. Returns what said so
 * (for the log), or undefined.
 */
export function bootimageCrate(workingDirectory: string | undefined): string | undefined {
  if (!workingDirectory) return undefined;
  const version = bootloader09(workingDirectory);
  if (version) return `no boot header; the crate depends on bootloader ${version}`;
  const manifest = path.join(workingDirectory, 'Cargo.toml');
  if (fs.existsSync(manifest) && readBootimage(manifest)) return `no boot header; [package.metadata.bootimage] in ${manifest}`;
  return undefined;
}
