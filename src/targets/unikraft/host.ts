import { ActionError } from '../../model/errors.js';

/**
 * What the runner needs to build x86_64 Unikraft. Unikraft compiles its own C code with the host's
 * gcc when the host is x86_64, and with `x86_64-linux-gnu-gcc` otherwise (unikraft
 * arch/x86/x86_64/Compiler.uk: CONFIG_CROSS_COMPILE := x86_64-linux-gnu- when CONFIG_UK_ARCH differs
 * from HOSTARCH, https://github.com/unikraft/unikraft/blob/staging/arch/x86/x86_64/Compiler.uk).
 * Debian and Ubuntu ship that compiler (and its binutils) as `gcc-x86-64-linux-gnu`. KraftKit
 * publishes Linux archives for amd64 and arm64 only.
 */
export const CROSS_GCC_PACKAGE = 'gcc-x86-64-linux-gnu';

/** The extra apt packages the host needs for an x86_64 Unikraft build; throws on a host KraftKit has no build for. */
export function unikraftHostPackages(nodeArch: string, platform: string = process.platform): string[] {
  if (platform !== 'linux') {
    throw new ActionError(
      `Building Unikraft needs a Linux runner (this one is ${platform}/${nodeArch}): KraftKit's build and the Unikraft build system run on Linux. Use a Linux runner, or build elsewhere and give the image in the kernel input.`,
    );
  }
  if (nodeArch === 'x64') return [];
  if (nodeArch === 'arm64') return [CROSS_GCC_PACKAGE];
  throw new ActionError(
    `Building x86_64 Unikraft on a ${nodeArch} runner is not supported: KraftKit publishes Linux archives for amd64 and arm64 only. Use an x86_64 or arm64 Linux runner, or build elsewhere and give the image in the kernel input.`,
  );
}
