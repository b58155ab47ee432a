import { InputError } from './errors.js';
import { MATCH_DEADLINE_MS, MatchStalled, withinDeadline } from './deadline.js';

/**
 * A line to look for in the serial output. Plain text matches anywhere in a line;
 * text written as `/regex/flags` is a JavaScript regular expression.
 */
export interface Pattern {
  /** How the user wrote it, for messages. */
  readonly source: string;
  /** A literal to find with indexOf, when the pattern is plain text. */
  readonly literal?: string;
  readonly regex?: RegExp;
  /**
   * For a target's own failure lines: one sentence naming the fix, added to the reason when this
   * line failed the run (`next` is the line after it, often the message), or undefined for none.
   */
  readonly hint?: (line: string, next: string | undefined) => string | undefined;
}

const REGEX_FORM = /^\/(.*)\/([a-z]*)$/s;
const ALLOWED_FLAGS = /^[imsu]*$/;

export function literal(text: string): Pattern {
  return { source: text, literal: text };
}

export function parsePattern(text: string, input: string): Pattern {
  const m = REGEX_FORM.exec(text);
  if (!m || m[1] === '') return literal(text);
  const [, body, flags] = m;
  if (!ALLOWED_FLAGS.test(flags)) {
    throw new InputError(
      input,
      `'${text}' has regular-expression flags '${flags}'`,
      'Allowed flags are i, m, s and u (for example /hello.*world/i); write the line without slashes to match it as plain text.',
    );
  }
  try {
    return { source: text, regex: new RegExp(body, flags) };
  } catch (e) {
    throw new InputError(
      input,
      `'${text}' is not a valid regular expression (${(e as Error).message})`,
      'Fix the expression, or write the line without the surrounding slashes to match it as plain text.',
    );
  }
}

/** One pattern per non-empty line; surrounding whitespace is ignored. */
export function parsePatternLines(value: string, input: string): Pattern[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => parsePattern(l, input));
}

export function matches(p: Pattern, line: string): boolean {
  if (p.literal !== undefined) return line.includes(p.literal);
  p.regex!.lastIndex = 0;
  return p.regex!.test(line);
}

/**
 * matches(), for a single look at a text (a probe's reply): a regular expression runs under the
 * deadline (deadline.ts) and throws MatchStalled when it runs out of time. Lines in bulk are
 * batched by their callers instead (each deadline costs about 0.1 ms).
 */
export function matchesInTime(p: Pattern, text: string): boolean {
  if (p.literal !== undefined) return matches(p, text);
  const r = withinDeadline(MATCH_DEADLINE_MS, () => matches(p, text));
  if (!r.done) throw new MatchStalled(JSON.stringify(p.source));
  return r.value;
}
