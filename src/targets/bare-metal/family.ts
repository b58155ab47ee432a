import type { Family } from '../contract.js';
import { aarch64None } from './aarch64.js';
import { cortexM } from './cortex-m.js';
import { riscvNone } from './riscv.js';
import { uefi } from './uefi.js';
import { x86_64None } from './x86_64.js';

const BOARDS = [x86_64None, aarch64None, riscvNone, cortexM, uefi];

/** Bare-metal kernels and UEFI apps: one QEMU board per target, no inputs of their own. */
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
  ],
  handles: (target) => BOARDS.some((b) => b(target) !== undefined),
  inputs: [],
  plan(target) {
    for (const b of BOARDS) {
      const p = b(target);
      if (p) return p;
    }
    throw new Error(`Internal error: ${target} is not a bare-metal target.`);
  },
};
