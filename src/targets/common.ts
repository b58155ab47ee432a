import * as fs from 'node:fs';
import * as path from 'node:path';
import { literal, type Pattern } from '../model/patterns.js';
import type { ImageKind } from '../boot/qemu-args.js';
import type { CommonInputs } from './contract.js';

/** Rust's panic message, from std or from a no_std handler printing PanicInfo. */
export const RUST_PANIC: Pattern = literal('panicked at ');

/** What a QEMU exit status means when a guest used isa-debug-exit: status = (value << 1) | 1. */
export function explainIsaDebugExit(status: number): string {
  if (status === 0) {
    return 'QEMU exited with status 0: the guest powered off or reset (ACPI power-off, or a triple fault under -no-reboot) without reporting success through isa-debug-exit';
  }
  if (status % 2 === 1 && status < 256) {
    const value = (status - 1) >> 1;
    return `QEMU exited with status ${status}: the guest wrote 0x${value.toString(16)} to isa-debug-exit (status = value << 1 | 1)`;
  }
  return `QEMU exited with status ${status}`;
}

/** Reads the first bytes of an image: ELF (`\x7fELF`), PE (`MZ`, a UEFI application) or raw (a disk image, anything else). */
export function detectImage(file: string): ImageKind {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1') === '\x7fELF') return 'elf';
  if (head.toString('latin1', 0, 2) === 'MZ') return 'pe';
  return 'raw';
}

const ZERO_AMBIGUOUS = 'which is also what QEMU gives when the guest powers off or resets without reporting anything';

/** What a QEMU exit status means when the guest used semihosting SYS_EXIT. */
export function explainSemihosting(status: number): string {
  if (status === 0)
    return `QEMU exited with status 0: the guest called semihosting SYS_EXIT with success (ADP_Stopped_ApplicationExit, code 0), ${ZERO_AMBIGUOUS}`;
  return `QEMU exited with status ${status}: the guest called semihosting SYS_EXIT with code ${status} (on 32-bit Arm, any reason other than ADP_Stopped_ApplicationExit gives 1), or QEMU itself failed`;
}

/** What a QEMU exit status means on a RISC-V virt machine, whose test finisher at 0x10_0000 ends QEMU. */
export function explainFinisher(status: number): string {
  if (status === 0)
    return `QEMU exited with status 0: the guest wrote 0x5555 (pass) to the test finisher at 0x100000 or shut down through SBI, ${ZERO_AMBIGUOUS}`;
  return `QEMU exited with status ${status}: the guest wrote (${status} << 16) | 0x3333 (fail) to the test finisher at 0x100000, or called semihosting SYS_EXIT with ${status}`;
}

/** Where a family keeps tools it installs or builds itself: the runner's tool cache, else a folder in its scratch space. */
export const toolCacheOf = (common: Pick<CommonInputs, 'runnerEnv'>) => common.runnerEnv.toolCache ?? path.join(common.runnerEnv.temp, 'tool-cache');
