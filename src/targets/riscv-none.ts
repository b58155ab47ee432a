import type { TargetFamily, TargetProfile } from './types.js';
import { explainFinisher, HEADLESS, RUST_PANIC } from './common.js';
import { literal } from '../verdict/patterns.js';

const TRIPLE = /^riscv(32|64)[a-z0-9_]*-unknown-none-elf$/;

/**
 * riscv32 and riscv64 `-unknown-none-elf` kernels on QEMU's `virt` board, loaded with `-kernel`. The
 * NS16550 UART at 0x1000_0000 is the serial console; the guest ends QEMU through the test
 * finisher at 0x10_0000 (0x5555: status 0; (code << 16) | 0x3333: status code).
 *
 * riscv64: QEMU's bundled OpenSBI runs first and enters the kernel at 0x8020_0000 in S-mode.
 * riscv32: `-bios none` (Debian and Ubuntu ship no 32-bit OpenSBI); the kernel runs in M-mode
 * from 0x8000_0000.
 */
export const riscvNone: TargetFamily = {
  name: 'RISC-V bare metal (virt board, test finisher)',
  examples: ['riscv64gc-unknown-none-elf', 'riscv64imac-unknown-none-elf', 'riscv32imac-unknown-none-elf'],
  resolve(target: string): TargetProfile | undefined {
    const m = TRIPLE.exec(target);
    if (!m) return undefined;
    const bits = m[1];
    return {
      target,
      family: this.name,
      arch: `riscv${bits}`,
      buildStd: { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] },
      linksWithRustLld: true,
      qemu: { binary: `qemu-system-riscv${bits}`, aptPackage: 'qemu-system-misc' },
      kvmCapable: process.arch === 'riscv64' && bits === '64',
      cpu: { kvm: 'host', tcg: undefined },
      machine: 'virt',
      memory: '128M',
      firmware: bits === '64' ? [{ path: '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin', aptPackage: 'opensbi' }] : [],
      successExitCodes: [0],
      // OpenSBI's report of a trap the kernel did not handle.
      defaultFailOn: bits === '64' ? [RUST_PANIC, literal('sbi_trap_error')] : [RUST_PANIC],
      qemuArgs: ({ kernel }) => [...HEADLESS, '-no-reboot', ...(bits === '32' ? ['-bios', 'none'] : []), '-kernel', kernel],
      explainExit: explainFinisher,
    };
  },
};
