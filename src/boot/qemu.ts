import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
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
  /** Called with blocks of whole lines the watcher passed over in bulk. */
  onLines?: (block: Buffer, escapes: boolean) => void;
  /** Extra environment for QEMU. */
  env?: NodeJS.ProcessEnv;
  /**
   * Watch QEMU's QMP events to learn why the guest stopped (reset, power-off, panic). Only for
   * QEMU itself: adds a QMP socket that QEMU waits on before it starts the guest.
   */
  qmp?: boolean;
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

  const qmpSocket = spec.qmp ? path.join(os.tmpdir(), `qmp-${randomBytes(6).toString('hex')}.sock`) : undefined;
  const args = qmpSocket ? [...spec.args, '-qmp', `unix:${qmpSocket},server=on,wait=on`] : spec.args;
  let shutdownReason: string | undefined;
  const child = spawn(spec.command, args, {
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
    onLines: spec.onLines,
    onFailure: () => timers.push(setTimeout(() => stop({ kind: 'failure-line' }), FAILURE_GRACE_MS)),
    onSatisfied: () =>
      timers.push(
        setTimeout(() => {
          if (watcher.satisfied && !watcher.failure) stop({ kind: 'satisfied' });
        }, SETTLE_MS),
      ),
  });

  let qmpConn: net.Socket | undefined;
  if (qmpSocket) {
    // QEMU waits for this connection before it runs the guest, so no event is missed.
    const connect = (tries: number) => {
      if (child.exitCode !== null || child.signalCode !== null || decided) return;
      const c = net.createConnection(qmpSocket);
      c.once('error', () => {
        c.destroy();
        if (tries > 0) timers.push(setTimeout(() => connect(tries - 1), 2));
      });
      c.once('connect', () => {
        qmpConn = c;
        c.write('{"execute":"qmp_capabilities"}\n');
      });
      let buf = '';
      c.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const msg = JSON.parse(line) as { event?: string; data?: { reason?: string } };
            if (msg.event === 'SHUTDOWN' && msg.data?.reason) shutdownReason = msg.data.reason;
          } catch {
            // not JSON: ignore
          }
        }
      });
    };
    connect(2500); // QEMU makes the socket early in its start: a few milliseconds
  }

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
    qmpConn?.destroy();
    if (qmpSocket) fs.rmSync(qmpSocket, { force: true });
    await new Promise<void>((resolve) => log.end(resolve));
  });

  watcher.end();
  return {
    end: decided ?? { kind: 'exited', status: exit.status, signal: exit.signal, shutdown: shutdownReason },
    watcher,
    stderr: stderr.replace(/^.*info: QEMU waiting for connection on:.*\n?/m, ''),
    seconds: (Date.now() - started) / 1000,
  };
}
