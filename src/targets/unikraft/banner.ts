import { cleanLine } from '../../model/ansi.js';

/**
 * The Unikraft version a guest reports in its boot banner (unikraft lib/ukboot/banner.c:
 * https://github.com/unikraft/unikraft/blob/staging/lib/ukboot/banner.c). With a moving
 * `unikraft: stable` in the Kraftfile, the banner is the only record of what was really built.
 *
 * - one-line banner (LIBUKBOOT_BANNER_MINIMAL): `Powered by Unikraft <Codename> (<version>)`;
 * - the default logo (LIBUKBOOT_BANNER_POWEREDBY*): a `Powered by` line, five lines of art, then
 *   `<Codename> <version>` right-aligned;
 * - the classic logo (LIBUKBOOT_BANNER_CLASSIC): `Welcome to  _ __ ...`, three lines of art, then
 *   `<Codename> <version>` right-aligned.
 * The version is UK_FULLVERSION: `<major>.<minor>.<extra>` and `~<git sha>` when built from git.
 */
export interface UnikraftVersion {
  codename: string;
  version: string;
}

const ONE_LINE = /Powered by Unikraft (\S+) \(([^)\s]+)\)/;
const VERSION_LINE = /^\s*([A-Z][A-Za-z]*) (\d+\.\d+(?:\.\d+)?\S*)\s*$/;

/** The first banner in the serial output (raw lines, escape codes allowed), or undefined. */
export function parseUnikraftBanner(lines: readonly string[]): UnikraftVersion | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = cleanLine(lines[i]);
    const one = ONE_LINE.exec(line);
    if (one) return { codename: one[1], version: one[2] };
    // SeaBIOS's "Booting from ROM.." may precede it on the same line (unikraft lib/9pfs/README.md shows it).
    if (/Powered by\s*$/.test(line) || /Welcome to\s+_/.test(line)) {
      for (let j = i + 1; j < Math.min(lines.length, i + 8); j++) {
        const m = VERSION_LINE.exec(cleanLine(lines[j]));
        if (m) return { codename: m[1], version: m[2] };
      }
    }
  }
  return undefined;
}

/** The log line (and output value) for a found banner. */
export function describeUnikraftVersion(v: UnikraftVersion): string {
  return `${v.codename} ${v.version}`;
}

/**
 * A warning when the Kraftfile asks for a moving Unikraft version (`stable`, `staging`, or none):
 * the same workflow may build another Unikraft tomorrow. Undefined for a pinned version.
 */
export function movingVersionWarning(unikraftVersion: string | undefined, kraftfile: string): string | undefined {
  const v = (unikraftVersion ?? '').trim();
  if (v !== '' && v !== 'stable' && v !== 'staging' && v !== 'latest') return undefined;
  const what = v === '' ? 'no Unikraft version' : `unikraft: ${v}`;
  return `${kraftfile} asks for ${what}, which moves with every Unikraft release, so the same workflow can build a different Unikraft later. The version booted is printed from the boot banner (output unikraft-version); pin it (for example unikraft: v0.20.0) for reproducible runs.`;
}
