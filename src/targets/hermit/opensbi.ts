import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { githubReleaseAsset, type Asset, type ReleaseHosts } from '../../install/download.js';
import { ActionError, InputError } from '../../model/errors.js';
import { atLeast } from '../../model/version.js';

// riscv64 Hermit needs OpenSBI 1.3 or newer. Kernel 0.13 and loader 0.5.6 print through the SBI
// Debug Console extension (DBCN, SBI 2.0), which OpenSBI implements from v1.3 on
// (https://github.com/riscv-software-src/opensbi/releases/tag/v1.3: "SBI debug console extension").
// On an older OpenSBI the guest prints nothing after OpenSBI's banner, although the app runs and
// exits with the right status (seen with the real 0.13.2 images on Debian 12's opensbi 1.1, whose
// fw_jump.bin and QEMU 7.2's own fw_dynamic both say "OpenSBI v1.1"). Ubuntu 24.04 ships 1.3.1,
// Debian 12 and Ubuntu 22.04 older ones. So the action finds out which OpenSBI a boot would use
// (the package's version before the boot, the banner in the serial log after it) and, when the
// system's is too old, boots with an OpenSBI release's fw_jump.bin instead.

export const MIN_OPENSBI: [number, number] = [1, 3];
export const MIN_OPENSBI_TEXT = `${MIN_OPENSBI[0]}.${MIN_OPENSBI[1]}`;
export const WHY_OPENSBI = `Hermit's riscv64 kernel (0.13) and loader (0.5.6) print through the SBI Debug Console extension, which OpenSBI implements from ${MIN_OPENSBI_TEXT} on; with an older OpenSBI nothing appears after its banner`;

/**
 * The OpenSBI release the action downloads when the system's is too old: its `-rv-bin` archive
 * from https://github.com/riscv-software-src/opensbi/releases, checked against the sha256 digest
 * GitHub publishes for the asset (nothing unverified is booted).
 */
export const OPENSBI_RELEASE = '1.9';
export const OPENSBI_TOOL = 'opensbi-riscv64';
/** fw_jump.bin for QEMU's virt board, inside the release archive (the generic platform, lp64). */
export const releaseFwJump = (version: string) => `opensbi-${version}-rv-bin/share/opensbi/lp64/generic/firmware/fw_jump.bin`;

/** Where a system OpenSBI's fw_jump.bin is looked for (Debian/Ubuntu `opensbi` first, as the kernel's xtask looks). */
export const OPENSBI_FW_JUMP = ['/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin', '/usr/share/opensbi/generic/firmware/fw_jump.bin'];

/** hermit-opensbi: auto (default), system, a release version, a fw_jump.bin file, or a URL of one (with hermit-opensbi-sha256). */
export type OpensbiSpec =
  { kind: 'auto' } | { kind: 'system' } | { kind: 'version'; version: string } | { kind: 'path'; path: string } | { kind: 'url'; url: string; sha256: string };

export function opensbiSpec(raw: string, sha: string | undefined, workspace: string): OpensbiSpec {
  const v = raw.trim();
  const onlyUrl = (what: string) => {
    if (sha) throw new InputError('hermit-opensbi-sha256', `is only for a URL in hermit-opensbi, and it is ${what}`, 'Remove hermit-opensbi-sha256.');
  };
  if (v === '' || v === 'auto' || v === 'system') {
    onlyUrl(`'${v || 'auto'}'`);
    return { kind: v === 'system' ? 'system' : 'auto' };
  }
  const ver = /^v?(\d+\.\d+(?:\.\d+)?)$/.exec(v);
  if (ver) {
    onlyUrl('a release version (checked against the digest GitHub publishes)');
    if (!atLeast(ver[1], MIN_OPENSBI))
      throw new InputError(
        'hermit-opensbi',
        `'${v}' is older than OpenSBI ${MIN_OPENSBI_TEXT}: ${WHY_OPENSBI}`,
        `Give ${MIN_OPENSBI_TEXT} or newer (default: ${OPENSBI_RELEASE}).`,
      );
    return { kind: 'version', version: ver[1] };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    if (!/^https?:\/\//i.test(v))
      throw new InputError('hermit-opensbi', `'${v}' is not an http(s) URL`, 'Give an https URL of a fw_jump.bin with hermit-opensbi-sha256.');
    if (!sha)
      throw new InputError(
        'hermit-opensbi-sha256',
        `is required when hermit-opensbi is a URL (${v})`,
        'Give the 64 hex digits of the fw_jump.bin, so a changed or corrupted download is refused.',
      );
    return { kind: 'url', url: v, sha256: sha };
  }
  const file = path.resolve(workspace, v);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new InputError(
      'hermit-opensbi',
      `'${v}' is neither auto, system, a version (like ${OPENSBI_RELEASE}), a URL, nor a file (looked at ${file})`,
      `Give auto (the system's OpenSBI when it is ${MIN_OPENSBI_TEXT} or newer, else release ${OPENSBI_RELEASE}), a release version, the path of an OpenSBI fw_jump.bin, or an https URL of one with hermit-opensbi-sha256.`,
    );
  onlyUrl('a file (used as it is)');
  return { kind: 'path', path: file };
}

/** `a.b[.c]` at least `min` (src/model/version.ts). */
export { atLeast };

/** An installed OpenSBI fw_jump.bin and what is known of its version. */
export interface SystemOpensbi {
  file: string;
  /** `1.1` from the package's version (`1.1-2`); undefined when no package owns the file. */
  version?: string;
  /** How the version is known, for messages: `Debian/Ubuntu package opensbi 1.1-2`. */
  source?: string;
}

/** The package that owns a file and its version, by dpkg (undefined: not a dpkg system, or no package owns it). */
export function dpkgOwner(
  file: string,
  run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
): { pkg: string; version: string } | undefined {
  try {
    const pkg = run('dpkg', ['-S', fs.realpathSync(file)])
      .split(':')[0]
      .trim();
    const version = run('dpkg-query', ['-W', '-f', '${Version}', pkg]).trim();
    return pkg && version ? { pkg, version } : undefined;
  } catch {
    return undefined;
  }
}

/** `1.1-2` or `1:1.3.1-1ubuntu1` -> `1.1` / `1.3.1`. */
export const upstreamVersion = (debVersion: string) => debVersion.replace(/^\d+:/, '').replace(/[-+~].*$/, '');

/** The system's fw_jump.bin and its version (undefined: none installed). */
export function systemOpensbi(find = (f: string) => fs.existsSync(f), owner = dpkgOwner): SystemOpensbi | undefined {
  const file = OPENSBI_FW_JUMP.find(find);
  if (!file) return undefined;
  const o = owner(file);
  return o ? { file, version: upstreamVersion(o.version), source: `package ${o.pkg} ${o.version}` } : { file };
}

/** What the boot will use: a file (the system's or the user's), or a download. `note` says which and why, for the log. */
export type OpensbiChoice =
  | { kind: 'file'; file: string; note: string }
  | {
      kind: 'download';
      asset: Asset;
      /** The fw_jump.bin inside it (release archives), or undefined (the asset is the file). */ member?: string;
      note: string;
    };

/**
 * Chooses the OpenSBI for a riscv64 Hermit boot, before anything is installed. auto: the system's
 * when it is known to be 1.3+, else release OPENSBI_RELEASE (the download's error then names the
 * version found and why a newer one is needed). system: the system's, refused when known older.
 */
export function chooseOpensbi(spec: OpensbiSpec, system: SystemOpensbi | undefined, hosts: ReleaseHosts): OpensbiChoice {
  const found = system
    ? system.version
      ? `the system's OpenSBI is ${system.version} (${system.source}, ${system.file})`
      : `the system's OpenSBI (${system.file}) has no known version`
    : 'no system OpenSBI is installed (no fw_jump.bin at ' + OPENSBI_FW_JUMP.join(' or ') + ')';
  const release = (version: string, why?: string): OpensbiChoice => {
    const fileName = `opensbi-${version}-rv-bin.tar.xz`;
    const asset = githubReleaseAsset({ tool: OPENSBI_TOOL, owner: 'riscv-software-src', repo: 'opensbi', version, fileName }, hosts);
    return {
      kind: 'download',
      asset: why ? { ...asset, why } : asset,
      member: releaseFwJump(version),
      note: `OpenSBI ${version}: fw_jump.bin from its release (${why ?? 'hermit-opensbi'})`,
    };
  };
  switch (spec.kind) {
    case 'system':
      if (!system)
        throw new InputError(
          'hermit-opensbi',
          `is system, and ${found}`,
          `Install the opensbi package (${MIN_OPENSBI_TEXT} or newer), or use auto to have OpenSBI ${OPENSBI_RELEASE} downloaded.`,
        );
      if (system.version && !atLeast(system.version, MIN_OPENSBI))
        throw new InputError(
          'hermit-opensbi',
          `is system, and ${found}, older than the ${MIN_OPENSBI_TEXT} Hermit needs: ${WHY_OPENSBI}`,
          `Use auto (the default) to boot with OpenSBI ${OPENSBI_RELEASE} from its GitHub release, a newer distribution's opensbi package (Ubuntu 24.04: 1.3.1), or give a fw_jump.bin (path or URL) of OpenSBI ${MIN_OPENSBI_TEXT}+.`,
        );
      return { kind: 'file', file: system.file, note: `${found}${system.version ? '' : `; ${MIN_OPENSBI_TEXT}+ is needed, and its banner will tell`}` };
    case 'auto':
      if (system?.version && atLeast(system.version, MIN_OPENSBI)) return { kind: 'file', file: system.file, note: found };
      return release(OPENSBI_RELEASE, `${found}; ${WHY_OPENSBI}`);
    case 'version':
      return release(spec.version);
    case 'path':
      return { kind: 'file', file: spec.path, note: `hermit-opensbi ${spec.path} (its banner will tell its version; ${MIN_OPENSBI_TEXT}+ is needed)` };
    case 'url':
      return {
        kind: 'download',
        asset: { tool: OPENSBI_TOOL, version: `0.0.0-sha256.${spec.sha256.slice(0, 16)}`, url: spec.url, fileName: 'fw_jump.bin', sha256: spec.sha256 },
        note: `hermit-opensbi ${spec.url} (its banner will tell its version; ${MIN_OPENSBI_TEXT}+ is needed)`,
      };
  }
}

/** The fw_jump.bin of a downloaded release archive, unpacked into `dir` once (synchronous: the boot's prepare step). */
export function unpackFwJump(archive: string, member: string, dir: string): string {
  const out = path.join(dir, member);
  if (fs.existsSync(out)) return out;
  try {
    execFileSync('tar', ['-xJf', archive, '-C', dir, member], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new ActionError(
      `Could not take ${member} out of ${archive}: ${
        String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)
          .trim()
          .split('\n')[0]
      }.`,
    );
  }
  return out;
}

/** The OpenSBI version a serial log's banner shows (`OpenSBI v1.1`), if any. */
export function bannerVersion(lines: string[]): string | undefined {
  for (const l of lines) {
    const m = /OpenSBI v(\d+\.\d+(?:\.\d+)?)/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The sentence a failed riscv64 run (no failure line) gets about its firmware: why it was silent
 * when OpenSBI's banner shows a version older than 1.3 and nothing of Hermit's followed, else
 * which OpenSBI ran (or that none printed a banner).
 */
export function describeOpensbi(lines: string[]): string {
  const why = explainSilentOpensbi(lines);
  if (why) return why;
  const v = bannerVersion(lines);
  return v ? `OpenSBI's banner says v${v}.` : 'OpenSBI printed no banner (the firmware did not start, or printed nothing).';
}

/**
 * For a riscv64 run that failed without a failure line: when OpenSBI's banner shows a version
 * older than 1.3 and nothing of Hermit's loader followed, that is why (undefined otherwise).
 */
export function explainSilentOpensbi(lines: string[]): string | undefined {
  const v = bannerVersion(lines);
  if (!v || atLeast(v, MIN_OPENSBI)) return undefined;
  if (lines.some((l) => l.includes('[LOADER]') || l.includes('Hello'))) return undefined;
  return `OpenSBI's banner says v${v}, older than ${MIN_OPENSBI_TEXT}: ${WHY_OPENSBI} (the app may well have run). Boot with OpenSBI ${MIN_OPENSBI_TEXT}+: hermit-opensbi auto (the default: release ${OPENSBI_RELEASE} when the system's is older), a release version, or a fw_jump.bin path or URL.`;
}
