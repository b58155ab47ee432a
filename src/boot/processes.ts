import type { ChildProcess } from 'node:child_process';

/**
 * Every child process the action starts that must not outlive it (QEMU above all). When the
 * action ends in any way, including the runner cancelling the step with SIGINT/SIGTERM, these
 * are killed.
 */
const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.stdout.write(`\nReceived ${sig}: stopped QEMU.\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export function track(child: ChildProcess): void {
  hook();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export function liveCount(): number {
  return live.size;
}
