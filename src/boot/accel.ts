import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { track } from './processes.js';

export interface KvmProbe {
  ok: boolean;
  /** Why KVM cannot be used, in a sentence. */
  why?: string;
}

/**
 * Does KVM really work for this QEMU and CPU model? `/dev/kvm` existing is not enough: some hosts
 * accept the device but abort on some CPU models ("failed to set MSR"). So open the device, then
 * start the same QEMU with the same CPU under KVM, paused, and ask it to quit through the monitor.
 */
export async function probeKvm(qemu: string, cpu: string | undefined, extraArgs: string[] = []): Promise<KvmProbe> {
  try {
    const fd = fs.openSync('/dev/kvm', fs.constants.O_RDWR);
    fs.closeSync(fd);
  } catch (e) {
    return { ok: false, why: `/dev/kvm cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const args = ['-accel', 'kvm', ...(cpu ? ['-cpu', cpu] : []), ...extraArgs, '-display', 'none', '-monitor', 'stdio', '-serial', 'none', '-nodefaults', '-S'];
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    track(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `${qemu} could not be started (${e.message})` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ ok: true });
      const err = stderr.split('\n').find((l) => /error|failed|Could not/i.test(l))?.trim();
      resolve({ ok: false, why: `QEMU under KVM${cpu ? ` with -cpu ${cpu}` : ''} ${signal ? `died (${signal})` : `exited with ${code}`}${err ? `: ${err}` : ''}` });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end('quit\n');
  });
}
