import type { Family, TargetPlan } from '../contract.js';
import { githubHosts } from '../../install/download.js';
import { InputError } from '../../model/errors.js';
import { toolCacheOf } from '../common.js';
import { aarch64None } from './aarch64.js';
import { LIMINE_INPUT, limineSpec } from './limine.js';
import { cortexM } from './cortex-m.js';
import { BOOT_FIRMWARE_INPUT, BOOT_PROTOCOL_INPUT, type BootFirmwareChoice, type BootProtocolChoice } from './protocol.js';
import { riscvNone } from './riscv.js';
import { isTargetSpec, readTargetSpec } from './target-spec.js';
import { uefi } from './uefi.js';
import { x86_64None } from './x86_64.js';

const BOARDS = [x86_64None, aarch64None, riscvNone, cortexM, uefi];

/** Bare-metal kernels and UEFI apps: one QEMU board per target; boot-protocol for x86_64 kernels. */
export const bareMetal: Family = {
  name: 'bare metal',
  examples: [
    'x86_64-unknown-none',
    'aarch64-unknown-none',
    'aarch64-unknown-none-softfloat',
    'riscv64gc-unknown-none-elf',
    'riscv64imac-unknown-none-elf',
    'riscv32imac-unknown-none-elf',
    'thumbv7m-none-eabi',
    'thumbv7em-none-eabihf',
    'thumbv6m-none-eabi',
    'thumbv8m.main-none-eabi',
    'x86_64-unknown-uefi',
    'aarch64-unknown-uefi',
    'x86_64-<name>.json (a custom x86_64 target spec)',
  ],
  // A custom target spec is read in plan(), which knows the working directory.
  handles: (target) => isTargetSpec(target) || BOARDS.some((b) => b(target) !== undefined),
  inputs: [BOOT_PROTOCOL_INPUT, BOOT_FIRMWARE_INPUT, LIMINE_INPUT],
  plan(target, common, own) {
    const choice = (own['boot-protocol'] as BootProtocolChoice | undefined) ?? 'auto';
    const firmware = own['boot-firmware'] as BootFirmwareChoice | undefined;
    const limineRaw = (own.limine as string | undefined) ?? '';
    if (limineRaw && choice !== 'auto' && choice !== 'limine')
      throw new InputError('limine', `is only read for Limine kernels, and boot-protocol is ${choice}`, 'Remove it, or set boot-protocol to limine or auto.');
    if (limineRaw && !isTargetSpec(target) && target !== 'x86_64-unknown-none') {
      throw new InputError('limine', `is only read for x86_64-unknown-none and x86_64 target specs (.json), not for ${target}`, 'Remove it.');
    }
    const limine = limineSpec(limineRaw, common.workspace, common.runnerEnv.vars);
    // These inputs shape the action's own QEMU boot (the image it makes, the firmware): a runner would drop them.
    const qemuOnlyInputs = [...(choice !== 'auto' ? ['boot-protocol'] : []), ...(firmware ? ['boot-firmware'] : []), ...(limineRaw ? ['limine'] : [])];
    const withOwn = (p: TargetPlan): TargetPlan => (qemuOnlyInputs.length ? { ...p, boot: { ...p.boot, qemuOnlyInputs } } : p);
    // Where bootimage is installed for bootloader 0.9 kernels (bootimage.ts).
    const host = {
      toolCache: toolCacheOf(common),
      path: common.runnerEnv.vars.PATH,
      limine: { env: common.runnerEnv, hosts: githubHosts(common.runnerEnv.vars) },
    };
    if (isTargetSpec(target)) {
      const spec = readTargetSpec(target, common.workingDirectory);
      const p = x86_64None(target, choice, spec.arch, common.workingDirectory, host, firmware, limine);
      if (!p)
        throw new InputError(
          'target',
          `${spec.file} is a target spec for ${spec.arch} (${spec.llvmTarget})`,
          'This action boots custom target specs for x86_64 only; for other architectures use a built-in target such as aarch64-unknown-none or riscv64gc-unknown-none-elf.',
        );
      // cargo takes a .json target only with -Zjson-target-spec ("`.json` target specs require
      // -Zjson-target-spec"); the [unstable] config table sets it without touching the user's
      // cargo-args, and older cargo only warns about the unknown key
      // (https://doc.rust-lang.org/cargo/reference/unstable.html).
      p.build.cargoConfig = [...(p.build.cargoConfig ?? []), '--config', 'unstable.json-target-spec=true'];
      return withOwn(p);
    }
    if (choice !== 'auto' && target !== 'x86_64-unknown-none') {
      throw new InputError('boot-protocol', `is only read for x86_64-unknown-none and x86_64 target specs (.json), not for ${target}`, 'Remove it.');
    }
    if (firmware && target !== 'x86_64-unknown-none') {
      throw new InputError(
        'boot-firmware',
        `is only read for x86_64-unknown-none and x86_64 target specs (.json), not for ${target}`,
        target.endsWith('-uefi') ? 'Remove it: UEFI targets always boot under UEFI firmware.' : 'Remove it.',
      );
    }
    for (const b of BOARDS) {
      const p = b === x86_64None ? x86_64None(target, choice, undefined, common.workingDirectory, host, firmware, limine) : b(target);
      if (p) return withOwn(p);
    }
    throw new Error(`Internal error: ${target} is not a bare-metal target.`);
  },
};
