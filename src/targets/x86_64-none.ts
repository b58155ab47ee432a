import type { TargetFamily, TargetProfile } from './types.js';
import { explainIsaDebugExit, RUST_PANIC } from './common.js';

/**
 * x86_64-unknown-none kernels: an ELF is booted directly with `-kernel` (a PVH ELF note, see
 * shared/reference/bare-metal.md); anything else is a BIOS-bootable raw disk image (such as the
 * `bootloader` crate makes), booted with `-drive format=raw`. Success is reported through
 * isa-debug-exit at 0xf4: writing 0x10 gives QEMU status 33 (rust-osdev's convention).
 */
export const x86_64None: TargetFamily = {
  name: 'x86_64 bare metal (PVH)',
  examples: ['x86_64-unknown-none'],
  resolve(target: string): TargetProfile | undefined {
    if (target !== 'x86_64-unknown-none') return undefined;
    return {
      target,
      family: this.name,
      arch: 'x86_64',
      buildStd: { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] },
      linksWithRustLld: true,
      qemu: { binary: 'qemu-system-x86_64', aptPackage: 'qemu-system-x86' },
      kvmCapable: process.arch === 'x64',
      cpu: { kvm: 'host', tcg: undefined },
      successExitCodes: [33],
      defaultFailOn: [RUST_PANIC],
      firmware: [],
      qemuArgs: ({ kernel, image }) => [
        '-display', 'none',
        '-serial', 'stdio',
        '-monitor', 'none',
        '-no-reboot',
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
        ...(image === 'elf' ? ['-kernel', kernel] : ['-drive', `format=raw,file=${kernel}`]),
      ],
      explainExit: explainIsaDebugExit,
    };
  },
};
