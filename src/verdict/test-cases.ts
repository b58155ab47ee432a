import { cleanLine } from '../model/ansi.js';

/**
 * Test cases inside one test executable's serial output. Two line formats are recognised:
 *
 * - libtest's (the standard `#[test]` harness, std targets such as Hermit):
 *   `test NAME ... ok|FAILED|ignored[, reason]|bench: ...`, `test NAME - should panic ... ok`,
 *   `test result: ok. 3 passed; 0 failed; ...`, failures in `---- NAME stdout ----` sections and
 *   `thread 'NAME' panicked at FILE:L:C:`
 *   (https://github.com/rust-lang/rust/blob/master/library/test/src/formatters/pretty.rs);
 * - blog_os's custom test framework: `crate::module::name...\t[ok]` (also `[OK]`, `[PASS]`, `[FAIL]`,
 *   `[failed]`, `[skipped]`, as other kernels' frameworks print; the name is
 *   `core::any::type_name` of the test function; its result may come lines later when the test
 *   prints), `[failed]` and then `Error: panicked at FILE:L:C:` from the panic handler
 *   (https://os.phil-opp.com/testing/);
 * - defmt-test's (embedded suites; its text once decoded, e.g. by defmt-print, or printed the same
 *   way by hand): `(1/3) running `NAME`...`, `(2/3) ignoring `NAME`...`, and `all tests passed!` at
 *   the end (https://github.com/knurling-rs/defmt/blob/main/firmware/defmt-test/macros/src/lib.rs).
 *   A case has no result line of its own: it passed when the next one starts or the run says all
 *   passed; a panic (the executable then exits) fails the case that was running. A decoder's
 *   timestamp and level before the text, and its location lines after, are allowed.
 *
 * Where none appear, the executable itself is the one test case.
 */

export type CaseStatus = 'passed' | 'failed' | 'ignored';

/** Where a panic happened, as the guest printed it (a path relative to the crate the test was built from, usually). */
export interface PanicLocation {
  file: string;
  line: number;
  col: number;
}

export interface TestCase {
  name: string;
  status: CaseStatus;
  /** Why it failed (the panic message, or the executable's verdict) or why it was ignored. */
  message?: string;
  /** The panic's location, when it panicked. */
  location?: PanicLocation;
  /** The lines the guest printed while the case ran, and its panic (at most MAX_OUTPUT lines). */
  output: string[];
  /** Seconds from its start line to its result line, when the lines were timed. */
  seconds?: number;
  /** No result line was printed: the status is the executable's outcome (the case that was running when it ended). */
  inferred?: boolean;
}

/** libtest's `test result:` line. */
export interface LibtestSummary {
  ok: boolean;
  passed: number;
  failed: number;
  ignored: number;
}

/** How the executable ended, as the verdict (src/verdict/verdict.ts) decided it. */
export interface ExecutableOutcome {
  pass: boolean;
  reason: string;
}

export interface ExecutableReport {
  cases: TestCase[];
  /** The executable passes only if its own verdict passes and no case failed. */
  pass: boolean;
  reason: string;
  /** Which line format was seen; 'none' when the executable is its own single case. */
  style: 'libtest' | 'blog_os' | 'defmt-test' | 'none';
  libtest?: LibtestSummary;
  /** defmt-test printed `all tests passed!` (its only word on the whole run). */
  defmtAllPassed?: boolean;
  /** A panic no case claimed (it happened outside any test). */
  panic?: { location?: PanicLocation; message?: string };
  counts: { passed: number; failed: number; ignored: number };
}

/** Lines of output kept per case. */
export const MAX_OUTPUT = 50;
/** Lines after a panic line that make up its message (assert_eq! prints three). */
const PANIC_MESSAGE_LINES = 6;

const LIBTEST_CASE = /^test (.+?)(?: - (?:should panic|compile fail|compile))? \.\.\. ?(.*)$/;
const LIBTEST_STATUS = /^(ok|FAILED|ignored|bench)\b(?:, (.*?))?(?: <[\d.]+s>)?$/;
const LIBTEST_RESULT = /^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored/;
const LIBTEST_SECTION = /^---- (.+?) stdout ----$/;
// blog_os: `name...` then `[ok]`/`[failed]` on the same line or (when the test printed) a later one.
const BLOG_CASE = /^(\S+?)\.\.\.\s*(.*)$/;
// Its variants seen in other kernels' frameworks too: `[OK]`, `[PASS]`, `[passed]`, `[FAIL]`, `[FAILED]`, `[skipped]`.
const BLOG_STATUS = /\[(ok|pass|passed|failed|fail|ignored|skipped|skip)\]$/i;
const BLOG_WORD: Record<string, CaseStatus> = {
  ok: 'passed',
  pass: 'passed',
  passed: 'passed',
  failed: 'failed',
  fail: 'failed',
  ignored: 'ignored',
  skipped: 'ignored',
  skip: 'ignored',
};
const blogStatus = (word: string): CaseStatus => BLOG_WORD[word.toLowerCase()];
// A Rust path, as core::any::type_name gives it: only such names start a case whose result comes later.
const RUST_PATH = /^[A-Za-z_][\w]*(?:::[\w{}<>,'&]+)+$/;
// defmt-test: `(2/3) running `name`...` (or `ignoring`), anywhere in the line (after a decoder's timestamp and level).
const DEFMT_CASE = /\((\d+)\/(\d+)\) (running|ignoring) `([^`]+)`\.\.\./;
const DEFMT_DONE = /(?:^|\s)all tests passed!(?:\s|$)/;
// `panicked at src/lib.rs:5:9:` (Rust 1.73 and later) or `panicked at 'msg', src/lib.rs:5:9` (before).
const PANIC_NEW = /panicked at (.+?):(\d+):(\d+):?\s*$/;
const PANIC_OLD = /panicked at '(.*)', (.+?):(\d+):(\d+)/;
// `thread 'NAME' panicked at`, since Rust 1.92 or so with the thread's id: `thread 'NAME' (12) panicked at`.
const THREAD = /thread '([^']+)'(?: \(\d+\))? panicked at/;
// libtest's terse format (`cargo test -q`) names only the failures: `tests::wrong --- FAILED`.
const LIBTEST_TERSE_FAILED = /^(\S+) --- FAILED$/;

/** The location in a `panicked at` line, if it has one. */
export function parsePanicLine(line: string): { location: PanicLocation; message?: string } | undefined {
  const old = PANIC_OLD.exec(line);
  if (old) return { location: { file: old[2], line: Number(old[3]), col: Number(old[4]) }, message: old[1] };
  const m = PANIC_NEW.exec(line);
  if (m) return { location: { file: m[1], line: Number(m[2]), col: Number(m[3]) } };
  return undefined;
}

const STATUS: Record<string, CaseStatus> = { ok: 'passed', FAILED: 'failed', failed: 'failed', ignored: 'ignored', bench: 'passed' };

interface OpenCase extends TestCase {
  startedAt?: number;
}

interface OpenPanic {
  target?: TestCase;
  location: PanicLocation;
  lines: string[];
  message?: string;
}

/** Reads one executable's serial output line by line; `finish` gives the cases once it has ended. */
export class TestCaseParser {
  private readonly cases: OpenCase[] = [];
  private readonly byName = new Map<string, OpenCase>();
  /** The case started and not finished yet. */
  private pending?: OpenCase;
  /** The last case that failed (blog_os prints the panic right after its `[failed]`). */
  private lastFailed?: OpenCase;
  private section?: OpenCase;
  private panic?: OpenPanic;
  private orphanPanic?: { location?: PanicLocation; message?: string };
  private style: ExecutableReport['style'] = 'none';

  /** Has the output shown libtest's format (`running N tests`, `test x ... ok`)? */
  get isLibtest(): boolean {
    return this.style === 'libtest';
  }
  private libtest?: LibtestSummary;
  private defmtAllPassed = false;
  private buffered = '';

  /** One line of serial output (escape codes and control bytes are cleaned here); `at`: seconds since the boot started. */
  line(raw: string, at?: number): void {
    const line = cleanLine(raw).replace(/\s+$/, '');
    if (this.libtestLine(line, at) || this.defmtLine(line, at) || this.blogLine(line, at)) return;
    const p = parsePanicLine(line);
    if (p) {
      const thread = THREAD.exec(line);
      // libtest names the test's thread after the test; `main` and other threads are not cases.
      this.startPanic(p, thread && this.style === 'libtest' ? (this.byName.get(thread[1]) ?? this.caseNamed(thread[1])) : undefined);
    } else {
      this.collectPanic(line);
    }
    const holder = this.pending ?? this.section;
    if (holder && line !== '' && holder.output.length < MAX_OUTPUT) holder.output.push(line);
  }

  /** Whole lines from a block (as the watcher's onLines gives them); a trailing partial line waits for the next block. */
  block(block: Buffer | string, at?: number): void {
    const text = this.buffered + (typeof block === 'string' ? block : block.toString('utf8'));
    const lines = text.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const l of lines) this.line(l.replace(/\r+$/, ''), at);
  }

  /**
   * The executable has ended: cases still running take its outcome, and its verdict takes theirs.
   * May be called again with another outcome (the evidence rule overrules a pass): the same lines, judged anew.
   */
  finish(exe: ExecutableOutcome, executableName: string, at?: number): ExecutableReport {
    if (this.buffered !== '') this.line(this.buffered, at);
    this.buffered = '';
    this.endPanic();
    const cases: TestCase[] = this.cases.map(({ startedAt: _, ...c }) => c);
    for (const c of cases) {
      if (c.status !== undefined) continue;
      // Started, never finished: it was running when the executable ended.
      c.status = exe.pass ? 'passed' : 'failed';
      c.inferred = true;
      if (!exe.pass && c.message === undefined) c.message = exe.reason;
      const started = this.cases.find((o) => o.name === c.name)?.startedAt;
      if (started !== undefined && at !== undefined) c.seconds = at - started;
    }
    for (const c of cases) {
      // A should-panic test that passed panicked on purpose: its panic is no failure to report.
      if (c.status !== 'failed') c.location = undefined;
      if (c.status === 'passed') c.message = undefined;
    }
    const failed = cases.filter((c) => c.status === 'failed');
    // One judgement: the executable's verdict, its cases and libtest's own summary decide `pass`
    // first; the cases (and so every count and the JUnit report) are then made to agree with it:
    // a failed executable always has a failed case (issue 22, point 8: terse libtest output names
    // no passing case, and its `test result: FAILED` must not leave the counts at zero failures).
    let pass = exe.pass && failed.length === 0;
    let reason = exe.reason;
    const libtestFailed = this.libtest !== undefined && !this.libtest.ok;
    if (exe.pass && failed.length > 0) {
      reason = `${failed.length} test case${failed.length === 1 ? '' : 's'} failed (${failed.map((c) => c.name).join(', ')}), although the executable itself reported success (${exe.reason})`;
    } else if (failed.length > 0) {
      reason = `${failed.length} test case${failed.length === 1 ? '' : 's'} failed (${failed.map((c) => c.name).join(', ')}): ${exe.reason}`;
    } else if (libtestFailed && pass) {
      pass = false;
      reason = `libtest reported "test result: FAILED" (${this.libtest!.failed} failed), although the executable itself reported success (${exe.reason})`;
    }
    if (cases.length === 0) {
      cases.push({
        name: executableName,
        status: pass ? 'passed' : 'failed',
        message: pass ? undefined : reason,
        location: this.orphanPanic?.location,
        output: [],
      });
    } else if (!pass && failed.length === 0) {
      // Every case passed, yet the executable failed (a wrong exit status, a timeout after the last case, a panic outside any case, libtest's FAILED): one more case says so.
      cases.push({ name: executableName, status: 'failed', message: reason, location: this.orphanPanic?.location, output: [] });
    }
    const count = (s: CaseStatus) => cases.filter((c) => c.status === s).length;
    return {
      cases,
      pass,
      reason,
      style: this.style,
      libtest: this.libtest,
      ...(this.style === 'defmt-test' ? { defmtAllPassed: this.defmtAllPassed } : {}),
      panic: this.orphanPanic,
      counts: { passed: count('passed'), failed: count('failed'), ignored: count('ignored') },
    };
  }

  private libtestLine(line: string, at?: number): boolean {
    const r = LIBTEST_RESULT.exec(line);
    if (r) {
      this.style = 'libtest';
      this.libtest = { ok: r[1] === 'ok', passed: Number(r[2]), failed: Number(r[3]), ignored: Number(r[4]) };
      this.pending = undefined;
      this.section = undefined;
      return true;
    }
    const s = LIBTEST_SECTION.exec(line);
    if (s && this.style === 'libtest') {
      this.endPanic();
      this.section = this.byName.get(s[1]);
      this.pending = undefined;
      return true;
    }
    if (line === 'failures:' && this.style === 'libtest') {
      this.endPanic();
      this.section = undefined;
      return true;
    }
    const terse = LIBTEST_TERSE_FAILED.exec(line);
    if (terse) {
      this.style = 'libtest';
      this.endPanic();
      this.close(this.byName.get(terse[1]) ?? this.caseNamed(terse[1]), 'failed', undefined, at);
      return true;
    }
    const m = LIBTEST_CASE.exec(line);
    if (m) {
      this.style = 'libtest';
      this.endPanic();
      const c = this.open(m[1].trim(), at);
      this.settle(c, m[2], LIBTEST_STATUS, at);
      return true;
    }
    // The result of a test that printed (single-threaded libtest with --nocapture): a line of its own.
    if (this.pending && this.style === 'libtest') {
      const st = LIBTEST_STATUS.exec(line);
      if (st) {
        this.endPanic();
        this.close(this.pending, STATUS[st[1]], st[2], at);
        return true;
      }
    }
    return false;
  }

  private defmtLine(line: string, at?: number): boolean {
    if (this.style === 'libtest' || this.style === 'blog_os') return false;
    const m = DEFMT_CASE.exec(line);
    if (m) {
      this.style = 'defmt-test';
      this.endPanic();
      // No result line: the case before passed, since the run went on to this one.
      if (this.pending) this.close(this.pending, 'passed', undefined, at);
      const c = this.open(m[4], at);
      if (m[3] === 'ignoring') this.close(c, 'ignored', undefined, at);
      return true;
    }
    if (this.style === 'defmt-test' && DEFMT_DONE.test(line)) {
      this.endPanic();
      if (this.pending) this.close(this.pending, 'passed', undefined, at);
      this.defmtAllPassed = true;
      return true;
    }
    return false;
  }

  private blogLine(line: string, at?: number): boolean {
    if (this.style === 'libtest' || this.style === 'defmt-test') return false;
    const m = BLOG_CASE.exec(line);
    if (m && (RUST_PATH.test(m[1]) || BLOG_STATUS.test(m[2]))) {
      this.style = 'blog_os';
      this.endPanic();
      const c = this.open(m[1], at);
      const st = BLOG_STATUS.exec(m[2]);
      if (st) this.close(c, blogStatus(st[1]), undefined, at);
      else if (m[2] !== '') c.output.push(m[2]);
      return true;
    }
    if (this.pending && this.style === 'blog_os') {
      const st = BLOG_STATUS.exec(line);
      if (st) {
        this.endPanic();
        const before = line.slice(0, st.index).trim();
        if (before !== '' && this.pending.output.length < MAX_OUTPUT) this.pending.output.push(before);
        this.close(this.pending, blogStatus(st[1]), undefined, at);
        return true;
      }
    }
    return false;
  }

  private open(name: string, at?: number): OpenCase {
    // A case seen before (its name in a failures list, a rerun) is the same case.
    const c = this.byName.get(name) ?? this.caseNamed(name);
    this.lastFailed = undefined;
    if (c.status === undefined) {
      c.startedAt = at;
      this.pending = c;
    }
    return c;
  }

  private caseNamed(name: string): OpenCase {
    const c: OpenCase = { name, status: undefined as unknown as CaseStatus, output: [] };
    this.cases.push(c);
    this.byName.set(name, c);
    return c;
  }

  /** A result right after the name (`test x ... ok`, `x...\t[ok]`), or the start of one still running. */
  private settle(c: OpenCase, rest: string, pattern: RegExp, at?: number): void {
    const st = pattern.exec(rest);
    if (st) this.close(c, STATUS[st[1]], st[2], at);
    else if (rest !== '') c.output.push(rest);
  }

  private close(c: OpenCase, status: CaseStatus, note: string | undefined, at?: number): void {
    c.status = status;
    if (status === 'ignored' && note) c.message = note;
    if (at !== undefined && c.startedAt !== undefined) c.seconds = at - c.startedAt;
    if (this.pending === c) this.pending = undefined;
    // blog_os prints the panic after `[failed]`: it belongs to this case.
    if (status === 'failed') this.lastFailed = c;
  }

  private startPanic(p: { location: PanicLocation; message?: string }, named?: OpenCase): void {
    this.endPanic();
    let target: TestCase | undefined = named ?? this.section ?? this.pending;
    if (!target && this.lastFailed && this.lastFailed.location === undefined) target = this.lastFailed;
    this.panic = { target, location: p.location, lines: [], message: p.message };
  }

  /** Lines after a `panicked at` line up to a blank one are its message. */
  private collectPanic(line: string): void {
    const p = this.panic;
    if (!p) return;
    if (line.trim() === '') {
      if (p.lines.length > 0 || p.message !== undefined) this.endPanic();
      return;
    }
    if (line.startsWith('note: ') || line === 'stack backtrace:') {
      this.endPanic(); // libtest's `note: run with RUST_BACKTRACE=1 ...`, or a backtrace
      return;
    }
    p.lines.push(line);
    if (p.lines.length >= PANIC_MESSAGE_LINES) this.endPanic();
  }

  private endPanic(): void {
    const p = this.panic;
    if (!p) return;
    this.panic = undefined;
    const message = p.message ?? (p.lines.length > 0 ? p.lines.join('\n') : undefined);
    if (p.target) {
      p.target.location ??= p.location;
      if (p.target.message === undefined && message !== undefined) p.target.message = message;
    } else if (!this.orphanPanic) {
      this.orphanPanic = { location: p.location, message };
    }
  }
}

/**
 * Why an executable that passed by exiting with status 0 has not shown success, if it has not: QEMU
 * also exits with 0 when a guest powers off or resets, so status 0 needs the executable's own
 * results (libtest's `test result: ok`, passed `[ok]` cases, defmt-test's `all tests passed!`).
 * Undefined: it has shown it (or it did not pass by status 0).
 */
export function lacksEvidence(report: ExecutableReport, status: number | undefined): string | undefined {
  if (!report.pass || status !== 0) return undefined;
  const casesOk = report.counts.passed > 0 && report.counts.failed === 0;
  // libtest's `test result: ok`; a framework that prints libtest's case lines without it is read as blog_os's is.
  const libtestOk = report.style === 'libtest' && (report.libtest ? report.libtest.ok : casesOk);
  const blogOk = report.style === 'blog_os' && casesOk;
  const defmtOk = report.style === 'defmt-test' && report.defmtAllPassed === true;
  if (libtestOk || blogOk || defmtOk) return undefined;
  return 'it exited with status 0 but printed no test results (libtest `test result: ok`, `name... [ok]` lines, or defmt-test `all tests passed!`); QEMU also exits with 0 when a guest powers off or resets, so status 0 alone proves nothing. Add an expect line, or set exit-code to a status only success gives.';
}

/** Parses a whole serial log at once (no timings). */
export function parseTestOutput(text: string, exe: ExecutableOutcome, executableName: string): ExecutableReport {
  const p = new TestCaseParser();
  p.block(text.endsWith('\n') || text === '' ? text : text + '\n');
  return p.finish(exe, executableName);
}
