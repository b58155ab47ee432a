import { NICS } from '../../boot/network.js';
import * as io from '@actions/io';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kvmCapable } from '../../boot/qemu-args.js';
import { plainMultibootPaths } from '../../boot/multiboot.js';
import { ActionError, InputError } from '../../model/errors.js';
import { extractTarAsset, githubHosts } from '../../install/download.js';
import type { RunnerEnv } from '../../model/runner-env.js';
import { literal, parsePattern } from '../../model/patterns.js';
import { RUST_PANIC } from '../common.js';
import type { AfterBoot, BeforeCargo, BuildPrep, CommonInputs, Family, TargetPlan } from '../contract.js';
import { UNIKRAFT_INPUTS, unikraftInputs, type UnikraftInputs } from './inputs.js';
import {
  ARCH,
  PLAT,
  TTY_STDIO,
  chooseTarget,
  findKraftfile,
  KRAFTFILE_NAMES,
  parseKraftfile,
  withTtyStdio,
  type Kraftfile,
  type KraftTarget,
} from './kraftfile.js';
import { KRAFTKIT_ARCHIVE_TOOL, KRAFTKIT_DEFAULT_VERSION, KRAFTKIT_FILES, KRAFTKIT_TOOL, kraftkitAsset } from './kraftkit.js';
import { unikraftAppend } from './append.js';
import { describeUnikraftVersion, movingVersionWarning, parseUnikraftBanner } from './banner.js';
import { unikraftHostPackages } from './host.js';
import { removeStaleConfig, staleConfigNote } from './stale-config.js';
import { UKTEST_FAILED } from './uktest.js';
import { CRASH_STATUS, explainUnikraftNoVerdict, HALT_STATUS, MAIN_RETURNED_NONZERO, unikraftCpuNeeds } from './verdict.js';
import { kraftldWrapper, linkDirNote, locateWorkspaceRoot } from './workspace.js';

/**
 * Unikraft (x86_64-unikraft-linux-musl), https://unikraft.org/docs/cli/ and
 * https://github.com/unikraft/kraftkit.
 *
 * Build: cargo with -Zbuild-std=std,panic_abort. The target spec links with `kraftld` (a KraftKit
 * script), which runs `kraft build --target=$KRAFTKIT_TARGET --plat=$KRAFTKIT_PLAT
 * --arch=$KRAFTKIT_ARCH` in its working directory and copies .unikraft/build/<target>_qemu-x86_64
 * from there to cargo's output path: the bootable image is the "executable" cargo reports. cargo
 * runs the linker in the Cargo workspace root, not in the crate folder, so the action puts a
 * kraftld wrapper first on PATH that runs KraftKit's kraftld in the Kraftfile's folder
 * (workspace.ts).
 *
 * Boot: plain QEMU as kraft does for qemu/x86_64, plus isa-debug-exit at 0x501 (Unikraft's
 * plat/kvm/x86/qemu.c writes 41 on halt, 42 on crash: QEMU status 83 / 85). Older Unikraft
 * powers off through ACPI instead (status 0). Either way the status says nothing about what main
 * returned, so this target needs `expect` lines.
 */

/** Unikraft's crash screen ("Unikraft crash - <codename> (<version>)", lib/ukdebug/crash.c; capitalised "Crash" in newer releases; 0.17 has none, only `CRIT: ` lines). */
export const UNIKRAFT_CRASH = parsePattern('/Unikraft crash - /i', 'fail-on');
/** A critical kernel message (uk_pr_crit / UK_CRASH / a failed UK_ASSERT print "CRIT: ", lib/ukdebug/print.c). */
export const UNIKRAFT_CRIT = literal('CRIT: ');

const BUILD_PACKAGES = ['build-essential', 'libncurses-dev', 'flex', 'bison', 'git', 'wget', 'unzip'];

/** The Kraftfile and the target the build uses (read once, when the crate is built). */
function kraftTarget(common: CommonInputs, wanted: string | undefined): { target: KraftTarget; kraftfile: Kraftfile } {
  const file = findKraftfile(common.workingDirectory);
  if (!file) {
    throw new ActionError(
      `No Kraftfile in ${common.workingDirectory} (looked for ${KRAFTFILE_NAMES.join(', ')}); the action runs kraft build (through kraftld) there. Add a Kraftfile next to Cargo.toml, for example (as unikraft/catalog's native/helloworld-rs):\nspec: v0.6\nname: helloworld\nunikraft: stable\nlibraries:\n  musl: stable\n  lwip: stable\ntargets:\n  - ${PLAT}/${ARCH}`,
    );
  }
  const kraftfile = parseKraftfile(file);
  return { target: chooseTarget(kraftfile, wanted, 'unikraft-target'), kraftfile };
}

function buildEnv(target: KraftTarget): Record<string, string> {
  return {
    KRAFTKIT_TARGET: target.name,
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

/** Before cargo: kraft and kraftld first on PATH; CONFIG_LIBPOSIX_TTY_STDIO written into the Kraftfile for the build when asked. */
function beforeCargo(i: UnikraftInputs, chosen: { target: KraftTarget; kraftfile: Kraftfile }, env: RunnerEnv): BeforeCargo {
  const addTty = i.ttyStdio && !chosen.kraftfile.ttyStdio;
  return {
    async describe() {
      return {
        kraftkit:
          i.kraftkit.kind === 'system' ? 'kraft and kraftld from PATH' : `KraftKit ${i.kraftkit.version}: kraft and kraftld from the downloaded archive`,
        kraftfileTarget: `${chosen.target.name} (${PLAT}/${ARCH})`,
        ...(addTty ? { kraftfileChange: `${TTY_STDIO}: 'y' added to ${chosen.kraftfile.path} for the build, then restored` } : {}),
      };
    },
    async run(_cargo, assets, log) {
      const prep: BuildPrep = { path: [] };
      let realKraftld: string;
      if (i.kraftkit.kind === 'system') {
        const missing: string[] = [];
        for (const f of KRAFTKIT_FILES) if (!(await io.which(f, false))) missing.push(f);
        if (missing.length) {
          throw new ActionError(
            `kraftkit: system uses the kraft and kraftld on PATH, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not there. Install KraftKit before this step, or leave kraftkit empty to download ${KRAFTKIT_DEFAULT_VERSION}.`,
          );
        }
        realKraftld = await io.which('kraftld', true);
        log.info(`KraftKit: kraft and kraftld from PATH (kraftkit: system): ${realKraftld}`);
      } else {
        const asset = kraftkitAsset(i.kraftkit.version, process.arch, i.kraftkit.sha256, githubHosts(env.vars));
        const archive = assets[KRAFTKIT_ARCHIVE_TOOL];
        if (!archive) throw new ActionError(`Internal error: the KraftKit archive was not downloaded.`);
        const dir = await extractTarAsset(archive, asset, KRAFTKIT_TOOL, KRAFTKIT_FILES);
        prep.path!.push(dir);
        realKraftld = path.join(dir, 'kraftld');
        log.info(`KraftKit ${i.kraftkit.version}: kraft and kraftld from ${dir}`);
      }
      // kraftld must run kraft beside the Kraftfile, whatever the Cargo workspace root is (cargo runs
      // the linker there); and kraft's stale .config.<target>_qemu-x86_64 would make kraft build ask a question.
      const dir = path.dirname(chosen.kraftfile.path);
      const ws = await locateWorkspaceRoot('cargo', dir);
      log.info(linkDirNote('root' in ws ? ws.root : undefined, dir));
      const wrapperDir = fs.mkdtempSync(path.join(env.temp, 'kraftld-wrapper-'));
      fs.writeFileSync(path.join(wrapperDir, 'kraftld'), kraftldWrapper({ realKraftld, kraftfileDir: dir, plat: PLAT, arch: ARCH }), { mode: 0o755 });
      prep.path!.unshift(wrapperDir);
      const stale = removeStaleConfig(dir, chosen.target.name, PLAT, ARCH);
      if (stale) log.info(staleConfigNote(stale));
      const cleanups: (() => void)[] = [() => fs.rmSync(wrapperDir, { recursive: true, force: true })];
      if (addTty) {
        // kraftld (through the wrapper) runs plain `kraft build` in the Kraftfile's folder, which reads
        // the Kraftfile there: the option is written into it for the build and the original is put back afterwards.
        const file = chosen.kraftfile.path;
        const original = fs.readFileSync(file);
        fs.writeFileSync(file, withTtyStdio(original.toString('utf8')));
        log.info(`unikraft-tty-stdio: ${TTY_STDIO}: 'y' added to ${file} for this build (the original is restored after it).`);
        cleanups.push(() => fs.writeFileSync(file, original));
      }
      prep.cleanup = () => cleanups.forEach((c) => c());
      log.info(`kraftld will build Kraftfile target '${chosen.target.name}' for ${PLAT}/${ARCH}.`);
      return prep;
    },
  };
}

/** Unikraft's command line (append.ts): library parameters, then `--` only when there are some, then the app's arguments. */
export function appendLine(kernelArgs: string, args: string): string | undefined {
  const a = unikraftAppend(kernelArgs, args);
  return a.length ? a[1] : undefined;
}

/** The Unikraft version from the boot banner, for the log and the unikraft-version output. */
export function reportBanner(serialLog: string): AfterBoot {
  let head: string;
  try {
    const fd = fs.openSync(serialLog, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return {};
  }
  const v = parseUnikraftBanner(head.split('\n'));
  if (!v) return { lines: ['Unikraft version: no boot banner in the serial output (LIBUKBOOT_BANNER_NONE, or the guest printed nothing).'] };
  return { lines: [`Unikraft version (boot banner): ${describeUnikraftVersion(v)}`], outputs: { 'unikraft-version': describeUnikraftVersion(v) } };
}

export function explainUnikraftExit(status: number): string {
  if (status === 0) {
    return 'QEMU exited with status 0: the guest powered off through ACPI (how Unikraft releases without isa-debug-exit support halt, whatever main returned) or reset under -no-reboot';
  }
  if (status === HALT_STATUS)
    return `QEMU exited with status ${HALT_STATUS}: Unikraft halted (it wrote 41 to isa-debug-exit at 0x501), as it does whatever main returned`;
  if (status === CRASH_STATUS) return `QEMU exited with status ${CRASH_STATUS}: Unikraft crashed (it wrote 42 to isa-debug-exit at 0x501)`;
  return `QEMU exited with status ${status}`;
}

function plan(target: string, common: CommonInputs, own: Record<string, unknown>): TargetPlan {
  const i = unikraftInputs(own);
  const building = common.kernel === undefined;
  if (building && /\s/.test(common.workingDirectory)) {
    throw new InputError(
      'working-directory',
      `'${common.workingDirectory}' contains whitespace, which kraftld cannot handle`,
      'Move the crate to a path without spaces.',
    );
  }
  // Refuse a host KraftKit/Unikraft cannot build on, before anything is installed.
  const hostPackages = building ? unikraftHostPackages(process.arch) : [];
  const chosen = building ? kraftTarget(common, i.target) : undefined;
  // No warning when the Kraftfile lacks CONFIG_LIBPOSIX_TTY_STDIO: since lib-musl PR #85
  // (https://github.com/unikraft/lib-musl/pull/85) musl's stdio selects it by itself, so a Rust
  // (musl) app prints without it. The unikraft-tty-stdio input still adds it for older releases.
  const moving = chosen && movingVersionWarning(chosen.kraftfile.unikraftVersion, path.basename(chosen.kraftfile.path));
  const warnings = moving ? [{ title: 'Unikraft version not pinned', message: moving }] : [];
  const download =
    building && i.kraftkit.kind === 'release' ? [kraftkitAsset(i.kraftkit.version, process.arch, i.kraftkit.sha256, githubHosts(common.runnerEnv.vars))] : [];
  return {
    target,
    family: 'Unikraft (KraftKit, qemu/x86_64)',
    warnings,
    install: { apt: building ? [...BUILD_PACKAGES, ...hostPackages] : [], firmware: [], downloads: download },
    build: {
      buildStd: { crates: ['std', 'panic_abort'], features: [] },
      linksWithRustLld: false,
      env: chosen ? buildEnv(chosen.target) : {},
      beforeCargo: chosen ? beforeCargo(i, chosen, common.runnerEnv) : undefined,
    },
    boot: {
      kvmCapable: kvmCapable('x86_64'),
      qemu: {
        arch: 'x86_64',
        machine: 'pc',
        // kraft's choices for qemu/x86_64 (machine/qemu/v1alpha1.go), with RDRAND/RDSEED for Unikraft 0.17+.
        cpu: { kvm: 'host,+x2apic,-pmu', tcg: 'qemu64,+pdpe1gb,+rdrand,+rdseed,-vmx,-svm' },
        memory: '64M',
        console: 'serial',
        noMonitor: true,
        noReboot: true,
        // KraftKit's card for published ports (boot/network.ts).
        nic: NICS.virtioPci,
        devices: ['isa-debug-exit,iobase=0x501,iosize=0x02'],
        // A Multiboot image: QEMU passes the -kernel path as the first words of its command line (boot/multiboot.ts).
        ...plainMultibootPaths({ load: ({ kernel }) => ({ kernel }) }),
        append: appendLine(i.kernelArgs, i.args),
      },
      afterBoot: reportBanner,
      // 0.17's LIBUKRANDOM stops the boot without RDSEED, which QEMU's TCG lacks before 8.1 (verdict.ts).
      cpuNeeds: unikraftCpuNeeds,
    },
    verdict: {
      exitCodes: [0, HALT_STATUS],
      failOn: [RUST_PANIC, UNIKRAFT_CRASH, UNIKRAFT_CRIT, UKTEST_FAILED, MAIN_RETURNED_NONZERO],
      expect: [],
      explainExit: explainUnikraftExit,
      explainNoVerdict: explainUnikraftNoVerdict,
      expectRequired: `Unikraft powers off the same way whatever main returned (QEMU status 0, or ${HALT_STATUS} through isa-debug-exit), so only the serial output can prove the app worked: give the line(s) your app prints on success, e.g. expect: Hello, world!`,
    },
  };
}

export const unikraft: Family = {
  name: 'Unikraft (KraftKit, qemu/x86_64)',
  examples: ['x86_64-unikraft-linux-musl'],
  handles: (target) => target === 'x86_64-unikraft-linux-musl',
  inputs: UNIKRAFT_INPUTS,
  plan,
};
