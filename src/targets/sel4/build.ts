import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ARCH, type Sel4Arch, type Sel4Target } from './targets.js';
import { RUST_SEL4_GIT } from './versions.js';

// Build details for rust-sel4 crates, as command lines and environments (pure: nothing is run here).

/**
 * rust-sel4's targets are custom JSON specs found through RUST_TARGET_PATH (its demos set it in
 * .cargo/config.toml [env]: https://github.com/seL4/rust-root-task-demo/blob/main/.cargo/config.toml).
 * Nightlies since about February 2026 refuse a custom target spec without rustc's
 * -Zunstable-options (rust-sel4 v5.0.0 passes it in its own .cargo/config.toml [build] rustflags:
 * https://github.com/seL4/rust-sel4/blob/v5.0.0/.cargo/config.toml); -Zjson-target-spec does not
 * cover targets named through RUST_TARGET_PATH. The flag goes in a --config for this one target,
 * never in RUSTFLAGS (which would replace the crate's own flags and reach build scripts).
 *
 * Cargo takes target.<name>.rustflags INSTEAD of build.rustflags when both exist ("then if none
 * of those were found: build.rustflags",
 * https://doc.rust-lang.org/nightly/nightly-rustc/cargo/core/compiler/build_context/target_info/fn.extra_args.html),
 * so the crate's build.rustflags are carried over into the same key.
 */
export function unstableOptionsConfig(target: string, buildRustflags: string[] = []): string[] {
  const flags = ['-Zunstable-options', ...buildRustflags.filter((f) => f !== '-Zunstable-options')];
  return ['--config', `target.${target}.rustflags=${JSON.stringify(flags)}`];
}

/**
 * build.rustflags from cargo config files, lowest precedence first (e.g. ~/.cargo/config.toml,
 * then the workspace's .cargo/config.toml). Arrays are joined, higher precedence later; a string
 * is split at spaces (https://doc.rust-lang.org/cargo/reference/config.html#buildrustflags).
 */
export function buildRustflags(configTexts: string[]): string[] {
  const out: string[] = [];
  for (const text of configTexts) {
    const v = ((parseToml(text) as Record<string, Record<string, unknown>>).build ?? {}).rustflags;
    if (Array.isArray(v)) out.push(...v.map(String));
    else if (typeof v === 'string') out.push(...v.split(/\s+/).filter(Boolean));
  }
  return out;
}

/** Debian/Ubuntu packages the Rust build needs: libclang for bindgen in sel4-sys (both upstream Dockerfiles install libclang-dev). */
export const RUST_BUILD_APT = ['libclang-dev'];

/**
 * Packages a kernel build from source needs (seL4's python-deps, as far as Debian packages them:
 * https://github.com/seL4/seL4/blob/16.0.0/tools/python-deps/setup.py), plus the cross gcc.
 * pyfdt is PyPI-only: see PYFDT.
 */
export function kernelBuildApt(arch: Sel4Arch): string[] {
  const cross = ARCH[arch].crossGccApt;
  return [
    'cmake',
    'ninja-build',
    'device-tree-compiler',
    'libxml2-utils',
    'python3-yaml',
    'python3-jinja2',
    'python3-ply',
    'python3-lxml',
    'python3-pip',
    ...(cross ? [cross] : ['gcc']),
  ];
}

/** pyfdt (pure Python, not in Debian): installed into a private folder put on PYTHONPATH, so no system Python is touched. */
export const PYFDT = 'pyfdt==0.3';
export const pyfdtInstall = (dir: string) => ['python3', '-m', 'pip', 'install', '--disable-pip-version-check', '--target', dir, PYFDT];

/** The environment cargo builds a root task with: SEL4_PREFIX (rust-sel4's README: it defaults SEL4_INCLUDE_DIRS, SEL4_PLATFORM_INFO and SEL4_KERNEL). */
export const rootTaskEnv = (prefix: string): Record<string, string> => ({ SEL4_PREFIX: prefix });

/** The environment for Microkit protection domains: the board's headers and platform info, as rust-sel4 sets them (https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/world/default.nix, seL4RustEnvVars). */
export function microkitEnv(sdk: string, board: string, config: string): Record<string, string> {
  const dir = microkitBoardDir(sdk, board, config);
  // x86 boards have no platform_gen.json (see sdkBoardFiles); nothing on them reads it.
  return { SEL4_INCLUDE_DIRS: path.join(dir, 'include'), ...(board.startsWith('x86_64') ? {} : { SEL4_PLATFORM_INFO: path.join(dir, 'platform_gen.json') }) };
}

export const microkitBoardDir = (sdk: string, board: string, config: string) => path.join(sdk, 'board', board, config);

/**
 * The kernel loader and its payload tool, `cargo install`ed from rust-sel4 at the crate's own
 * revision, as rust-root-task-demo's Dockerfile does
 * (https://github.com/seL4/rust-root-task-demo/blob/main/docker/Dockerfile): the loader for a
 * bare-metal built-in target with build-std, with SEL4_PREFIX (it links the kernel's platform
 * info in, so it is built per kernel) and CC_<target> for its assembly; the payload tool for the host.
 */
export interface CargoInstall {
  args: string[];
  env: Record<string, string>;
}

export function kernelLoaderInstall(arch: Sel4Arch, rev: string, prefix: string, root: string): CargoInstall[] {
  const a = ARCH[arch];
  if (!a.loaderTarget) return []; // x86_64 boots the kernel by Multiboot, no loader
  const common = ['--git', RUST_SEL4_GIT, '--rev', rev, '--root', root];
  return [
    {
      args: [
        'install',
        '-Z',
        'build-std=core,compiler_builtins',
        '-Z',
        'build-std-features=compiler-builtins-mem',
        '--target',
        a.loaderTarget,
        ...common,
        'sel4-kernel-loader',
      ],
      env: { [`CC_${a.loaderTarget.replace(/-/g, '_')}`]: `${a.crossPrefix}gcc`, SEL4_PREFIX: prefix },
    },
    { args: ['install', ...common, 'sel4-kernel-loader-add-payload'], env: {} },
  ];
}

/** The image from the loader, the kernel and the root task (rust-root-task-demo's Makefile, $(image)). */
export function addPayload(root: string, prefix: string, app: string, out: string): string[] {
  return [
    path.join(root, 'bin', 'sel4-kernel-loader-add-payload'),
    '--loader',
    path.join(root, 'bin', 'sel4-kernel-loader'),
    '--sel4-prefix',
    prefix,
    '--app',
    app,
    '-o',
    out,
  ];
}

/**
 * x86_64 has no loader: QEMU boots the kernel by Multiboot and its -kernel takes only a 32-bit
 * ELF, so the kernel is converted (rust-sel4's kernelBinary32Bit:
 * https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/world/default.nix) and the root
 * task is the -initrd.
 */
export const kernelToElf32 = (kernel: string, out: string) => ['objcopy', '-O', 'elf32-i386', kernel, out];

/**
 * The Microkit system image from the protection domains (rust-microkit-demo's Makefile, $(loader):
 * https://github.com/seL4/rust-microkit-demo/blob/main/Makefile). Every folder cargo wrote an
 * executable to is a search path; the system description names the ELF files (`program_image`).
 */
export function microkitCommand(sdk: string, system: string, searchPaths: string[], board: string, config: string, outDir: string): string[] {
  return [
    path.join(sdk, 'bin', 'microkit'),
    system,
    '--search-path',
    ...[...new Set(searchPaths)],
    '--board',
    board,
    '--config',
    config,
    '-o',
    path.join(outDir, 'loader.img'),
    '-r',
    path.join(outDir, 'report.txt'),
  ];
}

/** Where the image and the x86_64 kernel copy land after microkitCommand (the tool writes sel4_32.elf next to the image on x86_64). */
export function microkitOutputs(outDir: string, board: string): { image: string; kernel32?: string } {
  return { image: path.join(outDir, 'loader.img'), ...(board === 'x86_64_generic' ? { kernel32: path.join(outDir, 'sel4_32.elf') } : {}) };
}

/** The cargo target name and route facts the plan shows for a target. */
export function describeBuild(t: Sel4Target): Record<string, unknown> {
  return {
    target: t.triple,
    arch: t.arch,
    customTargetSpec: "found through RUST_TARGET_PATH (the crate's .cargo/config.toml [env])",
    rustflags: unstableOptionsConfig(t.triple)[1],
  };
}
