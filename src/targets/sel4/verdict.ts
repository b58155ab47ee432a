import { literal, parsePattern, type Pattern } from '../../model/patterns.js';
import { RUST_PANIC } from '../common.js';

// seL4 guests never power QEMU off: a root task prints its result and suspends itself, and the
// run ends when the action has seen what it waits for. So there is no exit status to accept,
// and a pass comes only from the lines below.

/**
 * The expectation used only when the user gives no `expect`: rust-sel4's test sentinels. Its
 * runner stops QEMU on `TEST_PASS`/`TEST_FAIL`, or on `INDICATE_SUCCESS\x06`/`INDICATE_FAILURE\x15`
 * from sel4-test-sentinels (https://github.com/seL4/rust-sel4/blob/v5.0.0/crates/private/support/sel4-test-sentinels/src/lib.rs
 * and its wrapper's default_sentinels()); rust-root-task-demo's test waits for TEST_PASS
 * (https://github.com/seL4/rust-root-task-demo/blob/main/test.py).
 */
export const EXPECT_WHEN_NONE: Pattern = parsePattern('/TEST_PASS|INDICATE_SUCCESS/', 'expect');

/**
 * Lines that fail the run on sight (unless default-fail-on is off), each as the kernel or the
 * runtime prints it:
 * - Rust: `panicked at` (Microkit prefixes the PD's name), rust-sel4's abort `aborted at <loc>:`
 *   (https://github.com/seL4/rust-sel4/blob/v5.0.0/crates/sel4-panicking/env/src/lib.rs).
 * - The sentinels' failures.
 * - The kernel (https://github.com/seL4/seL4/tree/16.0.0/src): `seL4 failed assertion`,
 *   `seL4 called fail at`, Arm's `KERNEL DATA ABORT!` / `KERNEL PREFETCH ABORT!` /
 *   `KERNEL UNDEFINED INSTRUCTION!`, x86's `========== KERNEL EXCEPTION ==========`, RISC-V's
 *   `KERNEL ABORT (exception within s-mode)!`, `halting...` from halt(), a thread fault nobody
 *   handles (`... while trying to handle:`), x86's boot stub `Huge page not supported by the processor`.
 * - Microkit's monitor and loader (https://github.com/seL4/microkit/tree/2.3.0): `MON|ERROR:`, `LDR|ERROR:`.
 */
export const DEFAULT_FAIL_ON: Pattern[] = [
  RUST_PANIC,
  literal('aborted at '),
  literal('TEST_FAIL'),
  literal('INDICATE_FAILURE'),
  literal('seL4 failed assertion'),
  literal('seL4 called fail at'),
  literal('KERNEL DATA ABORT!'),
  literal('KERNEL PREFETCH ABORT!'),
  literal('KERNEL UNDEFINED INSTRUCTION!'),
  literal('KERNEL EXCEPTION'),
  literal('KERNEL ABORT'),
  literal('halting...'),
  literal('while trying to handle:'),
  literal('Huge page not supported by the processor'),
  literal('MON|ERROR:'),
  literal('LDR|ERROR:'),
];

/**
 * Lines that show how far the boot got, for the summary of a run that did not pass: none of
 * them seen = the kernel never booted (a wrong image, memory, CPU or firmware); the last one
 * seen = it hung or stopped after that point. The loader's line is "seL4 kernel loader | {:<5}  {}"
 * (https://github.com/seL4/rust-sel4/blob/v5.0.0/crates/sel4-kernel-loader/src/logging.rs).
 */
export const RUNNING_MARKERS: { pattern: Pattern; meaning: string }[] = [
  { pattern: literal('seL4 kernel loader | INFO   Starting loader'), meaning: "rust-sel4's kernel loader started" },
  { pattern: literal('LDR|INFO: loader for seL4 starting'), meaning: "Microkit's loader started" },
  { pattern: literal('Bootstrapping kernel'), meaning: 'the seL4 kernel started' },
  { pattern: literal('Booting all finished, dropped to user space'), meaning: 'the seL4 kernel booted and started the root task' },
  { pattern: literal('MON|INFO: Microkit Monitor started!'), meaning: 'the Microkit monitor started the protection domains' },
];

/** The furthest boot stage the lines show, or undefined when none appeared (never booted). */
export function bootProgress(lines: Iterable<string>): string | undefined {
  let best = -1;
  for (const line of lines) {
    RUNNING_MARKERS.forEach((m, i) => {
      if (i > best && m.pattern.literal !== undefined && line.includes(m.pattern.literal)) best = i;
    });
  }
  return best < 0 ? undefined : RUNNING_MARKERS[best].meaning;
}

/** One sentence for a run that neither passed nor failed on a line. */
export function explainNoVerdict(lines: Iterable<string>): string {
  const p = bootProgress(lines);
  return p === undefined
    ? "seL4 never booted: none of the loader's or kernel's start lines appeared (check the image, the memory size the kernel was built for, and the CPU model)"
    : `seL4 booted (${p}) and then printed neither a result nor a failure: the guest hung or waited for something`;
}

/** seL4 guests never exit by themselves: no QEMU exit status means success. */
export const SUCCESS_EXIT_CODES: number[] = [];

export function explainExit(status: number): string {
  return `QEMU exited with status ${status}: seL4 guests never power the machine off, so QEMU stopped by itself (a QEMU error, or a reset after a fault)`;
}
