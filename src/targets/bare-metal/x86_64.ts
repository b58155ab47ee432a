import * as fs from 'node:fs';
import * as os from 'node:os';
import { NICS } from '../../boot/network.js';
import { rawDrive, type BootContext, type QemuLoad } from '../../boot/qemu-args.js';
import { aptInstallMissing } from '../../install/apt.js';
import { GITHUB } from '../../install/download.js';
import { ActionError } from '../../model/errors.js';
import { explainIsaDebugExit, RUST_PANIC } from '../common.js';
import type { TargetPlan } from '../contract.js';
import { bareMetalPlan } from './common.js';
import {
  BOOTIMAGE,
  bootimageCrate,
  bootimageInstalled,
  bootimageRoot,
  installBootimage,
  bootimageRunnerArgv,
  isTestExecutable,
  type BootimageHost,
  bootimageImage,
  bootimageInstallArgv,
  buildBootimage,
  cargoBootimageArgv,
} from './bootimage.js';
import { bootloader09, bootloaderImage, bootloaderVersion, buildBootloaderImage, builderArgv } from './bootloader.js';
import { buildGrubIso, GRUB_APT, grubMkrescueArgv, grubPaths } from './grub.js';
import {
  buildLimineIso,
  checkBaseRevision,
  DEFAULT_LIMINE,
  LIMINE_APT,
  LIMINE_PANIC,
  limineAsset,
  limineCommands,
  liminePaths,
  type LimineHost,
  type LimineOnce,
  type LimineSpec,
} from './limine.js';
import {
  BOOT_FIRMWARES,
  firmwareMismatch,
  readHead,
  resolveProtocol,
  UEFI_PROTOCOLS,
  UnknownFormatError,
  way,
  type BootFirmware,
  type BootFirmwareChoice,
  type BootProtocolChoice,
  type Detected,
} from './protocol.js';
import { OVMF_FIRMWARE, ovmfDrives, ovmfVars } from './uefi.js';

/** Where the boots of a run install their tools: bootimage's tool cache, and the runner (Limine's downloads, limine.ts). */
export interface X86Host extends BootimageHost {
  /** The runner's environment, for Limine's release downloaded at boot (absent: a Limine kernel cannot be booted). */
  limine?: LimineHost;
}

/** The protocols that need GRUB's packages (auto: the image may turn out to be multiboot2). */
/**
 * GRUB's packages are installed with the others only when boot-protocol says multiboot2; under auto
 * they are installed once a multiboot2 kernel is found (prepare), so other x86_64 runs install nothing extra.
 */
const NEEDS_GRUB: BootProtocolChoice[] = ['multiboot2'];

/**
 * x86_64-unknown-none kernels (and x86_64 custom target specs), booted the way their image asks
 * (protocol.ts reads it, or the boot-protocol input says it):
 * - a PVH note (https://xenbits.xen.org/docs/unstable/misc/pvh.html) or a Multiboot header that
 *   QEMU's own loader takes (https://github.com/qemu/qemu/blob/master/hw/i386/multiboot.c): `-kernel`;
 * - a Multiboot2 header: a GRUB ISO made with grub-mkrescue (grub.ts), booted with `-cdrom`;
 * - a bootloader 0.11 kernel (a `.bootloader-config` section): a BIOS disk image (or under UEFI a
 *   UEFI one) from a generated builder crate (bootloader.ts), booted with `-drive format=raw`;
 * - no header, and a crate that depends on bootloader 0.9 (or has [package.metadata.bootimage]):
 *   the BIOS disk image `cargo bootimage` makes (bootimage.ts), booted with `-drive format=raw`;
 * - an ISO 9660 image: `-cdrom`; a raw BIOS disk image (bootimage, bootloader's DiskImageBuilder):
 *   `-drive format=raw`;
 * - Limine requests (or a base revision tag): a Limine ISO made as Limine's templates make it
 *   (limine.ts, from a pinned Limine binary release or the limine input), booted with `-cdrom`;
 * Success is reported through isa-debug-exit at 0xf4: writing 0x10 gives QEMU status 33 (rust-osdev's convention).
 */
export function x86_64None(
  target: string,
  choice: BootProtocolChoice = 'auto',
  specArch?: string,
  workingDirectory?: string,
  host: X86Host = { toolCache: os.tmpdir() },
  firmware: BootFirmwareChoice = 'bios',
  limine: LimineSpec = DEFAULT_LIMINE,
): TargetPlan | undefined {
  const { toolCache } = host;
  /** Does any boot of the run go through OVMF (uefi, or both)? Then OVMF is installed and the memory raised. */
  const anyUefi = firmware !== 'bios';
  /** The firmware of one boot: its variant under both, else the input's. */
  const firmwareOf = (ctx: BootContext): BootFirmware => (firmware === 'both' ? (ctx.variant as BootFirmware) : firmware);
  if (target !== 'x86_64-unknown-none' && specArch !== 'x86_64') return undefined;
  // A protocol forced by boot-protocol that cannot boot under UEFI: refused now, before anything is installed.
  if (anyUefi && choice !== 'auto' && !UEFI_PROTOCOLS.includes(choice)) throw firmwareMismatch(choice, `boot-protocol ${choice}`, firmware);
  /** Limine's release and host tool, made once for the run's boots (limine.ts). */
  const limineOnce: LimineOnce = new Map();
  /** The protocol of each image, detected once (prepare detects; load, called after it, reads the answer). */
  const seen = new Map<string, Detected>();
  const detect = (kernel: string): Detected => {
    let d = seen.get(kernel);
    if (!d) {
      try {
        d = resolveProtocol(kernel, choice);
      } catch (e) {
        // No header, and a crate cargo bootimage makes bootable (bootloader 0.9): its disk image.
        const evidence = e instanceof UnknownFormatError ? bootimageCrate(workingDirectory) : undefined;
        if (!evidence) throw e;
        d = { protocol: 'bootimage', evidence };
      }
      seen.set(kernel, d);
    }
    return d;
  };
  /** The protocol for load(): detected when the image exists (a dry run before the build has none), else the choice, else PVH. */
  const protocolOf = (ctx: BootContext) => {
    if (fs.existsSync(ctx.kernel)) {
      try {
        return detect(ctx.kernel).protocol;
      } catch {
        // An unknown format: prepare() reports it before QEMU starts.
      }
    }
    return choice === 'auto' ? (ctx.image === 'raw' ? 'disk' : 'pvh') : choice;
  };
  /** How QEMU gets the image of each protocol (BIOS; load() adds OVMF under UEFI). */
  const loadImage = (ctx: BootContext): QemuLoad => {
    switch (protocolOf(ctx)) {
      case 'multiboot2':
        return { cdrom: grubPaths(ctx.workDir).iso };
      case 'limine':
        return { cdrom: liminePaths(ctx.workDir).iso };
      case 'iso':
        return { cdrom: ctx.kernel };
      case 'disk':
        return { drives: [rawDrive(ctx.kernel)] };
      case 'bootloader':
        return { drives: [rawDrive(bootloaderImage(ctx.workDir, firmwareOf(ctx)))] };
      case 'bootimage':
        return { drives: [rawDrive(bootimageImage(ctx.kernel))] };
      default:
        return { kernel: ctx.kernel };
    }
  };
  /** What each protocol needs made before QEMU starts (a GRUB ISO, a disk image), or why it cannot boot. */
  const prepareImage = async (ctx: BootContext, d: Detected): Promise<void> => {
    switch (d.protocol) {
      case 'multiboot2':
        await aptInstallMissing(GRUB_APT, 'multiboot2 kernels (a GRUB ISO)');
        await buildGrubIso(ctx.kernel, ctx.workDir, (l) => ctx.log?.info(l));
        return;
      case 'pe':
        throw new ActionError(`${ctx.kernel} is a PE (.efi) application: set target to x86_64-unknown-uefi to boot it under UEFI firmware.`);
      case 'bootloader':
        await buildBootloaderImage(ctx, bootloaderVersion(workingDirectory), firmwareOf(ctx), (l) => ctx.log?.info(l));
        return;
      case 'bootimage':
        if (!ctx.cargo || !ctx.cargoBuild || !workingDirectory)
          throw new ActionError(
            `${ctx.kernel} is a bootloader 0.9 kernel, whose disk image cargo bootimage makes while building the crate; a prebuilt kernel is not built here: run \`cargo bootimage\` yourself and give target/<target>/debug/bootimage-<crate>.bin as the kernel input, or let the action build the crate (no kernel input).`,
          );
        await buildBootimage({
          kernel: ctx.kernel,
          workingDirectory,
          workDir: ctx.workDir,
          manifest: ctx.manifest,
          host,
          cargo: ctx.cargo.cargo,
          buildArgv: ctx.cargoBuild,
          env: ctx.cargo.env,
          log: (l) => ctx.log?.info(l),
        });
        return;
      case 'limine':
        // The kernel is known only once built (boot-protocol: auto): the release is fetched here, through the same
        // verified download as the install stage's (which fetched it already under boot-protocol: limine).
        checkBaseRevision(ctx.kernel, readHead(ctx.kernel), limine);
        if (!host.limine) throw new Error('Internal error: a Limine boot without the runner environment.');
        await buildLimineIso({ kernel: ctx.kernel, workDir: ctx.workDir, spec: limine, assets: ctx.assets, host: host.limine, once: limineOnce }, (l) =>
          ctx.log?.info(l),
        );
        return;
    }
  };
  const plan = bareMetalPlan(target, {
    family: 'x86_64 bare metal (PVH, Multiboot, Multiboot2 via GRUB, Limine, bootloader 0.11, bootimage, ISO, disk image)',
    qemu: {
      arch: 'x86_64',
      cpu: { kvm: 'host', tcg: undefined },
      console: 'serial',
      noMonitor: true,
      noReboot: true,
      // A forward gives the guest virtio-net on PCI (the PC's bus).
      nic: NICS.virtioPci,
      devices: ['isa-debug-exit,iobase=0xf4,iosize=0x04'],
      // OVMF wants more than QEMU's default 128 MiB (as x86_64-unknown-uefi boots, uefi.ts); under
      // both the BIOS boot gets it too, so the two boots differ in their firmware only.
      ...(anyUefi ? { memory: '256M' } : {}),
      // UEFI: OVMF as pflash before the image (as x86_64-unknown-uefi boots, uefi.ts).
      load: (ctx): QemuLoad => {
        const load = loadImage(ctx);
        return firmwareOf(ctx) === 'uefi' ? { ...load, drives: [...ovmfDrives(ctx.workDir), ...(load.drives ?? [])] } : load;
      },
      async prepare(ctx) {
        const d = detect(ctx.kernel);
        const fw = firmwareOf(ctx);
        ctx.log?.info(
          `Boot protocol: ${way(d.protocol, fw)} (${d.evidence}${d.alsoFound ? `; also found: ${d.alsoFound.join(', ')}` : ''})${fw === 'uefi' ? ', under UEFI (OVMF)' : ''}`,
        );
        if (fw === 'uefi') {
          if (!UEFI_PROTOCOLS.includes(d.protocol)) throw firmwareMismatch(d.protocol, `${ctx.kernel} (${d.evidence})`, firmware);
          ovmfVars(ctx.workDir);
        }
        await prepareImage(ctx, d);
      },
      describePrepare(ctx) {
        const p = protocolOf(ctx);
        const fw = firmwareOf(ctx);
        const known = fs.existsSync(ctx.kernel) || choice !== 'auto';
        return {
          protocol: known ? way(p, fw) : 'detected from the image after the build (boot-protocol: auto)',
          ...(p === 'multiboot2' ? { commands: [grubMkrescueArgv(ctx.workDir).join(' ')] } : {}),
          ...(p === 'limine' ? { commands: limineCommands(limine, ctx.workDir) } : {}),
          ...(p === 'bootloader'
            ? {
                builder: `bootloader ${bootloaderVersion(workingDirectory)}`,
                commands: [builderArgv(ctx, fw).join(' ')],
              }
            : {}),
          ...(p === 'bootimage' && ctx.cargoBuild
            ? {
                commands: [
                  bootimageInstallArgv(ctx.cargoBuild[0], toolCache).join(' '),
                  (isTestExecutable(ctx.kernel) ? bootimageRunnerArgv(toolCache, ctx.kernel) : cargoBootimageArgv(ctx.cargoBuild)).join(' '),
                ],
              }
            : {}),
        };
      },
    },
    apt: NEEDS_GRUB.includes(choice) ? GRUB_APT : choice === 'limine' ? LIMINE_APT : [],
    // Known at plan time only when boot-protocol says limine: then the install stage downloads the release (and the dry run
    // lists it); under auto a Limine kernel is found after the build, and prepare fetches it (the same verified download).
    downloads: choice === 'limine' ? [limineAsset(limine, host.limine?.hosts ?? GITHUB)].filter((a) => a !== undefined) : [],
    firmware: anyUefi ? OVMF_FIRMWARE : [],
    // both: each image booted under BIOS and under UEFI, each boot judged on its own.
    ...(firmware === 'both' ? { variants: [...BOOT_FIRMWARES] } : {}),
    exitCodes: [33],
    failOn: choice === 'auto' || choice === 'limine' ? [RUST_PANIC, LIMINE_PANIC] : [RUST_PANIC],
    explainExit: explainIsaDebugExit,
  });
  return choice === 'auto' || choice === 'bootimage' ? withBootimage(plan, workingDirectory, host) : plan;
}

/**
 * A crate that depends on bootloader 0.9 (known from its Cargo.toml before the build) is booted
 * through cargo bootimage: bootimage is installed before cargo runs, not at boot, so the tools
 * cache entry, saved right after cargo, holds it and the next run restores it instead of running
 * cargo install again. A `[package.metadata.bootimage]` table alone does not say so: kernels with a
 * boot header use it for their test settings too (src/cargo/bootimage.ts), and such a crate gets
 * bootimage at boot only if its image turns out to have no header.
 */
function withBootimage(plan: TargetPlan, workingDirectory: string | undefined, host: X86Host): TargetPlan {
  if (!bootloader09(workingDirectory)) return plan;
  const { toolCache } = host;
  return {
    ...plan,
    install: { ...plan.install, builtTools: [{ name: BOOTIMAGE.crate, version: BOOTIMAGE.version, pin: 'cargo install --locked' }] },
    build: {
      ...plan.build,
      beforeCargo: {
        describe: async (cargo) => ({
          bootimage: bootimageInstalled(toolCache)
            ? `${BOOTIMAGE.version}, in the tool cache (${bootimageRoot(toolCache)})`
            : bootimageInstallArgv(cargo.cargo, toolCache).join(' '),
        }),
        run: async (cargo, _assets, log) => {
          await installBootimage({ host, cargo: cargo.cargo, env: cargo.env, log: (l) => log.info(l) });
          return {};
        },
      },
    },
  };
}
