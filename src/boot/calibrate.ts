import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { qemuOptionValue, type Accel } from './qemu-args.js';
import { aarch64Elf, biosBootSector, pvhElf, SERIAL_BYTES, SPIN_ITERATIONS, X86_DONE_STATUS } from './calibration-guest.js';
import { track } from '../proc/processes.js';

/** How a calibration boot went. */
export interface CalibrationRun {
  /** done: ran to its end; cut-off: stopped at the limit; failed: QEMU could not run it. */
  outcome: 'done' | 'cut-off' | 'failed';
  /** Wall time from starting QEMU to its exit (or to the cut-off). */
  seconds: number;
  /** Why it failed, in a few words (QEMU's error). */
  why?: string;
}

export interface AccelDecision {
  accel: Accel;
  tcg: CalibrationRun;
  kvm: CalibrationRun;
  /** One log line: both figures and the choice. */
  line: string;
}

/** Which firmware path the calibration guest takes: the one the real boot takes. */
export type CalibrationKind = 'pvh' | 'bios-disk' | 'aarch64';

/** Bound on each calibration boot; the slower one is cut off sooner, when the faster is done. */
export const CALIBRATION_LIMIT_S = 10;

const fmt = (r: CalibrationRun) =>
  r.outcome === 'done'
    ? `${r.seconds.toFixed(2)} s`
    : r.outcome === 'cut-off'
      ? `cut off at ${r.seconds.toFixed(2)} s`
      : `failed (${r.why ?? 'unknown error'})`;

/**
 * The choice, from the measured figures alone: KVM only where it ran the calibration guest to its
 * end in no more time than TCG (or TCG could not finish within the bound and KVM did).
 */
export function decideAccel(tcg: CalibrationRun, kvm: CalibrationRun, what = 'calibration'): AccelDecision {
  let accel: Accel = 'tcg';
  let why: string;
  if (kvm.outcome === 'failed') why = 'KVM does not work here';
  else if (kvm.outcome === 'cut-off') why = 'KVM is slower here (nested KVM pays for every VM exit)';
  else if (tcg.outcome !== 'done' || kvm.seconds <= tcg.seconds) {
    accel = 'kvm';
    why = 'KVM is not slower';
  } else why = 'KVM is slower here (nested KVM pays for every VM exit)';
  return { accel, tcg, kvm, line: `Accelerator: ${accel === 'kvm' ? 'KVM' : 'TCG'} (${what}: TCG ${fmt(tcg)}, KVM ${fmt(kvm)}; ${why}).` };
}

/** The calibration guest for a kind of boot, written to `dir`; returns its QEMU boot arguments. */
export function writeGuest(kind: CalibrationKind, dir: string): { args: string[]; status: number; describe: string } {
  const x86Tail = ['-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];
  const work = `${SERIAL_BYTES} serial bytes, ${SPIN_ITERATIONS} spins`;
  if (kind === 'pvh') {
    const f = path.join(dir, 'calibration-pvh.elf');
    fs.writeFileSync(f, pvhElf());
    return { args: [...x86Tail, '-kernel', f], status: X86_DONE_STATUS, describe: `calibration guest via PVH -kernel, ${work}` };
  }
  if (kind === 'bios-disk') {
    const f = path.join(dir, 'calibration-disk.img');
    fs.writeFileSync(f, biosBootSector());
    return {
      args: [...x86Tail, '-drive', `format=raw,file=${qemuOptionValue(f)}`],
      status: X86_DONE_STATUS,
      describe: `calibration guest via a BIOS disk, ${work}`,
    };
  }
  const f = path.join(dir, 'calibration-aarch64.elf');
  fs.writeFileSync(f, aarch64Elf());
  return {
    args: ['-machine', 'virt', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-kernel', f],
    status: 0,
    describe: `calibration guest on virt, ${work}`,
  };
}

/** A calibration boot under way: its result, and a way to cut it off now. */
export interface TimedRun {
  result: Promise<CalibrationRun>;
  cut: () => void;
}

/** Boots QEMU with `argv`, output discarded; cut off after `limitS` seconds or when `cut` is called. */
export function startRun(argv: string[], expectStatus: number, limitS: number): TimedRun {
  const started = process.hrtime.bigint();
  const secs = () => Number(process.hrtime.bigint() - started) / 1e9;
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  let cutAt: number | undefined;
  const cut = () => {
    if (cutAt !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    cutAt = secs();
    child.kill('SIGKILL');
  };
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const timer = setTimeout(cut, Math.max(1, limitS * 1000));
  const result = new Promise<CalibrationRun>((resolve) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ outcome: 'failed', seconds: secs(), why: e.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = secs();
      if (cutAt !== undefined) return resolve({ outcome: 'cut-off', seconds: cutAt });
      if (code === expectStatus) return resolve({ outcome: 'done', seconds });
      const err = stderr
        .split('\n')
        .map((l) => l.trim())
        .find((l) => /error|failed|Could not|internal|invalid/i.test(l) && !/warning:/.test(l));
      resolve({ outcome: 'failed', seconds, why: err ?? (signal ? `QEMU died (${signal})` : `QEMU exited with ${code}`) });
    });
  });
  return { result, cut };
}

/** Boots QEMU with `argv` to its end, cut off after `limitS` seconds. */
export function timeRun(argv: string[], expectStatus: number, limitS: number): Promise<CalibrationRun> {
  return startRun(argv, expectStatus, limitS).result;
}

/**
 * Races the calibration guest under TCG and under KVM, side by side: whichever finishes first
 * wins and the other is cut off at that moment (a KVM run still going when TCG is done is
 * slower; a TCG run still going when KVM is done is slower). A KVM run that fails lets TCG win at
 * once. Both are bounded by `limitS`. The wall time is that of the faster one, not the sum.
 */
export async function race(tcgArgv: string[], kvmArgv: string[], status: number, limitS: number): Promise<{ tcg: CalibrationRun; kvm: CalibrationRun }> {
  const tcg = startRun(tcgArgv, status, limitS);
  const kvm = startRun(kvmArgv, status, limitS);
  const first = await Promise.race([tcg.result.then((r) => ({ who: 'tcg' as const, r })), kvm.result.then((r) => ({ who: 'kvm' as const, r }))]);
  if (first.who === 'tcg' && first.r.outcome === 'done') kvm.cut();
  if (first.who === 'kvm') tcg.cut(); // KVM done (faster) or failed (TCG wins): either way decided
  return { tcg: await tcg.result, kvm: await kvm.result };
}

export interface CalibrateRequest {
  qemu: string;
  kind: CalibrationKind;
  /** -machine/-cpu/-m for each accelerator, as the real boot will use them. */
  machineArgs: (accel: Accel) => string[];
  /** Where the decision is kept for the rest of the job (RUNNER_TEMP); the guest is written there too. */
  cacheDir: string;
}

/** The cache key: the QEMU binary (path, size, mtime: changes with its version), the host, and what is booted. */
export function cacheKey(req: CalibrateRequest): string {
  let bin = req.qemu;
  try {
    const st = fs.statSync(req.qemu);
    bin += `:${st.size}:${st.mtimeMs}`;
  } catch {
    // not a path (found on PATH at boot): the name alone
  }
  const cpu = os.cpus()[0]?.model ?? '';
  const parts = [bin, os.hostname(), os.release(), cpu, req.kind, ...req.machineArgs('tcg'), '|', ...req.machineArgs('kvm')];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 20);
}

/**
 * Times the calibration guest under TCG and under KVM (raced: the slower one is cut off when the
 * faster one is done), and decides.
 * The decision is cached per host for the job (a file in cacheDir); a cached one says so.
 */
export async function calibrate(req: CalibrateRequest): Promise<AccelDecision & { cached: boolean }> {
  const file = path.join(req.cacheDir, `unikernel-boot-accel-${cacheKey(req)}.json`);
  try {
    const d = JSON.parse(fs.readFileSync(file, 'utf8')) as AccelDecision;
    if ((d.accel === 'kvm' || d.accel === 'tcg') && typeof d.line === 'string') {
      return { ...d, line: d.line.replace(/\)\.$/, '; measured earlier in this job).'), cached: true };
    }
  } catch {
    // no decision yet
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calibration-'));
  try {
    const guest = writeGuest(req.kind, dir);
    const argv = (accel: Accel) => [req.qemu, '-accel', accel, ...req.machineArgs(accel), ...guest.args];
    const { tcg, kvm } = await race(argv('tcg'), argv('kvm'), guest.status, CALIBRATION_LIMIT_S);
    const d = decideAccel(tcg, kvm, guest.describe);
    try {
      fs.mkdirSync(req.cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(d));
      fs.renameSync(tmp, file);
    } catch {
      // no cache: the next boot calibrates again
    }
    return { ...d, cached: false };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
