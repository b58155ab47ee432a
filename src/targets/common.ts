import { literal, type Pattern } from '../verdict/patterns.js';

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
