import { parseArgsStringToArgv } from 'string-argv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError } from './errors.js';

/**
 * The parsers every input shares (booleans, seconds, exit statuses, argument lists, SHA-256), and
 * InputSpec: how a module declares an input it reads. Each parser names the input in its error
 * and says what would be valid.
 */

/** Reads one input by name ('' when unset), like core.getInput. */
export type InputReader = (name: string) => string;

/** One input of the action: its name, and how its raw text becomes a value. */
export interface InputSpec<T = unknown> {
  name: string;
  /** raw is trimmed; '' when the input is unset. */
  parse(raw: string): T;
  /**
   * Does it change what the build produces or what is downloaded for it? Then its value is part of
   * the build cache's key (src/cache/key.ts); inputs that change only the boot or the verdict are
   * not, so changing them keeps the cache.
   */
  buildKey?: boolean;
}

/** Reads every spec's input: `{ [name]: parsed value }`. */
export function readSpecs(get: InputReader, specs: readonly InputSpec[]): Record<string, unknown> {
  return Object.fromEntries(specs.map((s) => [s.name, s.parse(get(s.name).trim())]));
}

export function parseBool(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw new InputError(name, `'${raw}' is not a boolean`, 'Use true or false.');
}

/**
 * The longest wait a Node timer can hold: setTimeout takes a signed 32-bit count of milliseconds
 * and fires at once (after 1 ms, with a TimeoutOverflowWarning) when given more
 * (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args). A timeout of 2147484 s or
 * more would end the boot at its start; such values are refused, not clamped, so that what the
 * user wrote is what runs. 2147483 s is 24.8 days, longer than any GitHub job may run.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Seconds as people read them: at most three significant decimals ("1.876027932" reads "1.88"; "300" stays "300"). */
export function roundSeconds(seconds: number): string {
  return String(Number(seconds.toFixed(seconds < 10 ? 2 : seconds < 100 ? 1 : 0)));
}

/** Why `seconds` cannot be waited for with a timer ('' when it can). */
export function timerLimitProblem(seconds: number): string {
  return seconds > MAX_TIMER_SECONDS ? `is longer than the ${MAX_TIMER_SECONDS} s (24.8 days) a timer can wait` : '';
}

export function parseSeconds(name: string, raw: string, fallback: number, allowZero: boolean): number {
  if (raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n) || (!allowZero && n <= 0)) {
    throw new InputError(
      name,
      `'${raw}' is not a number of seconds`,
      `Give a ${allowZero ? 'non-negative' : 'positive'} number such as 120${allowZero ? ' (0 turns it off)' : ''}.`,
    );
  }
  const tooLong = timerLimitProblem(n);
  if (tooLong) throw new InputError(name, `'${raw}' ${tooLong}`, `Give at most ${MAX_TIMER_SECONDS} seconds${allowZero ? ', or 0 to turn it off' : ''}.`);
  return n;
}

/** Exit statuses, separated by commas or spaces; undefined when the input is empty. */
export function parseExitCodes(name: string, raw: string): number[] | undefined {
  if (raw.trim() === '') return undefined;
  const parts = raw.split(/[\s,]+/).filter((s) => s !== '');
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) > 255) {
      throw new InputError(name, `'${p}' is not an exit status`, 'Give whole numbers from 0 to 255, separated by commas or spaces (for example: 33).');
    }
    return Number(p);
  });
}

/** Splits like a shell (quotes group words), without expanding anything; line breaks are spaces. */
export function parseArgv(raw: string): string[] {
  if (raw.trim() === '') return [];
  return parseArgsStringToArgv(raw.replace(/\\\r?\n/g, ' ').replace(/\r?\n/g, ' '));
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** A SHA-256 in hex (lower-cased), or undefined when empty. */
export function parseSha256(name: string, raw: string, what: string): string | undefined {
  if (raw === '') return undefined;
  if (!SHA256.test(raw)) throw new InputError(name, `'${raw}' is not a SHA-256`, `Give the 64 hex digits of ${what} (sha256sum prints them).`);
  return raw.toLowerCase();
}

/**
 * An input written as a YAML list (probes, console-script): the list, or an InputError naming the
 * input, with YAML's own first line and `example` as the fix. Empty: an empty list.
 */
export function parseYamlList(input: string, value: string, what: string, example: string): unknown[] {
  if (value.trim() === '') return [];
  let doc: unknown;
  try {
    doc = parseYaml(value);
  } catch (e) {
    const msg = e instanceof YAMLParseError ? e.message.split('\n')[0] : String(e);
    throw new InputError(input, `is not valid YAML (${msg})`, `Quote text that holds ': ' or starts with a special character. ${example}`);
  }
  if (!Array.isArray(doc)) throw new InputError(input, `is not a list${what}`, example);
  return doc;
}
