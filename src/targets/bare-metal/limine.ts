import * as fs from 'node:fs';
import * as path from 'node:path';
import { aptInstallMissing } from '../../install/apt.js';
import { extractTarAsset, fetchAsset, githubReleaseAsset, type Asset, type ReleaseHosts } from '../../install/download.js';
import { ActionError, InfraError, InputError } from '../../model/errors.js';
import { allowedRoots, insideWorkspace, isExecutable } from '../../model/paths.js';
import { atLeast } from '../../model/version.js';
import type { InputSpec } from '../../model/parse.js';
import type { RunnerEnv } from '../../model/runner-env.js';
import type { Pattern } from '../../model/patterns.js';
import { capture, errorLine } from '../../proc/run.js';
import { LIMINE_BASE_REVISION } from './protocol.js';

/**
 * Limine kernels (https://github.com/Limine-Bootloader/Limine, PROTOCOL.md) booted the way
 * Limine's own templates make their ISO (limine-c-template's GNUmakefile,
 * https://github.com/limine-bootloader/limine-c-template/blob/trunk/GNUmakefile): the binary
 * release's BIOS and UEFI stages in iso_root/boot/limine and iso_root/EFI/BOOT, a limine.conf next
 * to them, the kernel in iso_root/boot, `xorriso -as mkisofs` for a hybrid BIOS+UEFI ISO, then
 * `limine bios-install` on it; booted with -cdrom (under OVMF too, as the GRUB ISO is).
 */

/** The Limine release the action boots with unless the limine input says otherwise. */
export const LIMINE_VERSION = '12.9.1';
/**
 * The sha256 of v12.9.1's limine-binary.tar.xz. It could not be computed on the machines this was
 * written on (no internet): it is the value four public projects pin, independently and
 * identically, for that asset (Makefiles and a build tool that download and check it). The
 * project's workflow .github/workflows/x86_64-formats.yml downloads the asset on GitHub through
 * this pin and boots a real Limine kernel with it, so a wrong value fails there, closed: a
 * mismatch is refused by the downloader (src/install/download.ts) and nothing is used. The release
 * assets are also GPG-signed (key 05D29860D0A0668AAEFB9D691F3C021BECA23821, a `.sig` next to each,
 * https://github.com/Limine-Bootloader/Limine/blob/trunk/.github/workflows/release.yml); the pin is
 * what the action checks.
 */
export const LIMINE_SHA256 = 'ce972a05e9d1973dc9b725f9130bd15af01add0eb3a7f90c118ac5cfe21c17b8';
/**
 * Since 12.0.0 binary releases are release assets (no -binary git branch), and since 12.0.2 without
 * a version suffix (ChangeLog, "Release binary tarballs without version suffixes",
 * https://github.com/Limine-Bootloader/Limine/blob/trunk/ChangeLog): older versions have no asset
 * of this name.
 */
export const LIMINE_ASSET = 'limine-binary.tar.xz';
export const LIMINE_OLDEST = '12.0.2';
/** Tool-cache names: the archive (BootContext.assets key) and its unpacked folder. */
export const LIMINE_TOOL = 'limine';
export const LIMINE_DIR_TOOL = 'limine-binary';
/** The archive's top folder (release.yml: `mv build/bin ./limine-binary`, then tar). */
export const LIMINE_TOP = 'limine-binary';
/**
 * The highest base revision the pinned release supports: upstream's loader defines
 * `SUPPORTED_BASE_REVISION 6` in common/protos/limine.c
 * (https://github.com/Limine-Bootloader/Limine/blob/trunk/common/protos/limine.c), and the
 * protocol specifies revisions 0 through 6 (https://github.com/limine-bootloader/limine-protocol,
 * PROTOCOL.md, "Base Revisions"). Only checked for the pinned release: for another version the
 * action does not know the answer and leaves it to the kernel (PROTOCOL.md: an unsupported
 * revision leaves the tag's third word unchanged, which the kernel tests).
 */
export const LIMINE_MAX_BASE_REVISION = 6;

/** The files of a binary release the ISO needs (release.yml packs build/bin, limine-c-template copies these). */
export const LIMINE_STAGES = ['limine-bios.sys', 'limine-bios-cd.bin', 'limine-uefi-cd.bin', 'BOOTX64.EFI'];
/**
 * The host tool is not in the release (release.yml: `rm build/bin/limine` before packing); its
 * source and Makefile are (host/host.mk copied as the Makefile: `limine: limine.c`), built with
 * `make -C limine-binary` as limine-c-template does.
 */
export const LIMINE_HOST_SOURCES = ['limine.c', 'Makefile'];

/** What the ISO needs installed: xorriso for the ISO, make and gcc for the host tool, xz-utils to unpack the release. */
export const LIMINE_APT = ['xorriso', 'make', 'gcc', 'libc6-dev', 'xz-utils'];

export type LimineSpec = { kind: 'release'; version: string } | { kind: 'path'; dir: string };
export const DEFAULT_LIMINE: LimineSpec = { kind: 'release', version: LIMINE_VERSION };

/** The limine input (checked against the workspace by limineSpec, in the plan). */
export const LIMINE_INPUT: InputSpec<string> = { name: 'limine', parse: (raw) => raw, buildKey: false };

/** limine: '' (the pinned release), `X.Y.Z` / `vX.Y.Z` (that release), or the path of an unpacked binary release folder. */
export function limineSpec(raw: string, workspace: string, env: NodeJS.ProcessEnv): LimineSpec {
  if (raw === '') return DEFAULT_LIMINE;
  const version = /^v?(\d+\.\d+\.\d+)$/.exec(raw);
  if (version) {
    if (!atLeast(version[1], LIMINE_OLDEST.split('.').map(Number)))
      throw new InputError(
        'limine',
        `${raw} is older than ${LIMINE_OLDEST}, the first Limine release with a ${LIMINE_ASSET} asset`,
        `Give ${LIMINE_OLDEST} or later (default ${LIMINE_VERSION}), or the path of that release's unpacked binary folder.`,
      );
    return { kind: 'release', version: version[1] };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || /^v?\d+(\.\d+)*([-.]\S*)?$/.test(raw))
    throw new InputError(
      'limine',
      `'${raw}' is neither a release version (X.Y.Z) nor a folder`,
      `Give a Limine release version such as ${LIMINE_VERSION}, or the path (relative to the workspace) of an unpacked ${LIMINE_ASSET}.`,
    );
  const dir = insideWorkspace('limine', raw, path.resolve(workspace, raw), allowedRoots(workspace, env));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new InputError(
      'limine',
      `'${raw}' is not a folder (looked at ${dir})`,
      `Give a Limine release version such as ${LIMINE_VERSION}, or the path (relative to the workspace) of an unpacked ${LIMINE_ASSET} (its ${LIMINE_TOP} folder).`,
    );
  const missing = LIMINE_STAGES.filter((f) => !fs.existsSync(path.join(dir, f)));
  const tool = isExecutable(path.join(dir, 'limine')) || LIMINE_HOST_SOURCES.every((f) => fs.existsSync(path.join(dir, f)));
  if (missing.length || !tool)
    throw new InputError(
      'limine',
      `${dir} is not an unpacked Limine binary release: it has no ${[...missing, ...(tool ? [] : ['limine (or limine.c and Makefile to build it)'])].join(', ')}`,
      `Give the ${LIMINE_TOP} folder of ${LIMINE_ASSET} (or of Limine's own build, build/bin), or a release version such as ${LIMINE_VERSION}.`,
    );
  return { kind: 'path', dir };
}

/** The download of a release: the pinned one against its pinned sha256, another against the digest GitHub publishes. */
export function limineAsset(spec: LimineSpec, hosts: ReleaseHosts): Asset | undefined {
  if (spec.kind === 'path') return undefined;
  const a = githubReleaseAsset(
    {
      tool: LIMINE_TOOL,
      owner: 'Limine-Bootloader',
      repo: 'Limine',
      version: spec.version,
      fileName: LIMINE_ASSET,
      ...(spec.version === LIMINE_VERSION ? { sha256: LIMINE_SHA256 } : {}),
    },
    hosts,
  );
  return { ...a, why: 'the kernel is a Limine kernel, booted from an ISO made with the Limine binary release' };
}

/**
 * limine.conf (CONFIG.md, https://github.com/Limine-Bootloader/Limine/blob/trunk/CONFIG.md):
 * `timeout: 0` boots the entry at once without the menu; `serial: yes` gives Limine's own console
 * to the serial port, so its messages (and a panic, such as a kernel it cannot open or load) are in
 * the serial log next to the kernel's; `verbose: yes` says what it is loading. One entry with
 * `protocol: limine` and the kernel's path on the boot volume (`boot():/`, as limine-c-template's
 * limine.conf writes it).
 */
export function limineConf(): string {
  return ['timeout: 0', 'serial: yes', 'verbose: yes', '', '/kernel', '    protocol: limine', '    path: boot():/boot/kernel', ''].join('\n');
}

/**
 * Limine's panic (common/lib/panic.s2.c,
 * https://github.com/Limine-Bootloader/Limine/blob/trunk/common/lib/panic.s2.c) prints `PANIC: `
 * (in colour once its terminal is up; the log's lines are matched without ANSI codes) and the
 * message, then waits for a key to go back to the menu, or halts: the boot would otherwise last
 * until the timeout. A line starting with it ends the run at once with Limine's reason.
 */
export const LIMINE_PANIC: Pattern = {
  source: '/^PANIC: /',
  regex: /^PANIC: /,
  hint: () =>
    "If Limine printed it, it could not boot the kernel (the message says why: a file it cannot open, an executable it cannot load, a lower-half kernel): check the kernel's link address (0xffffffff80000000 or above) and its Limine requests.",
};

/** Where the ISO's files and the ISO itself go in a boot's work folder. */
export function liminePaths(workDir: string) {
  return { root: path.join(workDir, 'limine-iso'), iso: path.join(workDir, 'limine.iso') };
}

/**
 * The xorriso command line, as limine-c-template's GNUmakefile writes it for x86_64: El Torito BIOS
 * (no emulation, 4 sectors, boot info table) and UEFI (the FAT image limine-uefi-cd.bin, also as a
 * GPT partition) entries, Rock Ridge, Joliet and HFS+ names, and a protective MBR.
 */
export function xorrisoArgv(workDir: string): string[] {
  const { root, iso } = liminePaths(workDir);
  return [
    'xorriso',
    '-as',
    'mkisofs',
    '-R',
    '-r',
    '-J',
    '-b',
    'boot/limine/limine-bios-cd.bin',
    '-no-emul-boot',
    '-boot-load-size',
    '4',
    '-boot-info-table',
    '-hfsplus',
    '-apm-block-size',
    '2048',
    '--efi-boot',
    'boot/limine/limine-uefi-cd.bin',
    '-efi-boot-part',
    '--efi-boot-image',
    '--protective-msdos-label',
    root,
    '-o',
    iso,
  ];
}

/** `limine bios-install <iso>`: writes Limine's BIOS boot code into the ISO's MBR (USAGE.md), so the ISO also boots as a BIOS disk. */
export function biosInstallArgv(tool: string, workDir: string): string[] {
  return [tool, 'bios-install', liminePaths(workDir).iso];
}

/** `make -C <release>`: builds the host tool `limine` from the release's limine.c (host.mk's default target). */
export function makeArgv(dir: string): string[] {
  return ['make', '-C', dir];
}

/** The base revision a kernel asks for: the third word after the tag's two magic words, 8-byte aligned (PROTOCOL.md, "Base Revisions"). */
export function readBaseRevision(buf: Buffer): bigint | undefined {
  const first = Buffer.alloc(8);
  first.writeBigUInt64LE(LIMINE_BASE_REVISION[0]);
  for (let o = buf.indexOf(first); o >= 0; o = buf.indexOf(first, o + 1)) {
    if (o % 8 === 0 && o + 24 <= buf.length && buf.readBigUInt64LE(o + 8) === LIMINE_BASE_REVISION[1]) return buf.readBigUInt64LE(o + 16);
  }
  return undefined;
}

/** Refuses, before QEMU, a kernel asking for a base revision the pinned release does not support (for other releases the kernel decides). */
export function checkBaseRevision(kernel: string, buf: Buffer, spec: LimineSpec): void {
  if (spec.kind !== 'release' || spec.version !== LIMINE_VERSION) return;
  const n = readBaseRevision(buf);
  if (n === undefined || n <= BigInt(LIMINE_MAX_BASE_REVISION)) return;
  throw new ActionError(
    `${kernel} asks for Limine base revision ${n} (its base revision tag), but Limine ${LIMINE_VERSION}, the release this action boots with, supports base revisions up to ${LIMINE_MAX_BASE_REVISION}: build the kernel for revision ${LIMINE_MAX_BASE_REVISION} or lower (the limine crate's BaseRevision::with_revision(${LIMINE_MAX_BASE_REVISION})), or set the limine input to a release that supports revision ${n}.`,
  );
}

/** Where a boot gets the release from: the runner's folders (tool cache, temp) and GitHub's hosts as this runner reaches them. */
export interface LimineHost {
  env: RunnerEnv;
  hosts: ReleaseHosts;
}

/** The Limine release folder a boot uses: the user's, or the release unpacked in the tool cache (downloaded by the install stage, else here). */
async function releaseDir(spec: LimineSpec, assets: Record<string, string>, host: LimineHost): Promise<string> {
  if (spec.kind === 'path') return spec.dir;
  const asset = limineAsset(spec, host.hosts)!;
  const archive = assets[LIMINE_TOOL] ?? (await fetchAsset(asset, host.env));
  const dir = await extractTarAsset(
    archive,
    asset,
    LIMINE_DIR_TOOL,
    [...LIMINE_STAGES, ...LIMINE_HOST_SOURCES].map((f) => `${LIMINE_TOP}/${f}`),
    { flags: 'xJ', executables: [] },
  );
  return path.join(dir, LIMINE_TOP);
}

/** A placeholder for the release folder in a dry run (it is unpacked at boot). */
export function describeReleaseDir(spec: LimineSpec): string {
  return spec.kind === 'path' ? spec.dir : `<${LIMINE_ASSET} ${spec.version}, unpacked>/${LIMINE_TOP}`;
}

/** Where the host tool is built (undefined: the folder has one) and where it ends up. */
function toolPlan(spec: LimineSpec, dir: string, workDir: string): { buildDir?: string; tool: string } {
  if (spec.kind === 'path' && isExecutable(path.join(dir, 'limine'))) return { tool: path.join(dir, 'limine') };
  // A user's folder is built in a copy in the work folder: the action writes nothing into the workspace.
  const buildDir = spec.kind === 'path' ? path.join(workDir, 'limine-tool') : dir;
  return { buildDir, tool: path.join(buildDir, 'limine') };
}

/** The commands a Limine boot runs, for the dry run: the host tool's build (unless the folder has one), xorriso, bios-install. */
export function limineCommands(spec: LimineSpec, workDir: string): string[] {
  const { buildDir, tool } = toolPlan(spec, describeReleaseDir(spec), workDir);
  return [...(buildDir ? [makeArgv(buildDir).join(' ')] : []), xorrisoArgv(workDir).join(' '), biosInstallArgv(tool, workDir).join(' ')];
}

const failed = (what: string, r: { code: number; stdout: string; stderr: string }, tool: string) =>
  r.code === 127 ? `${tool} is not installed` : `${what} failed (exit ${r.code}): ${errorLine(r.stderr || r.stdout)}`;

/**
 * The host tool: the folder's own `limine` when it has one, else built with make (a downloaded
 * release once, in the tool cache; a user's folder in a copy in the work folder).
 */
async function hostTool(spec: LimineSpec, dir: string, workDir: string, log: (line: string) => void): Promise<string> {
  const { buildDir, tool } = toolPlan(spec, dir, workDir);
  if (!buildDir || isExecutable(tool)) return tool;
  if (buildDir !== dir) {
    fs.rmSync(buildDir, { recursive: true, force: true });
    fs.cpSync(dir, buildDir, { recursive: true });
  }
  const [cmd, ...args] = makeArgv(buildDir);
  log(`[command]${[cmd, ...args].join(' ')}`);
  const r = await capture(cmd, args);
  if (r.code !== 0 || !isExecutable(tool))
    throw new InfraError(
      `Could not build Limine's host tool (limine) from ${path.join(buildDir, 'limine.c')}: ${failed('make', r, 'make')}. It needs ${LIMINE_APT.join(', ')} (the action installs them on Debian/Ubuntu runners).`,
      'limine',
    );
  return tool;
}

/** A release folder and its host tool, made once for the boots of a run (LimineOnce). */
type Prepared = Promise<{ dir: string; tool: string }>;

/**
 * The release's folder and host tool of a run's boots, keyed by release: boots side by side
 * (boot-firmware: both) share one download, one unpacked folder in the tool cache and one make,
 * instead of unpacking and building into the same folder at once. A failure is not kept.
 */
export type LimineOnce = Map<string, Prepared>;

function releaseAndTool(
  o: { spec: LimineSpec; assets: Record<string, string>; host: LimineHost; workDir: string; once?: LimineOnce },
  log: (line: string) => void,
): Prepared {
  const make = async () => {
    const dir = await releaseDir(o.spec, o.assets, o.host);
    return { dir, tool: await hostTool(o.spec, dir, o.workDir, log) };
  };
  // A user's folder is built in each boot's own work folder: nothing shared to wait for.
  const { spec, once } = o;
  if (spec.kind === 'path' || !once) return make();
  let p = once.get(spec.version);
  if (!p) {
    p = make();
    once.set(spec.version, p);
    p.catch(() => once.delete(spec.version));
  }
  return p;
}

/** Builds the ISO around a Limine kernel and returns its path: the release's stages, limine.conf, xorriso, limine bios-install. */
export async function buildLimineIso(
  o: { kernel: string; workDir: string; spec: LimineSpec; assets: Record<string, string>; host: LimineHost; once?: LimineOnce },
  log: (line: string) => void,
): Promise<string> {
  const { kernel, workDir } = o;
  await aptInstallMissing(LIMINE_APT, 'Limine kernels (a Limine ISO)');
  const { dir, tool } = await releaseAndTool(o, log);
  const { root, iso } = liminePaths(workDir);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(iso, { force: true });
  fs.mkdirSync(path.join(root, 'boot', 'limine'), { recursive: true });
  fs.mkdirSync(path.join(root, 'EFI', 'BOOT'), { recursive: true });
  fs.copyFileSync(kernel, path.join(root, 'boot', 'kernel'));
  fs.writeFileSync(path.join(root, 'boot', 'limine', 'limine.conf'), limineConf());
  for (const f of ['limine-bios.sys', 'limine-bios-cd.bin', 'limine-uefi-cd.bin']) fs.copyFileSync(path.join(dir, f), path.join(root, 'boot', 'limine', f));
  for (const f of ['BOOTX64.EFI', 'BOOTIA32.EFI']) if (fs.existsSync(path.join(dir, f))) fs.copyFileSync(path.join(dir, f), path.join(root, 'EFI', 'BOOT', f));
  const [x, ...xArgs] = xorrisoArgv(workDir);
  log(`[command]${[x, ...xArgs].join(' ')}`);
  const mk = await capture(x, xArgs);
  if (mk.code !== 0 || !fs.existsSync(iso))
    throw new InfraError(
      `Could not build the Limine ISO for ${kernel}: ${failed('xorriso', mk, 'xorriso')}. It needs ${LIMINE_APT.join(', ')} (the action installs them on Debian/Ubuntu runners); or build the ISO yourself and give it as the kernel input.`,
      'limine',
    );
  const [b, ...bArgs] = biosInstallArgv(tool, workDir);
  log(`[command]${[b, ...bArgs].join(' ')}`);
  const bi = await capture(b, bArgs);
  for (const line of bi.stdout.split('\n').filter((l) => l.trim())) log(line);
  if (bi.code !== 0)
    throw new InfraError(
      `Could not install Limine's BIOS stages into ${iso}: ${failed('limine bios-install', bi, tool)}. Check the Limine release (limine input).`,
      'limine',
    );
  return iso;
}
