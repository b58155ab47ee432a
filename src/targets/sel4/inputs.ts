import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../model/errors.js';
import { parseSel4Config, parseSel4Version, type Sel4Source } from './kernel-build.js';
import { microkitBoardsFor, type Sel4Arch } from './targets.js';

// Parsers for the inputs the seL4 family declares. Each takes the raw (trimmed) value, '' when
// unset, and throws InputError naming the input; none touches anything but the files it checks.

export const SEL4_INPUTS = [
  'sel4-prefix',
  'sel4-version',
  'sel4-config',
  'sel4-kernel-loader',
  'microkit-system',
  'microkit-sdk',
  'microkit-sdk-sha256',
  'microkit-board',
  'microkit-config',
] as const;
export type Sel4InputName = (typeof SEL4_INPUTS)[number];

const abs = (p: string, cwd: string) => path.resolve(cwd, p);

/** sel4-prefix: an installed seL4 kernel (a folder with bin/kernel.elf); checked in full by readPrefix. */
export function parseSel4Prefix(raw: string, cwd: string): string | undefined {
  if (raw === '') return undefined;
  const p = abs(raw, cwd);
  if (!fs.existsSync(path.join(p, 'bin', 'kernel.elf'))) {
    throw new InputError(
      'sel4-prefix',
      `${p} has no bin/kernel.elf`,
      'Give the install prefix of an seL4 kernel build (cmake -DCMAKE_INSTALL_PREFIX=<prefix> ... && ninja install), or leave sel4-prefix unset to have the kernel built.',
    );
  }
  return p;
}

export { parseSel4Version, parseSel4Config };
export type { Sel4Source };

/** sel4-kernel-loader: where the loader comes from. */
export type KernelLoaderSpec =
  /** cargo install from rust-sel4 at the crate's revision (default). */
  | { kind: 'cargo-install' }
  /** A folder holding bin/sel4-kernel-loader and bin/sel4-kernel-loader-add-payload, built for this kernel. */
  | { kind: 'path'; root: string };

export function parseKernelLoader(raw: string, cwd: string): KernelLoaderSpec {
  if (raw === '' || raw === 'cargo-install') return { kind: 'cargo-install' };
  const root = abs(raw, cwd);
  const missing = ['bin/sel4-kernel-loader', 'bin/sel4-kernel-loader-add-payload'].filter((f) => !fs.existsSync(path.join(root, f)));
  if (missing.length) {
    throw new InputError(
      'sel4-kernel-loader',
      `${root} has no ${missing.join(' and ')}`,
      'Give the --root folder of `cargo install sel4-kernel-loader sel4-kernel-loader-add-payload` (built for the same kernel), or leave it unset to have them installed from rust-sel4 at the revision in Cargo.lock.',
    );
  }
  return { kind: 'path', root };
}

/** microkit-system: the system description (.system XML) given to the microkit tool. */
export function parseMicrokitSystem(raw: string, cwd: string): string | undefined {
  if (raw === '') return undefined;
  const p = abs(raw, cwd);
  if (!fs.existsSync(p) || !fs.statSync(p).isFile()) {
    throw new InputError(
      'microkit-system',
      `${p} does not exist`,
      'Give the path of the Microkit system description (.system file), relative to working-directory.',
    );
  }
  return p;
}

/** microkit-sdk: a release to download (default: the one that goes with rust-sel4), an unpacked SDK folder, or an archive URL (with microkit-sdk-sha256). */
export type MicrokitSdkSpec =
  { kind: 'version'; version: string; sha256?: string } | { kind: 'path'; path: string } | { kind: 'url'; url: string; sha256: string };

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const SHA256 = /^[0-9a-f]{64}$/i;

export function parseMicrokitSdk(raw: string, shaRaw: string, cwd: string): MicrokitSdkSpec | undefined {
  const sha = shaRaw.trim().toLowerCase();
  if (sha !== '' && !SHA256.test(sha))
    throw new InputError('microkit-sdk-sha256', `'${shaRaw}' is not a sha256`, "Give the 64 hex digits of the SDK archive's SHA-256.");
  if (raw === '') {
    if (sha)
      throw new InputError(
        'microkit-sdk-sha256',
        'is set without microkit-sdk',
        'Give microkit-sdk (the version or URL the checksum is for), or remove microkit-sdk-sha256.',
      );
    return undefined;
  }
  if (/^https?:\/\//.test(raw)) {
    if (!sha)
      throw new InputError(
        'microkit-sdk-sha256',
        `is not set, and microkit-sdk is a URL (${raw})`,
        "Give the archive's sha256: a download is never used unchecked.",
      );
    return { kind: 'url', url: raw, sha256: sha };
  }
  if (VERSION.test(raw)) return { kind: 'version', version: raw, ...(sha ? { sha256: sha } : {}) };
  const p = abs(raw, cwd);
  if (!fs.existsSync(path.join(p, 'bin', 'microkit'))) {
    throw new InputError(
      'microkit-sdk',
      `'${raw}' is neither a Microkit release (such as 2.3.0), an https URL, nor an SDK folder (${p} has no bin/microkit)`,
      'Give a release version, the URL of an SDK archive with microkit-sdk-sha256, or the folder of an unpacked SDK.',
    );
  }
  if (sha)
    throw new InputError('microkit-sdk-sha256', 'is set, and microkit-sdk is a local folder', 'Remove microkit-sdk-sha256: a local SDK is not downloaded.');
  return { kind: 'path', path: p };
}

/** microkit-board: a board QEMU can boot, matching the target's architecture. */
export function parseMicrokitBoard(raw: string, arch: Sel4Arch, microkitVersion: string): string {
  const boards = microkitBoardsFor(arch, microkitVersion);
  if (raw === '') return boards[0];
  if (!boards.includes(raw)) {
    throw new InputError(
      'microkit-board',
      `'${raw}' is not a Microkit ${microkitVersion} board this action boots for ${arch}`,
      `Use ${boards.join(' or ')} (the QEMU boards; hardware boards cannot be booted here).`,
    );
  }
  return raw;
}

/**
 * microkit-config: only the debug configurations build seL4 with KernelPrinting; `release` and
 * `benchmark` (and their smp- forms) print nothing, so no line could ever pass or fail the run
 * (https://github.com/seL4/microkit/blob/2.3.0/build_sdk.py, SUPPORTED_CONFIGS: only "debug" sets
 * KernelPrinting; "smp-" configs exist on boards with smp_cores, which every QEMU board has).
 */
export function parseMicrokitConfig(raw: string, board: string): string {
  const c = raw === '' ? 'debug' : raw;
  // Every QEMU board has smp_cores, so each has smp-debug too.
  if (/^(smp-)?(release|benchmark)$/.test(c)) {
    throw new InputError(
      'microkit-config',
      `'${c}' builds seL4 without KernelPrinting: the kernel, the monitor and the protection domains' debug output print nothing, so nothing could show the run passed`,
      'Use debug or smp-debug.',
    );
  }
  if (c === 'debug' || c === 'smp-debug') return c;
  throw new InputError('microkit-config', `'${c}' is not a Microkit configuration for ${board}`, 'Use debug or smp-debug.');
}
