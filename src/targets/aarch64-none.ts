import type { TargetFamily, TargetProfile } from './types.js';
import { explainSemihosting, HEADLESS_SEMIHOSTING, RUST_PANIC } from './common.js';

/**
 * aarch64-unknown-none(-softfloat) kernels on QEMU's `virt` board: the ELF is loaded at its link
 * address (RAM starts at 0x4000_0000), the PL011 UART at 0x0900_0000 is the serial console, and
 * the guest ends QEMU with semihosting SYS_EXIT (exit status = the code it passes, 0 = success).
 */
export const aarch64None: TargetFamily = {
  name: 'AArch64 bare metal (virt board, semihosting)',
  examples: ['aarch64-unknown-none', 'aarch64-unknown-none-softfloat'],
  resolve(target: string): TargetProfile | undefined {
    if (target !== 'aarch64-unknown-none' && target !== 'aarch64-unknown-none-softfloat') return undefined;
    return {
      target,
      family: this.name,
      arch: 'aarch64',
      buildStd: { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] },
      linksWithRustLld: true,
      qemu: { binary: 'qemu-system-aarch64', aptPackage: 'qemu-system-arm' },
      kvmCapable: process.arch === 'arm64',
      cpu: { kvm: 'host', tcg: 'cortex-a57' },
      machine: 'virt',
      memory: '128M',
      firmware: [],
      successExitCodes: [0],
      defaultFailOn: [RUST_PANIC],
      qemuArgs: ({ kernel }) => [...HEADLESS_SEMIHOSTING, '-no-reboot', '-kernel', kernel],
      explainExit: explainSemihosting,
    };
  },
};
