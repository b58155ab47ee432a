import * as tc from '@actions/tool-cache';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActionError, InputError } from '../../model/errors.js';
import type { Log } from '../../model/log.js';
import type { RunnerEnv } from '../../model/runner-env.js';
import { capture, errorLine, runLogged } from '../../proc/run.js';
import { ARCH, type Sel4Arch } from './targets.js';
import { RELEASES } from './versions.js';

// The seL4 kernel built from a release tag, as seL4's standalone kernel build does it: configure
// with cmake (Ninja), build, install into a prefix that rust-sel4 reads through SEL4_PREFIX.
// Command lines from https://github.com/seL4/rust-root-task-demo/blob/main/docker/Dockerfile and
// https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/sel4/default.nix.

export const SEL4_GIT = 'https://github.com/seL4/seL4.git';

/** A seL4 release tag and the commit it must resolve to. */
export interface Sel4Source {
  tag: string;
  commit: string;
}

/** The seL4 tags whose commits this action knows (those its rust-sel4 releases pair with). */
export function knownSel4Source(tag: string): Sel4Source | undefined {
  const r = RELEASES.find((x) => x.sel4 === tag);
  return r ? { tag, commit: r.sel4Commit } : undefined;
}

/**
 * sel4-version: a seL4 release this action knows (14.0.0, 15.0.0, 16.0.0: its commit is pinned),
 * or any tag with the commit it must be at, `<tag>@<40-hex commit>`, so a moved tag is never
 * built unnoticed. '' = the release that goes with the crate's rust-sel4 (see versions.ts).
 */
export function parseSel4Version(raw: string): Sel4Source | undefined {
  const v = raw.trim();
  if (v === '') return undefined;
  const known = RELEASES.map((r) => r.sel4).join(', ');
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@([0-9a-f]{40}))?$/.exec(v);
  if (!m)
    throw new InputError(
      'sel4-version',
      `'${v}' is not a seL4 release tag`,
      `Give a release such as ${known}, or <tag>@<commit> (the full 40-hex commit the tag must point at) for another tag.`,
    );
  const [, tag, commit] = m;
  const pinned = knownSel4Source(tag);
  if (commit) {
    if (pinned && pinned.commit !== commit) {
      throw new InputError('sel4-version', `seL4 ${tag} is commit ${pinned.commit}, not ${commit}`, `Give ${tag} alone, or the right commit.`);
    }
    return { tag, commit };
  }
  if (!pinned)
    throw new InputError(
      'sel4-version',
      `'${tag}' is not a seL4 release this action knows the commit of`,
      `Give one of ${known}, or ${tag}@<commit> with the full commit the tag must point at.`,
    );
  return pinned;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * sel4-config: extra kernel CMake settings, one NAME=VALUE per line (blank lines and # comments
 * ignored), each passed as -DNAME=VALUE.
 */
export function parseSel4Config(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, line0] of raw.split(/\r?\n/).entries()) {
    const line = line0.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq).trim();
    const value = eq < 0 ? '' : line.slice(eq + 1).trim();
    if (eq < 0 || !SETTING_NAME.test(name) || value === '') {
      throw new InputError(
        'sel4-config',
        `line ${i + 1} ('${line}') is not NAME=VALUE`,
        'Give one seL4 CMake setting per line, such as KernelMaxNumNodes=2 or QEMU_MEMORY=2048.',
      );
    }
    if (name in out) throw new InputError('sel4-config', `${name} is set twice (line ${i + 1})`, 'Give each setting once.');
    out[name] = value;
  }
  return out;
}

/**
 * The settings rust-sel4 builds its kernels for QEMU with
 * (https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/worlds.nix; the aarch64 ones
 * also in https://github.com/seL4/rust-root-task-demo/blob/main/docker/Dockerfile).
 */
export function defaultKernelSettings(arch: Sel4Arch): Record<string, string> {
  switch (arch) {
    case 'aarch64':
      return {
        KernelPlatform: 'qemu-arm-virt',
        KernelSel4Arch: 'aarch64',
        ARM_CPU: 'cortex-a57',
        KernelArmHypervisorSupport: 'ON',
        KernelVerificationBuild: 'OFF',
      };
    case 'riscv64':
      return { KernelPlatform: 'qemu-riscv-virt', KernelSel4Arch: 'riscv64', KernelVerificationBuild: 'OFF' };
    case 'x86_64':
      // "for the sake of simulation": FS/GS base through MSRs, no PCID, no IOMMU, FXSAVE.
      return {
        KernelPlatform: 'pc99',
        KernelSel4Arch: 'x86_64',
        KernelVerificationBuild: 'OFF',
        KernelFSGSBase: 'msr',
        KernelSupportPCID: 'OFF',
        KernelIOMMU: 'OFF',
        KernelFPU: 'FXSAVE',
      };
  }
}

const OFF = /^(OFF|FALSE|0|NO|N)$/i;
const ON = /^(ON|TRUE|1|YES|Y)$/i;

/** The defaults with the user's sel4-config on top; settings that would make the run unjudgeable or mismatch the target are refused. */
export function kernelSettings(arch: Sel4Arch, user: Record<string, string>): Record<string, string> {
  const d = defaultKernelSettings(arch);
  for (const k of ['KernelPlatform', 'KernelSel4Arch'] as const) {
    if (user[k] !== undefined && user[k] !== d[k]) {
      throw new InputError(
        'sel4-config',
        `${k}=${user[k]} does not match the target: this action boots ${arch} seL4 on ${d.KernelPlatform} (QEMU's ${arch === 'x86_64' ? 'PC' : 'virt'} machine)`,
        `Remove ${k} from sel4-config.`,
      );
    }
  }
  if (user.KernelPrinting !== undefined && OFF.test(user.KernelPrinting)) {
    throw new InputError(
      'sel4-config',
      'KernelPrinting=OFF builds a kernel that prints nothing on the serial console, so nothing could show the run passed',
      'Remove KernelPrinting (it follows KernelDebugBuild, ON by default).',
    );
  }
  if (user.KernelVerificationBuild !== undefined && ON.test(user.KernelVerificationBuild)) {
    throw new InputError(
      'sel4-config',
      "KernelVerificationBuild=ON turns KernelPrinting off (seL4's config.cmake: PRINTING depends on NOT KernelVerificationBuild), so nothing could show the run passed",
      'Remove KernelVerificationBuild.',
    );
  }
  return { ...d, ...user };
}

export interface KernelBuildRequest {
  arch: Sel4Arch;
  source: Sel4Source;
  settings: Record<string, string>;
  /** `qemu-system-<arch> --version`'s first line: configuring qemu-arm-virt/qemu-riscv-virt runs QEMU to dump its device tree, so the kernel depends on it. */
  qemuVersion: string;
  /** Where to clone from (tests: a file:// stand-in). */
  repo?: string;
}

/**
 * The tool-cache entry: one per architecture, versioned `<tag>-<hash>` where the hash covers the
 * commit, the settings (sorted), the cross compiler, and the QEMU version on platforms whose
 * configure step reads QEMU's device tree (pc99 reads none).
 */
export function kernelCacheKey(r: KernelBuildRequest): { tool: string; version: string } {
  const usesQemuDtb = r.arch !== 'x86_64';
  const material = JSON.stringify({
    commit: r.source.commit,
    settings: Object.keys(r.settings)
      .sort()
      .map((k) => [k, r.settings[k]]),
    cross: ARCH[r.arch].crossPrefix ?? 'host',
    qemu: usesQemuDtb ? r.qemuVersion.trim() : '',
  });
  const hash = createHash('sha256').update(material).digest('hex').slice(0, 12);
  // A semver pre-release ('h' first: a numeric identifier with a leading zero is not semver, and
  // tool-cache looks up only versions semver.clean accepts).
  const tag = /^\d+\.\d+\.\d+$/.test(r.source.tag) ? r.source.tag : `0.0.0-${r.source.tag.replace(/[^0-9A-Za-z-]/g, '-')}`;
  return { tool: `sel4-kernel-${r.arch}`, version: `${tag}-h${hash}` };
}

export const cloneCommand = (r: KernelBuildRequest, dir: string) => [
  'git',
  'clone',
  '--quiet',
  '--depth',
  '1',
  '--branch',
  r.source.tag,
  r.repo ?? SEL4_GIT,
  dir,
];
export const revParseCommand = (dir: string) => ['git', '-C', dir, 'rev-parse', 'HEAD'];

export function cmakeCommand(r: KernelBuildRequest, src: string, build: string, prefix: string): string[] {
  const cross = ARCH[r.arch].crossPrefix;
  return [
    'cmake',
    '-G',
    'Ninja',
    '-S',
    src,
    '-B',
    build,
    `-DCMAKE_INSTALL_PREFIX=${prefix}`,
    ...(cross ? [`-DCROSS_COMPILER_PREFIX=${cross}`] : []),
    ...Object.entries(r.settings).map(([k, v]) => `-D${k}=${v}`),
  ];
}

export const ninjaCommands = (build: string) => [
  ['ninja', '-C', build, 'all'],
  ['ninja', '-C', build, 'install'],
];

/** Every command the build runs, in order, for the dry-run plan. */
export function kernelBuildPlan(r: KernelBuildRequest, work: string, prefix: string): string[][] {
  const src = path.join(work, 'seL4');
  const build = path.join(work, 'build');
  return [cloneCommand(r, src), revParseCommand(src), cmakeCommand(r, src, build, prefix), ...ninjaCommands(build)];
}

/** Files the install must produce (what rust-sel4 and the boot read). */
export function expectedLayout(arch: Sel4Arch): string[] {
  return ['bin/kernel.elf', 'libsel4/include/kernel/gen_config.json', ...(arch === 'x86_64' ? [] : ['support/platform_gen.yaml'])];
}

/**
 * Builds and installs the kernel, or takes it from the tool cache when a run on this runner built
 * the same one. The clone is checked against the expected commit before anything is built; the
 * work folder is removed afterwards, pass or fail; only a complete install is cached.
 * `env` is the build's environment on top of the process's (PATH with the cross gcc, PYTHONPATH with pyfdt).
 */
export async function buildKernel(
  r: KernelBuildRequest,
  runner: RunnerEnv,
  log: Log,
  env: Record<string, string> = {},
): Promise<{ prefix: string; cached: boolean }> {
  const key = kernelCacheKey(r);
  const hit = runner.toolCache ? tc.find(key.tool, key.version) : '';
  if (hit) {
    log.info(`seL4 ${r.source.tag} (${r.arch}): from the tool cache (${hit})`);
    return { prefix: hit, cached: true };
  }
  const temp = runner.temp;
  fs.mkdirSync(temp, { recursive: true });
  const work = fs.mkdtempSync(path.join(temp, 'sel4-kernel-'));
  const prefix = path.join(work, 'install');
  const [clone, revParse, cmake, ...ninja] = kernelBuildPlan(r, work, prefix);
  const step = async (argv: string[], what: string, quiet = false) => {
    const res = await (quiet ? capture : runLogged)(argv[0], argv.slice(1), { env });
    if (res.code !== 0) {
      throw new ActionError(
        `The seL4 kernel build failed at ${what} (${argv.join(' ')}): ${errorLine(res.stderr || res.stdout) || `exit status ${res.code}`}.`,
      );
    }
    return res.stdout.trim();
  };
  try {
    await step(clone, `cloning seL4 ${r.source.tag}`);
    const head = await step(revParse, 'reading the cloned commit', true);
    if (head !== r.source.commit) {
      throw new ActionError(
        `seL4 tag ${r.source.tag} from ${r.repo ?? SEL4_GIT} is at commit ${head}, not ${r.source.commit} as expected; the tag was moved. Nothing was built. Give sel4-version as ${r.source.tag}@${head} if you trust the new commit.`,
      );
    }
    await step(cmake, 'configuring (cmake)');
    for (const n of ninja) await step(n, n[n.length - 1] === 'install' ? 'installing (ninja install)' : 'building (ninja)');
    const missing = expectedLayout(r.arch).filter((f) => !fs.existsSync(path.join(prefix, f)));
    if (missing.length) throw new ActionError(`The seL4 kernel build installed no ${missing.join(', ')} into ${prefix}; it is not a standalone kernel build.`);
    const dir = await tc.cacheDir(prefix, key.tool, key.version);
    log.info(`seL4 ${r.source.tag} (${r.arch}) built and cached in ${dir}`);
    return { prefix: dir, cached: false };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
