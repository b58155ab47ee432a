import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { track } from '../proc/processes.js';
import type { Accel, ImageKind } from './qemu-args.js';
import type { BootEnd } from '../verdict/verdict.js';
import { kvmFailure } from '../verdict/run-state.js';
import type { CalibrationKind } from './calibrate.js';

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
  const r = await startPaused(qemu, ['-accel', 'kvm', ...(cpu ? ['-cpu', cpu] : []), ...extraArgs]);
  if (r.error) return { ok: false, why: `${qemu} could not be started (${r.error})` };
  if (r.code === 0) return { ok: true };
  const err = r.stderr
    .split('\n')
    .find((l) => /error|failed|Could not/i.test(l))
    ?.trim();
  return {
    ok: false,
    why: `QEMU under KVM${cpu ? ` with -cpu ${cpu}` : ''} ${r.signal ? `died (${r.signal})` : `exited with ${r.code}`}${err ? `: ${err}` : ''}`,
  };
}

/**
 * Starts QEMU with `args` paused (-S), headless, with the monitor on stdin, and quits it at once:
 * whether it starts at all, and what it says on the way (a refused accelerator, a CPU feature TCG
 * lacks). Killed after 10 s.
 */
export function startPaused(qemu: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(qemu, [...args, '-display', 'none', '-monitor', 'stdio', '-serial', 'none', '-nodefaults', '-S'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    track(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stderr, error: e.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end('quit\n');
  });
}

const KVM_RULE = 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"';

/** Can this process open /dev/kvm read-write? The error code when it cannot. */
export function openKvm(): { ok: true } | { ok: false; code: string } {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', fs.constants.O_RDWR));
    return { ok: true };
  } catch (e) {
    return { ok: false, code: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

/**
 * GitHub-hosted Linux runners have /dev/kvm as root:kvm 0660. The usual fix (also Hermit's and
 * the Android emulator's): a udev rule making it 0666, reloaded and triggered. Done only when
 * /dev/kvm exists and cannot be opened for lack of permission, and sudo works without a password;
 * then checked by opening the device. Returns what happened, in a sentence, or undefined when
 * nothing had to be done.
 */
export async function makeKvmUsable(run: (cmd: string, args: string[], input?: string) => Promise<number>): Promise<string | undefined> {
  if (!fs.existsSync('/dev/kvm')) return undefined;
  const first = openKvm();
  if (first.ok || (first.code !== 'EACCES' && first.code !== 'EPERM')) return undefined;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const cmd = (args: string[]): [string, string[]] => (sudo.length ? [sudo[0], [...sudo.slice(1), ...args]] : [args[0], args.slice(1)]);
  if ((await run(...cmd(['tee', '/etc/udev/rules.d/99-kvm4all.rules']), KVM_RULE + '\n')) !== 0) {
    return '/dev/kvm is not accessible and the udev rule could not be written (no password-less sudo)';
  }
  await run(...cmd(['udevadm', 'control', '--reload-rules']));
  await run(...cmd(['udevadm', 'trigger', '--name-match=kvm']));
  // udev applies the rule asynchronously: give it a moment.
  for (let i = 0; i < 20 && !openKvm().ok; i++) await new Promise((r) => setTimeout(r, 100));
  const after = openKvm();
  return after.ok
    ? '/dev/kvm made accessible with a udev rule (MODE 0666) and opened'
    : `a udev rule for /dev/kvm was added, but it still cannot be opened (${after.code})`;
}

/**
 * accel: auto, and the boot under KVM ended with KVM failing (QEMU stopped the guest in run state
 * internal-error, or said so on stderr): boot once more under TCG, and let that boot decide.
 * Under accel: kvm the failure stands.
 */
export function retryUnderTcg(choice: 'auto' | 'kvm' | 'tcg', used: Accel, end: BootEnd, stderr: string): boolean {
  if (choice !== 'auto' || used !== 'kvm') return false;
  return (end.kind === 'stopped' && end.state === 'internal-error') || kvmFailure(stderr) !== undefined;
}

/**
 * Which calibration guest stands for a boot: x86 through QEMU's PVH option ROM (ELF kernels, and
 * UEFI, whose OVMF boot would cost seconds under TCG), a BIOS disk for raw x86 images booted by
 * SeaBIOS, the virt board on aarch64. Undefined: no calibration guest for this architecture.
 */
export function calibrationKind(arch: string, image: ImageKind, hasFirmware: boolean): CalibrationKind | undefined {
  if (arch === 'x86_64') return image === 'raw' && !hasFirmware ? 'bios-disk' : 'pvh';
  if (arch === 'aarch64') return 'aarch64';
  return undefined;
}
