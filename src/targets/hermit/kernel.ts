import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Log } from '../../model/log.js';
import type { RunnerEnv } from '../../model/runner-env.js';
import { ActionError, InfraError } from '../../model/errors.js';
import { capture, errorLine } from '../../proc/run.js';
import { findToolchainFile, type ToolchainFile } from '../../install/toolchain-file.js';
import { ensureRustup } from '../../install/rustup-init.js';
import { rustupFailure, rustupWithRetry } from '../../install/rustup-retry.js';
import { featureArgs, type CargoMetadata, type MetaPackage } from './features.js';

/** Where the hermit crate's build script will find the kernel source, and the toolchain it pins. */
export interface KernelSource {
  /** How it was found, in words. */
  how: string;
  /** The hermit package's manifest folder (from cargo metadata), when found that way. */
  hermitCrate?: string;
  kernelDir: string;
  toolchainFile?: ToolchainFile;
  /** issue 14: the `cargo metadata` it was found through (for the loader/uhyve feature check). */
  metadata?: CargoMetadata;
}

/**
 * Finds the kernel source the way the hermit crate's build script does: HERMIT_MANIFEST_DIR if
 * set, else the folder named `kernel` next to the hermit crate's own folder (its manifest dir with
 * the last component replaced; in hermit-rs that is the kernel submodule). The hermit crate comes
 * from `cargo metadata` of the app. Returns undefined when the app has no hermit dependency.
 */
export async function findKernelSource(opts: {
  workingDirectory: string;
  target: string;
  cargo: string;
  env: Record<string, string>;
  cargoConfig: string[];
  /** No network: dry runs must not fetch dependencies. */
  offline: boolean;
  manifestDirEnv?: string;
  /** issue 14: the action's cargo-args, whose feature flags the metadata must see too. */
  cargoArgs?: string[];
}): Promise<KernelSource | { error: string } | undefined> {
  if (opts.manifestDirEnv !== undefined && opts.manifestDirEnv !== '') {
    const kernelDir = path.resolve(opts.workingDirectory, opts.manifestDirEnv);
    return { how: 'HERMIT_MANIFEST_DIR', kernelDir, toolchainFile: findToolchainFile(kernelDir) };
  }
  const args = [
    ...opts.cargoConfig,
    'metadata',
    '--format-version',
    '1',
    '--filter-platform',
    opts.target,
    ...featureArgs(opts.cargoArgs ?? []),
    ...(opts.offline ? ['--offline'] : []),
  ];
  const r = await capture(opts.cargo, args, { cwd: opts.workingDirectory, env: opts.env });
  if (r.code !== 0) return { error: `cargo metadata failed: ${errorLine(r.stderr) || `exit status ${r.code}`}` };
  let meta: { packages: (MetaPackage & { manifest_path: string })[]; resolve?: CargoMetadata['resolve'] };
  try {
    meta = JSON.parse(r.stdout);
  } catch {
    return { error: 'cargo metadata printed no JSON' };
  }
  // Only a hermit package that is really in the resolved graph for the target counts.
  const resolved = new Set((meta.resolve?.nodes ?? []).map((n) => n.id));
  const hermit = meta.packages.find((p) => p.name === 'hermit' && (resolved.size === 0 || resolved.has(p.id)));
  if (!hermit) return undefined;
  const hermitCrate = path.dirname(hermit.manifest_path);
  const kernelDir = path.join(path.dirname(hermitCrate), 'kernel');
  return {
    how: `the 'kernel' folder next to the hermit crate (${hermitCrate})`,
    hermitCrate,
    kernelDir,
    toolchainFile: findToolchainFile(kernelDir),
    metadata: meta,
  };
}

/** The `.cargo/config.toml` files cargo reads for a folder (the folder and its parents), nearest first. */
export function cargoConfigsFor(dir: string): string[] {
  const found: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    for (const name of ['config.toml', 'config']) {
      const f = path.join(d, '.cargo', name);
      if (fs.existsSync(f) && fs.statSync(f).isFile()) {
        found.push(f);
        break;
      }
    }
    const parent = path.dirname(d);
    if (parent === d) return found;
    d = parent;
  }
}

/**
 * The app's cargo config files that cargo will also read when the hermit build script builds the
 * kernel (it runs cargo in the kernel folder, so any config in a parent of that folder applies).
 * The build script removes the variables starting with CARGO or RUST, but config files still apply.
 */
export function leakingConfigs(appDir: string, kernelDir: string): string[] {
  const kernel = new Set(cargoConfigsFor(kernelDir));
  return cargoConfigsFor(appDir).filter((f) => kernel.has(f) && !f.startsWith(path.join(path.resolve(kernelDir), path.sep)));
}

/** The rustup command that installs the kernel's toolchain with what its build needs. */
export function kernelToolchainInstall(file: ToolchainFile): string[] {
  const channel = file.channel!;
  const components = [...new Set(['rust-src', 'llvm-tools', ...file.components])];
  return [
    'rustup',
    'toolchain',
    'install',
    channel,
    '--profile',
    'minimal',
    '--no-self-update',
    ...components.flatMap((c) => ['--component', c]),
    ...file.targets.flatMap((t) => ['--target', t]),
  ];
}

/**
 * Installs the toolchain the kernel pins (rustup 1.28+ does not install it by itself when the
 * build script's cargo asks for it), with rust-src and llvm-tools.
 */
export async function installKernelToolchain(src: KernelSource, env: RunnerEnv, log: Log): Promise<string> {
  const file = src.toolchainFile;
  if (!file) {
    throw new ActionError(
      `The hermit kernel source at ${src.kernelDir} (found through ${src.how}) has no rust-toolchain.toml; an empty kernel folder means the hermit crate was fetched without its kernel submodule. Use the hermit crate from git (as hermit-rs-template does), or set HERMIT_MANIFEST_DIR to a kernel checkout.`,
    );
  }
  if (!file.channel) {
    log.info(`The kernel's ${file.file} names a custom toolchain path; it is used as it is.`);
    return file.path ?? file.file;
  }
  // The hermit crate's build script calls rustup: installed when missing, as for the crate's own toolchain.
  await ensureRustup(env);
  const [, ...args] = kernelToolchainInstall(file);
  const r = await rustupWithRetry(args, { cwd: src.kernelDir });
  if (r.code !== 0) {
    throw new InfraError(
      `rustup could not install the Hermit kernel's toolchain '${file.channel}' (from ${file.file}); ${rustupFailure(r)}. The hermit crate's build script compiles the kernel with it.`,
      'toolchain',
    );
  }
  // An already installed toolchain may lack the components: add them (a no-op when present).
  const components = [...new Set(['rust-src', 'llvm-tools', ...file.components])];
  const c = await rustupWithRetry(['component', 'add', '--toolchain', file.channel, ...components], { cwd: src.kernelDir });
  if (c.code !== 0) {
    throw new InfraError(`rustup could not add ${components.join(', ')} to the Hermit kernel's toolchain '${file.channel}'; ${rustupFailure(c)}.`, 'toolchain');
  }
  return file.channel;
}
