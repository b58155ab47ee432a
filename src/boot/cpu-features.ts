import * as fs from 'node:fs';
import { probeKvm, startPaused, type KvmProbe } from './accel.js';
import type { Accel } from './qemu-args.js';

/**
 * CPU features an image cannot boot without, and which accelerator can offer them. The case that
 * made this: Unikraft 0.17's LIBUKRANDOM refuses to boot without RDSEED
 * (https://github.com/unikraft/unikraft/blob/RELEASE-0.17.0/arch/x86/x86_64/include/uk/asm/random.h),
 * and QEMU's TCG offers RDSEED only from QEMU 8.1 on (commit 691925e5 "target/i386: TCG supports
 * RDSEED", https://github.com/qemu/qemu/commit/691925e5a3215caa6096f56070734b95054f800b, which
 * added CPUID_7_0_EBX_RDSEED to TCG_7_0_EBX_FEATURES in target/i386/cpu.c). An older QEMU asked for
 * it under TCG drops it with a warning: `TCG doesn't support requested feature: CPUID.07H:EBX.rdseed [bit 18]`.
 * Under KVM (`-cpu host`) the guest gets what the host CPU has.
 */

/** A CPU feature an image needs: QEMU's name of the flag (`-cpu ...,+rdseed`, /proc/cpuinfo's too) and who needs it. */
export interface CpuNeed {
  flag: string;
  /** Who needs it, for the log: `Unikraft's LIBUKRANDOM`. */
  by: string;
}

/** The QEMU release whose TCG offers each flag the action knows of (older ones lack it). */
export const TCG_SINCE: Record<string, string> = { rdseed: '8.1' };

/** Did QEMU warn that TCG lacks `flag`? (QEMU's target/i386/cpu.c: "TCG doesn't support requested feature: CPUID.07H:EBX.rdseed [bit 18]") */
export function tcgWarnsMissing(stderr: string, flag: string): boolean {
  const esc = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`TCG doesn't support requested feature: \\S*\\.${esc}\\b`).test(stderr);
}

/** The flags of the host CPU (/proc/cpuinfo), which `-cpu host` under KVM passes on; empty when unknown. */
export function hostCpuFlags(cpuinfo = '/proc/cpuinfo'): Set<string> {
  try {
    const line = fs
      .readFileSync(cpuinfo, 'utf8')
      .split('\n')
      .find((l) => /^flags\s*:/.test(l));
    return new Set((line?.replace(/^flags\s*:/, '') ?? '').trim().split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * QEMU's stderr when it starts (paused, then told to quit) under TCG on a `pc` machine with a CPU
 * asking for each flag: QEMU warns about every flag its TCG lacks. About 0.1 s. x86 only (qemu64):
 * the only feature a family declares so far is x86's RDSEED. (`-machine none` would not do: QEMU 7.2
 * then refuses the CPU, "apic-id property was not initialized properly".)
 */
export async function probeTcgFlags(qemu: string, flags: string[]): Promise<string> {
  const r = await startPaused(qemu, ['-accel', 'tcg', '-machine', 'pc', '-cpu', ['qemu64', ...flags.map((f) => `+${f}`)].join(',')]);
  return r.error ? `${qemu} could not be started (${r.error})` : r.stderr;
}

const names = (needs: CpuNeed[]) => needs.map((n) => n.flag.toUpperCase()).join(' and ');
const whose = (needs: CpuNeed[]) => [...new Set(needs.map((n) => n.by))].join(' and ');

/**
 * accel: auto for an image that needs CPU features: undefined when TCG offers them all (choose as
 * usual); else KVM when the host CPU has them and KVM starts; else TCG (nothing offers them here:
 * the boot is expected to fail, and the family's reason names the cause). `line` says why, for the log.
 */
export async function accelForNeeds(opts: {
  needs: CpuNeed[];
  /** QEMU's stderr from probeTcgFlags. */
  tcgStderr: string;
  hostFlags: Set<string>;
  /** Does KVM start with the target's KVM CPU? Asked only when KVM could help. */
  kvm: () => Promise<KvmProbe>;
}): Promise<{ accel: Accel; line: string } | undefined> {
  const lacking = opts.needs.filter((n) => tcgWarnsMissing(opts.tcgStderr, n.flag));
  if (lacking.length === 0) return undefined;
  const since = [...new Set(lacking.map((n) => TCG_SINCE[n.flag]).filter(Boolean))];
  const tcgWhy = `this QEMU's TCG does not offer ${names(lacking)}${since.length ? ` (QEMU offers it from ${since.join('/')} on)` : ''}`;
  const hostLacks = lacking.filter((n) => !opts.hostFlags.has(n.flag));
  if (hostLacks.length > 0) {
    return {
      accel: 'tcg',
      line: `Accelerator: TCG. The image needs ${names(lacking)} (${whose(lacking)}), but ${tcgWhy}, and the host CPU has no ${names(hostLacks)} for KVM to pass on: the guest is expected to fail for want of it.`,
    };
  }
  const probe = await opts.kvm();
  if (!probe.ok) {
    return {
      accel: 'tcg',
      line: `Accelerator: TCG. The image needs ${names(lacking)} (${whose(lacking)}), but ${tcgWhy}, and KVM, which would pass on the host's, does not work here (${probe.why}): the guest is expected to fail for want of it.`,
    };
  }
  return {
    accel: 'kvm',
    line: `Accelerator: KVM (accel: auto): the image needs ${names(lacking)} (${whose(lacking)}), ${tcgWhy}, and under KVM the guest gets the host CPU's.`,
  };
}

/**
 * accel: auto for an image with needs (TargetPlan.boot.cpuNeeds): probes this QEMU's TCG and reads
 * the host's flags, then decides as accelForNeeds. Undefined: no need decides, choose as usual.
 */
export async function accelForCpuNeeds(qemu: string, needs: CpuNeed[], kvmCpu: string | undefined): Promise<{ accel: Accel; line: string } | undefined> {
  if (needs.length === 0) return undefined;
  const tcgStderr = await probeTcgFlags(
    qemu,
    needs.map((n) => n.flag),
  );
  return accelForNeeds({ needs, tcgStderr, hostFlags: hostCpuFlags(), kvm: () => probeKvm(qemu, kvmCpu) });
}
