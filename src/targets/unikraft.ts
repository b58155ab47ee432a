import * as core from '@actions/core';
import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActionError, InputError } from '../errors.js';
import type { Inputs } from '../inputs/inputs.js';
import { extractTarAsset } from '../install/download.js';
import { literal, parsePattern } from '../verdict/patterns.js';
import { RUST_PANIC } from './common.js';
import type { BuildPrep, TargetFamily, TargetProfile } from './types.js';
import { ARCH, PLAT, TTY_STDIO, chooseTarget, findKraftfile, KRAFTFILE_NAMES, parseKraftfile, withTtyStdio, type KraftTarget } from './unikraft-kraftfile.js';
import { KRAFTKIT_ARCHIVE_TOOL, KRAFTKIT_DEFAULT_VERSION, KRAFTKIT_FILES, KRAFTKIT_TOOL, kraftkitAsset } from './unikraft-kraftkit.js';
// issue 14: the fixes' logic lives in ./unikraft/*.ts; these are the calls into it.
import * as os from 'node:os';
import { unikraftAppend } from './unikraft/append.js';
import { describeUnikraftVersion, movingVersionWarning, parseUnikraftBanner } from './unikraft/banner.js';
import { unikraftHostPackages } from './unikraft/host.js';
import { removeStaleConfig, staleConfigNote } from './unikraft/stale-config.js';
import { UKTEST_FAILED } from './unikraft/uktest.js';
import { kraftldWrapper, linkDirNote, locateWorkspaceRoot } from './unikraft/workspace.js';

/**
 * Unikraft (x86_64-unikraft-linux-musl), see shared/reference/unikraft.md.
 *
 * Build: cargo with -Zbuild-std=std,panic_abort. The target spec links with `kraftld` (a KraftKit
 * script), which runs `kraft build --target=$KRAFTKIT_TARGET --plat=$KRAFTKIT_PLAT
 * --arch=$KRAFTKIT_ARCH` in its working directory and copies .unikraft/build/<target>_qemu-x86_64
 * from there to cargo's output path: the bootable image is the "executable" cargo reports. cargo
 * runs the linker in the Cargo workspace root, not in the crate folder, so the action puts a
 * kraftld wrapper first on PATH that runs KraftKit's kraftld in the Kraftfile's folder
 * (unikraft/workspace.ts).
 *
 * Boot: plain QEMU as kraft does for qemu/x86_64, plus isa-debug-exit at 0x501 (Unikraft's
 * plat/kvm/x86/qemu.c writes 41 on halt, 42 on crash: QEMU status 83 / 85). Older Unikraft
 * powers off through ACPI instead (status 0). Either way the status says nothing about what main
 * returned, so this target needs `expect` lines.
 */

export const INPUTS = {
  kraftkit: 'kraftkit',
  sha256: 'kraftkit-sha256',
  target: 'unikraft-target',
  ttyStdio: 'unikraft-tty-stdio',
  args: 'unikraft-args',
  kernelArgs: 'unikraft-kernel-args',
} as const;

/** The QEMU statuses isa-debug-exit at 0x501 gives: (value << 1) | 1. */
export const HALT_STATUS = 83;
export const CRASH_STATUS = 85;

/** Unikraft's crash screen ("Unikraft crash - <codename> (<version>)", lib/ukdebug/crash.c; capitalised "Crash" in newer releases). */
export const UNIKRAFT_CRASH = parsePattern('/Unikraft crash - /i', 'fail-on');
/** A critical kernel message (uk_pr_crit / UK_CRASH / a failed UK_ASSERT print "CRIT: ", lib/ukdebug/print.c). */
export const UNIKRAFT_CRIT = literal('CRIT: ');

const BUILD_PACKAGES = ['build-essential', 'libncurses-dev', 'flex', 'bison', 'git', 'wget', 'unzip'];

/** Where the Kraftfile is: kraftld's wrapper runs kraft there. */
const kraftfileDir = (inputs: Inputs) => path.resolve(inputs.workingDirectory);

type KraftkitChoice = { kind: 'system' } | { kind: 'release'; version: string; sha256?: string };

function kraftkitChoice(inputs: Inputs): KraftkitChoice {
  const raw = inputs.targetInputs[INPUTS.kraftkit] ?? '';
  const sha = inputs.targetInputs[INPUTS.sha256] ?? '';
  if (raw === 'system') {
    if (sha) throw new InputError(INPUTS.sha256, 'has nothing to check with kraftkit: system (nothing is downloaded)', `Remove it, or give a KraftKit version in ${INPUTS.kraftkit}.`);
    return { kind: 'system' };
  }
  const version = (raw || KRAFTKIT_DEFAULT_VERSION).replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new InputError(INPUTS.kraftkit, `'${raw}' is not a KraftKit version`, `Give a release version such as ${KRAFTKIT_DEFAULT_VERSION}, 'system' to use the kraft and kraftld already on PATH, or leave it empty for ${KRAFTKIT_DEFAULT_VERSION}.`);
  }
  if (sha && !/^[0-9a-f]{64}$/i.test(sha)) {
    throw new InputError(INPUTS.sha256, `'${sha}' is not a SHA-256`, `Give the 64 hex digits of kraft_${version}_linux_<arch>.tar.gz, or leave it empty to use the digest GitHub publishes for the release asset.`);
  }
  return { kind: 'release', version, sha256: sha || undefined };
}

function ttyStdioInput(inputs: Inputs): boolean {
  const raw = inputs.targetInputs[INPUTS.ttyStdio] ?? '';
  if (raw === '') return false;
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw new InputError(INPUTS.ttyStdio, `'${raw}' is not a boolean`, 'Use true or false.');
}

/** The Kraftfile target the build uses (undefined when booting a prebuilt image). */
function kraftTarget(inputs: Inputs): { target: KraftTarget; kraftfile: ReturnType<typeof parseKraftfile> } | undefined {
  if (inputs.kernel) return undefined;
  const file = findKraftfile(inputs.workingDirectory);
  if (!file) {
    throw new ActionError(`No Kraftfile in ${inputs.workingDirectory} (looked for ${KRAFTFILE_NAMES.join(', ')}); the action runs kraft build (through kraftld) there. Add a Kraftfile next to Cargo.toml, for example (as unikraft/catalog's native/helloworld-rs):\nspec: v0.6\nname: helloworld\nunikraft: stable\nlibraries:\n  musl: stable\n  lwip: stable\ntargets:\n  - ${PLAT}/${ARCH}`);
  }
  const kraftfile = parseKraftfile(file);
  const wanted = inputs.targetInputs[INPUTS.target] || undefined;
  return { target: chooseTarget(kraftfile, wanted, INPUTS.target), kraftfile };
}

function validate(inputs: Inputs): void {
  if (inputs.expect.length === 0) {
    throw new InputError('expect', `is required for ${inputs.target}`, `Unikraft powers off the same way whatever main returned (QEMU status 0, or ${HALT_STATUS} through isa-debug-exit), so only the serial output can prove the app worked: give the line(s) your app prints on success, e.g. expect: Hello, world!`);
  }
  kraftkitChoice(inputs);
  ttyStdioInput(inputs);
  if (/\s/.test(inputs.workingDirectory) && !inputs.kernel) {
    throw new InputError('working-directory', `'${inputs.workingDirectory}' contains whitespace, which kraftld cannot handle`, 'Move the crate to a path without spaces.');
  }
  // issue 14: refuse a host KraftKit/Unikraft cannot build on, before anything is installed.
  if (!inputs.kernel) unikraftHostPackages(process.arch);
  const chosen = kraftTarget(inputs);
  // No warning when the Kraftfile lacks CONFIG_LIBPOSIX_TTY_STDIO: since lib-musl PR #85
  // (https://github.com/unikraft/lib-musl/pull/85) musl's stdio selects it by itself, so a Rust
  // (musl) app prints without it. The unikraft-tty-stdio input still adds it for older releases.
  const moving = chosen && movingVersionWarning(chosen.kraftfile.unikraftVersion, path.basename(chosen.kraftfile.path));
  if (moving) core.warning(moving, { title: 'Unikraft version not pinned' });
}

function buildEnv(inputs: Inputs): Record<string, string> {
  const chosen = kraftTarget(inputs);
  if (!chosen) return {};
  return {
    KRAFTKIT_TARGET: chosen.target.name,
    KRAFTKIT_PLAT: PLAT,
    KRAFTKIT_ARCH: ARCH,
    // No prompts, no update checks, plain logs: KraftKit's config (config/config.go) reads these.
    KRAFTKIT_NO_PROMPT: 'true',
    KRAFTKIT_NO_CHECK_UPDATES: 'true',
    KRAFTKIT_NO_EMOJIS: 'true',
    KRAFTKIT_NO_WARN_SUDO: 'true',
    KRAFTKIT_LOG_TYPE: 'basic',
  };
}

async function prepareBuild(inputs: Inputs, assets: Record<string, string>): Promise<BuildPrep> {
  const choice = kraftkitChoice(inputs);
  const prep: BuildPrep = { env: buildEnv(inputs), path: [] };
  let realKraftld: string;
  if (choice.kind === 'system') {
    const missing: string[] = [];
    for (const f of KRAFTKIT_FILES) if (!(await io.which(f, false))) missing.push(f);
    if (missing.length) {
      throw new ActionError(`kraftkit: system uses the kraft and kraftld on PATH, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not there. Install KraftKit before this step, or leave kraftkit empty to download ${KRAFTKIT_DEFAULT_VERSION}.`);
    }
    realKraftld = await io.which('kraftld', true);
    core.info(`KraftKit: kraft and kraftld from PATH (kraftkit: system): ${realKraftld}`);
  } else {
    const asset = kraftkitAsset(choice.version, process.arch, choice.sha256);
    const archive = assets[KRAFTKIT_ARCHIVE_TOOL];
    if (!archive) throw new ActionError(`Internal error: the KraftKit archive was not downloaded.`);
    const dir = await extractTarAsset(archive, asset, KRAFTKIT_TOOL, KRAFTKIT_FILES);
    prep.path!.push(dir);
    realKraftld = path.join(dir, 'kraftld');
    core.info(`KraftKit ${choice.version}: kraft and kraftld from ${dir}`);
  }

  // issue 14: kraftld must run kraft beside the Kraftfile, whatever the Cargo workspace root is;
  // and kraft's stale .config.<target>_qemu-x86_64 would make kraft build ask a question.
  const dir = kraftfileDir(inputs);
  const ws = await locateWorkspaceRoot('cargo', dir);
  core.info(linkDirNote('root' in ws ? ws.root : undefined, dir));
  const wrapperDir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'kraftld-wrapper-'));
  fs.writeFileSync(path.join(wrapperDir, 'kraftld'), kraftldWrapper({ realKraftld, kraftfileDir: dir, plat: PLAT, arch: ARCH }), { mode: 0o755 });
  prep.path!.unshift(wrapperDir);
  const stale = prep.env!.KRAFTKIT_TARGET ? removeStaleConfig(dir, prep.env!.KRAFTKIT_TARGET, PLAT, ARCH) : undefined;
  if (stale) core.info(staleConfigNote(stale));
  const cleanups: (() => void)[] = [() => fs.rmSync(wrapperDir, { recursive: true, force: true })];

  const chosen = kraftTarget(inputs);
  if (chosen && ttyStdioInput(inputs) && !chosen.kraftfile.ttyStdio) {
    // kraftld (through the action's wrapper) runs plain `kraft build` in the Kraftfile's folder,
    // which reads the Kraftfile there: the option is written into it for the build and the
    // original is put back afterwards.
    const file = chosen.kraftfile.path;
    const original = fs.readFileSync(file);
    fs.writeFileSync(file, withTtyStdio(original.toString('utf8')));
    core.info(`${INPUTS.ttyStdio}: ${TTY_STDIO}: 'y' added to ${file} for this build (the original is restored after it).`);
    cleanups.push(() => fs.writeFileSync(file, original));
  }
  prep.cleanup = () => cleanups.forEach((c) => c());
  core.info(`kraftld will build Kraftfile target '${prep.env!.KRAFTKIT_TARGET ?? ''}' for ${PLAT}/${ARCH}.`);
  return prep;
}

function appendLine(t: Record<string, string>): string[] {
  // issue 14: `--` only when there are kernel arguments, as kraft run writes it.
  return unikraftAppend(t[INPUTS.kernelArgs] ?? '', t[INPUTS.args] ?? '');
}

/** issue 14: the Unikraft version from the boot banner, in the log and as the unikraft-version output. */
export function reportBanner(serialLog: string): void {
  let head = '';
  try {
    const fd = fs.openSync(serialLog, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return;
  }
  const v = parseUnikraftBanner(head.split('\n'));
  if (!v) {
    core.info('Unikraft version: no boot banner in the serial output (LIBUKBOOT_BANNER_NONE, or the guest printed nothing).');
    return;
  }
  core.info(`Unikraft version (boot banner): ${describeUnikraftVersion(v)}`);
  core.setOutput('unikraft-version', describeUnikraftVersion(v));
}

export function explainUnikraftExit(status: number): string {
  if (status === 0) {
    return 'QEMU exited with status 0: the guest powered off through ACPI (how Unikraft releases without isa-debug-exit support halt, whatever main returned) or reset under -no-reboot';
  }
  if (status === HALT_STATUS) return `QEMU exited with status ${HALT_STATUS}: Unikraft halted normally (it wrote 41 to isa-debug-exit at 0x501); this does not tell what main returned`;
  if (status === CRASH_STATUS) return `QEMU exited with status ${CRASH_STATUS}: Unikraft crashed (it wrote 42 to isa-debug-exit at 0x501)`;
  return `QEMU exited with status ${status}`;
}

export const unikraft: TargetFamily = {
  name: 'Unikraft (KraftKit, qemu/x86_64)',
  examples: ['x86_64-unikraft-linux-musl'],
  resolve(target: string): TargetProfile | undefined {
    if (target !== 'x86_64-unikraft-linux-musl') return undefined;
    return {
      target,
      family: this.name,
      arch: 'x86_64',
      buildStd: { crates: ['std', 'panic_abort'], features: [] },
      linksWithRustLld: false,
      firmware: [],
      qemu: { binary: 'qemu-system-x86_64', aptPackage: 'qemu-system-x86' },
      kvmCapable: process.arch === 'x64',
      // kraft's choices for qemu/x86_64 (machine/qemu/v1alpha1.go), with RDRAND/RDSEED for Unikraft 0.17+.
      cpu: { kvm: 'host,+x2apic,-pmu', tcg: 'qemu64,+pdpe1gb,+rdrand,+rdseed,-vmx,-svm' },
      successExitCodes: [0, HALT_STATUS],
      defaultFailOn: [RUST_PANIC, UNIKRAFT_CRASH, UNIKRAFT_CRIT, UKTEST_FAILED],
      qemuArgs: ({ kernel, targetInputs }) => [
        '-machine', 'pc',
        '-m', '64M',
        '-display', 'none',
        '-serial', 'stdio',
        '-monitor', 'none',
        '-no-reboot',
        '-device', 'isa-debug-exit,iobase=0x501,iosize=0x02',
        '-kernel', kernel,
        ...appendLine(targetInputs ?? {}),
      ],
      explainExit: explainUnikraftExit,
      inputs: Object.values(INPUTS),
      validate,
      assets: (inputs) => {
        const c = kraftkitChoice(inputs);
        return inputs.kernel || c.kind === 'system' ? [] : [kraftkitAsset(c.version, process.arch, c.sha256)];
      },
      aptPackages: (inputs) => (inputs.kernel ? [] : [...BUILD_PACKAGES, ...unikraftHostPackages(process.arch)]),
      afterBoot: reportBanner,
      buildEnv,
      prepareBuild,
    };
  },
};
