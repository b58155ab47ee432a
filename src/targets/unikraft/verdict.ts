import * as fs from 'node:fs';
import type { CpuNeed } from '../../boot/cpu-features.js';
import { parsePattern } from '../../model/patterns.js';
import type { BootEnd } from '../../verdict/verdict.js';

/**
 * What Unikraft's console says that its exit status cannot: what main returned, and why a boot died
 * before the app ran.
 */

/** The QEMU statuses isa-debug-exit at 0x501 gives: (value << 1) | 1. */
export const HALT_STATUS = 83;
export const CRASH_STATUS = 85;

/**
 * `main returned N` with N other than 0: lib/ukboot/boot.c prints it with uk_pr_info, so it shows
 * only with info logging (CONFIG_LIBUKDEBUG_PRINTK_INFO), and Unikraft halts the same way after it
 * whatever N was (https://github.com/unikraft/unikraft/blob/RELEASE-0.17.0/lib/ukboot/boot.c).
 */
export const MAIN_RETURNED_NONZERO = parsePattern('/main returned -?[1-9]/', 'fail-on');

/**
 * 0.17's x86_64 HWRNG check (arch/x86/x86_64/include/uk/asm/random.h,
 * https://github.com/unikraft/unikraft/blob/RELEASE-0.17.0/arch/x86/x86_64/include/uk/asm/random.h)
 * returns -ENOTSUP (-95) without RDRAND or RDSEED; libukrandom prints this line with uk_pr_err and
 * the boot stops. Newer Unikraft prints it as a warning (`Warn:`) and boots on
 * (https://github.com/unikraft/unikraft/blob/staging/drivers/ukrandom/lcpu/init.c).
 */
const HWRNG_FATAL = /^(?!.*\bWarn:).*Could not initialize the HWRNG \((-?\d+)\)/;
/** The format string of that line, which an image with LIBUKRANDOM and error logging (the default) holds. */
const HWRNG_FORMAT = Buffer.from('Could not initialize the HWRNG (%d)');
/** Only in newer Unikraft, whose driver goes on without RDSEED (drivers/ukrandom/lcpu/arch/x86_64/random.c). */
const RDSEED_OPTIONAL = Buffer.from('does not implement RDSEED');

export const RDSEED_NEED: CpuNeed = { flag: 'rdseed', by: "Unikraft's LIBUKRANDOM" };

/**
 * Does this image stop booting without RDSEED? An image with 0.17's LIBUKRANDOM holds its error
 * message (with the default error logging); newer ones also hold the message of the fallback.
 */
export function needsRdseed(image: string): boolean {
  let data: Buffer;
  try {
    data = fs.readFileSync(image);
  } catch {
    return false;
  }
  return data.includes(HWRNG_FORMAT) && !data.includes(RDSEED_OPTIONAL);
}

/** The CPU features a Unikraft image needs (TargetPlan.boot.cpuNeeds). */
export function unikraftCpuNeeds(image: string): CpuNeed[] {
  return needsRdseed(image) ? [RDSEED_NEED] : [];
}

/** The fatal HWRNG line in the serial output, if any. */
export function hwrngFailure(lines: readonly string[]): { line: string; code: number } | undefined {
  for (const line of lines) {
    const m = HWRNG_FATAL.exec(line);
    if (m) return { line: line.trim(), code: Number(m[1]) };
  }
  return undefined;
}

/** Why the guest died at the HWRNG line, and the fixes. */
export function explainHwrng(h: { line: string; code: number }): string {
  const cause =
    h.code === -95
      ? 'the CPU QEMU gave it lacks RDRAND or RDSEED (-95 is EOPNOTSUPP), and RDSEED is the one QEMU often lacks'
      : `the HWRNG setup failed with ${h.code}`;
  return (
    `The guest stopped at ${JSON.stringify(h.line)}: Unikraft's LIBUKRANDOM (0.17 and older) needs a CPU with RDRAND and RDSEED and stops the boot without them; ${cause}. ` +
    `QEMU's TCG offers RDSEED only from QEMU 8.1 on (older ones warn "TCG doesn't support requested feature: CPUID.07H:EBX.rdseed"), and under KVM the guest gets RDSEED only when the host CPU has it. ` +
    'Fixes: boot with QEMU 8.1 or newer (Ubuntu 24.04 runners have 8.2), or where KVM works on a host CPU with RDSEED (accel: auto then chooses KVM for such an image), ' +
    "or build the app without LIBUKRANDOM (CONFIG_LIBUKRANDOM: 'n' in the Kraftfile's kconfig, when nothing needs randomness), or with a newer Unikraft, whose random driver boots on without RDSEED."
  );
}

/** Unikraft's status after a halt, and why it does not tell whether the app failed. */
export const MAIN_RESULT_INVISIBLE =
  `Unikraft halts the same way whatever main returned (0.17 tries an ACPI power-off that QEMU ignores, then writes 41 to isa-debug-exit: status ${HALT_STATUS}), so the status cannot tell whether the app failed; ` +
  'with info logging (CONFIG_LIBUKDEBUG_PRINTK_INFO) Unikraft prints "main returned N", and a non-zero N fails the run.';

/**
 * A failed run's extra sentence (TargetPlan.verdict.explainNoVerdict): the HWRNG failure, or, when
 * the guest halted by itself without printing what was expected, that its status says nothing of main.
 */
export function explainUnikraftNoVerdict(lines: string[], end?: BootEnd): string {
  const h = hwrngFailure(lines);
  if (h) return explainHwrng(h);
  if (end?.kind === 'exited' && (end.status === HALT_STATUS || end.status === 0)) return MAIN_RESULT_INVISIBLE;
  return '';
}
