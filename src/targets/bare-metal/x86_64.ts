import { NICS } from '../../boot/network.js';
import { rawDrive } from '../../boot/qemu-args.js';
import { explainIsaDebugExit, RUST_PANIC } from '../common.js';
import type { TargetPlan } from '../contract.js';
import { bareMetalPlan } from './common.js';

/**
 * x86_64-unknown-none kernels: an ELF is booted directly with `-kernel` (a PVH ELF note,
 * https://xenbits.xen.org/docs/unstable/misc/pvh.html); anything else is a BIOS-bootable raw disk
 * image (such as the `bootloader` crate makes), booted with `-drive format=raw`. Success is
 * reported through isa-debug-exit at 0xf4: writing 0x10 gives QEMU status 33 (rust-osdev's convention).
 */
export function x86_64None(target: string): TargetPlan | undefined {
  if (target !== 'x86_64-unknown-none') return undefined;
  return bareMetalPlan(target, {
    family: 'x86_64 bare metal (PVH)',
    qemu: {
      arch: 'x86_64',
      cpu: { kvm: 'host', tcg: undefined },
      console: 'serial',
      noMonitor: true,
      noReboot: true,
      // A forward gives the guest virtio-net on PCI (the PC's bus).
      nic: NICS.virtioPci,
      devices: ['isa-debug-exit,iobase=0xf4,iosize=0x04'],
      load: ({ kernel, image }) => (image === 'elf' ? { kernel } : { drives: [rawDrive(kernel)] }),
    },
    exitCodes: [33],
    failOn: [RUST_PANIC],
    explainExit: explainIsaDebugExit,
  });
}
