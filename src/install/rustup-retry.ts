import * as core from '@actions/core';
import { errorLine, runLogged, type Captured } from '../proc/run.js';

/**
 * What in rustup's output says a failure may pass if tried again: the release server being updated
 * (its manifest and checksum out of step: https://github.com/rust-lang/rustup/issues/3390, retried by
 * https://github.com/dtolnay/rust-toolchain/issues/183), and the network (DNS, connect, timeouts,
 * server errors). A release that does not exist or a bad name is not transient.
 */
const TRANSIENT: [RegExp, string][] = [
  [/checksum failed for/i, 'checksum failed (the release server may be being updated)'],
  [/ongoing update of the official release server/i, 'an ongoing update of the release server'],
  [/unsuccessful status code: (5\d\d|408|429)/i, 'a server error'],
  [/dns error|failed to lookup address|name or service not known|temporary failure in name resolution/i, 'a DNS error'],
  [/timed ?out/i, 'a timeout'],
  [/connection (reset|refused|closed)|broken pipe|client error \(connect\)|tcp connect error|error sending request|error downloading file/i, 'a network error'],
];

const PERMANENT = /no release found|unsuccessful status code: 4(0[0-7]|09|[1-9]\d)|invalid toolchain name|invalid value|is not a valid|nonexistent/i;

/** Why rustup's failure looks transient (worth another try), or undefined when it does not. */
export function transientRustupFailure(output: string): string | undefined {
  if (PERMANENT.test(output)) return undefined;
  return TRANSIENT.find(([re]) => re.test(output))?.[1];
}

/** The lines of rustup's output that say what failed: its `error:` lines and the reason chain under them, without the backtrace. */
export function rustupReason(output: string): string {
  const lines = output.split('\n');
  const keep: string[] = [];
  for (const line of lines) {
    if (/^stack backtrace:/i.test(line.trim())) break;
    if (/^(error|warn):/.test(line.trim()) || /^\s+\d+: /.test(line)) keep.push(line.trim());
  }
  return keep.join(' ') || errorLine(output);
}

export interface RustupRetry {
  attempts: number;
  /** The wait before attempt n + 1 (n >= 1), in ms. */
  delayMs: (n: number) => number;
}

/** Five attempts as dtolnay/rust-toolchain's, with back-off: 10, 20, 40, 60 s (2 min 10 s in all, about how long an update takes). */
export const RUSTUP_RETRY: RustupRetry = { attempts: 5, delayMs: (n) => Math.min(60_000, 10_000 * 2 ** (n - 1)) };

/**
 * Runs a rustup command that downloads (toolchain install, component add, target add), trying it
 * again with back-off while it fails transiently. Returns the last result; its `tries` says how many.
 */
export async function rustupWithRetry(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  retry: RustupRetry = RUSTUP_RETRY,
  run: (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }) => Promise<Captured> = runLogged,
): Promise<Captured & { tries: number }> {
  for (let n = 1; ; n++) {
    const r = await run('rustup', args, opts);
    if (r.code === 0) return { ...r, tries: n };
    const why = transientRustupFailure(`${r.stdout}\n${r.stderr}`);
    if (!why || n >= retry.attempts) return { ...r, tries: n };
    const wait = retry.delayMs(n);
    core.warning(`rustup ${args.slice(0, 2).join(' ')} failed with ${why} (attempt ${n} of ${retry.attempts}); trying again in ${Math.round(wait / 1000)} s.`);
    await new Promise((res) => setTimeout(res, wait));
  }
}

/** The reason for a failed rustup command, quoting rustup, with how many tries it took. */
export function rustupFailure(r: Captured & { tries: number }): string {
  const quoted = rustupReason(`${r.stdout}\n${r.stderr}`) || `exit status ${r.code}`;
  return `rustup said: "${quoted}"${r.tries > 1 ? ` (after ${r.tries} attempts)` : ''}`;
}
