import * as os from 'node:os';

/**
 * Runs jobs (boots of test executables) a few at a time, keeping each job's log together.
 *
 * At most `concurrency` jobs run at once: by default the machine's cores
 * (os.availableParallelism()), since QEMU under TCG runs a single-CPU guest on one host thread.
 * The log stays in job order: the oldest running job writes straight through (the live log moves),
 * the others are held back and written as one block, inside their own `::group::`, when their
 * turn comes. A cancellation (the signal) starts no further job and tells the running ones to stop.
 */

export interface JobLog {
  /** Text or bytes for the log, as they come (GuestEcho's output, or the job's own lines). */
  write(chunk: string | Uint8Array): void;
  /** One line of the job's own. */
  line(text: string): void;
}

export interface PoolJob<T> {
  /** Shown as the log group's title. */
  name: string;
  /** Does the job; stops early (and settles) when the signal is aborted. */
  run(log: JobLog, signal: AbortSignal): Promise<T>;
}

export type PoolResult<T> =
  | { name: string; status: 'done'; value: T; seconds: number }
  | { name: string; status: 'error'; error: unknown; seconds: number }
  /** Never started: the pool was cancelled first. */
  | { name: string; status: 'cancelled'; seconds: 0 };

export interface PoolOptions<T> {
  /** How many jobs at once (default: os.availableParallelism()). */
  concurrency?: number;
  /** Where the log goes (default: stdout). */
  write?: (chunk: string | Uint8Array) => void;
  /** Cancels the pool. */
  signal?: AbortSignal;
  /** A line written after a job's group, visible while the group is folded (its verdict, say). */
  summary?: (result: PoolResult<T>) => string | undefined;
  /** How many bytes of a held-back job's log to keep (default 8 MiB); the rest is left out, with a note. */
  maxBufferBytes?: number;
  /** Each job's log in a `::group::` of its own (default); false: written straight through (one job whose output stays in view). */
  groups?: boolean;
}

interface State {
  started: boolean;
  done: boolean;
  opened: boolean;
  held: (string | Uint8Array)[];
  heldBytes: number;
  dropped: number;
}

/** Lines the runner reads as commands: `::stop-commands::TOKEN` and the `::TOKEN::` that ends the pause must never be left out. */
const isCommand = (c: string | Uint8Array) => typeof c === 'string' && c.length < 256 && c.startsWith('::');

export async function runPool<T>(jobs: PoolJob<T>[], opts: PoolOptions<T> = {}): Promise<PoolResult<T>[]> {
  const limit = Math.max(1, Math.floor(opts.concurrency ?? os.availableParallelism()));
  const write = opts.write ?? ((c: string | Uint8Array) => void process.stdout.write(c));
  const maxHeld = opts.maxBufferBytes ?? 8 << 20;
  const abort = new AbortController();
  const onAbort = () => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const states: State[] = jobs.map(() => ({ started: false, done: false, opened: false, held: [], heldBytes: 0, dropped: 0 }));
  const results: (PoolResult<T> | undefined)[] = jobs.map(() => undefined);
  let owner = 0; // the job whose log is written straight through

  const emit = (i: number, chunk: string | Uint8Array) => {
    const s = states[i];
    if (i === owner && s.opened) return write(chunk);
    if (s.heldBytes + chunk.length > maxHeld && !isCommand(chunk)) {
      s.dropped += chunk.length;
      return;
    }
    s.held.push(chunk);
    s.heldBytes += chunk.length;
  };

  const groups = opts.groups ?? true;
  const close = (i: number) => {
    if (groups) write('::endgroup::\n');
    const line = opts.summary?.(results[i]!);
    if (line) write(line.endsWith('\n') ? line : `${line}\n`);
  };

  /** Hands the log on, in job order: opens the owner's group, writes what it held, moves past finished jobs. */
  const advance = () => {
    while (owner < jobs.length && states[owner].started) {
      const s = states[owner];
      if (!s.opened) {
        if (groups) write(`::group::${jobs[owner].name.replace(/[\r\n]+/g, ' ')}\n`);
        for (const c of s.held) write(c);
        if (s.dropped > 0) write(`\n(${s.dropped} bytes of this output were left out here; the serial log file has them all)\n`);
        s.held = [];
        s.opened = true;
      }
      if (!s.done) return;
      close(owner);
      owner++;
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !abort.signal.aborted) {
      const i = next++;
      const started = Date.now();
      states[i].started = true;
      advance();
      const log: JobLog = { write: (c) => emit(i, c), line: (t) => emit(i, `${t}\n`) };
      try {
        const value = await jobs[i].run(log, abort.signal);
        results[i] = { name: jobs[i].name, status: 'done', value, seconds: (Date.now() - started) / 1000 };
      } catch (error) {
        results[i] = { name: jobs[i].name, status: 'error', error, seconds: (Date.now() - started) / 1000 };
      }
      states[i].done = true;
      advance();
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  for (let i = 0; i < jobs.length; i++) {
    if (!results[i]) {
      results[i] = { name: jobs[i].name, status: 'cancelled', seconds: 0 };
      const line = opts.summary?.(results[i]!);
      if (line) write(line.endsWith('\n') ? line : `${line}\n`);
    }
  }
  return results as PoolResult<T>[];
}
