import { InputError } from '../model/errors.js';
import type { Pattern } from '../model/patterns.js';
import type { WatchRules } from './watcher.js';

/**
 * The verdict policy, decided before anything runs: which lines must appear and which fail the run,
 * which exit statuses count, and whether a reset may. Pure: the user's choices and the target's
 * defaults in, rules out, or an input error when they could never prove success.
 */
export interface VerdictPolicy {
  rules: WatchRules;
  exitCodes: number[];
  /** A machine reset (QMP reason guest-reset) counts as an exit with an accepted status only when exit-code was given. */
  resetAccepted: boolean;
  /** wait-for-exit: the guest must exit by itself with an accepted status; a match never stops it. */
  waitForExit: boolean;
  explainExit(status: number): string;
}

export interface UserVerdictInputs {
  target: string;
  expect: Pattern[];
  ordered: boolean;
  failOn: Pattern[];
  defaultFailOn: boolean;
  /** exit-code, undefined when not given. */
  exitCodes?: number[];
  waitForExit: boolean;
  /**
   * test: each test executable's own result lines (libtest's `test result: ok`, blog_os's `[ok]`)
   * are the evidence status 0 lacks, and test-steps.ts requires them; so no expect line is needed.
   */
  command?: 'boot' | 'test';
  /** Probes or a console script judge the run too (they are success evidence besides the serial lines). */
  converses?: boolean;
}

/** What success means for a target, as its family declares it (TargetPlan.verdict). */
export interface TargetVerdict {
  /** QEMU exit statuses that mean success when the guest exits by itself. */
  exitCodes: number[];
  /** Lines that fail the run on sight unless the user turns the defaults off. */
  failOn: Pattern[];
  /** Lines that must appear after the user's (success evidence the guest prints itself). */
  expect: Pattern[];
  /** One sentence on what an exit status means for this target, for failure messages. */
  explainExit(status: number): string;
  /** Why this target needs an expect line whatever exit-code says (undefined: it does not). */
  expectRequired?: string;
  /**
   * Lines that must appear when the user gives no expect line (an image that prints its own
   * success line, e.g. seL4's test runner); the user's lines replace them.
   */
  expectWhenNone?: Pattern[];
  /** The exit status is the app's own exit code (Uhyve), not QEMU's: status 0 is evidence by itself. */
  statusIsAppExitCode?: boolean;
}

export function verdictPolicy(user: UserVerdictInputs, target: TargetVerdict): VerdictPolicy {
  const exitCodes = user.exitCodes ?? target.exitCodes;
  const userExpect = user.expect.length ? user.expect : (target.expectWhenNone ?? []);
  // The target's own success evidence (e.g. Hermit's `exit status 0`) comes after the user's lines.
  const expect = [...userExpect, ...target.expect];
  if (exitCodes.includes(0) && expect.length === 0 && !target.statusIsAppExitCode && user.command !== 'test' && !user.converses) {
    throw new InputError(
      'expect',
      `is empty, but exit status 0 counts as success for ${user.target} (exit-code: ${exitCodes.join(', ')}). QEMU also exits with 0 when a guest powers off or resets without reporting anything (and on RISC-V when it fails with code 0), so status 0 alone proves nothing`,
      "Add a line your kernel prints only when it succeeded (for example: all tests passed), or set exit-code to a status that only your kernel's success gives.",
    );
  }
  if (user.waitForExit && exitCodes.length === 0) {
    throw new InputError(
      'wait-for-exit',
      `is true, but no exit status counts as success for ${user.target}, so the guest could never pass by exiting`,
      'Set exit-code to the status your kernel exits with on success, or remove wait-for-exit to pass on the expected lines.',
    );
  }
  if (target.expectRequired && user.expect.length === 0 && !user.converses) {
    throw new InputError('expect', `is required for ${user.target}`, target.expectRequired);
  }
  return {
    rules: { expect, ordered: user.ordered, failOn: [...(user.defaultFailOn ? target.failOn : []), ...user.failOn] },
    exitCodes,
    resetAccepted: user.exitCodes !== undefined,
    waitForExit: user.waitForExit,
    explainExit: target.explainExit,
  };
}
