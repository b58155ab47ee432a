import { NICS } from '../../boot/network.js';
import { explainSemihosting, RUST_PANIC } from '../common.js';
import type { TargetPlan } from '../contract.js';
import { bareMetalPlan } from './common.js';

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
export function cortexM(target: string): TargetPlan | undefined {
  const m = TRIPLE.exec(target);
  if (!m) return undefined;
  return bareMetalPlan(target, {
    family: 'Arm Cortex-M (semihosting)',
    qemu: {
      arch: 'arm',
      machine: BOARDS[m[1]],
      cpu: { kvm: undefined, tcg: undefined },
      console: 'semihosting',
      noMonitor: true,
      noReboot: true,
      // A forward goes to the board's own Ethernet controller (lan9118 on mps2, stellaris_enet on lm3s6965evb).
      nic: NICS.onboard,
      load: ({ kernel }) => ({ kernel }),
    },
    exitCodes: [0],
    failOn: [RUST_PANIC],
    explainExit: explainSemihosting,
  });
}
