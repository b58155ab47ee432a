import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ActionError } from '../errors.js';
import type { BootEnd } from '../verdict/verdict.js';
import { SerialWatcher, type WatchRules } from '../verdict/watcher.js';
import { track } from './processes.js';

export interface BootSpec {
  command: string;
  args: string[];
  /** Seconds for boot and run. */
  timeout: number;
  /** Seconds of silence that fail the run; 0 = off. */
  idleTimeout: number;
  /** Where the raw serial bytes go. */
  logPath: string;
  rules: WatchRules;
  /** Called with every complete serial line, for the live log. */
  onLine?: (line: string) => void;
  /** Extra environment for QEMU. */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the command (default: the action's). */
  cwd?: string;
}

export interface BootResult {
  end: BootEnd;
  watcher: SerialWatcher;
  /** QEMU's stderr, last 8 KiB. */
  stderr: string;
  seconds: number;
}

/** After every expected line: how long to wait for a failure line that follows right after. */
export const SETTLE_MS = 100;
/** After a failure line: how long to keep reading, so the report can show the panic message. */
export const FAILURE_GRACE_MS = 100;
/** Silence after which an unfinished line is judged as it stands. */
export const QUIET_MS = 150;

/**
 * Runs QEMU, streams its serial output into a watcher and the log file, and stops it as soon as
 * the outcome is known: a failure line, every expectation met, a timeout. QEMU never outlives
 * this function (and the process registry kills it if the action itself is stopped).
 */
export async function boot(spec: BootSpec): Promise<BootResult> {
  const started = Date.now();
  const log = fs.createWriteStream(spec.logPath);
  let decided: BootEnd | undefined;
  const timers: NodeJS.Timeout[] = [];
  let idleTimer: NodeJS.Timeout | undefined;
  let quietTimer: NodeJS.Timeout | undefined;

  const child = spawn(spec.command, spec.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env },
    cwd: spec.cwd,
  });
  track(child);

  const stop = (end: BootEnd) => {
    if (decided) return;
    decided = end;
    child.kill('SIGTERM');
    timers.push(setTimeout(() => child.kill('SIGKILL'), 2000));
  };

  const watcher = new SerialWatcher(spec.rules, {
    onLine: spec.onLine,
    onFailure: () => timers.push(setTimeout(() => stop({ kind: 'failure-line' }), FAILURE_GRACE_MS)),
    onSatisfied: () =>
      timers.push(
        setTimeout(() => {
          if (watcher.satisfied && !watcher.failure) stop({ kind: 'satisfied' });
        }, SETTLE_MS),
      ),
  });

  const armIdle = () => {
    if (spec.idleTimeout <= 0) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop({ kind: 'idle', seconds: spec.idleTimeout }), spec.idleTimeout * 1000);
  };
  armIdle();
  timers.push(setTimeout(() => stop({ kind: 'timeout', seconds: spec.timeout }), spec.timeout * 1000));

  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    watcher.push(chunk);
    armIdle();
    if (quietTimer) clearTimeout(quietTimer);
    quietTimer = setTimeout(() => watcher.checkPartial(), QUIET_MS);
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-8192);
  });

  const exit = await new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(new ActionError(e.code === 'ENOENT' ? `${spec.command} was not found on PATH; install QEMU (the action installs it with apt-get unless the step runs without it).` : `Could not start ${spec.command}: ${e.message}`));
    });
    child.once('close', (status, signal) => resolve({ status, signal }));
  }).finally(async () => {
    for (const t of timers) clearTimeout(t);
    if (idleTimer) clearTimeout(idleTimer);
    if (quietTimer) clearTimeout(quietTimer);
    await new Promise<void>((resolve) => log.end(resolve));
  });

  watcher.end();
  return {
    end: decided ?? { kind: 'exited', status: exit.status, signal: exit.signal },
    watcher,
    stderr,
    seconds: (Date.now() - started) / 1000,
  };
}
