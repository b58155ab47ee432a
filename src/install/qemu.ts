import * as core from '@actions/core';
import * as io from '@actions/io';
import { ActionError } from '../errors.js';
import { aptInstall } from './apt.js';
import { capture } from './run.js';

export interface QemuInstall {
  /** Absolute path of the QEMU binary. */
  path: string;
  version: string;
  installed: boolean;
}

/** Uses the QEMU on PATH if there is one, otherwise installs the package that ships it. */
export async function ensureQemu(binary: string, aptPackage: string): Promise<QemuInstall> {
  let found = await io.which(binary, false);
  let installed = false;
  if (!found) {
    await aptInstall([aptPackage], `booting with ${binary}`);
    installed = true;
    found = await io.which(binary, false);
    if (!found) throw new ActionError(`${aptPackage} was installed but ${binary} is still not on PATH.`);
  }
  const v = await capture(found, ['--version']);
  const version = v.stdout.split('\n')[0]?.trim() || 'unknown version';
  core.info(`QEMU: ${found} (${version})${installed ? ', installed now' : ''}`);
  return { path: found, version, installed };
}
