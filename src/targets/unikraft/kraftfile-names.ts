import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActionError } from '../../model/errors.js';

/**
 * What kraft accepts when it looks for and reads a Kraftfile, as KraftKit's own code does it.
 */

/**
 * The file names kraft looks for, in its order of preference (kraftkit unikraft/app/project.go,
 * DefaultFileNames: https://github.com/unikraft/kraftkit/blob/staging/unikraft/app/project.go).
 * kraft refuses a folder with more than one of them ("found multiple config files with supported
 * names", unikraft/app/project_options.go WithProjectDefaultKraftfiles).
 */
export const KRAFTFILE_NAMES = ['kraft.yaml', 'kraft.yml', 'Kraftfile.yml', 'Kraftfile.yaml', 'Kraftfile'] as const;

/** The Kraftfiles present in `dir` under any name kraft accepts. */
export function kraftfilesIn(dir: string): string[] {
  return KRAFTFILE_NAMES.map((n) => path.join(dir, n)).filter((p) => fs.existsSync(p) && fs.statSync(p).isFile());
}

/**
 * The one Kraftfile in `dir`, or undefined when there is none. More than one is kraft's own error
 * (it would fail the link after the whole std build): refused here, before anything is built.
 */
export function findOneKraftfile(dir: string): string | undefined {
  const found = kraftfilesIn(dir);
  if (found.length > 1) {
    const names = found.map((f) => path.basename(f));
    throw new ActionError(
      `${dir} has ${names.length} Kraftfiles (${names.join(', ')}); kraft refuses that ("found multiple config files with supported names"). Keep one of them (Kraftfile is the usual name) and remove the others.`,
    );
  }
  return found[0];
}

/**
 * The platform name kraft uses for what a Kraftfile writes: kraft rewrites the aliases to the
 * canonical name (kraftkit unikraft/plat/transform.go with machine/platform/platform.go
 * PlatformsByName: `kvm` and `qemu` are QEMU, `firecracker` and `fc` are Firecracker), so a
 * `kvm/x86_64` target is built as, named as and filtered as `qemu/x86_64`.
 */
export function canonicalPlatform(written: string): string {
  const p = written.trim();
  if (p === 'kvm') return 'qemu';
  if (p === 'firecracker') return 'fc';
  return p;
}

/**
 * The name of a target written as a map. kraft reads `name:` and `kernel:` into the same field
 * (kraftkit unikraft/target/transform.go: `case "kernel": t.name = prop`), defaulting to the
 * app's `name`. Both given with different values is ambiguous: kraft walks the map in Go's random
 * order, so either may win; that is refused with the fix.
 */
export function mapTargetName(target: Record<string, unknown>, appName: string | undefined, file: string): string | undefined {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const name = str(target.name);
  const kernel = str(target.kernel);
  if (name && kernel && name !== kernel) {
    throw new ActionError(
      `${path.basename(file)}: a target sets both name: ${name} and kernel: ${kernel}; kraft reads both into the target's name and either may win. Keep one of them.`,
    );
  }
  return name ?? kernel ?? appName;
}
