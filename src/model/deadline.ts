import * as vm from 'node:vm';

/**
 * Runs synchronous work with a deadline: V8 terminates it when it runs longer than `ms` (the
 * `timeout` of Node's vm module, https://nodejs.org/api/vm.html#scriptrunincontextcontextifiedobject-options,
 * which interrupts a regular expression in the middle of its backtracking as well as a loop).
 *
 * Why: a user's `/regex/` can backtrack catastrophically (`/^(\w+\s?)+!$/` on a line of 40 word
 * characters runs for hours). JavaScript runs it on the event loop, so while it runs no timer fires
 * and no signal is handled: the boot's timeout, idle-timeout and SIGTERM would all be dead. A
 * linear-time engine is not at hand (V8's experimental one, behind a flag, refuses the `i` flag and
 * counted repetitions; RE2 is a native addon the bundle cannot carry), and refusing "nested
 * quantifiers" up front is not sound (`\w*\w*\w*!` has none, and is cubic on a 64 KiB line). So
 * matching keeps V8's fast engine and gets a deadline instead: the loop is blocked for at most `ms`,
 * and the caller turns the stall into a failure that names the pattern.
 *
 * The work is stopped without unwinding: no `finally` inside it runs, so the caller must keep its
 * state consistent at every point where the work could stop. Each call costs about 0.1 ms (Node
 * starts a watchdog thread), so callers batch their work.
 */
export function withinDeadline<T>(ms: number, work: () => T): { done: true; value: T } | { done: false } {
  context.work = work;
  try {
    return { done: true, value: SCRIPT.runInContext(context, { timeout: Math.max(1, Math.round(ms)) }) as T };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { done: false };
    throw e;
  } finally {
    context.work = undefined;
  }
}

const context = vm.createContext({ work: undefined as unknown });
const SCRIPT = new vm.Script('work()', { filename: 'deadline.js' });

/** How long matching one batch of serial text (at most 64 KiB and a few hundred lines) may take. */
export const MATCH_DEADLINE_MS = 2000;

/** The text a pattern ran out of time on (see matchesInTime). */
export class MatchStalled extends Error {
  constructor(readonly source: string) {
    super(`matching ${source} took longer than ${MATCH_DEADLINE_MS / 1000} s: the regular expression backtracks catastrophically`);
  }
}
