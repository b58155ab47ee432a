import * as core from '@actions/core';
import { spawnSync } from 'node:child_process';
import { calibrationKind, makeKvmUsable, openKvm, probeKvm, retryUnderTcg } from '../boot/accel.js';
import { calibrate } from '../boot/calibrate.js';
import { accelForCpuNeeds } from '../boot/cpu-features.js';
import type { BootResult } from '../boot/qemu.js';
import { cpuArgs, machineArgs, memoryArgs, type Accel, type ImageKind } from '../boot/qemu-args.js';
import { InfraError } from '../model/errors.js';
import { capture } from '../proc/run.js';
import { showUntrusted } from '../report/guest-log.js';
import type { Plan } from '../plan/plan.js';
import { kvmFailure } from '../verdict/run-state.js';

/** Runs a command with optional stdin (for the udev rule), quietly; returns its exit status. */
async function runQuiet(cmd: string, args: string[], input?: string): Promise<number> {
  if (input === undefined) return (await capture(cmd, args)).code;
  return spawnSync(cmd, args, { input, stdio: ['pipe', 'ignore', 'pipe'] }).status ?? 1;
}

/** GitHub-hosted runners: /dev/kvm needs a udev rule before a non-root user can open it. */
async function enableKvm(): Promise<void> {
  const what = await makeKvmUsable(runQuiet);
  if (what) core.info(`KVM: ${what}.`);
}

/**
 * How the accelerator is chosen, from the plan alone: `fixed` when the plan decides it (a launcher
 * that needs KVM, accel: kvm or tcg, a target this host cannot run under KVM, a launcher that
 * chooses itself), else undefined: accel: auto calibrates at boot time. `shown` is what the dry
 * run's command line uses; `words` says it for the plan.
 */
export function accelPolicy(plan: Plan): { fixed?: Accel; shown: Accel; words: string } {
  const { launcher, inputs, target } = plan;
  if (launcher.needsKvm) return { fixed: 'kvm', shown: 'kvm', words: `kvm (${launcher.name} always uses KVM)` };
  if (!launcher.speaksQmp) return { fixed: 'tcg', shown: 'tcg', words: `none: ${launcher.name} chooses` };
  if (inputs.accel === 'tcg' || !target.boot.kvmCapable) return { fixed: 'tcg', shown: 'tcg', words: 'tcg' };
  if (inputs.accel === 'kvm') return { shown: 'kvm', words: 'kvm (QEMU must start under KVM)' };
  return { shown: 'tcg', words: 'auto: KVM where a calibration boot shows it is not slower than TCG, else TCG (shown: TCG)' };
}

/** The -machine, -cpu and -m the real boot gets under an accelerator, for the calibration guest. */
function calibrationMachine(plan: Plan, accel: Accel, aarch64: boolean): string[] {
  const q = plan.target.boot.qemu;
  const u = plan.qemu;
  // A -cpu given in qemu-args replaces the target's under both accelerators.
  const at = plan.inputs.qemuArgs.findIndex((a) => a === '-cpu' || a === '--cpu');
  const cpu = u.cpu === null && at >= 0 ? ['-cpu', plan.inputs.qemuArgs[at + 1]] : cpuArgs(q, u, accel);
  return [...(aarch64 ? [] : machineArgs(q, u)), ...cpu, ...memoryArgs(q, u)];
}

/**
 * The accelerator for the boot. A launcher that needs KVM (Uhyve) gets it or fails; accel: tcg is
 * TCG; accel: kvm is KVM if QEMU starts under it; accel: auto times a calibration guest under TCG
 * and under KVM side by side (src/boot/calibrate.ts) and uses KVM only where it is not slower: a
 * probe that QEMU *starts* under nested KVM says nothing of whether it runs well there.
 */
export async function chooseAccel(plan: Plan, program: string, image: ImageKind, tempDir: string, kernel?: string): Promise<Accel> {
  if (plan.launcher.needsKvm) {
    await enableKvm();
    const kvm = openKvm();
    if (!kvm.ok)
      throw new InfraError(
        `${plan.launcher.name} needs KVM, but /dev/kvm cannot be opened (${kvm.code}). Run on a Linux x86_64 runner with KVM, or use hypervisor: qemu.`,
        'kvm',
      );
    return 'kvm';
  }
  const policy = accelPolicy(plan);
  if (policy.fixed === 'tcg') {
    if (plan.launcher.speaksQmp && plan.inputs.accel !== 'tcg')
      core.info(`Accelerator: TCG (${plan.inputs.target} cannot run under KVM on this ${process.arch} host).`);
    return 'tcg';
  }
  await enableKvm();
  if (plan.inputs.accel === 'kvm') {
    const probe = await probeKvm(program, plan.kvmCpu);
    if (!probe.ok) throw new InfraError(`accel: kvm was asked for, but KVM does not work here: ${probe.why}. Use accel: auto to fall back to TCG.`, 'kvm');
    core.info(`Accelerator: KVM (accel: kvm; QEMU starts under KVM${plan.kvmCpu ? ` with -cpu ${plan.kvmCpu}` : ''}).`);
    return 'kvm';
  }
  const kvm = openKvm();
  if (!kvm.ok) {
    core.info(`Accelerator: TCG (/dev/kvm cannot be opened: ${kvm.code}).`);
    return 'tcg';
  }
  // An image that needs a CPU feature TCG lacks here (Unikraft 0.17's RDSEED) decides by itself (boot/cpu-features.ts).
  const byNeeds = kernel ? await accelForCpuNeeds(program, plan.target.boot.cpuNeeds?.(kernel) ?? [], plan.kvmCpu) : undefined;
  if (byNeeds) {
    core.info(byNeeds.line);
    return byNeeds.accel;
  }
  const arch = plan.target.boot.qemu.arch;
  const kind = calibrationKind(arch, image, plan.target.install.firmware.length > 0);
  if (!kind) {
    core.info(`Accelerator: TCG (no calibration guest for ${arch}).`);
    return 'tcg';
  }
  const d = await calibrate({
    qemu: program,
    kind,
    machineArgs: (accel) => calibrationMachine(plan, accel, kind === 'aarch64'),
    cacheDir: tempDir,
  });
  core.info(d.line);
  return d.accel;
}

/**
 * accel: auto picked KVM and the boot ended in a KVM failure (QEMU stopped the guest): says so, and
 * boots once more under TCG; that boot decides. Otherwise the first boot stands. Under accel: kvm
 * the failure stands too. `log` takes the boot's own lines (a test executable's log group).
 */
export async function fallBackToTcg<R extends Pick<BootResult, 'end' | 'stderr'>>(
  plan: Plan,
  accel: Accel,
  first: R,
  again: (accel: Accel) => Promise<R>,
  opts: { name?: string; log?: (line: string) => void } = {},
): Promise<{ result: R; accel: Accel; note?: string }> {
  if (!retryUnderTcg(plan.inputs.accel, accel, first.end, first.stderr)) return { result: first, accel };
  const what = kvmFailure(first.stderr) ?? 'a KVM internal error';
  const log = opts.log ?? ((line: string) => core.info(line));
  core.warning(
    `${opts.name ? `${opts.name}: the` : 'The'} boot under KVM ended in ${what} (QEMU stopped the guest). accel: auto: booting once more under TCG; that boot decides.`,
  );
  showUntrusted("QEMU's own messages (KVM boot; workflow commands in them are ignored):", first.stderr, (t) => log(t.replace(/\n$/, '')));
  return { result: await again('tcg'), accel: 'tcg', note: `TCG (KVM boot ended in ${what}; booted again under TCG)` };
}
