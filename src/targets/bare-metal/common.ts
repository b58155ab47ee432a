import { kvmCapable, type QemuBoot } from '../../boot/qemu-args.js';
import type { Asset } from '../../install/download.js';
import type { Firmware } from '../../install/qemu.js';
import type { Pattern } from '../../model/patterns.js';
import type { ImageKind, TargetPlan } from '../contract.js';

/** What the bare-metal boards have in common: core/alloc built from source, linked with rust-lld, nothing else to install. */
export function bareMetalPlan(
  target: string,
  p: {
    family: string;
    qemu: QemuBoot;
    exitCodes: number[];
    failOn: Pattern[];
    explainExit: (status: number) => string;
    firmware?: Firmware[];
    images?: ImageKind[];
    /** Debian/Ubuntu packages the boot needs (GRUB for multiboot2 kernels). */
    apt?: string[];
    /** The ways each image is booted (TargetPlan.boot.variants: boot-firmware: both). */
    variants?: string[];
    /** Verified downloads the boot needs (a Limine release). */
    downloads?: Asset[];
  },
): TargetPlan {
  return {
    target,
    family: p.family,
    install: { apt: p.apt ?? [], firmware: p.firmware ?? [], downloads: p.downloads ?? [] },
    build: { buildStd: { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] }, linksWithRustLld: true, env: {} },
    boot: { qemu: p.qemu, kvmCapable: kvmCapable(p.qemu.arch), images: p.images, ...(p.variants ? { variants: p.variants } : {}) },
    verdict: { exitCodes: p.exitCodes, failOn: p.failOn, expect: [], explainExit: p.explainExit },
  };
}
