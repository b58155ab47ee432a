import { isUtf8 } from 'node:buffer';
import { matches, type Pattern } from '../model/patterns.js';
import { MATCH_DEADLINE_MS, withinDeadline } from '../model/deadline.js';
import { cleanLine } from '../model/ansi.js';

export interface WatchRules {
  /** Lines that must appear. */
  expect: Pattern[];
  /** In the order given (default), or in any order. */
  ordered: boolean;
  /** Lines that fail the run as soon as they appear. */
  failOn: Pattern[];
}

export interface FailureSeen {
  pattern: Pattern;
  line: string;
  /** 1-based number of the line in the serial output. */
  lineNumber: number;
  /** The line after it, when it came (a Rust panic prints its message there). */
  next?: string;
  /**
   * Set when this is no failure line but a pattern that ran out of time on the line (catastrophic
   * backtracking): matching it took longer than this many milliseconds and was stopped.
   */
  stalledMs?: number;
}

export interface WatcherOptions {
  /** Called with each complete line as the guest sent it (ANSI codes kept), for the live log. */
  onLine?: (line: string) => void;
  /**
   * Called with blocks of whole lines (each ending in a newline) that the fast path passed over,
   * and whether the block may hold escape codes or control bytes. The block is a view of the chunk
   * given to push(), valid while the caller does not reuse that chunk. Without it, the fast path
   * is off whenever onLine is set.
   */
  onLines?: (block: Buffer, escapes: boolean) => void;
  /** Pass over uninteresting blocks without splitting them into lines (default true). */
  fastPath?: boolean;
  /** Called once when a failure line is seen, and once when every expectation is met. */
  onFailure?: (f: FailureSeen) => void;
  onSatisfied?: () => void;
  /** How many of the last lines to keep for the report (blank ones are left out of it). */
  tailLines?: number;
  /** A line longer than this many bytes is cut into pieces (bounds memory for guests that never send a newline). */
  maxLineBytes?: number;
  /** How long matching one batch of lines against regular expressions may take (model/deadline.ts). */
  matchDeadlineMs?: number;
}

/** What the expectations' matching state is, so that a look at an unfinished line can be undone. */
interface MatchState {
  met: boolean[];
  metAt: number[];
  seenAt: number[];
  heldBy: (HeldLine | undefined)[];
}

/** A serial line that meets an expectation (unordered), and every expectation it matches. */
interface HeldLine {
  n: number;
  fits: number[];
}

/** Lines waiting to be matched under the deadline: a batch is this many lines or bytes at most. */
const BATCH_LINES = 512;
const BATCH_BYTES = 64 * 1024;

/** Newlines in a block of bytes, or in its decoded text: one indexOf call per line. */
function countNewlines(b: Buffer | string): number {
  let n = 0;
  if (typeof b === 'string') for (let i = b.indexOf('\n'); i >= 0; i = b.indexOf('\n', i + 1)) n++;
  else for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

const literalOf = (p: Pattern) => ({ bytes: Buffer.from(p.literal ?? ''), text: p.literal ?? '' });

/** Does the block (its bytes, or its cleaned text) hold this literal (given as bytes and as text)? */
const holds = (block: Buffer | string, l: { bytes: Buffer; text: string }) =>
  typeof block === 'string' ? block.includes(l.text) : block.indexOf(l.bytes) >= 0;

/**
 * Watches a serial stream chunk by chunk and keeps just what the verdict needs: which
 * expectations are met, the first failure line, and a bounded tail. Its result does not depend
 * on how the stream is split into chunks.
 */
export class SerialWatcher {
  /**
   * Which expectations are met. Each serial line meets at most one expectation: `expect:
   * "Hello\nHello"` needs two lines that say Hello. Ordered, a line meets the first expectation not
   * met yet, or none (matching a subsequence greedily is optimal). Unordered, the lines and the
   * expectations they match form a bipartite graph and the watcher keeps a maximum matching of it
   * (Kuhn's augmenting paths, one per new line: a line that meets nothing when it comes can never
   * help later, so only the lines that meet an expectation are kept).
   */
  met: boolean[];
  /** The serial line (1-based) that meets each expectation; 0 while it is not met. */
  metAt: number[];
  /**
   * The first serial line that matched each expectation, whether or not it met it (0: none yet).
   * Ordered, a line is looked at for the later expectations too, so that a reason can say where a
   * line came out of order; unordered, an expectation seen but not met had all its lines taken by
   * other expectations.
   */
  seenAt: number[];
  private heldBy: (HeldLine | undefined)[];
  failure?: FailureSeen;
  /** Complete lines seen. */
  lineCount = 0;
  bytes = 0;
  private tail: string[] = [];
  /** The newest tail lines still as bytes (whole lines, copied): decoded only when asked for. */
  private tailRaw?: Buffer;
  private readonly tailLines: number;
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The matching state before a look at the unfinished line; restored when the line completes. */
  private beforePartial?: MatchState;
  private satisfiedSignalled = false;
  private failureSignalled = false;
  /** Some pattern is a regular expression: lines are matched in batches under a deadline. */
  private readonly guarded: boolean;
  private readonly deadlineMs: number;
  private queue: { clean: string; n: number }[] = [];
  private queuedBytes = 0;
  /** The pattern being matched right now, to name it when matching runs out of time. */
  private matching?: Pattern;
  /** When the last expectation was met (performance.now(), the boot's clock), for the expected-seconds output. */
  satisfiedAt?: number;
  private readonly fastPath: boolean;
  private readonly literalsOnly: boolean;
  private readonly failLiterals: { bytes: Buffer; text: string }[];
  private readonly expectLiterals: { bytes: Buffer; text: string }[];

  constructor(
    readonly rules: WatchRules,
    private readonly opts: WatcherOptions = {},
  ) {
    this.met = rules.expect.map(() => false);
    this.metAt = rules.expect.map(() => 0);
    this.seenAt = rules.expect.map(() => 0);
    this.heldBy = rules.expect.map(() => undefined);
    this.tailLines = opts.tailLines ?? 40;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    this.fastPath = opts.fastPath ?? true;
    const all = [...rules.expect, ...rules.failOn];
    // A literal with U+FFFD could match text the decoder made from invalid bytes: judge such streams line by line.
    this.literalsOnly = all.every((p) => p.literal !== undefined && !p.literal.includes('\ufffd')) && (opts.onLine === undefined || opts.onLines !== undefined);
    this.failLiterals = rules.failOn.map((p) => literalOf(p));
    this.expectLiterals = rules.expect.map((p) => literalOf(p));
    this.guarded = all.some((p) => p.regex !== undefined);
    this.deadlineMs = opts.matchDeadlineMs ?? MATCH_DEADLINE_MS;
  }

  /** How many expectations are met. */
  get metCount(): number {
    return this.met.filter(Boolean).length;
  }

  get satisfied(): boolean {
    return this.met.every(Boolean);
  }

  /** The first expectation not met yet (in order), if any. */
  get missing(): Pattern | undefined {
    const i = this.met.indexOf(false);
    return i < 0 ? undefined : this.rules.expect[i];
  }

  /** The last non-empty lines, oldest first, with the unfinished line at the end if there is one. */
  lastLines(): string[] {
    this.decodeTail();
    const lines = this.tail.filter((l) => l.trim() !== '');
    const partial = this.pendingText();
    return partial.trim() === '' ? lines : [...lines, partial];
  }

  /** The last non-empty line seen, without ANSI codes. */
  lastLine(): string | undefined {
    const lines = this.lastLines();
    for (let i = lines.length - 1; i >= 0; i--) {
      const c = cleanLine(lines[i]).trim();
      if (c !== '') return c;
    }
    return undefined;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    // First finish the line left unfinished by the previous chunk.
    if (this.pendingBytes > 0) {
      start = this.takePartial(chunk, 0);
      if (this.pendingBytes > 0) return;
    }
    // Whole lines lie between here and the last newline: in bulk when nothing in them can matter.
    const last = chunk.lastIndexOf(0x0a);
    if (last >= start) {
      const block = chunk.subarray(start, last + 1);
      if (!this.fastPath || !this.skipLines(block)) this.eachLine(block);
      start = last + 1;
    }
    // What follows the last newline waits for the rest of its line.
    while (start < chunk.length) start = this.takePartial(chunk, start);
    this.flush();
  }

  /**
   * Adds bytes from `start` up to the next newline (or the chunk's end) to the unfinished line,
   * cutting it at maxLineBytes; completes it at a newline. Returns where it stopped.
   */
  private takePartial(chunk: Buffer, start: number): number {
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const room = this.maxLineBytes - this.pendingBytes;
      if (end - start > room) {
        this.appendPending(chunk.subarray(start, start + room));
        this.completeLine(this.takePending());
        start += room;
        continue;
      }
      this.appendPending(chunk.subarray(start, end));
      if (nl < 0) return chunk.length;
      this.completeLine(this.takePending());
      return nl + 1;
    }
  }

  /** Line by line through a block of whole lines. */
  private eachLine(block: Buffer): void {
    let start = 0;
    for (let nl = block.indexOf(0x0a); nl >= 0; nl = block.indexOf(0x0a, start)) {
      if (nl - start > this.maxLineBytes) {
        start = this.takePartial(block, start);
        continue;
      }
      let end = nl;
      while (end > start && block[end - 1] === 0x0d) end--;
      this.completeLine(block.toString('utf8', start, end));
      start = nl + 1;
    }
  }

  /**
   * The fast path. `block` is whole lines, each ending in a newline. When no line in it can change
   * anything (no failure literal, no awaited literal, also once escape codes and control bytes are
   * cleaned away; no over-long line), only the line count, the tail and the live log need
   * updating, and the block is passed over without splitting it into lines. Returns false (and
   * does nothing) when the block needs a line-by-line look.
   */
  private skipLines(block: Buffer): boolean {
    if (!this.literalsOnly) return false;
    if (this.failure !== undefined && this.failure.next === undefined) return false; // the line after a failure is kept for the report
    const lines = countNewlines(block);
    // Searched for the literals: the bytes themselves, or the decoded text cleaned (model/ansi.ts).
    let text: Buffer | string = block;
    let plain = block.indexOf(0x1b) < 0 && block.indexOf(0x00) < 0 && block.indexOf(0x7f) < 0;
    for (let cr = plain ? block.indexOf(0x0d) : -1; cr >= 0; cr = block.indexOf(0x0d, cr + 1)) {
      if (block[cr + 1] !== 0x0a) {
        plain = false; // a carriage return inside a line: cleaning joins the text around it
        break;
      }
    }
    if (!plain) {
      // Decoding the block equals decoding each line only for valid UTF-8, and cleaning it equals
      // cleaning each line only when no sequence ran past a newline (every newline is still there).
      if (!isUtf8(block)) return false;
      text = cleanLine(block.toString('utf8'));
      if (countNewlines(text) !== lines) return false;
    }
    if (this.failure === undefined) {
      for (const f of this.failLiterals) if (holds(text, f)) return false;
    }
    if (!this.satisfied) {
      const first = this.met.indexOf(false);
      for (let i = 0; i < this.met.length; i++) {
        // Ordered: the next expectation, and later ones not seen yet (where they appear is reported).
        // Unordered: any expectation, met ones too (a line for one may free another's line).
        const matters = this.rules.ordered ? i === first || (i > first && this.seenAt[i] === 0) : true;
        if (matters && holds(text, this.expectLiterals[i])) return false;
      }
    }
    if (block.length > this.maxLineBytes && this.hasOverlongLine(block)) return false;
    this.lineCount += lines;
    this.tailFrom(block, lines);
    this.opts.onLines?.(block, !plain);
    return true;
  }

  /** Does the block hold a line long enough to be cut (only a block longer than the limit can)? */
  private hasOverlongLine(block: Buffer): boolean {
    let start = 0;
    for (let nl = block.indexOf(0x0a); nl >= 0; nl = block.indexOf(0x0a, start)) {
      if (nl - start > this.maxLineBytes) return true;
      start = nl + 1;
    }
    return false;
  }

  /** Keeps the block's last lines for the report, as bytes; `lines` is how many it holds. */
  private tailFrom(block: Buffer, lines: number): void {
    if (lines < this.tailLines) this.decodeTail();
    else this.tail = [];
    let from = block.length - 1; // at the final newline
    for (let n = 0; n < this.tailLines && from >= 0; n++) from = from === 0 ? -1 : block.lastIndexOf(0x0a, from - 1);
    this.tailRaw = Buffer.from(block.subarray(from + 1));
  }

  private decodeTail(): void {
    if (this.tailRaw === undefined) return;
    const lines = this.tailRaw.toString('utf8').split('\n');
    lines.pop(); // after the final newline
    this.tailRaw = undefined;
    for (const l of lines) this.tail.push(l.replace(/\r+$/, ''));
    if (this.tail.length > this.tailLines) this.tail.splice(0, this.tail.length - this.tailLines);
  }

  /** The stream ended: judge the unfinished line as a line. */
  end(): void {
    if (this.pendingBytes > 0) this.completeLine(this.takePending());
    this.flush();
  }

  /**
   * The guest has gone quiet in the middle of a line: judge what it printed so far, so that a
   * guest that prints a match without a newline and then waits is not left to the timeout.
   */
  checkPartial(): void {
    if (this.pendingBytes === 0) return;
    this.flush();
    const clean = cleanLine(this.pendingText());
    const n = this.lineCount + 1;
    const look = () => {
      this.checkFailure(clean, n);
      if (this.failure) return;
      // Looked at before, shorter: start again from the state before (the line meets one expectation).
      if (this.beforePartial) this.restoreState(this.beforePartial);
      else this.beforePartial = this.saveState();
      this.matchLine(clean, n);
    };
    if (!this.guarded) look();
    else if (!withinDeadline(this.deadlineMs, look).done) this.stalled(clean, n);
    this.signal();
  }

  private appendPending(b: Buffer): void {
    if (b.length === 0) return;
    // Copy: the caller may reuse its buffer.
    this.pending.push(Buffer.from(b));
    this.pendingBytes += b.length;
  }

  private pendingText(): string {
    return Buffer.concat(this.pending, this.pendingBytes).toString('utf8').replace(/\r+$/, '');
  }

  private takePending(): string {
    const line = this.pendingText();
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }

  private completeLine(line: string): void {
    this.lineCount++;
    if (this.beforePartial) {
      // The unfinished line was looked at; now it is judged whole (the queue is empty: checkPartial flushed it).
      this.restoreState(this.beforePartial);
      this.beforePartial = undefined;
      this.satisfiedSignalled = this.satisfied && this.satisfiedSignalled;
    }

    this.decodeTail();
    this.tail.push(line);
    if (this.tail.length > this.tailLines) this.tail.shift();
    this.opts.onLine?.(line);

    const clean = cleanLine(line);
    if (!this.guarded) {
      this.judge(clean, this.lineCount);
      this.signal();
      return;
    }
    this.queue.push({ clean, n: this.lineCount });
    this.queuedBytes += clean.length;
    if (this.queue.length >= BATCH_LINES || this.queuedBytes >= BATCH_BYTES) this.flush();
  }

  /** Matches the queued lines, in a batch under the deadline. */
  private flush(): void {
    if (this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    let at = 0;
    const r = withinDeadline(this.deadlineMs, () => {
      for (; at < q.length; at++) this.judge(q[at].clean, q[at].n);
    });
    if (!r.done) {
      this.stalled(q[at].clean, q[at].n);
      if (this.failure?.next === undefined && q[at + 1]?.n === q[at].n + 1) this.failure!.next = q[at + 1].clean.trim();
    }
    this.signal();
  }

  /** Matching line `n` ran out of time: that is a failure, naming the pattern. */
  private stalled(clean: string, n: number): void {
    this.matching ??= this.rules.expect[0] ?? this.rules.failOn[0];
    this.failure ??= { pattern: this.matching, line: clean.trim(), lineNumber: n, stalledMs: this.deadlineMs };
  }

  private judge(clean: string, n: number): void {
    if (this.failure) {
      if (this.failure.next === undefined && n === this.failure.lineNumber + 1) this.failure.next = clean.trim();
      return;
    }
    this.checkFailure(clean, n);
    if (this.failure) return;
    this.matchLine(clean, n);
  }

  /** Tells the caller, once each, of a failure and of every expectation met. */
  private signal(): void {
    if (this.failure && !this.failureSignalled) {
      this.failureSignalled = true;
      this.opts.onFailure?.(this.failure);
    }
    this.signalSatisfied();
  }

  private test(p: Pattern, clean: string): boolean {
    this.matching = p;
    return matches(p, clean);
  }

  private checkFailure(clean: string, lineNumber: number): void {
    if (this.failure) return;
    const p = this.rules.failOn.find((f) => this.test(f, clean));
    if (!p) return;
    this.failure = { pattern: p, line: clean.trim(), lineNumber };
  }

  /** Lets line `n` meet at most one expectation (see `met`), and notes which expectations it matched. */
  private matchLine(clean: string, n: number): void {
    if (this.satisfied) return;
    const { expect, ordered } = this.rules;
    if (ordered) {
      const first = this.met.indexOf(false);
      for (let i = first; i < expect.length; i++) {
        if (i > first && this.seenAt[i] !== 0) continue;
        if (!this.test(expect[i], clean)) continue;
        if (this.seenAt[i] === 0) this.seenAt[i] = n;
        if (i === first) {
          this.met[i] = true;
          this.metAt[i] = n;
        }
      }
      return;
    }
    const fits: number[] = [];
    for (let i = 0; i < expect.length; i++) {
      if (!this.test(expect[i], clean)) continue;
      fits.push(i);
      if (this.seenAt[i] === 0) this.seenAt[i] = n;
    }
    if (fits.length > 0) this.augment({ n, fits }, new Set());
  }

  /** Kuhn's step: finds `line` an expectation, moving lines that hold one to another they fit. */
  private augment(line: HeldLine, tried: Set<number>): boolean {
    for (const e of line.fits) {
      if (tried.has(e)) continue;
      tried.add(e);
      const holder = this.heldBy[e];
      if (holder === undefined || this.augment(holder, tried)) {
        this.heldBy[e] = line;
        this.met[e] = true;
        this.metAt[e] = line.n;
        return true;
      }
    }
    return false;
  }

  private saveState(): MatchState {
    return { met: [...this.met], metAt: [...this.metAt], seenAt: [...this.seenAt], heldBy: [...this.heldBy] };
  }

  private restoreState(s: MatchState): void {
    this.met = [...s.met];
    this.metAt = [...s.metAt];
    this.seenAt = [...s.seenAt];
    this.heldBy = [...s.heldBy];
  }

  private signalSatisfied(): void {
    if (this.satisfiedSignalled || this.rules.expect.length === 0 || !this.satisfied) return;
    this.satisfiedSignalled = true;
    this.satisfiedAt = performance.now();
    this.opts.onSatisfied?.();
  }
}
