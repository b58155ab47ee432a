import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ActionError } from '../model/errors.js';
import type { BootEnd } from '../verdict/verdict.js';
import { kvmFailure } from '../verdict/run-state.js';
import { SerialWatcher, type WatchRules } from '../verdict/watcher.js';
import type { BootMoments } from '../report/outputs.js';
import { killTree, spawnTracked } from '../proc/processes.js';
import { QmpClient, type QmpEvent } from './qmp.js';
import { qemuOptionValue, usesSemihosting } from './qemu-args.js';
import { Conversation, endInWords, type ConversationSpec } from './conversation.js';
import { usernetView } from './probes.js';
import { type ConversationOutcome } from '../model/conversation.js';

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
  /** The runner's environment (RunnerEnv.vars): QEMU's PATH, and what a runner command keeps of it. */
  vars: NodeJS.ProcessEnv;
  /**
   * Follow QEMU's run state over QMP for the whole boot. Only for QEMU itself: adds a QMP socket
   * and -S; the guest starts (QMP `cont`) once the action listens, so no event is missed.
   */
  qmp?: boolean;
  /** Never stop the guest on a match: it must exit by itself (the wait-for-exit input). */
  waitForExit?: boolean;
  /** Working directory of the command (default: the action's). */
  cwd?: string;
  /**
   * Asked when a failure line is seen: true lets the guest run on (the failure still fails the
   * verdict). Test mode: a libtest executable goes on to its later tests after one panics.
   */
  runOnAfterFailure?: () => boolean;
  /** Probes and a console script (forward, probes, console-script inputs): started once the guest runs. */
  conversation?: ConversationSpec;
}

export interface BootResult {
  end: BootEnd;
  watcher: SerialWatcher;
  /** QEMU's stderr, last 8 KiB. */
  stderr: string;
  seconds: number;
  /** QEMU's start, its first serial byte, the last expected line and its end, on one clock (performance.now()): the timing outputs. */
  moments: BootMoments;
  /** The probes' and the console script's outcomes (when the boot had any). */
  conversation?: ConversationOutcome;
  /** QEMU's version as its QMP greeting said it (`QEMU emulator version ...`), when QMP was in use. */
  qemuVersion?: string;
}

/** After every expected line: how long to wait for a failure line that follows right after. */
export const SETTLE_MS = 100;
/** After a failure line: how long to keep reading, so the report can show the panic message. */
export const FAILURE_GRACE_MS = 100;
/** Silence after which an unfinished line is judged as it stands. */
export const QUIET_MS = 150;
/** How long QEMU has to answer query-status before the run state counts as unknown (not running). */
const STATUS_WAIT_MS = 5000;
/** When query-status gets no answer: how long to wait for QEMU's exit before calling its state unknown. */
const EXIT_WAIT_MS = 2000;

/** After the boot command exited: how long its output pipes may stay open (held by a process it left behind). */
const PIPE_WAIT_MS = 1000;

/** Variables no guest command may see: the runner's files and tokens, the action's inputs, secrets passed as env. */
const PRIVATE = /^(GITHUB_|ACTIONS_|RUNNER_|INPUT_)|TOKEN|SECRET|PASSWORD|CREDENTIAL|_KEY$/i;

/**
 * QEMU's environment, built from nothing: QEMU needs only PATH and a locale, and a guest with
 * semihosting can run host commands with it (SYS_SYSTEM, which no QEMU option turns off:
 * https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/semihosting/config.c), so it holds no runner
 * file (GITHUB_ENV, GITHUB_OUTPUT, ...), no token and no secret; HOME and TMPDIR are `home`. PATH
 * is the runner's (`vars`, RunnerEnv.vars).
 */
export function qemuEnvironment(home: string, vars: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: vars.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ...extra,
  };
}

/**
 * A runner command's environment (the user's own command, or cargo run): the action's (`env`,
 * RunnerEnv.vars), without the runner's files and tokens, the inputs and variables that look like
 * secrets; then `extra`.
 */
export function runnerEnvironment(extra: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!PRIVATE.test(k)) out[k] = v;
  return { ...out, ...extra };
}

/**
 * Runs QEMU, streams its serial output into a watcher and the log file, follows QEMU's run state
 * (QMP events and query-status; QEMU's stderr when QMP is not in use), and stops it as soon as
 * the outcome is known: a failure line, QEMU stopping the guest itself (KVM internal error, a
 * reported panic, a pause), every expectation met while QEMU reports the guest running, a
 * timeout. QEMU never outlives this function (and the process registry kills it if the action
 * itself is stopped).
 */
export async function boot(spec: BootSpec): Promise<BootResult> {
  const started = Date.now();
  const log = fs.createWriteStream(spec.logPath);
  let decided: BootEnd | undefined;
  const timers: NodeJS.Timeout[] = [];
  let idleTimer: NodeJS.Timeout | undefined;
  let quietTimer: NodeJS.Timeout | undefined;

  const qmpSocket = spec.qmp ? path.join(os.tmpdir(), `qmp-${randomBytes(6).toString('hex')}.sock`) : undefined;
  // QEMU connects to the action's socket (a client), and waits paused (-S) until the action says `cont`.
  const qmpServer = qmpSocket ? await QmpClient.listen(qmpSocket) : undefined;
  const args = qmpSocket ? [...spec.args, '-qmp', `unix:${qemuOptionValue(qmpSocket)}`, '-S'] : spec.args;
  let shutdownReason: string | undefined;
  /** The last event that explains a stop (GUEST_PANICKED, BLOCK_IO_ERROR, SHUTDOWN), in words. */
  let lastDetail: string | undefined;
  const talks = (spec.conversation?.steps.length ?? 0) > 0;
  // QEMU itself gets a private folder as HOME and TMPDIR (snapshot=on overlays go there), and as
  // its working directory when semihosting lets the guest open host files by relative path.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-home-'));
  const cwd = spec.cwd ?? (spec.qmp && usesSemihosting(args) ? home : undefined);
  // Its own process group (spawnTracked): a runner command that starts QEMU as a child, not by
  // exec, is stopped with everything under it, and nothing is left to hold the output pipes.
  const child = spawnTracked(spec.command, args, {
    // A console script types into the guest's serial port: QEMU's stdin (-serial stdio).
    stdio: [talks ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: spec.qmp ? qemuEnvironment(home, spec.vars, spec.env) : runnerEnvironment(spec.env ?? {}, spec.vars),
    cwd,
  });
  // A guest that exits while the script writes to it: the write fails (EPIPE), the exit decides.
  child.stdin?.on('error', () => {});
  let qmp: QmpClient | undefined;
  // QEMU's own list of its user-network connections: whether the guest accepted a probe's connection.
  const view = qmpSocket
    ? usernetView(async () => (qmp ? await qmp.execute<string>('human-monitor-command', { 'command-line': 'info usernet' }) : undefined))
    : undefined;
  const conv =
    spec.conversation && (spec.conversation.probes.length > 0 || talks) ? new Conversation(spec.conversation, (t) => child.stdin!.write(t), view) : undefined;
  const moments: BootMoments = { started: performance.now(), ended: 0 };
  const alive = () => child.exitCode === null && child.signalCode === null;

  /** Decides the end; QEMU is stopped now, or after `graceMs` (to collect its last messages). */
  const stop = (end: BootEnd, graceMs = 0) => {
    if (decided) return;
    decided = end;
    void conv?.stop(endInWords(end));
    const kill = () => {
      killTree(child, 'SIGTERM');
      timers.push(setTimeout(() => killTree(child, 'SIGKILL'), 2000));
    };
    if (graceMs > 0) timers.push(setTimeout(kill, graceMs));
    else kill();
  };

  const watcher: SerialWatcher = new SerialWatcher(spec.rules, {
    onLine: spec.onLine,
    onLines: spec.onLines,
    onFailure: () => {
      if (!spec.runOnAfterFailure?.()) timers.push(setTimeout(() => stop({ kind: 'failure-line' }), FAILURE_GRACE_MS));
    },
    onSatisfied: () => {
      if (spec.waitForExit) return; // the guest must exit by itself
      timers.push(setTimeout(() => void stopIfRunning(), SETTLE_MS));
    },
  });
  if (conv) {
    conv.onFailure = (f) => stop(f);
    // The last probe or step may finish after the last expected line: then it is the one to stop on.
    conv.onDone = () => {
      if (!spec.waitForExit && watcher.satisfied) timers.push(setTimeout(() => void stopIfRunning(), SETTLE_MS));
    };
  }

  /** Every expectation is met: stop the guest, but pass only if QEMU says it is running. */
  const stopIfRunning = async () => {
    if (decided || !watcher.satisfied || watcher.failure || (conv && !conv.passed)) return;
    if (!qmp) {
      // No QMP (a runner): QEMU's stderr is the only word on its state.
      const kvm = kvmFailure(stderr);
      stop(kvm ? { kind: 'stopped', state: 'internal-error', satisfiedBefore: true } : { kind: 'satisfied' });
      return;
    }
    const st = await qmp.status(STATUS_WAIT_MS);
    if (decided || !watcher.satisfied || watcher.failure) return;
    if (!st) {
      // No answer also when QEMU is exiting right now (a guest that powers off or exits through
      // semihosting just after its last line closes the QMP socket first): give the exit a moment
      // to arrive, and let it decide.
      for (let waited = 0; alive() && waited < EXIT_WAIT_MS; waited += 20) await new Promise((r) => setTimeout(r, 20));
      if (decided) return;
      if (alive()) stop({ kind: 'stopped', state: 'unknown', detail: 'QEMU did not answer query-status', satisfiedBefore: true });
      return; // QEMU exited meanwhile: its exit decides
    }
    stop(
      st.status === 'running' && st.running
        ? { kind: 'satisfied', runState: 'running' }
        : { kind: 'stopped', state: st.status, detail: lastDetail, satisfiedBefore: true },
    );
  };

  /** QEMU stopped the guest (STOP): ask why, and fail at once unless it runs again. */
  const onStop = async () => {
    const st = await qmp?.status(STATUS_WAIT_MS);
    if (decided || !st || st.running) return;
    stop({ kind: 'stopped', state: st.status, detail: lastDetail, satisfiedBefore: watcher.satisfied }, FAILURE_GRACE_MS);
  };

  const onEvent = (e: QmpEvent) => {
    if (decided) return;
    const d = e.data ?? {};
    switch (e.event) {
      case 'SHUTDOWN':
        if (typeof d.reason === 'string') shutdownReason = d.reason;
        lastDetail = `SHUTDOWN, reason ${String(d.reason)}`;
        break;
      case 'STOP':
        void onStop();
        break;
      case 'GUEST_PANICKED':
        // Whatever QEMU does next (pause, power off, nothing), the guest said it panicked.
        lastDetail = `GUEST_PANICKED, action ${String(d.action)}`;
        stop({ kind: 'stopped', state: 'guest-panicked', detail: lastDetail, satisfiedBefore: watcher.satisfied }, FAILURE_GRACE_MS);
        break;
      case 'BLOCK_IO_ERROR':
        lastDetail = `BLOCK_IO_ERROR on ${String(d.device || d['node-name'])} (${String(d.operation)}${d.reason ? `: ${String(d.reason)}` : ''})`;
        break;
      case 'RESET':
        // Under -no-reboot a guest reset becomes SHUTDOWN and QEMU exits; a RESET means the machine restarts.
        if (d.guest === true)
          stop({ kind: 'stopped', state: 'reset', detail: `RESET, reason ${String(d.reason)}`, satisfiedBefore: watcher.satisfied }, FAILURE_GRACE_MS);
        break;
      case 'SUSPEND':
        stop({ kind: 'stopped', state: 'suspended', detail: 'SUSPEND', satisfiedBefore: watcher.satisfied }, FAILURE_GRACE_MS);
        break;
    }
  };

  if (qmpServer) {
    const client = new QmpClient(onEvent);
    qmp = client;
    void (async () => {
      // QEMU connects while it starts, then waits (-S) for `cont`: the guest runs only once the action listens.
      const ok = await client.accept(qmpServer, 10_000, alive);
      if (!ok) {
        // Usually QEMU is exiting (it failed to start the machine): then its exit decides.
        timers.push(
          setTimeout(() => {
            if (alive()) stop({ kind: 'stopped', state: 'prelaunch', detail: "the action could not connect to QEMU's QMP socket", satisfiedBefore: false });
          }, 2000),
        );
        return;
      }
      try {
        await client.execute('cont');
        conv?.start();
      } catch {
        // QEMU is gone: its exit decides
      }
    })();
  }

  const armIdle = () => {
    if (spec.idleTimeout <= 0) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop({ kind: 'idle', seconds: spec.idleTimeout }), spec.idleTimeout * 1000);
  };
  armIdle();
  timers.push(setTimeout(() => stop({ kind: 'timeout', seconds: spec.timeout }), spec.timeout * 1000));

  if (!qmpSocket) conv?.start();
  child.stdout!.on('data', (chunk: Buffer) => {
    moments.firstByte ??= performance.now();
    log.write(chunk);
    conv?.push(chunk);
    watcher.push(chunk);
    armIdle();
    if (quietTimer) clearTimeout(quietTimer);
    quietTimer = setTimeout(() => watcher.checkPartial(), QUIET_MS);
  });
  let stderr = '';
  let kvmSeen = false;
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-8192);
    // QEMU pauses the guest after a KVM failure instead of exiting: fail now, not at the timeout
    // (this is what catches it when QMP is not in use; with QMP the STOP event comes as well).
    if (!kvmSeen && kvmFailure(stderr)) {
      kvmSeen = true;
      stop({ kind: 'stopped', state: 'internal-error', satisfiedBefore: watcher.satisfied }, FAILURE_GRACE_MS);
    }
  });

  const exit = await new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new ActionError(
          e.code === 'ENOENT'
            ? `${spec.command} was not found on PATH; install QEMU (the action installs it with apt-get unless the step runs without it).`
            : `Could not start ${spec.command}: ${e.message}`,
        ),
      );
    });
    child.once('close', (status, signal) => resolve({ status, signal }));
    child.once('exit', (status, signal) => {
      // Everything in the group is killed when its leader exits (proc/processes.ts); a process that
      // left the group (setsid) may still hold the pipes: 'close' would never come, so it is not waited for long.
      timers.push(
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve({ status, signal });
        }, PIPE_WAIT_MS),
      );
    });
  }).finally(async () => {
    for (const t of timers) clearTimeout(t);
    if (idleTimer) clearTimeout(idleTimer);
    if (quietTimer) clearTimeout(quietTimer);
    qmp?.close();
    qmpServer?.close();
    if (qmpSocket) fs.rmSync(qmpSocket, { force: true });
    fs.rmSync(home, { recursive: true, force: true });
    await new Promise<void>((resolve) => log.end(resolve));
  });

  moments.ended = performance.now();
  watcher.end();
  moments.expectedDone = watcher.satisfiedAt;
  const end: BootEnd = decided ?? { kind: 'exited', status: exit.status, signal: exit.signal, shutdown: shutdownReason };
  return {
    moments,
    conversation: await conv?.stop(endInWords(end)),
    end,
    watcher,
    stderr,
    seconds: (Date.now() - started) / 1000,
    qemuVersion: qmp?.version,
  };
}
