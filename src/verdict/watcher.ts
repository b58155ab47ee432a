import { isUtf8 } from 'node:buffer';
import { cleanBlock, countNewlines } from './scan.js';
import { matches, type Pattern } from '../model/patterns.js';

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
}

// CSI sequences, OSC sequences (ended by BEL or ST), and two-byte escapes.
// eslint-disable-next-line no-control-regex -- escape sequences are what it removes
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
// What else a guest's terminal output carries that is not text: NUL padding, carriage returns, DEL.
// eslint-disable-next-line no-control-regex -- control characters are what it removes
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
  private tail: string[] = [];
  /** The newest tail lines still as bytes (whole lines, copied): decoded only when asked for. */
  private tailRaw?: Buffer;
  private readonly tailLines: number;
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Expectations met by a look at the unfinished line; judged again when it completes. */
  private metByPartial: number[] = [];
  private satisfiedSignalled = false;
  /** When the last expectation was met (performance.now(), the boot's clock), for the expected-seconds output. */
  satisfiedAt?: number;
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
    // A literal with U+FFFD could match text the decoder made from invalid bytes: judge such streams line by line.
    this.literalsOnly = all.every((p) => p.literal !== undefined && !p.literal.includes('\ufffd')) && (opts.onLine === undefined || opts.onLines !== undefined);
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
   * updating, and the block is passed over without splitting it into strings. Returns false (and
   * does nothing) when the block needs a line-by-line look.
   */
  private skipLines(block: Buffer): boolean {
    if (!this.literalsOnly) return false;
    if (this.failure !== undefined && this.failure.next === undefined) return false; // the line after a failure is kept for the report
    let text = block;
    let plain = block.indexOf(0x1b) < 0 && block.indexOf(0x00) < 0 && block.indexOf(0x7f) < 0;
    for (let cr = plain ? block.indexOf(0x0d) : -1; cr >= 0; cr = block.indexOf(0x0d, cr + 1)) {
      if (block[cr + 1] !== 0x0a) {
        plain = false; // a carriage return inside a line: cleaning joins the text around it
        break;
      }
    }
    if (!plain) {
      // Cleaning bytes equals cleaning the decoded lines only for valid UTF-8.
      if (!isUtf8(block)) return false;
      text = cleanBlock(block);
    }
    if (this.failure === undefined) {
      for (const f of this.failLiterals) if (text.indexOf(f) >= 0) return false;
    }
    for (let i = 0; i < this.met.length; i++) {
      if (this.met[i]) continue;
      if (text.indexOf(this.expectLiterals[i]) >= 0) return false;
      if (this.rules.ordered) break;
    }
    if (block.length > this.maxLineBytes && this.hasOverlongLine(block)) return false;
    const lines = countNewlines(text); // cleaning keeps every newline
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
  }

  /**
   * The guest has gone quiet in the middle of a line: judge what it printed so far, so that a
   * guest that prints a match without a newline and then waits is not left to the timeout.
   */
  checkPartial(): void {
    if (this.pendingBytes === 0) return;
    const clean = cleanLine(this.pendingText());
    this.checkFailure(clean, this.lineCount + 1);
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

  private takePending(): string {
    const line = this.pendingText();
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }

  private completeLine(line: string): void {
    this.lineCount++;
    if (this.metByPartial.length > 0) {
      for (const i of this.metByPartial) this.met[i] = false;
      this.metByPartial = [];
      this.satisfiedSignalled = false;
    }

    this.decodeTail();
    this.tail.push(line);
    if (this.tail.length > this.tailLines) this.tail.shift();
    this.opts.onLine?.(line);

    const clean = cleanLine(line);
    if (this.failure) {
      if (this.failure.next === undefined && this.lineCount === this.failure.lineNumber + 1) this.failure.next = clean.trim();
      return;
    }
    this.checkFailure(clean, this.lineCount);
    if (this.failure) return;
    this.matchExpectations(clean);
    this.signalSatisfied();
  }

  private checkFailure(clean: string, lineNumber: number): void {
    if (this.failure) return;
    const p = this.rules.failOn.find((f) => matches(f, clean));
    if (!p) return;
    this.failure = { pattern: p, line: clean.trim(), lineNumber };
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
    this.satisfiedAt = performance.now();
    this.opts.onSatisfied?.();
  }
}
