import * as core from '@actions/core';
import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgsStringToArgv } from 'string-argv';
import { ActionError, InputError } from '../errors.js';
import type { Inputs } from '../inputs/inputs.js';
import { errorLine, runLogged } from '../install/run.js';
import { literal, parsePattern } from '../verdict/patterns.js';
import { RUST_PANIC } from './common.js';
import { findKernelSource, installKernelToolchain, kernelToolchainInstall, leakingConfigs } from './hermit-kernel.js';
import { loaderAsset, loaderTool, type HermitArch } from './hermit-loader.js';
import type { BootContext, BootProgram, PrepareBuildRequest, PreparedBuild, TargetFamily, TargetProfile } from './types.js';
// issue 14: the loader/uhyve feature check and Uhyve's command line.
import { checkHermitFeatures } from './hermit/features.js';
import { UHYVE_VERSION, uhyveCommand, uhyveInstallArgs } from './hermit/uhyve-command.js';

/**
 * Hermit unikernels (x86_64/aarch64/riscv64gc-unknown-hermit), booted as Hermit's own CI does
 * (hermit-os/kernel xtask/src/ci/qemu.rs, shared/reference/hermit.md): Hermit's loader is QEMU's
 * -kernel and the app is handed to it (-initrd, or guest-loader on aarch64). Or booted with Uhyve.
 */

const TARGETS: Record<string, { arch: HermitArch; binary: string; aptPackage: string }> = {
  'x86_64-unknown-hermit': { arch: 'x86_64', binary: 'qemu-system-x86_64', aptPackage: 'qemu-system-x86' },
  'aarch64-unknown-hermit': { arch: 'aarch64', binary: 'qemu-system-aarch64', aptPackage: 'qemu-system-arm' },
  'riscv64gc-unknown-hermit': { arch: 'riscv64', binary: 'qemu-system-riscv64', aptPackage: 'qemu-system-misc' },
};

/** Where OpenSBI's fw_jump.bin is looked for (Debian/Ubuntu `opensbi` first, as the kernel's xtask looks). */
export const OPENSBI_FW_JUMP = ['/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin', '/usr/share/opensbi/generic/firmware/fw_jump.bin'];

/** A kernel panic: the kernel's log line has `[PANIC]` in it. */
export const HERMIT_PANIC = literal('[PANIC]');
/** The kernel prints `exit status <n>` on shutdown on every arch; anything but 0 fails at once (an app panic gives -1). */
export const EXIT_STATUS_NONZERO = parsePattern('/\\bexit status (?!0\\s*$)-?\\d+\\s*$/', 'fail-on');
/** ...and `exit status 0` is the app's own word that it succeeded. */
export const EXIT_STATUS_ZERO = parsePattern('/\\bexit status 0\\s*$/', 'expect');

const HERMIT_INPUTS = ['hermit-loader', 'hermit-loader-sha256', 'hypervisor', 'hermit-args'];

function explainX86(status: number): string {
  if (status === 3) return 'QEMU exited with status 3: the Hermit kernel reported success through isa-debug-exit';
  if (status === 1) return 'QEMU exited with status 1: the Hermit kernel reported that the app failed (isa-debug-exit value 0: the app exited with a non-zero code or panicked)';
  if (status === 0) return 'QEMU exited with status 0: the guest powered off (ACPI) without reporting through isa-debug-exit';
  return `QEMU exited with status ${status}`;
}

function explainSemihosting(status: number): string {
  if (status === 0) return 'QEMU exited with status 0 (a power-off, or a semihosting exit with code 0)';
  return `QEMU exited with status ${status}: with the kernel's semihosting feature this is the app's exit code`;
}

function explainUhyve(status: number): string {
  return status === 0 ? 'Uhyve exited with status 0: the app exited with code 0' : `Uhyve exited with status ${status}: the app's exit code (Uhyve exits with the guest's exit code)`;
}

/**
 * The -append value: `env=NO_COLOR=1` (unless the user set NO_COLOR) and the user's hermit-args.
 * NO_COLOR=1 reaches the app's environment; the 0.13 kernel's own log stays coloured, since it reads
 * NO_COLOR when it is compiled (`option_env!`, https://github.com/hermit-os/kernel/blob/v0.13.0/src/logging.rs):
 * the watcher matches lines with their ANSI codes removed.
 */
export function kernelCommandLine(hermitArgs: string): string {
  return /\bNO_COLOR=/.test(hermitArgs) ? hermitArgs : `env=NO_COLOR=1${hermitArgs ? ` ${hermitArgs}` : ''}`;
}

function fwJump(): string {
  return OPENSBI_FW_JUMP.find((f) => fs.existsSync(f)) ?? OPENSBI_FW_JUMP[0];
}

/** The QEMU arguments upstream uses for each arch (without -accel/-cpu, which the plan adds). */
export function hermitQemuArgs(arch: HermitArch, loader: string, app: string, append: string): string[] {
  const head = ['-display', 'none', '-serial', 'stdio', '-kernel', loader];
  const tail = ['-smp', '1', '-m', '1024M'];
  switch (arch) {
    case 'x86_64':
      return [...head, '-initrd', app, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', ...tail, '-global', 'virtio-mmio.force-legacy=off', '-append', append];
    case 'aarch64':
      // -initrd makes the loader panic ("can't find DTB"): hand the app over with guest-loader.
      return [...head, '-device', `guest-loader,addr=0x48000000,initrd=${app}`, '-machine', 'virt,gic-version=3', '-semihosting', ...tail, '-append', append];
    case 'riscv64':
      return [...head, '-initrd', app, '-machine', 'virt', '-bios', fwJump(), '-semihosting', ...tail, '-append', append];
  }
}

async function uhyvePath(): Promise<string | undefined> {
  const onPath = await io.which('uhyve', false);
  if (onPath) return onPath;
  const home = process.env.CARGO_HOME || path.join(os.homedir(), '.cargo');
  const inHome = path.join(home, 'bin', 'uhyve');
  return fs.existsSync(inHome) ? inHome : undefined;
}

/** Uhyve: found on PATH (or in ~/.cargo/bin), else installed as its README says: cargo install --locked uhyve (pinned, issue 14). */
export function uhyve(args: string[]): BootProgram {
  return {
    name: 'Uhyve',
    async install() {
      const found = await uhyvePath();
      if (found) {
        core.info(`Uhyve: ${found}`);
        return found;
      }
      // Outside the app's folder, so the app's rust-toolchain.toml does not choose the toolchain.
      const r = await runLogged('cargo', uhyveInstallArgs(), { cwd: os.tmpdir() });
      const installed = await uhyvePath();
      if (r.code !== 0 || !installed) {
        throw new ActionError(`cargo ${uhyveInstallArgs().join(' ')} failed: ${errorLine(r.stderr) || `exit status ${r.code}`}. Install Uhyve before this step (a release tarball or cargo install), or use hypervisor: qemu.`);
      }
      return installed;
    },
    async planInstall() {
      return (await uhyvePath()) ? [] : [`cargo ${uhyveInstallArgs().join(' ')} (Uhyve ${UHYVE_VERSION})`];
    },
    command: (program: string, ctx: BootContext) => uhyveCommand(program, ctx.kernel, args),
  };
}

async function prepareBuild(req: PrepareBuildRequest): Promise<PreparedBuild> {
  const { inputs } = req;
  const opts = { workingDirectory: inputs.workingDirectory, target: inputs.target, cargo: req.cargo, env: req.env, cargoConfig: req.cargoConfig, offline: req.dryRun, manifestDirEnv: process.env.HERMIT_MANIFEST_DIR, cargoArgs: inputs.cargoArgs };
  let src = await findKernelSource(opts);
  if (src && 'error' in src && req.env.RUSTUP_TOOLCHAIN) {
    // Dry run with a toolchain that is not installed yet: any cargo reads metadata.
    const { RUSTUP_TOOLCHAIN: _, ...env } = req.env;
    src = await findKernelSource({ ...opts, env });
  }
  if (src === undefined) {
    const note = `${inputs.target}: the app has no 'hermit' dependency, so no Hermit kernel is built and linked; add the hermit crate (see hermit-os/hermit-rs-template) unless you link a kernel yourself.`;
    if (!req.dryRun) core.warning(note);
    return { env: {}, plan: { kernel: note } };
  }
  if ('error' in src) {
    const note = `The Hermit kernel's toolchain could not be found before the build (${src.error}); if the build fails, install the toolchain of the kernel's rust-toolchain.toml before this step.`;
    if (!req.dryRun) core.warning(note);
    return { env: {}, plan: { kernel: req.dryRun ? `found after the dependencies are fetched (${src.error})` : note } };
  }
  // issue 14: a hermit crate without default features needs `loader` (QEMU) or `uhyve` enabled.
  const features = src.metadata ? checkHermitFeatures(src.metadata, inputs.hypervisor === 'uhyve' ? 'uhyve' : 'loader') : undefined;
  if (features?.fix) throw new ActionError(features.fix);
  const leaks = leakingConfigs(inputs.workingDirectory, src.kernelDir);
  for (const f of leaks) {
    const msg = `${f} also applies to the Hermit kernel's build (the kernel source ${src.kernelDir} is below it, and the hermit build script runs cargo there). Settings such as build.target, build.rustflags or [unstable] build-std there can break the kernel build: move them into the app's own folder, or pass them with cargo-args.`;
    if (!req.dryRun) core.warning(msg);
  }
  const file = src.toolchainFile;
  const plan: Record<string, unknown> = {
    hermitCrate: src.hermitCrate,
    kernelSource: src.kernelDir,
    foundThrough: src.how,
    kernelToolchain: file ? file.channel ?? file.path : 'none: the kernel folder has no rust-toolchain.toml (the build would fail)',
    kernelToolchainInstall: file?.channel ? kernelToolchainInstall(file).join(' ') : undefined,
    cargoConfigsReachingTheKernel: leaks,
  };
  if (!req.dryRun) {
    const channel = await installKernelToolchain(src);
    core.info(`Hermit kernel: source ${src.kernelDir} (through ${src.how}); toolchain ${channel}, from ${file?.file}`);
  }
  return { env: {}, plan };
}

function profileFor(target: string, inputs?: Inputs): TargetProfile {
  const t = TARGETS[target];
  const { arch } = t;
  const loaderSpec = inputs?.hermitLoader;
  const append = kernelCommandLine(inputs?.hermitArgs ?? '');
  const base: TargetProfile = {
    target,
    family: 'Hermit',
    arch,
    buildStd: { crates: ['std', 'panic_abort'], features: [] },
    linksWithRustLld: true,
    firmware: [],
    qemu: { binary: t.binary, aptPackage: t.aptPackage },
    kvmCapable: arch === 'x86_64' && process.arch === 'x64',
    // The kernel needs fsgsbase: QEMU's default qemu64 lacks it. Upstream: host under KVM, else Skylake-Client.
    cpu: arch === 'x86_64' ? { kvm: 'host', tcg: 'Skylake-Client' } : arch === 'aarch64' ? { kvm: undefined, tcg: 'max,lpa2=off' } : { kvm: undefined, tcg: 'rv64' },
    successExitCodes: arch === 'x86_64' ? [3] : [0],
    defaultFailOn: [HERMIT_PANIC, RUST_PANIC, EXIT_STATUS_NONZERO],
    defaultExpect: [EXIT_STATUS_ZERO],
    qemuArgs: (ctx) => hermitQemuArgs(arch, ctx.assets[loaderTool(arch)] ?? (loaderSpec?.kind === 'path' ? loaderSpec.path : '<hermit-loader>'), ctx.kernel, append),
    explainExit: arch === 'x86_64' ? explainX86 : explainSemihosting,
    inputs: HERMIT_INPUTS,
    assets: () => {
      const a = loaderAsset(arch, loaderSpec);
      return a ? [a] : [];
    },
    aptPackages: () => (arch === 'riscv64' && !OPENSBI_FW_JUMP.some((f) => fs.existsSync(f)) ? ['opensbi'] : []),
    prepareToolchain: prepareBuild,
    configure: (i) => configure(target, i),
  };
  if (inputs?.hypervisor !== 'uhyve') return base;
  return {
    ...base,
    family: 'Hermit (Uhyve)',
    kvmCapable: true,
    // Uhyve exits with the app's exit code: that is the evidence (the `exit status N` lines still fail on sight).
    successExitCodes: [0],
    defaultExpect: [],
    explainExit: explainUhyve,
    assets: () => [],
    bootProgram: uhyve(inputs.hermitArgs ? parseArgsStringToArgv(inputs.hermitArgs) : []),
  };
}

function configure(target: string, inputs: Inputs): TargetProfile {
  if (inputs.hypervisor === 'uhyve') {
    if (TARGETS[target].arch !== 'x86_64') throw new InputError('hypervisor', `uhyve runs x86_64 guests only, not ${target}`, 'Use hypervisor: qemu for this target.');
    if (process.platform !== 'linux' || process.arch !== 'x64') throw new InputError('hypervisor', `uhyve needs an x86_64 Linux host with KVM (this is ${process.platform}/${process.arch})`, 'Use hypervisor: qemu.');
    if (inputs.accel === 'tcg') throw new InputError('accel', 'tcg cannot be used with hypervisor: uhyve (Uhyve always uses KVM)', 'Use accel: auto or kvm, or hypervisor: qemu.');
    if (inputs.hermitLoader) throw new InputError('hermit-loader', 'is not used with hypervisor: uhyve (Uhyve loads the app itself)', 'Remove it, or use hypervisor: qemu.');
    if (inputs.qemuArgs.length) throw new InputError('qemu-args', 'is not used with hypervisor: uhyve', 'Remove it, or use hypervisor: qemu.');
  }
  const append = inputs.qemuArgs.find((a) => a === '-append' || a === '--append');
  if (append) throw new InputError('qemu-args', `sets ${append}, which the action sets for Hermit (env=NO_COLOR=1 and hermit-args)`, 'Put kernel and app arguments in hermit-args instead: `<kernel args> -- <app args>`.');
  if (/['"]/.test(inputs.hermitArgs)) throw new InputError('hermit-args', 'contains quotes, which the Hermit kernel command line does not group by', 'Give words separated by spaces: `<kernel args> -- <app args>`.');
  return profileFor(target, inputs);
}

export const hermit: TargetFamily = {
  name: 'Hermit',
  examples: Object.keys(TARGETS),
  resolve(target: string): TargetProfile | undefined {
    return TARGETS[target] ? profileFor(target) : undefined;
  },
};
