/**
 * Which Debian/Ubuntu package brings a QEMU binary, asked of apt instead of assumed.
 *
 * Distributions split QEMU differently: Debian 12 and Ubuntu 24.04 ship qemu-system-riscv64 in
 * qemu-system-misc; newer Debian (QEMU 10+) moved RISC-V to its own qemu-system-riscv, and Ubuntu
 * 26.04 also has the "HWE" builds (qemu-system-riscv-hwe, ...), which hermit-os/kernel's CI installs
 * (https://github.com/hermit-os/kernel/blob/main/.github/workflows/ci.yml). Debian's qemu packages
 * declare each binary they hold as a virtual package named after it, with `_` written `-`
 * (qemu-system-misc: `Provides: ..., qemu-system-riscv64, ...`; qemu-system-x86: `Provides: qemu-kvm,
 * qemu-system-i386, qemu-system-x86-64`; see debian/control in https://salsa.debian.org/qemu-team/qemu).
 * So `apt-cache showpkg <binary>` lists under "Reverse Provides" every package that holds it.
 */

export interface ShowPkg {
  /** The name has versions of its own: a real package of that name exists. */
  real: boolean;
  /** Packages that provide the name, in apt's order, without repeats. */
  providers: string[];
}

/** Reads `apt-cache showpkg <name>` output (empty output: apt does not know the name). */
export function parseShowPkg(text: string): ShowPkg {
  const lines = text.split('\n');
  const section = (title: string): string[] => {
    const i = lines.findIndex((l) => l.trim() === `${title}:` || l.startsWith(`${title}: `));
    if (i < 0) return [];
    const first = lines[i].slice(title.length + 1).trim();
    const out = first ? [first] : [];
    for (let j = i + 1; j < lines.length && !/^[A-Z][A-Za-z ]*:/.test(lines[j]); j++) if (lines[j].trim()) out.push(lines[j].trim());
    return out;
  };
  const versions = section('Versions');
  const providers = [
    ...new Set(
      section('Reverse Provides')
        .map((l) => l.split(/\s+/)[0])
        .filter(Boolean),
    ),
  ];
  return { real: versions.length > 0, providers };
}

/** The virtual package name of a QEMU binary (package names cannot hold `_`). */
export function virtualName(binary: string): string {
  return binary.replace(/_/g, '-');
}

/**
 * The packages known to hold each binary, in the order they are preferred: the distribution's
 * plain build first (the one its own qemu metapackages install), its HWE build last.
 */
const PREFERRED: Record<string, string[]> = {
  'qemu-system-x86_64': ['qemu-system-x86', 'qemu-system-x86-hwe'],
  'qemu-system-i386': ['qemu-system-x86', 'qemu-system-x86-hwe'],
  'qemu-system-aarch64': ['qemu-system-arm', 'qemu-system-arm-hwe'],
  'qemu-system-arm': ['qemu-system-arm', 'qemu-system-arm-hwe'],
  'qemu-system-riscv64': ['qemu-system-riscv', 'qemu-system-misc', 'qemu-system-riscv-hwe', 'qemu-system-misc-hwe'],
  'qemu-system-riscv32': ['qemu-system-riscv', 'qemu-system-misc', 'qemu-system-riscv-hwe', 'qemu-system-misc-hwe'],
};

export interface QemuPackageChoice {
  package: string;
  /** How it was chosen, for the log. */
  why: string;
}

/**
 * The package to install for `binary`, from apt's answer about its virtual name: a preferred
 * package apt offers, else any other non-HWE provider, else any provider; `fallback` (the
 * family's usual package) when apt knows no provider (stale or missing package lists).
 */
export function chooseQemuPackage(binary: string, answer: ShowPkg, fallback: string): QemuPackageChoice {
  const v = virtualName(binary);
  const offered = [...(answer.real ? [v] : []), ...answer.providers];
  if (offered.length === 0) return { package: fallback, why: `apt knows no package that provides ${v}; trying ${fallback}` };
  const pick = (PREFERRED[binary] ?? []).find((p) => offered.includes(p)) ?? offered.find((p) => !p.endsWith('-hwe')) ?? offered[0];
  return { package: pick, why: `apt: ${v} is provided by ${offered.join(', ')}` };
}

/** Asks apt (through `showpkg`, a function running `apt-cache showpkg <name>`) which package holds `binary`. */
export async function resolveQemuPackage(binary: string, fallback: string, showpkg: (name: string) => Promise<string>): Promise<QemuPackageChoice> {
  let text: string;
  try {
    text = await showpkg(virtualName(binary));
  } catch {
    text = '';
  }
  return chooseQemuPackage(binary, parseShowPkg(text), fallback);
}
