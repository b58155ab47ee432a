import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Every child process the action starts that must not outlive it: apt-get and rustup while
 * installing, cargo (and every rustc and build script it starts) while building, QEMU while
 * booting. Children started with spawnTracked lead a process group of their own (spawned detached:
 * setsid), so that the whole tree under them is stopped with one kill(-pgid); a child's own
 * children never escape. When the action ends in any way, including the runner cancelling the step
 * (SIGINT, then SIGTERM: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation),
 * they are stopped, and the message names the stage that was interrupted.
 */

interface Tracked {
  child: ChildProcess;
  /** The child leads its own process group: signal the group. */
  group: boolean;
}

const live = new Set<Tracked>();
/** What must happen first when the run is cancelled: no new work starts, paused workflow commands are resumed. */
const onCancelHooks = new Set<() => void>();
let hooked = false;
let stage: string | undefined;
let cancelling = false;

/** How long the tree gets to stop after SIGTERM before SIGKILL. */
export const GRACE_MS = 1000;

/** Names the stage now running ("install", "build", "boot"): a cancellation message names it. */
export function setStage(name: string | undefined): void {
  stage = name;
}

/** The message for a cancellation by `sig` during `stageName`. */
export function cancelMessage(sig: NodeJS.Signals, stageName: string | undefined, stopped: number): string {
  const what = stageName ? `the ${stageName} was cancelled` : 'the run was cancelled';
  const procs = stopped
    ? `; stopped ${stopped === 1 ? 'the command' : `${stopped} commands`} it was running, with every process ${stopped === 1 ? 'it' : 'they'} started`
    : '';
  return `Received ${sig}: ${what}${procs}.`;
}

function signal(t: Tracked, sig: NodeJS.Signals): void {
  const pid = t.child.pid;
  if (pid === undefined) return;
  try {
    if (t.group) process.kill(-pid, sig);
    else t.child.kill(sig);
  } catch {
    // already gone
  }
}

/** Sends a signal to a tracked child and everything it started (its process group). */
export function killTree(child: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): void {
  for (const t of live) if (t.child === child) return signal(t, sig);
  try {
    child.kill(sig);
  } catch {
    // already gone
  }
}

function killAll(sig: NodeJS.Signals): void {
  for (const t of live) signal(t, sig);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  // Whatever way the action ends, nothing it started lives on.
  process.on('exit', () => killAll('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (cancelling) return; // the runner's SIGTERM after its SIGINT: already stopping
      cancelling = true;
      for (const f of [...onCancelHooks]) {
        try {
          f();
        } catch {
          // stopping anyway
        }
      }
      const n = live.size;
      killAll('SIGTERM');
      const done = () => {
        killAll('SIGKILL');
        process.stdout.write(`\n${cancelMessage(sig, stage, n)}\n::error::${cancelMessage(sig, stage, n)}\n`);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      };
      if (n === 0) return done();
      // Give the trees a moment to stop cleanly (QEMU flushes its log), then kill what is left.
      const until = Date.now() + GRACE_MS;
      const poll = setInterval(() => {
        if (live.size === 0 || Date.now() >= until) {
          clearInterval(poll);
          done();
        }
      }, 20);
    });
  }
}

/**
 * Registers a child that must not outlive the action. `group`: the child was spawned detached and
 * leads its own process group (spawnTracked does that).
 */
export function track(child: ChildProcess, group = false): void {
  hook();
  const t: Tracked = { child, group };
  live.add(t);
  // 'exit' of the leader: the group may still have members (a rustc cargo left behind), so the
  // group is signalled once more when it goes.
  child.once('exit', () => {
    if (group) signal(t, 'SIGKILL');
    live.delete(t);
  });
}

/** Spawns a command as the leader of a new process group, tracked until it exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: process.platform !== 'win32' });
  track(child, process.platform !== 'win32');
  return child;
}

/**
 * Runs `f` first when the run is cancelled (before the children are stopped and the message is
 * written): a pool starts no further boot, a paused echo resumes workflow commands so the
 * cancellation's error annotation is read. Returns the function that removes it.
 */
export function onCancel(f: () => void): () => void {
  hook();
  onCancelHooks.add(f);
  return () => void onCancelHooks.delete(f);
}

export function liveCount(): number {
  return live.size;
}
