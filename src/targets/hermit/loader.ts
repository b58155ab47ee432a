import * as path from 'node:path';
import { githubReleaseAsset, type Asset, type ReleaseHosts } from '../../install/download.js';
import type { LoaderSpec } from './inputs.js';
import { atLeast } from '../../model/version.js';

/** The loader release the action boots with unless hermit-loader says otherwise. */
export const DEFAULT_LOADER_VERSION = '0.5.7';

export type HermitArch = 'x86_64' | 'aarch64' | 'riscv64';

/**
 * The release asset name of the loader for an architecture. hermit-os/loader v0.5.7 renamed them
 * (hermit-loader-x86_64 -> hermit-loader-x86_64-multiboot, -aarch64 -> -aarch64-elf, -riscv64 -> -riscv64-sbi).
 */
export function loaderAssetName(arch: HermitArch, version: string): string {
  if (!atLeast(version, [0, 5, 7])) return `hermit-loader-${arch}`;
  return { x86_64: 'hermit-loader-x86_64-multiboot', aarch64: 'hermit-loader-aarch64-elf', riscv64: 'hermit-loader-riscv64-sbi' }[arch];
}

/** The tool-cache name of the loader for an arch (BootContext.assets key). */
export const loaderTool = (arch: HermitArch) => `hermit-loader-${arch}`;

/**
 * The download for a loader: a hermit-os/loader release (checked against the sha256 digest GitHub
 * publishes for the asset), or a URL with its sha256. A local path needs no download (undefined).
 */
export function loaderAsset(arch: HermitArch, spec: LoaderSpec | undefined, hosts: ReleaseHosts): Asset | undefined {
  const s = spec ?? { kind: 'version', version: DEFAULT_LOADER_VERSION };
  if (s.kind === 'path') return undefined;
  if (s.kind === 'url') {
    const fileName = path.posix.basename(new URL(s.url).pathname) || loaderTool(arch);
    // A URL's content is identified by its checksum: cache it under that, so two URLs never share an entry.
    return { tool: loaderTool(arch), version: `0.0.0-sha256.${s.sha256.slice(0, 16)}`, url: s.url, fileName, sha256: s.sha256 };
  }
  return githubReleaseAsset(
    { tool: loaderTool(arch), owner: 'hermit-os', repo: 'loader', version: s.version, fileName: loaderAssetName(arch, s.version) },
    hosts,
  );
}
