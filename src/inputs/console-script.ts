import { InputError } from '../model/errors.js';
import { MAX_TIMER_SECONDS, parseYamlList, timerLimitProblem } from '../model/parse.js';
import { parsePattern } from '../model/patterns.js';
import { type ConsoleStep } from '../model/conversation.js';

/** Seconds a step may wait when it does not say: long enough for a boot under TCG. */
export const DEFAULT_STEP_TIMEOUT = 30;
/**
 * What `send` ends a line with: a carriage return, what the Enter key sends through QEMU's
 * `-serial stdio` (QEMU puts the terminal in raw mode), so a guest that was tried by hand reads
 * lines the same way here. seL4's banscii demo, for example, ends a line at '\r' or '\n'
 * (https://github.com/seL4/rust-sel4/blob/main/crates/examples/microkit/banscii/pds/assistant/src/main.rs).
 * A guest that wants something else gets it with `write`.
 */
export const ENTER = '\r';

const INPUT = 'console-script';
const EXAMPLE = `Write a YAML list of steps, for example:
  - expect: "banscii>"
  - send: Hello
  - expect: /^[@%#x+=:. -]+$/
    timeout: 10`;
const KINDS = ['expect', 'send', 'write'];

function fail(index: number, problem: string, valid: string): never {
  throw new InputError(INPUT, `step ${index}: ${problem}`, valid);
}

/**
 * Parses the `console-script` input: a YAML list of steps run in order against the guest's serial
 * console. `expect: TEXT` (or /regex/) waits for the guest to print it (a prompt without a newline
 * counts), `send: TEXT` types TEXT and Enter, `write: TEXT` sends TEXT exactly (YAML escapes such as
 * "\x03" allowed). Each step may have `timeout` (seconds, default 30).
 */
export function parseConsoleScript(value: string): ConsoleStep[] {
  const doc = parseYamlList(INPUT, value, ' of steps', EXAMPLE);
  const steps = doc.map((item: unknown, i): ConsoleStep => {
    const index = i + 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) fail(index, 'is not a map such as "expect: login:"', EXAMPLE);
    const map = item as Record<string, unknown>;
    const kinds = Object.keys(map).filter((k) => KINDS.includes(k));
    const unknown = Object.keys(map).filter((k) => !KINDS.includes(k) && k !== 'timeout');
    if (unknown.length > 0) fail(index, `unknown key '${unknown[0]}'`, 'A step has one of expect, send or write, and may have timeout.');
    if (kinds.length !== 1)
      fail(
        index,
        kinds.length === 0 ? 'has none of expect, send or write' : `has both ${kinds.join(' and ')}`,
        'Give each step exactly one of them; make two steps to wait and then send.',
      );
    const kind = kinds[0];
    const raw = map[kind];
    if (typeof raw !== 'string' && typeof raw !== 'number')
      fail(index, `'${kind}' must be text`, `Write '${kind}: some text' (quote it if it starts with a special character).`);
    const value = String(raw);
    let timeout = DEFAULT_STEP_TIMEOUT;
    if (map.timeout !== undefined) {
      const t = typeof map.timeout === 'number' ? map.timeout : Number(map.timeout);
      if (!Number.isFinite(t) || t <= 0) fail(index, `timeout '${String(map.timeout)}' is not a positive number of seconds`, 'Write for example timeout: 10.');
      const tooLong = timerLimitProblem(t);
      if (tooLong) fail(index, `timeout ${String(map.timeout)} ${tooLong}`, `Give at most ${MAX_TIMER_SECONDS} seconds, for example timeout: 10.`);
      timeout = t;
    }
    if (kind === 'expect') {
      if (value.trim() === '') fail(index, "'expect' is empty", 'Give the text to wait for, or /regex/.');
      try {
        return { kind, index, pattern: parsePattern(value, INPUT), timeout };
      } catch (e) {
        // parsePattern says "'TEXT' is not a valid regular expression (...). Fix ...": keep both halves.
        const rest = (e as Error).message.replace(/^Input 'console-script': /, '');
        const cut = rest.indexOf('. ');
        fail(index, cut < 0 ? rest : rest.slice(0, cut), cut < 0 ? '' : rest.slice(cut + 2));
      }
    }
    if (kind === 'write' && value === '') fail(index, "'write' is empty", 'Give the text to send.');
    return { kind: 'send', index, text: kind === 'send' ? value + ENTER : value, timeout };
  });
  return steps;
}

/** A step as shown in messages and the plan: `step 2 (send "Hello⏎")`. */
