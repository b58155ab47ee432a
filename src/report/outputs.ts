/**
 * The outputs later steps key on, computed from what the pipeline saw. Pure: the pipeline records
 * the moments and facts, this turns them into output values (strings, as GitHub passes them on).
 */

/** Moments of one boot, in milliseconds on one clock (performance.now() or Date.now()). */
export interface BootMoments {
  /** QEMU (or the runner) was started. */
  started: number;
  /** The first byte arrived on the serial console; undefined if the guest printed nothing. */
  firstByte?: number;
  /** The last `expect` line matched; undefined if not all of them did (or there were none). */
  expectedDone?: number;
  /** QEMU exited or was stopped. */
  ended: number;
}

export interface BootTimings {
  bootSeconds: number;
  firstLineSeconds?: number;
  expectedSeconds?: number;
}

/** Seconds from the start of the boot to each moment; a moment before the start (clock mix-up) counts as 0. */
export function bootTimings(m: BootMoments): BootTimings {
  const since = (t: number) => Math.max(0, t - m.started) / 1000;
  return {
    bootSeconds: since(m.ended),
    ...(m.firstByte !== undefined ? { firstLineSeconds: since(m.firstByte) } : {}),
    ...(m.expectedDone !== undefined ? { expectedSeconds: since(m.expectedDone) } : {}),
  };
}

/** Seconds as an output: three decimals, a dot, no unit ("0.215"), so a later step can compare numbers. */
export const seconds = (s: number) => s.toFixed(3);

export interface OutputFacts {
  /** `rustc -vV` or `rustc --version` of the toolchain that built the kernel. */
  rustc?: string;
  /** The toolchain as resolved: a rustup name (nightly-2026-06-01), `system` or `distro`. */
  toolchain?: string;
  /** Whether the build cache was restored from its exact key; undefined when the cache was not used. */
  cacheHit?: boolean;
  timings?: BootTimings;
  /** The accelerator of every boot that decided its image (after a KVM boot repeated under TCG, TCG). */
  accels?: ('kvm' | 'tcg')[];
  /** The version number of the QEMU that booted (src/install/qemu.ts qemuVersionNumber). */
  qemuVersion?: string;
}

/**
 * The accel output: the accelerator that decided the run. Several test executables boot under the
 * one accelerator chosen for the run, but one may have been booted again under TCG after KVM
 * failed it: then the run is `tcg`, since not every verdict came from KVM. Undefined when nothing
 * booted under an accelerator the action chose.
 */
export function accelOutput(accels: ('kvm' | 'tcg')[]): 'kvm' | 'tcg' | undefined {
  if (accels.length === 0) return undefined;
  return accels.includes('tcg') ? 'tcg' : 'kvm';
}

/**
 * The outputs rustc-version, toolchain, cache-hit, accel, qemu-version, boot-seconds,
 * first-line-seconds and expected-seconds, for the facts known. An output without a value is left out (a later step
 * reads it as an empty string): nothing was built, the guest printed nothing, an expected line
 * never came.
 */
export function factOutputs(f: OutputFacts): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.rustc) out['rustc-version'] = f.rustc.split('\n')[0].trim();
  if (f.toolchain) out.toolchain = f.toolchain;
  if (f.cacheHit !== undefined) out['cache-hit'] = String(f.cacheHit);
  const accel = accelOutput(f.accels ?? []);
  if (accel) out.accel = accel;
  if (f.qemuVersion) out['qemu-version'] = f.qemuVersion;
  if (f.timings) {
    out['boot-seconds'] = seconds(f.timings.bootSeconds);
    if (f.timings.firstLineSeconds !== undefined) out['first-line-seconds'] = seconds(f.timings.firstLineSeconds);
    if (f.timings.expectedSeconds !== undefined) out['expected-seconds'] = seconds(f.timings.expectedSeconds);
  }
  return out;
}
