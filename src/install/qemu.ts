import * as core from '@actions/core';
import * as io from '@actions/io';
import { InfraError } from '../model/errors.js';
import { aptInstall } from './apt.js';
import { capture } from '../proc/run.js';
import { resolveQemuPackage } from './qemu-package.js'; // issue 14
import * as fs from 'node:fs';

/** A firmware file the default boot needs, and the Debian/Ubuntu package that ships it. */
export interface Firmware {
  path: string;
  aptPackage: string;
}

export interface QemuInstall {
  /** Absolute path of the QEMU binary. */
  path: string;
  /** `--version`'s first line, when asked for; asked in the background while the toolchain is checked. */
  version?: Promise<string>;
  installed: boolean;
}

/**
 * Uses the QEMU on PATH if there is one, otherwise installs the package that ships it: the one apt
 * says provides the binary on this distribution (qemu-package.ts), `aptPackage` when apt cannot say.
 */
export async function ensureQemu(binary: string, fallbackPackage: string, askVersion = true): Promise<QemuInstall> {
  let found = await io.which(binary, false);
  let installed = false;
  if (!found) {
    const choice = await resolveQemuPackage(binary, fallbackPackage, async (name) => (await capture('apt-cache', ['showpkg', name])).stdout);
    const aptPackage = choice.package;
    core.info(`${binary}: installing ${aptPackage} (${choice.why})`);
    await aptInstall([aptPackage], `booting with ${binary}`);
    installed = true;
    found = await io.which(binary, false);
    if (!found) throw new InfraError(`${aptPackage} was installed but ${binary} is still not on PATH.`, 'install');
  }
  const version = askVersion
    ? capture(found, ['--version']).then(
        (v) => v.stdout.split('\n')[0]?.trim() || 'unknown version',
        () => 'unknown version',
      )
    : undefined;
  return { path: found, version, installed };
}

/**
 * The version number in QEMU's `--version` line (`QEMU emulator version 7.2.19 (Debian
 * 1:7.2+dfsg-7+deb12u16)` gives 7.2.19), for the qemu-version output; undefined when the line has
 * none (the probe failed).
 */
export function qemuVersionNumber(line: string): string | undefined {
  return /\bversion\s+v?(\d+\.\d+(?:\.\d+)?\S*)/i.exec(line)?.[1];
}

/** Installs the packages of the firmware files the boot needs that are missing. */
export async function ensureFirmware(files: Firmware[]): Promise<void> {
  const missing = files.filter((f) => !fs.existsSync(f.path));
  if (missing.length === 0) {
    if (files.length) core.info(`Firmware: ${files.map((f) => f.path).join(', ')}`);
    return;
  }
  await aptInstall([...new Set(missing.map((f) => f.aptPackage))], `firmware ${missing.map((f) => f.path).join(', ')}`);
  const still = missing.filter((f) => !fs.existsSync(f.path));
  if (still.length) {
    throw new InfraError(
      `Firmware ${still.map((f) => `${f.path} (package ${f.aptPackage})`).join(', ')} is still missing after installing its package. Install it before this step, or boot with your own command (runner input).`,
      'install',
    );
  }
  core.info(`Firmware: ${files.map((f) => f.path).join(', ')} (installed now)`);
}
