import { InputError } from '../model/errors.js';
import type { InputReader } from '../model/parse.js';
import type { Shard } from '../model/shard.js';
import type { Annotations } from '../cargo/cargo.js';

export type { Shard } from '../model/shard.js';

/**
 * The inputs that tell one leg of a workflow matrix from another: `name` (the run's name in the
 * summary heading, JUnit and the log files' names), `shard` (a share of a test suite) and
 * `annotations` (which annotations the run makes: GitHub shows at most 10 warning and 10 error
 * annotations per step and 50 per job, so a crate's compiler warnings can crowd out the failure;
 * https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations).
 */

export type { Annotations } from '../cargo/cargo.js';

export interface MatrixInputs {
  /** The run's name (the input, else derived from target, cargo-args and toolchain). */
  name: string;
  shard?: Shard;
  annotations: Annotations;
}

/** The longest name kept: a heading, a JUnit attribute and part of a file name. */
const NAME_MAX = 200;

/**
 * The name a leg gets when the `name` input is empty: the target, then cargo-args and the
 * toolchain input when they are set (`x86_64-unknown-none --release (nightly-2026-11-01)`), so
 * legs that differ only in those do not look the same. Deterministic: the inputs as written,
 * whitespace collapsed.
 */
export function defaultName(target: string, cargoArgs: string, toolchain: string): string {
  const words = (s: string) => s.trim().replace(/\s+/g, ' ');
  return [words(target), words(cargoArgs), toolchain.trim() ? `(${toolchain.trim()})` : ''].filter(Boolean).join(' ');
}

function nameInput(get: InputReader): string {
  const raw = get('name').trim();
  const name = raw || defaultName(get('target'), get('cargo-args'), get('toolchain'));
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\x00-\x1f\x7f]/.test(name))
    throw new InputError('name', 'holds a line break or another control character', 'Give the run a one-line name, such as "x86_64 release".');
  if (name.length > NAME_MAX) throw new InputError('name', `is ${name.length} characters long`, `Give at most ${NAME_MAX} characters.`);
  return name;
}

/** shard: `K/N`, only with command: test (a share of the test executables; command: boot has one image). */
function shardInput(get: InputReader, command: 'boot' | 'test'): Shard | undefined {
  const raw = get('shard').trim();
  if (raw === '') return undefined;
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(raw);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || index < 1 || total < 1 || index > total || total > 1000)
    throw new InputError(
      'shard',
      `'${raw}' is not a shard`,
      'Give K/N with 1 ≤ K ≤ N ≤ 1000, such as 1/3 (from a matrix: shard: ${{ matrix.shard }}/3 with shard: [1, 2, 3]).',
    );
  if (command !== 'test')
    throw new InputError(
      'shard',
      `is ${raw}, but command is ${command}, which boots one image`,
      'Set command to test (the test executables are shared out among the shards), or remove shard.',
    );
  return { index, total };
}

function annotationsInput(get: InputReader): Annotations {
  const raw = (get('annotations').trim() || 'all').toLowerCase();
  if (raw !== 'all' && raw !== 'errors' && raw !== 'none')
    throw new InputError(
      'annotations',
      `'${raw}' is not a choice`,
      "Use all (rustc's errors and warnings and failed tests' panics), errors (no rustc warnings) or none (no annotations on the source).",
    );
  return raw;
}

/** name, shard and annotations, checked. */
export function readMatrixInputs(get: InputReader, command: 'boot' | 'test'): MatrixInputs {
  return { name: nameInput(get), shard: shardInput(get, command), annotations: annotationsInput(get) };
}

/** The run's name as the heading, the JUnit file and the log files show it: the name, and the shard when there is one. */
export function runName(m: Pick<MatrixInputs, 'name' | 'shard'>): string {
  return m.shard ? `${m.name} [shard ${m.shard.index}/${m.shard.total}]` : m.name;
}
