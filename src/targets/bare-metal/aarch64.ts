import { NICS } from '../../boot/network.js';
import { explainSemihosting, RUST_PANIC } from '../common.js';
import type { TargetPlan } from '../contract.js';
import { bareMetalPlan } from './common.js';

/**
 * aarch64-unknown-none(-softfloat) kernels on QEMU's `virt` board: the ELF is loaded at its link
 * address (RAM starts at 0x4000_0000), the PL011 UART at 0x0900_0000 is the serial console, and
 * the guest ends QEMU with semihosting SYS_EXIT (exit status = the code it passes, 0 = success).
 */
export function aarch64None(target: string): TargetPlan | undefined {
  if (target !== 'aarch64-unknown-none' && target !== 'aarch64-unknown-none-softfloat') return undefined;
  return bareMetalPlan(target, {
    family: 'AArch64 bare metal (virt board, semihosting)',
    qemu: {
      arch: 'aarch64',
      machine: 'virt',
      cpu: { kvm: 'host', tcg: 'cortex-a57' },
      memory: '128M',
      console: 'semihosting',
      noMonitor: true,
      noReboot: true,
      // A forward gives the guest virtio-net on one of the virt board's virtio-mmio transports.
      nic: NICS.virtioMmio,
      load: ({ kernel }) => ({ kernel }),
    },
    exitCodes: [0],
    failOn: [RUST_PANIC],
    explainExit: explainSemihosting,
  });
}
