import { NICS } from '../../boot/network.js';
import { literal } from '../../model/patterns.js';
import { explainFinisher, RUST_PANIC } from '../common.js';
import type { TargetPlan } from '../contract.js';
import { bareMetalPlan } from './common.js';

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
export function riscvNone(target: string): TargetPlan | undefined {
  const m = TRIPLE.exec(target);
  if (!m) return undefined;
  const rv64 = m[1] === '64';
  return bareMetalPlan(target, {
    family: 'RISC-V bare metal (virt board, test finisher)',
    qemu: {
      arch: rv64 ? 'riscv64' : 'riscv32',
      machine: 'virt',
      cpu: { kvm: 'host', tcg: undefined },
      memory: '128M',
      console: 'serial',
      noMonitor: true,
      noReboot: true,
      // A forward gives the guest virtio-net on one of the virt board's virtio-mmio transports.
      nic: NICS.virtioMmio,
      load: ({ kernel }) => ({ kernel, bios: rv64 ? undefined : 'none' }),
    },
    firmware: rv64 ? [{ path: '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin', aptPackage: 'opensbi' }] : [],
    exitCodes: [0],
    // OpenSBI's report of a trap the kernel did not handle.
    failOn: rv64 ? [RUST_PANIC, literal('sbi_trap_error')] : [RUST_PANIC],
    explainExit: explainFinisher,
  });
}
