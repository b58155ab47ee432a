import { shellWord } from '../model/shell.js';
import { spawnTracked } from './processes.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv };

/**
 * Runs a command in a process group of its own (so that a cancelled run stops it and whatever it
 * started: apt-get's dpkg, rustup's downloads), collecting its output.
 */
function run(cmd: string, args: string[], opts: RunOptions, silent: boolean): Promise<Captured> {
  return new Promise((resolve) => {
    if (!silent) process.stdout.write(`[command]${[cmd, ...args].map(shellWord).join(' ')}\n`);
    // What capture returns is parsed (apt-cache policy, dpkg-query, rustc -vV, qemu --version): in the
    // C locale, so that labels and messages are the untranslated ones the parsers know. A caller's own LC_ALL wins.
    // The base is the action's own environment, as spawn gives a child by default: the one read of
    // process.env outside main.ts and runner-env.ts (test/unit/layers.test.ts), for no decision of
    // ours, and live, so a PATH that core.addPath extended (rustup installed) reaches apt, rustup and cargo.
    const env = { ...process.env, ...(silent ? { LC_ALL: 'C' } : {}), ...opts.env };
    let child;
    try {
      child = spawnTracked(cmd, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: 127, stdout: '', stderr: (e as Error).message });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => {
      out.push(d);
      if (!silent) process.stdout.write(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      err.push(d);
      if (!silent) process.stderr.write(d);
    });
    // The command could not be started at all (not found): 127, as a shell says.
    child.once('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** Runs a command quietly and returns what it printed; never throws on a non-zero exit. */
export const capture = (cmd: string, args: string[], opts: RunOptions = {}) => run(cmd, args, opts, true);

/** Runs a command with its output in the log; returns its exit status and output. */
export const runLogged = (cmd: string, args: string[], opts: RunOptions = {}) => run(cmd, args, opts, false);

/** The line of a command's error output that says what went wrong: its first `error:` line, else its last line. */
export function errorLine(text: string): string {
  // cargo's and rustup's `error:`, apt's `E:`.
  const err = text.split('\n').find((l) => /^(error\b|E:)/i.test(l.trim()));
  if (err) return err.trim();
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}
