import { allowedRoots, insideWorkspace } from '../../model/paths.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../model/errors.js';
import { parseSha256, type InputSpec } from '../../model/parse.js';

/** A loader (or similar boot asset): a release version, a local file, or a URL with its checksum. */
export type LoaderSpec = { kind: 'version'; version: string } | { kind: 'path'; path: string } | { kind: 'url'; url: string; sha256: string };

export interface HermitInputs {
  /** hermit-loader and hermit-loader-sha256, as given (checked together by loaderSpec). */
  loader: string;
  loaderSha256?: string;
  hypervisor: 'qemu' | 'uhyve';
  /** `<kernel args> -- <app args>` for the Hermit kernel command line. */
  args: string;
  /** hermit-opensbi and hermit-opensbi-sha256, as given (checked together by opensbiSpec). */
  opensbi: string;
  opensbiSha256?: string;
}

/** The inputs only the Hermit targets read. */
export const HERMIT_INPUTS: InputSpec[] = [
  { name: 'hermit-loader', parse: (raw) => raw, buildKey: true },
  { name: 'hermit-loader-sha256', parse: (raw) => parseSha256('hermit-loader-sha256', raw, 'the file'), buildKey: true },
  { name: 'hermit-opensbi', parse: (raw) => raw, buildKey: true },
  { name: 'hermit-opensbi-sha256', parse: (raw) => parseSha256('hermit-opensbi-sha256', raw, 'the fw_jump.bin'), buildKey: true },
  {
    name: 'hypervisor',
    // Uhyve is built and cached as a tool.
    buildKey: true,
    parse: (raw) => {
      const h = (raw || 'qemu').toLowerCase();
      if (h !== 'qemu' && h !== 'uhyve') {
        throw new InputError(
          'hypervisor',
          `'${h}' is not a hypervisor this action runs`,
          'Use qemu (default) or uhyve (x86_64-unknown-hermit on a Linux host with KVM).',
        );
      }
      return h;
    },
  },
  {
    name: 'hermit-args',
    parse: (raw) => {
      const args = raw.replace(/\r?\n/g, ' ').trim();
      if (/['"]/.test(args))
        throw new InputError(
          'hermit-args',
          'contains quotes, which the Hermit kernel command line does not group by',
          'Give words separated by spaces: `<kernel args> -- <app args>`.',
        );
      return args;
    },
  },
];

export function hermitInputs(own: Record<string, unknown>): HermitInputs {
  return {
    loader: own['hermit-loader'] as string,
    loaderSha256: own['hermit-loader-sha256'] as string | undefined,
    hypervisor: own.hypervisor as HermitInputs['hypervisor'],
    args: own['hermit-args'] as string,
    opensbi: (own['hermit-opensbi'] as string | undefined) ?? '',
    opensbiSha256: own['hermit-opensbi-sha256'] as string | undefined,
  };
}

/**
 * hermit-loader: `0.5.7` / `v0.5.7`, a local path, or an https URL (then hermit-loader-sha256 is required).
 * `vars` is the runner's environment: a path may also lead under its RUNNER_TEMP.
 */
export function loaderSpec(raw: string, sha: string | undefined, workspace: string, vars: NodeJS.ProcessEnv): LoaderSpec | undefined {
  if (raw === '') {
    if (sha)
      throw new InputError('hermit-loader-sha256', 'is set without hermit-loader', 'Set hermit-loader to the URL the checksum belongs to, or remove it.');
    return undefined;
  }
  if (/^v?\d+\.\d+\.\d+(-[\w.]+)?$/.test(raw)) {
    if (sha)
      throw new InputError(
        'hermit-loader-sha256',
        'is only for a URL in hermit-loader',
        'A release version is checked against the sha256 digest GitHub publishes for the asset; remove hermit-loader-sha256.',
      );
    return { kind: 'version', version: raw.replace(/^v/, '') };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    if (!/^https?:\/\//i.test(raw))
      throw new InputError(
        'hermit-loader',
        `'${raw}' is not an http(s) URL`,
        'Give a release version (0.5.7), a file path, or an https URL with hermit-loader-sha256.',
      );
    if (!sha)
      throw new InputError(
        'hermit-loader-sha256',
        `is required when hermit-loader is a URL (${raw})`,
        'Give the 64 hex digits of the file, so a changed or corrupted download is refused.',
      );
    return { kind: 'url', url: raw, sha256: sha };
  }
  const file = insideWorkspace('hermit-loader', raw, path.resolve(workspace, raw), allowedRoots(workspace, vars));
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new InputError(
      'hermit-loader',
      `'${raw}' is neither a version (like 0.5.7), nor a URL, nor a file (looked at ${file})`,
      'Give a release version of hermit-os/loader, the path of a loader file relative to the workspace, or an https URL with hermit-loader-sha256.',
    );
  }
  if (sha) throw new InputError('hermit-loader-sha256', 'is only for a URL in hermit-loader', 'A local file is used as it is; remove hermit-loader-sha256.');
  return { kind: 'path', path: file };
}
