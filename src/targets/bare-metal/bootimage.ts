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
export const BOOTIMAGE = { crate: 'bootimage', version: '0.10.3' };

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

/** The image cargo bootimage makes for an executable: `bootimage-<file stem>.bin` next to it. */
export const bootimageImage = (kernel: string) => path.join(path.dirname(kernel), `bootimage-${path.parse(kernel).name}.bin`);

/** Where bootimage goes on this runner: the tool cache, and the runner's PATH (cargo finds `cargo-bootimage` on it). */
export interface BootimageHost {
  toolCache: string;
  path?: string;
}

/** Installs bootimage (unless the pinned version is there), then runs cargo bootimage in the crate; returns the disk image. */
export async function buildBootimage(o: {
  kernel: string;
  workingDirectory: string;
  host: BootimageHost;
  cargo: string;
  buildArgv: string[];
  env: Record<string, string>;
  log: (line: string) => void;
}): Promise<string> {
  const bin = path.join(bootimageRoot(o.host.toolCache), 'bin');
  const env = { ...o.env, PATH: [bin, o.env.PATH ?? o.host.path ?? ''].join(path.delimiter) };
  if (!fs.existsSync(path.join(bin, 'cargo-bootimage'))) {
    const [cmd, ...args] = bootimageInstallArgv(o.cargo, o.host.toolCache);
    o.log(`[command]${[cmd, ...args].join(' ')}`);
    const r = await capture(cmd, args, { env });
    if (r.code !== 0) {
      throw new InfraError(
        `Could not install bootimage ${BOOTIMAGE.version} (cargo install exited ${r.code}: ${errorLine(r.stderr || r.stdout)}), which makes the BIOS disk image of a bootloader 0.9 kernel; it needs crates.io. Or run \`cargo bootimage\` yourself and give target/<target>/debug/bootimage-<crate>.bin as the kernel input.`,
        'install',
      );
    }
  }
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
    throw new ActionError(
      `cargo bootimage made no ${path.basename(image)} next to ${o.kernel}: it makes images of the crate's binaries only (test executables get theirs from \`bootimage runner\`, which starts QEMU itself); boot the binary with command: boot, or give a disk image as the kernel input.`,
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
