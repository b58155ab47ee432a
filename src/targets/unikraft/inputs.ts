import { InputError } from '../../model/errors.js';
import { parseBool, parseSha256, type InputSpec } from '../../model/parse.js';
import { KRAFTKIT_DEFAULT_VERSION } from './kraftkit.js';

export type KraftkitChoice = { kind: 'system' } | { kind: 'release'; version: string; sha256?: string };

export interface UnikraftInputs {
  kraftkit: KraftkitChoice;
  /** The Kraftfile target to build (undefined: the only qemu/x86_64 one). */
  target?: string;
  ttyStdio: boolean;
  args: string;
  kernelArgs: string;
}

/** The inputs only x86_64-unikraft-linux-musl reads. */
export const UNIKRAFT_INPUTS: InputSpec[] = [
  { name: 'kraftkit', parse: (raw) => raw, buildKey: true },
  {
    name: 'kraftkit-sha256',
    buildKey: true,
    parse: (raw) =>
      parseSha256('kraftkit-sha256', raw, 'kraft_<version>_linux_<arch>.tar.gz, or leave it empty to use the digest GitHub publishes for the release asset'),
  },
  { name: 'unikraft-target', parse: (raw) => raw || undefined, buildKey: true },
  { name: 'unikraft-tty-stdio', parse: (raw) => parseBool('unikraft-tty-stdio', raw, false), buildKey: true },
  { name: 'unikraft-args', parse: (raw) => raw },
  { name: 'unikraft-kernel-args', parse: (raw) => raw },
];

export function unikraftInputs(own: Record<string, unknown>): UnikraftInputs {
  const raw = own.kraftkit as string;
  const sha = own['kraftkit-sha256'] as string | undefined;
  let kraftkit: KraftkitChoice;
  if (raw === 'system') {
    if (sha)
      throw new InputError(
        'kraftkit-sha256',
        'has nothing to check with kraftkit: system (nothing is downloaded)',
        'Remove it, or give a KraftKit version in kraftkit.',
      );
    kraftkit = { kind: 'system' };
  } else {
    const version = (raw || KRAFTKIT_DEFAULT_VERSION).replace(/^v/, '');
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      throw new InputError(
        'kraftkit',
        `'${raw}' is not a KraftKit version`,
        `Give a release version such as ${KRAFTKIT_DEFAULT_VERSION}, 'system' to use the kraft and kraftld already on PATH, or leave it empty for ${KRAFTKIT_DEFAULT_VERSION}.`,
      );
    }
    kraftkit = { kind: 'release', version, sha256: sha };
  }
  return {
    kraftkit,
    target: own['unikraft-target'] as string | undefined,
    ttyStdio: own['unikraft-tty-stdio'] as boolean,
    args: own['unikraft-args'] as string,
    kernelArgs: own['unikraft-kernel-args'] as string,
  };
}
