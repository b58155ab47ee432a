import { matches, type Pattern } from './patterns.js';

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
}

export interface WatcherOptions {
  /** Called with each complete line as the guest sent it (ANSI codes kept), for the live log. */
  onLine?: (line: string) => void;
  /**
   * Called with blocks of whole lines (each ending in a newline, no escape codes) that the fast
   * path passed over; without it, the fast path is off whenever onLine is set.
   */
  onLines?: (text: string) => void;
  /** Pass over uninteresting blocks without splitting them into lines (default true). */
  fastPath?: boolean;
  /** Called once when a failure line is seen, and once when every expectation is met. */
  onFailure?: (f: FailureSeen) => void;
  onSatisfied?: () => void;
  /** How many lines to keep for the report. */
  tailLines?: number;
  /** A line longer than this many bytes is cut into pieces (bounds memory for guests that never send a newline). */
  maxLineBytes?: number;
}

// CSI sequences, OSC sequences (ended by BEL or ST), and two-byte escapes.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
// What else a guest's terminal output carries that is not text: NUL padding, carriage returns, DEL.
const CONTROL = /[\x00\r\x7f]/g;

/** The text a pattern is matched against: no ANSI escape sequences, no NUL, CR or DEL bytes. */
export function cleanLine(line: string): string {
  const noAnsi = line.includes('\x1b') ? line.replace(ANSI, '') : line;
  return noAnsi.replace(CONTROL, '');
}

/**
 * Watches a serial stream chunk by chunk and keeps just what the verdict needs: which
 * expectations are met, the first failure line, and a bounded tail. Its result does not depend
 * on how the stream is split into chunks.
 */
export class SerialWatcher {
  readonly met: boolean[];
  failure?: FailureSeen;
  /** Complete lines seen. */
  lineCount = 0;
  bytes = 0;
  private readonly tail: string[] = [];
  private readonly tailLines: number;
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Expectations met by a look at the unfinished line; judged again when it completes. */
  private metByPartial: number[] = [];
  private satisfiedSignalled = false;
  private readonly fastPath: boolean;
  private readonly literalsOnly: boolean;
  private readonly failLiterals: Buffer[];
  private readonly expectLiterals: Buffer[];

  constructor(
    readonly rules: WatchRules,
    private readonly opts: WatcherOptions = {},
  ) {
    this.met = rules.expect.map(() => false);
    this.tailLines = opts.tailLines ?? 40;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    this.fastPath = opts.fastPath ?? true;
    const all = [...rules.expect, ...rules.failOn];
    this.literalsOnly = all.every((p) => p.literal !== undefined) && (opts.onLine === undefined || opts.onLines !== undefined);
    this.failLiterals = rules.failOn.map((p) => Buffer.from(p.literal ?? ''));
    this.expectLiterals = rules.expect.map((p) => Buffer.from(p.literal ?? ''));
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
    const partial = this.pendingText();
    return partial.trim() === '' ? [...this.tail] : [...this.tail, partial];
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
    while (start < chunk.length) {
      // Between the first and the last newline lie whole lines: try to pass over them in bulk.
      if (this.pendingBytes === 0 && this.fastPath) {
        const last = chunk.lastIndexOf(0x0a);
        if (last >= start && this.skipLines(chunk.subarray(start, last + 1))) {
          start = last + 1;
          continue;
        }
      }
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      // Cut over-long lines at a fixed byte count, whatever the chunking.
      const room = this.maxLineBytes - this.pendingBytes;
      if (end - start > room) {
        this.appendPending(chunk.subarray(start, start + room));
        this.completeLine();
        start += room;
        continue;
      }
      this.appendPending(chunk.subarray(start, end));
      if (nl < 0) break;
      this.completeLine();
      start = nl + 1;
    }
  }

  /**
   * The fast path. `block` is whole lines, each ending in a newline. When no line in it can change
   * anything (no failure literal, no awaited literal, no byte that cleaning would remove and so
   * no match hidden by escape codes, no over-long line), only the line count, the tail and the live
   * log need updating, and the block is passed over without splitting it. Returns false (and does
   * nothing) when the block needs a line-by-line look.
   */
  private skipLines(block: Buffer): boolean {
    if (!this.literalsOnly) return false;
    if (block.indexOf(0x1b) >= 0 || block.indexOf(0x00) >= 0 || block.indexOf(0x7f) >= 0) return false;
    for (let cr = block.indexOf(0x0d); cr >= 0; cr = block.indexOf(0x0d, cr + 1)) {
      if (block[cr + 1] !== 0x0a) return false;
    }
    if (this.failure === undefined) {
      for (const f of this.failLiterals) if (block.indexOf(f) >= 0) return false;
    } else if (this.failure.next === undefined) {
      return false; // the line after a failure is kept for the report
    }
    for (let i = 0; i < this.met.length; i++) {
      if (this.met[i]) continue;
      if (block.indexOf(this.expectLiterals[i]) >= 0) return false;
      if (this.rules.ordered) break;
    }
    // Count lines (and refuse blocks with a line long enough to be cut).
    let lines = 0;
    let prev = -1;
    for (let nl = block.indexOf(0x0a); nl >= 0; nl = block.indexOf(0x0a, nl + 1)) {
      if (nl - prev - 1 > this.maxLineBytes) return false;
      lines++;
      prev = nl;
    }
    this.lineCount += lines;
    this.tailFrom(block);
    this.opts.onLines?.(block.toString('utf8'));
    return true;
  }

  /** Keeps the last non-empty lines of a block of whole lines for the report. */
  private tailFrom(block: Buffer): void {
    const found: string[] = [];
    let end = block.length - 1; // at the final newline
    while (end >= 0 && found.length < this.tailLines) {
      const nl = end === 0 ? -1 : block.lastIndexOf(0x0a, end - 1);
      const line = block.subarray(nl + 1, end).toString('utf8').replace(/\r+$/, '');
      if (line.trim() !== '') found.push(line);
      end = nl;
    }
    if (found.length >= this.tailLines) this.tail.length = 0;
    this.tail.push(...found.reverse());
    if (this.tail.length > this.tailLines) this.tail.splice(0, this.tail.length - this.tailLines);
  }

  /** The stream ended: judge the unfinished line as a line. */
  end(): void {
    if (this.pendingBytes > 0) this.completeLine();
  }

  /**
   * The guest has gone quiet in the middle of a line: judge what it printed so far, so that a
   * guest that prints a match without a newline and then waits is not left to the timeout.
   */
  checkPartial(): void {
    if (this.pendingBytes === 0) return;
    const clean = cleanLine(this.pendingText());
    this.checkFailure(clean, this.pendingText(), this.lineCount + 1);
    if (this.failure) return;
    for (const i of this.matchExpectations(clean)) this.metByPartial.push(i);
    this.signalSatisfied();
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

  private completeLine(): void {
    const line = this.pendingText();
    this.pending = [];
    this.pendingBytes = 0;
    this.lineCount++;
    if (this.metByPartial.length > 0) {
      for (const i of this.metByPartial) this.met[i] = false;
      this.metByPartial = [];
      this.satisfiedSignalled = false;
    }

    if (line.trim() !== '') {
      this.tail.push(line);
      if (this.tail.length > this.tailLines) this.tail.shift();
    }
    this.opts.onLine?.(line);

    const clean = cleanLine(line);
    if (this.failure) {
      if (this.failure.next === undefined && this.lineCount === this.failure.lineNumber + 1) this.failure.next = clean.trim();
      return;
    }
    this.checkFailure(clean, line, this.lineCount);
    if (this.failure) return;
    this.matchExpectations(clean);
    this.signalSatisfied();
  }

  private checkFailure(clean: string, line: string, lineNumber: number): void {
    if (this.failure) return;
    const p = this.rules.failOn.find((f) => matches(f, clean));
    if (!p) return;
    this.failure = { pattern: p, line: cleanLine(line).trim(), lineNumber };
    this.opts.onFailure?.(this.failure);
  }

  /** Marks the expectations this line meets; returns their indexes. */
  private matchExpectations(clean: string): number[] {
    const newly: number[] = [];
    const { expect, ordered } = this.rules;
    for (let i = 0; i < expect.length; i++) {
      if (this.met[i]) continue;
      if (matches(expect[i], clean)) {
        this.met[i] = true;
        newly.push(i);
      } else if (ordered) {
        break;
      }
    }
    return newly;
  }

  private signalSatisfied(): void {
    if (this.satisfiedSignalled || this.rules.expect.length === 0 || !this.satisfied) return;
    this.satisfiedSignalled = true;
    this.opts.onSatisfied?.();
  }
}
