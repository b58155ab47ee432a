import type { SerialWatcher } from './watcher.js';
import { describeStop, kvmFailure } from './run-state.js';
import { type ConversationOutcome } from '../model/conversation.js';
import { roundSeconds } from '../model/parse.js';

/** How a boot ended, as the boot stage saw it. */
export type BootEnd =
  | { kind: 'exited'; status: number | null; signal: NodeJS.Signals | null; shutdown?: string }
  /**
   * Every expectation was met and the action stopped the guest. `runState` is what QEMU's
   * query-status said at that moment (QMP); undefined when QMP was not in use (a runner).
   */
  | { kind: 'satisfied'; runState?: string }
  /**
   * QEMU stopped the guest itself, or the guest reset the machine: the run state (query-status
   * after a STOP event: internal-error, guest-panicked, io-error, shutdown, paused, ...; or
   * `reset`, `suspended`), seen through QMP, or a KVM failure on QEMU's stderr. `detail`: the
   * event that came with it.
   */
  | { kind: 'stopped'; state: string; detail?: string; satisfiedBefore: boolean }
  /** A failure line appeared; the action stopped the guest. */
  | { kind: 'failure-line' }
  /** A probe (probes input) or the console script failed; the action stopped the guest. `message` says which and why. */
  | { kind: 'probe-failed' | 'script-failed'; message: string }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'idle'; seconds: number };

export interface VerdictContext {
  watcher: SerialWatcher;
  end: BootEnd;
  acceptedExitCodes: number[];
  /**
   * Does an accepted status count when QEMU says the guest reset the machine? Only when the user
   * chose the statuses: a target's default (e.g. 0 for a power-off) is never proof after a reset.
   */
  resetAccepted?: boolean;
  /** One sentence on what a QEMU exit status means for this target. */
  explainExit: (status: number) => string;
  /** QEMU's own error output (not the guest's), last lines. */
  qemuStderr: string;
  /** wait-for-exit: the guest had to exit by itself; the action did not stop it on a match. */
  waitForExit?: boolean;
  /** The probes' and console script's outcomes, when the run had any: a pass needs every one passed. */
  conversation?: ConversationOutcome;
}

export interface Verdict {
  pass: boolean;
  /** One sentence a person understands. */
  reason: string;
  /** QEMU's exit status when the guest exited by itself. */
  exitCode?: number;
}

/** What QEMU's SHUTDOWN event reasons mean, in words. */
const SHUTDOWN_REASONS: Record<string, string> = {
  'guest-reset': 'the guest reset the machine (on x86 typically a triple fault; -no-reboot turned the reset into an exit)',
  'guest-shutdown': 'the guest powered the machine off (ACPI, PSCI or SBI power-off)',
  'guest-panic': 'the guest reported a panic to QEMU',
};

const quote = (s: string) => JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s);

function lastSeen(w: SerialWatcher): string {
  const last = w.lastLine();
  return last === undefined ? 'the guest printed nothing' : `the last line was ${quote(last)}`;
}

/**
 * The first expected line not met, quoted, with why when the output says more than "not printed":
 * it appeared, but out of order or only on lines that met other expected lines (a line meets at
 * most one); and how many of the expected lines appeared.
 */
function missingInWords(w: SerialWatcher): string {
  const i = w.met.indexOf(false);
  if (i < 0) return '';
  const { expect, ordered } = w.rules;
  const x = quote(expect[i].source);
  const seen = w.seenAt[i];
  let why = '';
  if (seen > 0 && ordered && i > 0) {
    const prev = quote(expect[i - 1].source);
    const at = w.metAt[i - 1];
    why =
      seen === at
        ? `: it appeared only on serial line ${seen}, which met the expected line before it (${prev}), and a line meets at most one expected line`
        : `: it appeared at serial line ${seen}, before ${prev} at line ${at}, and not after it (ordered: true wants the lines in the order given)`;
  } else if (seen > 0 && !ordered) {
    why = `: it appeared (first at serial line ${seen}), but every line it appeared on met another expected line, and a line meets at most one`;
  }
  const n = expect.length;
  const count = n > 1 && w.metCount > 0 ? ` (${w.metCount} of ${n} expected lines had appeared)` : '';
  return `${x}${ordered && i > 0 && why ? ` after ${quote(expect[i - 1].source)}` : ''}${count}${why}`;
}

/** Where the watch was: `while waiting for "X" ...`, or after every expected line. */
function during(w: SerialWatcher, prefix = 'while '): string {
  return w.satisfied ? 'after every expected line had appeared' : `${prefix}waiting for ${missingInWords(w)}`;
}

function qemuError(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^qemu-system-[\w-]+:/.test(l) && !/warning:|info:|terminating on signal/.test(l));
  return lines.length > 0 ? lines[lines.length - 1] : undefined;
}

/** The first probe or script failure, in words (undefined: none failed). */
function conversationFailure(c: ConversationOutcome | undefined): string | undefined {
  if (!c) return undefined;
  const probe = c.probes.find((p) => !p.ok);
  if (probe) return probe.message;
  if (c.script && !c.script.ok) return c.script.message;
  return undefined;
}

/**
 * Decides pass or fail. Passing needs positive evidence; anything else fails, with the reason. With
 * probes or a console script, a pass also needs every probe passed and the script completed.
 */
export function decide(ctx: VerdictContext): Verdict {
  const v = decideBoot(ctx);
  const c = ctx.conversation;
  if (ctx.end.kind === 'probe-failed' || ctx.end.kind === 'script-failed' || !c) return v;
  const failed = conversationFailure(c);
  if (failed) return { pass: false, exitCode: v.exitCode, reason: v.pass ? failed : `${v.reason} ${failed}` };
  if (!v.pass) return v;
  const said = [
    c.probes.length ? `${c.probes.length === 1 ? 'the probe' : `all ${c.probes.length} probes`} passed` : '',
    c.script ? c.script.message.replace(/\.$/, '').replace(/^The/, 'the') : '',
  ].filter(Boolean);
  return { ...v, reason: `${v.reason} ${said.join('; ').replace(/^./, (x) => x.toUpperCase())}.` };
}

function decideBoot(ctx: VerdictContext): Verdict {
  const { watcher: w, end, acceptedExitCodes } = ctx;
  const exitCode = end.kind === 'exited' && end.status !== null ? end.status : undefined;
  const fail = (reason: string): Verdict => ({ pass: false, reason, exitCode });
  const nExpect = w.rules.expect.length;

  const stalledMs = w.failure?.stalledMs;
  if (w.failure && stalledMs !== undefined) {
    const f = w.failure;
    return fail(
      `Matching serial line ${f.lineNumber} (${quote(f.line)}) against ${quote(f.pattern.source)} took longer than ${stalledMs / 1000} s, so the action stopped watching: ` +
        'the regular expression backtracks catastrophically on that line. Rewrite it so that no two quantifiers can share the same characters ' +
        '(for example /^(\\w+\\s?)+!$/ as /^[\\w\\s]*!$/), or write the line as plain text.',
    );
  }
  if (w.failure) {
    const f = w.failure;
    const next = f.next ? ` ${quote(f.next)}` : '';
    const hint = f.pattern.hint?.(f.line, f.next);
    return fail(`Failure line at serial line ${f.lineNumber}: ${quote(f.line)}${next} (matched fail-on ${quote(f.pattern.source)}).${hint ? ` ${hint}` : ''}`);
  }

  if (end.kind === 'stopped') {
    const { what, fix } = describeStop(end.state, ctx.qemuStderr, end.detail);
    const when = end.satisfiedBefore ? 'after every expected line had appeared' : during(w);
    return fail(`QEMU stopped the guest ${when}: ${what}; ${lastSeen(w)}. ${fix}`);
  }
  // QEMU said on stderr that KVM failed: the guest is not running, whatever else happened.
  const kvm = kvmFailure(ctx.qemuStderr);
  if (kvm) {
    const { fix } = describeStop('internal-error', ctx.qemuStderr);
    return fail(`QEMU reported ${kvm} and stopped the guest ${during(w)}; ${lastSeen(w)}. ${fix}`);
  }

  switch (end.kind) {
    case 'timeout':
      if (ctx.waitForExit && w.satisfied) {
        return fail(
          `Timed out after ${roundSeconds(end.seconds)}s: every expected line had appeared, but the guest did not exit by itself with status ${acceptedExitCodes.join(' or ')} (wait-for-exit: true); ${lastSeen(w)}.`,
        );
      }
      return fail(
        nExpect > 0 || acceptedExitCodes.length === 0
          ? `Timed out after ${roundSeconds(end.seconds)}s ${during(w, '')}; ${lastSeen(w)}.`
          : `Timed out after ${roundSeconds(end.seconds)}s: the guest did not exit with status ${acceptedExitCodes.join(' or ')}; ${lastSeen(w)}.`,
      );
    case 'idle':
      return fail(`No serial output for ${roundSeconds(end.seconds)}s (idle-timeout) ${during(w)}; ${lastSeen(w)}.`);
    case 'failure-line':
      return fail('A failure line appeared.');
    case 'probe-failed':
    case 'script-failed':
      return fail(end.message);
    case 'satisfied':
      if (!w.satisfied) return fail(`Stopped ${during(w)}.`);
      if (end.runState !== undefined && end.runState !== 'running') {
        // boot() only stops on a match when QEMU says running; anything else is not a pass.
        const { what, fix } = describeStop(end.runState, ctx.qemuStderr);
        return fail(`QEMU stopped the guest after every expected line had appeared: ${what}; ${lastSeen(w)}. ${fix}`);
      }
      return {
        pass: true,
        reason: `${nExpect > 0 ? `All ${nExpect} expected line${nExpect === 1 ? '' : 's'} appeared; the` : 'The'} guest was still running${end.runState ? ' (QEMU run state: running)' : ''} and was stopped.`,
      };
    case 'exited': {
      if (end.status === null) {
        return fail(`QEMU was killed by ${end.signal ?? 'a signal'} ${during(w)}; ${lastSeen(w)}.`);
      }
      const status = end.status;
      if (!acceptedExitCodes.includes(status)) {
        const qerr = qemuError(ctx.qemuStderr);
        if (qerr) return fail(`QEMU failed with status ${status}: ${qerr}`);
        const why = end.shutdown && SHUTDOWN_REASONS[end.shutdown];
        const what = why && status === 0 ? `QEMU exited with status 0 because ${why}` : ctx.explainExit(status);
        // Suggest exit-code only where it would change the verdict: with an expected line still
        // missing (e.g. Hermit's `exit status 0`), the run would fail anyway.
        const fix = w.satisfied
          ? `If this exit is intended, add ${status} to the exit-code input.`
          : `Adding ${status} to the exit-code input would not make it pass: ${quote(w.missing!.source)} never appeared, and it is required too.`;
        return fail(`${what}; expected status ${acceptedExitCodes.join(' or ') || '(none accepted)'}; ${lastSeen(w)}. ${fix}`);
      }
      if (end.shutdown === 'guest-reset' && !ctx.resetAccepted) {
        return fail(
          `QEMU exited with status ${status} because ${SHUTDOWN_REASONS['guest-reset']}, not by a deliberate exit; ${lastSeen(w)}. If this reset is the intended end, give exit-code: ${status} explicitly.`,
        );
      }
      if (!w.satisfied) {
        return fail(`The guest exited (status ${status}) before printing ${missingInWords(w)}; ${lastSeen(w)}.`);
      }
      const what = nExpect > 0 ? `printed all ${nExpect} expected line${nExpect === 1 ? '' : 's'} and exited` : 'exited';
      return { pass: true, reason: `The guest ${what} with status ${status}.`, exitCode: status };
    }
  }
}
