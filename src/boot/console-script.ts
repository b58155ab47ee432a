import { StringDecoder } from 'node:string_decoder';
import { matches, type Pattern } from '../model/patterns.js';
import { cleanLine } from '../model/ansi.js';
import { quote } from './probes.js';
import { describeStep, type ConsoleStep, type ScriptOutcome, type StepOutcome } from '../model/conversation.js';
import { roundSeconds } from '../model/parse.js';
import { MATCH_DEADLINE_MS, withinDeadline } from '../model/deadline.js';

export interface ConsoleScriptOptions {
  /** An unfinished line longer than this many characters is judged as a line of its own (bounds memory). */
  maxLineChars?: number;
}

/** How many of the lines printed during a failed step its message quotes. */
const SHOWN_LINES = 3;

/** Where a pattern's first match ends in `text`, or -1. */
function matchEnd(p: Pattern, text: string): number {
  if (p.literal !== undefined) {
    const i = text.indexOf(p.literal);
    return i < 0 ? -1 : i + p.literal.length;
  }
  if (!matches(p, text)) return -1;
  const re = new RegExp(p.regex!.source, p.regex!.flags.replace('g', ''));
  const m = re.exec(text)!;
  return m.index + m[0].length;
}

/**
 * Drives a guest's console with expect/send steps. Feed it the guest's serial output as it comes
 * (push), and it writes the `send` steps' text with `write` (QEMU's stdin, with `-serial stdio`).
 *
 * An `expect` step looks at what the guest printed after the previous step's match, line by line,
 * escape codes and control bytes cleaned as for the verdict, and at the unfinished last line too: a
 * prompt has no newline. Each step has its own timeout, counted from when it begins; a step that
 * times out, or is still waiting when the boot ends (stop), fails the script naming the step.
 */
export class ConsoleScript {
  readonly done: Promise<ScriptOutcome>;
  private resolve!: (o: ScriptOutcome) => void;
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxLineChars: number;
  /** Complete lines not looked at yet by an expect step, and where in the first to look from. */
  private pending: string[] = [];
  private pendingFrom = 0;
  /** The unfinished last line (as sent), and how much of its cleaned text a match already used. */
  private partial = '';
  private partialFrom = 0;
  private lastLine = '';
  /** The last few non-empty lines printed since the current step began, for its failure message. */
  private sinceStep: string[] = [];
  private current = 0;
  private stepStart = 0;
  private timer?: NodeJS.Timeout;
  private readonly finished: StepOutcome[] = [];
  private outcome?: ScriptOutcome;
  private started = false;
  private readonly t0 = performance.now();

  constructor(
    readonly steps: readonly ConsoleStep[],
    private readonly write: (text: string) => void,
    opts: ConsoleScriptOptions = {},
  ) {
    this.maxLineChars = opts.maxLineChars ?? 64 * 1024;
    this.done = new Promise((r) => (this.resolve = r));
  }

  get passed(): boolean {
    return this.outcome?.ok === true;
  }

  /** The guest started: the first step begins. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.begin();
  }

  /** Serial output from the guest. */
  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      this.completeLine(this.partial + text.slice(0, nl));
      this.partial = '';
      text = text.slice(nl + 1);
    }
    this.partial += text;
    while (this.partial.length > this.maxLineChars) {
      const rest = this.partial.slice(this.maxLineChars);
      this.completeLine(this.partial.slice(0, this.maxLineChars));
      this.partial = rest;
    }
    const clean = cleanLine(this.partial);
    if (clean.trim() !== '') this.lastLine = clean;
    if (this.started) this.advance();
  }

  /** The boot ended (`why`: "QEMU exited with status 0", "the run timed out after 60 s"). */
  stop(why: string): void {
    if (this.outcome) return;
    const step = this.steps[this.current];
    this.finish(false, `Console script ${describeStep(step)} was still waiting when ${why}; ${this.lastSeen()}.`);
  }

  private completeLine(raw: string): void {
    const clean = cleanLine(raw);
    if (clean.trim() !== '') {
      this.lastLine = clean;
      this.sinceStep.push(clean);
      if (this.sinceStep.length > SHOWN_LINES) this.sinceStep.shift();
    }
    if (!this.outcome) {
      // A match in the unfinished line used part of it: the completed line is looked at from there on.
      if (this.pending.length === 0) this.pendingFrom = this.partialFrom;
      this.pending.push(clean);
      // Only before start() can lines pile up here (an expect step drains them as they come).
      if (this.pending.length > 10_000) {
        this.pending.shift();
        this.pendingFrom = 0;
      }
    }
    this.partialFrom = 0;
  }

  /** What the guest printed lately: the lines since the step began (with the unfinished one), else its last line. */
  private lastSeen(): string {
    const partial = cleanLine(this.partial).slice(this.partialFrom);
    const lines = partial.trim() === '' ? this.sinceStep : [...this.sinceStep, partial].slice(-SHOWN_LINES);
    if (lines.length > 0) return `since the step began the guest printed ${lines.map(quote).join(', ')}`;
    return this.lastLine === '' ? 'the guest printed nothing' : `the guest printed nothing since the step began; its last line was ${quote(this.lastLine)}`;
  }

  private begin(): void {
    clearTimeout(this.timer);
    if (this.current >= this.steps.length) {
      const s = ((performance.now() - this.t0) / 1000).toFixed(1);
      this.finish(true, `The console script's ${this.steps.length} ${this.steps.length === 1 ? 'step' : 'steps'} passed in ${s} s.`);
      return;
    }
    const step = this.steps[this.current];
    this.stepStart = performance.now();
    this.sinceStep = [];
    if (step.kind === 'send') {
      try {
        this.write(step.text);
      } catch (e) {
        this.finish(false, `Console script ${describeStep(step)} could not be sent: ${(e as Error).message}.`);
        return;
      }
      this.next();
      return;
    }
    this.timer = setTimeout(() => {
      if (this.outcome || this.steps[this.current] !== step) return;
      this.finish(false, `Console script ${describeStep(step)} was not met within ${roundSeconds(step.timeout)} s; ${this.lastSeen()}.`);
    }, step.timeout * 1000);
    this.advance();
  }

  private next(): void {
    this.finished.push({ step: this.steps[this.current], ms: performance.now() - this.stepStart });
    this.current++;
    this.begin();
  }

  /**
   * Looks for the current expect step's pattern in what the guest printed since the last match. A
   * regular expression is matched under a deadline (model/deadline.ts): one that backtracks
   * catastrophically fails the script, naming the step, instead of freezing the action.
   */
  private advance(): void {
    const step = this.steps[this.current];
    if (this.outcome || !step || step.kind !== 'expect') return;
    if (step.pattern.regex === undefined) return this.look(step);
    if (withinDeadline(MATCH_DEADLINE_MS, () => this.look(step)).done) return;
    const at = this.steps[this.current] ?? step;
    this.finish(
      false,
      `Console script ${describeStep(at)}: matching its pattern against ${quote(this.matching)} took longer than ${MATCH_DEADLINE_MS / 1000} s, so the script stopped: the regular expression backtracks catastrophically on that text. Rewrite it so that no two quantifiers can share the same characters, or write plain text.`,
    );
  }

  /** The text being matched right now, for the message when matching runs out of time. */
  private matching = '';

  private look(step: ConsoleStep & { kind: 'expect' }): void {
    while (this.pending.length > 0) {
      const line = this.pending[0].slice(this.pendingFrom);
      this.matching = line;
      const end = matchEnd(step.pattern, line);
      if (end >= 0) {
        this.pendingFrom += end;
        this.next();
        return; // next() has begun the following step, which looks on from here
      }
      this.pending.shift();
      this.pendingFrom = 0;
    }
    const clean = cleanLine(this.partial);
    this.matching = clean.slice(this.partialFrom);
    const end = matchEnd(step.pattern, this.matching);
    if (end >= 0) {
      this.partialFrom += end;
      this.next();
    }
  }

  private finish(ok: boolean, message: string): void {
    if (this.outcome) return;
    clearTimeout(this.timer);
    this.outcome = { ok, steps: this.finished, message };
    this.pending = [];
    this.resolve(this.outcome);
  }
}
