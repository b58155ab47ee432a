import type { Nic } from '../../boot/network.js';
import type { Log } from '../../model/log.js';
import * as path from 'node:path';
import { parseArgsStringToArgv } from 'string-argv';
import { kvmCapable, type QemuBoot } from '../../boot/qemu-args.js';
import { plainMultibootPaths } from '../../boot/multiboot.js';
import { githubHosts } from '../../install/download.js';
import { ActionError, InputError } from '../../model/errors.js';
import { literal, parsePattern, type Pattern } from '../../model/patterns.js';
import { RUST_PANIC } from '../common.js';
import type { BeforeCargo, CargoView, CommonInputs, Family, TargetPlan } from '../contract.js';
import { HERMIT_INPUTS, hermitInputs, loaderSpec, type LoaderSpec } from './inputs.js';
import { findKernelSource, installKernelToolchain, kernelToolchainInstall, leakingConfigs } from './kernel.js';
import { loaderAsset, loaderTool, type HermitArch } from './loader.js';
import { checkHermitFeatures } from './features.js';
import { chooseOpensbi, describeOpensbi, OPENSBI_FW_JUMP, OPENSBI_TOOL, opensbiSpec, systemOpensbi, unpackFwJump } from './opensbi.js';
export { OPENSBI_FW_JUMP };
import { uhyveLauncher } from './uhyve.js';

/**
 * Hermit unikernels (x86_64/aarch64/riscv64gc-unknown-hermit), booted as Hermit's own CI does
 * (https://github.com/hermit-os/kernel/blob/main/xtask/src/ci/qemu.rs): Hermit's loader is QEMU's
 * -kernel and the app is handed to it (-initrd, or guest-loader on aarch64). Or booted with Uhyve.
 */

const ARCHES: Record<string, HermitArch> = {
  'x86_64-unknown-hermit': 'x86_64',
  'aarch64-unknown-hermit': 'aarch64',
  'riscv64gc-unknown-hermit': 'riscv64',
};

/** A kernel panic: the kernel's log line has `[PANIC]` in it. */
export const HERMIT_PANIC = literal('[PANIC]');
/**
 * A Rust panic, with the fix for the one a network app without a card gives: std's `bind` on a
 * Hermit kernel with no network device fails with "Network is down" (seen with the real 0.13.2
 * httpd image), and the app panics on it.
 */
export const HERMIT_RUST_PANIC: Pattern = {
  ...RUST_PANIC,
  hint: (line, next) =>
    /Network is down/.test(`${line} ${next ?? ''}`)
      ? 'The app found no network card ("Network is down"): give the forward input (e.g. `forward: 8000:8000`, host port:guest port), which gives the Hermit guest a virtio-net-pci card on QEMU\'s user networking; the kernel needs its driver too (the hermit crate\'s `virtio-net` feature).'
      : undefined,
};
/** The kernel prints `exit status <n>` on shutdown on every arch; anything but 0 fails at once (an app panic gives -1). */
export const EXIT_STATUS_NONZERO = parsePattern('/\\bexit status (?!0\\s*$)-?\\d+\\s*$/', 'fail-on');
/** ...and `exit status 0` is the app's own word that it succeeded. */
export const EXIT_STATUS_ZERO = parsePattern('/\\bexit status 0\\s*$/', 'expect');

function explainX86(status: number): string {
  if (status === 3) return 'QEMU exited with status 3: the Hermit kernel reported success through isa-debug-exit';
  if (status === 1)
    return 'QEMU exited with status 1: the Hermit kernel reported that the app failed (isa-debug-exit value 0: the app exited with a non-zero code or panicked)';
  if (status === 0) return 'QEMU exited with status 0: the guest powered off (ACPI) without reporting through isa-debug-exit';
  return `QEMU exited with status ${status}`;
}

function explainSemihosting(status: number): string {
  if (status === 0) return 'QEMU exited with status 0 (a power-off, or a semihosting exit with code 0)';
  if (status === 255)
    return "QEMU exited with status 255: with the kernel's semihosting feature this is the app's exit code, here -1 (what a panic gives, with `exit status -1`)";
  return `QEMU exited with status ${status}: with the kernel's semihosting feature this is the app's exit code`;
}

function explainUhyve(status: number): string {
  return status === 0
    ? 'Uhyve exited with status 0: the app exited with code 0'
    : `Uhyve exited with status ${status}: the app's exit code (Uhyve exits with the guest's exit code)`;
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

/**
 * The card Hermit's CI boots its `httpd` example with on x86_64, aarch64 and riscv64:
 * `virtio-net-pci,netdev=net0,disable-legacy=on` on a `user` netdev
 * (https://github.com/hermit-os/kernel/blob/main/xtask/src/ci/qemu.rs, `device_args`, and
 * `.github/workflows/ci.yml` there, `--devices virtio-net-pci`). Its CI also adds `packed=on,mq=on`
 * by default but passes as well without them (`--no-default-virtio-features`), so they stay out.
 */
const HERMIT_NIC: Nic = { kind: 'device', device: 'virtio-net-pci', props: ['disable-legacy=on'] };

/**
 * The QEMU boot upstream's xtask uses for each arch: 1 CPU, 1 GiB (the memory input replaces it),
 * the loader as -kernel. x86_64 needs fsgsbase, which QEMU's default qemu64 lacks: host under KVM,
 * else Skylake-Client, as upstream.
 */
export function hermitQemu(
  arch: HermitArch,
  loader: (ctx: { assets: Record<string, string> }) => string,
  append: string,
  firmware: (ctx: { assets: Record<string, string>; workDir: string }) => string = () => OPENSBI_FW_JUMP[0],
): QemuBoot {
  // nic: the card Hermit's CI boots its httpd example with, on every architecture (boot/network.ts).
  const common = { memory: '1024M', smp: 1, noMonitor: false, noReboot: false, append, nic: HERMIT_NIC } as const;
  switch (arch) {
    case 'x86_64':
      return {
        ...common,
        arch,
        cpu: { kvm: 'host', tcg: 'Skylake-Client' },
        console: 'serial',
        globals: ['virtio-mmio.force-legacy=off'],
        devices: ['isa-debug-exit,iobase=0xf4,iosize=0x04'],
        // The loader is a Multiboot image: QEMU hands it the paths as text (boot/multiboot.ts).
        ...plainMultibootPaths({ load: (ctx) => ({ kernel: loader(ctx), initrd: ctx.kernel }) }),
      };
    case 'aarch64':
      return {
        ...common,
        arch,
        machine: 'virt,gic-version=3',
        cpu: { kvm: undefined, tcg: 'max,lpa2=off' },
        console: 'serial+semihosting',
        // -initrd makes the loader panic ("can't find DTB"): hand the app over with guest-loader.
        load: (ctx) => ({ kernel: loader(ctx), devices: [`guest-loader,addr=0x48000000,initrd=${ctx.kernel}`] }),
      };
    case 'riscv64':
      return {
        ...common,
        arch,
        machine: 'virt',
        cpu: { kvm: undefined, tcg: 'rv64' },
        console: 'serial+semihosting',
        load: (ctx) => ({ kernel: loader(ctx), initrd: ctx.kernel, bios: firmware(ctx) }),
      };
  }
}

/** What the app's build needs before cargo: the toolchain the Hermit kernel pins (its build script compiles the kernel with it). */
async function kernelToolchain(common: CommonInputs, boot: 'loader' | 'uhyve', req: CargoView, log: Log | undefined): Promise<Record<string, unknown>> {
  // No log: a dry run, which installs nothing and warns of nothing (the plan says it).
  const dryRun = log === undefined;
  const opts = {
    workingDirectory: common.workingDirectory,
    target: common.target,
    cargo: req.cargo,
    env: req.env,
    cargoConfig: req.cargoConfig,
    offline: dryRun,
    manifestDirEnv: common.runnerEnv.vars.HERMIT_MANIFEST_DIR,
    cargoArgs: common.cargoArgs,
  };
  let src = await findKernelSource(opts);
  if (src && 'error' in src && req.env.RUSTUP_TOOLCHAIN) {
    // Dry run with a toolchain that is not installed yet: any cargo reads metadata.
    const { RUSTUP_TOOLCHAIN: _, ...env } = req.env;
    src = await findKernelSource({ ...opts, env });
  }
  if (src === undefined) {
    const note = `${common.target}: the app has no 'hermit' dependency, so no Hermit kernel is built and linked; add the hermit crate (see hermit-os/hermit-rs-template) unless you link a kernel yourself.`;
    log?.warning(note);
    return { kernel: note };
  }
  if ('error' in src) {
    const note = `The Hermit kernel's toolchain could not be found before the build (${src.error}); if the build fails, install the toolchain of the kernel's rust-toolchain.toml before this step.`;
    log?.warning(note);
    return { kernel: dryRun ? `found after the dependencies are fetched (${src.error})` : note };
  }
  // A hermit crate without default features needs `loader` (QEMU) or `uhyve` enabled, else its kernel cannot boot.
  const features = src.metadata ? checkHermitFeatures(src.metadata, boot) : undefined;
  if (features?.fix) throw new ActionError(features.fix);
  const leaks = leakingConfigs(common.workingDirectory, src.kernelDir);
  for (const f of leaks) {
    const msg = `${f} also applies to the Hermit kernel's build (the kernel source ${src.kernelDir} is below it, and the hermit build script runs cargo there). Settings such as build.target, build.rustflags or [unstable] build-std there can break the kernel build: move them into the app's own folder, or pass them with cargo-args.`;
    log?.warning(msg);
  }
  const file = src.toolchainFile;
  const plan: Record<string, unknown> = {
    hermitCrate: src.hermitCrate,
    kernelSource: src.kernelDir,
    foundThrough: src.how,
    kernelToolchain: file ? (file.channel ?? file.path) : 'none: the kernel folder has no rust-toolchain.toml (the build would fail)',
    kernelToolchainInstall: file?.channel ? kernelToolchainInstall(file).join(' ') : undefined,
    cargoConfigsReachingTheKernel: leaks,
  };
  if (log) {
    const channel = await installKernelToolchain(src, common.runnerEnv, log);
    log.info(`Hermit kernel: source ${src.kernelDir} (through ${src.how}); toolchain ${channel}, from ${file?.file}`);
  }
  return plan;
}

function beforeCargo(common: CommonInputs, boot: 'loader' | 'uhyve'): BeforeCargo {
  return {
    describe: (cargo) => kernelToolchain(common, boot, cargo, undefined),
    run: async (cargo, _assets, log) => {
      await kernelToolchain(common, boot, cargo, log);
      return {};
    },
  };
}

function check(target: string, arch: HermitArch, common: CommonInputs, hypervisor: string, loader: LoaderSpec | undefined): void {
  if (hypervisor === 'uhyve') {
    if (arch !== 'x86_64') throw new InputError('hypervisor', `uhyve runs x86_64 guests only, not ${target}`, 'Use hypervisor: qemu for this target.');
    if (process.platform !== 'linux' || process.arch !== 'x64')
      throw new InputError('hypervisor', `uhyve needs an x86_64 Linux host with KVM (this is ${process.platform}/${process.arch})`, 'Use hypervisor: qemu.');
    if (common.accel === 'tcg')
      throw new InputError('accel', 'tcg cannot be used with hypervisor: uhyve (Uhyve always uses KVM)', 'Use accel: auto or kvm, or hypervisor: qemu.');
    if (loader) throw new InputError('hermit-loader', 'is not used with hypervisor: uhyve (Uhyve loads the app itself)', 'Remove it, or use hypervisor: qemu.');
    if (common.qemuArgs.length) throw new InputError('qemu-args', 'is not used with hypervisor: uhyve', 'Remove it, or use hypervisor: qemu.');
  }
  const append = common.qemuArgs.find((a) => a === '-append' || a === '--append');
  if (append)
    throw new InputError(
      'qemu-args',
      `sets ${append}, which the action sets for Hermit (env=NO_COLOR=1 and hermit-args)`,
      'Put kernel and app arguments in hermit-args instead: `<kernel args> -- <app args>`.',
    );
}

function plan(target: string, common: CommonInputs, own: Record<string, unknown>): TargetPlan {
  const arch = ARCHES[target];
  const i = hermitInputs(own);
  const loader = loaderSpec(i.loader, i.loaderSha256, common.workspace, common.runnerEnv.vars);
  check(target, arch, common, i.hypervisor, loader);
  const hosts = githubHosts(common.runnerEnv.vars);
  const asset = loaderAsset(arch, loader, hosts);
  const loaderPath = (ctx: { assets: Record<string, string> }) => ctx.assets[loaderTool(arch)] ?? (loader?.kind === 'path' ? loader.path : '<hermit-loader>');
  const uhyve = i.hypervisor === 'uhyve';
  // riscv64: the OpenSBI the boot uses must be 1.3+ (opensbi.ts): the system's when it is, else a release's.
  const sbiSpec = opensbiSpec(i.opensbi, i.opensbiSha256, common.workspace);
  if (arch !== 'riscv64' || uhyve) {
    if (i.opensbi || i.opensbiSha256)
      throw new InputError(
        i.opensbi ? 'hermit-opensbi' : 'hermit-opensbi-sha256',
        `is only for riscv64gc-unknown-hermit booted in QEMU, not ${target}${uhyve ? ' with uhyve' : ''}`,
        'Remove it.',
      );
  }
  const sbi = arch === 'riscv64' && !uhyve ? chooseOpensbi(sbiSpec, systemOpensbi(), hosts) : undefined;
  const firmware = (ctx: { assets: Record<string, string>; workDir: string }) => {
    if (!sbi) return OPENSBI_FW_JUMP[0];
    if (sbi.kind === 'file') return sbi.file;
    const got = ctx.assets[OPENSBI_TOOL] ?? sbi.asset.url;
    return sbi.member ? path.join(ctx.workDir, sbi.member) : got;
  };
  const qemu = hermitQemu(arch, loaderPath, kernelCommandLine(i.args), firmware);
  if (sbi?.kind === 'download' && sbi.member) {
    const member = sbi.member;
    // The release archive is unpacked next to the boot (its fw_jump.bin is all QEMU needs).
    qemu.prepare = (ctx) => void unpackFwJump(ctx.assets[OPENSBI_TOOL], member, ctx.workDir);
  }
  return {
    target,
    family: uhyve ? 'Hermit (Uhyve)' : 'Hermit',
    notes: sbi ? [`OpenSBI for riscv64: ${sbi.note}`] : [],
    install: {
      apt: [],
      firmware: [],
      downloads: [...(asset && !uhyve ? [asset] : []), ...(sbi?.kind === 'download' ? [sbi.asset] : [])],
    },
    build: {
      buildStd: { crates: ['std', 'panic_abort'], features: [] },
      linksWithRustLld: true,
      env: {},
      beforeCargo: beforeCargo(common, uhyve ? 'uhyve' : 'loader'),
    },
    boot: {
      qemu,
      kvmCapable: uhyve || (arch === 'x86_64' && kvmCapable('x86_64')),
      launcher: uhyve
        ? { launcher: uhyveLauncher(i.args ? parseArgsStringToArgv(i.args) : [], common.runnerEnv.cargoHome), chosenBy: 'hypervisor' }
        : undefined,
    },
    verdict: uhyve
      ? // Uhyve exits with the app's exit code: that is the evidence (the `exit status N` lines still fail on sight).
        { exitCodes: [0], failOn: [HERMIT_PANIC, HERMIT_RUST_PANIC, EXIT_STATUS_NONZERO], expect: [], explainExit: explainUhyve, statusIsAppExitCode: true }
      : {
          exitCodes: arch === 'x86_64' ? [3] : [0],
          failOn: [HERMIT_PANIC, HERMIT_RUST_PANIC, EXIT_STATUS_NONZERO],
          // A server checked by probes never exits: the probes are its evidence.
          expect: common.converses ? [] : [EXIT_STATUS_ZERO],
          explainExit: arch === 'x86_64' ? explainX86 : explainSemihosting,
          ...(arch === 'riscv64' ? { explainNoVerdict: describeOpensbi } : {}),
        },
  };
}

export const hermit: Family = {
  name: 'Hermit',
  examples: Object.keys(ARCHES),
  handles: (target) => target in ARCHES,
  inputs: HERMIT_INPUTS,
  plan,
};
