import type { TargetFamily, TargetProfile } from './types.js';
import { explainSemihosting, HEADLESS_SEMIHOSTING, RUST_PANIC } from './common.js';

const TRIPLE = /^thumbv(6m|7m|7em|8m\.base|8m\.main)-none-eabi(hf)?$/;

/**
 * The board for each Arm M-profile architecture. Every board here has code memory at 0 and RAM
 * at 0x2000_0000. Armv6-M code runs on the Cortex-M3 (QEMU has no Cortex-M0 board with that
 * layout), Armv8-M Baseline code on the Cortex-M33.
 */
const BOARDS: Record<string, string> = {
  '6m': 'lm3s6965evb', // Cortex-M3
  '7m': 'lm3s6965evb', // Cortex-M3
  '7em': 'mps2-an386', // Cortex-M4 with FPU
  '8m.base': 'mps2-an505', // Cortex-M33
  '8m.main': 'mps2-an505', // Cortex-M33 with FPU
};

/**
 * Cortex-M (thumbv6m/7m/7em/8m) kernels on an M-profile board, loaded with `-kernel` (the CPU
 * takes its stack pointer and reset address from the vector table). Output goes to the
 * semihosting console or the board's UART, both on stdout; the guest ends QEMU with semihosting
 * SYS_EXIT (ADP_Stopped_ApplicationExit: status 0; any other reason: status 1).
 */
export const cortexM: TargetFamily = {
  name: 'Arm Cortex-M (semihosting)',
  examples: ['thumbv7m-none-eabi', 'thumbv7em-none-eabihf', 'thumbv6m-none-eabi', 'thumbv8m.main-none-eabi'],
  resolve(target: string): TargetProfile | undefined {
    const m = TRIPLE.exec(target);
    if (!m) return undefined;
    return {
      target,
      family: this.name,
      arch: 'arm',
      buildStd: { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] },
      linksWithRustLld: true,
      qemu: { binary: 'qemu-system-arm', aptPackage: 'qemu-system-arm' },
      kvmCapable: false,
      cpu: { kvm: undefined, tcg: undefined },
      machine: BOARDS[m[1]],
      firmware: [],
      successExitCodes: [0],
      defaultFailOn: [RUST_PANIC],
      qemuArgs: ({ kernel }) => [...HEADLESS_SEMIHOSTING, '-no-reboot', '-kernel', kernel],
      explainExit: explainSemihosting,
    };
  },
};
