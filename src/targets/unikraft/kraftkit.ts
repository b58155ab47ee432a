import { githubReleaseAsset, type Asset, type ReleaseHosts } from '../../install/download.js';
import { ActionError } from '../../model/errors.js';

/**
 * KraftKit release archives (unikraft/kraftkit .goreleaser-stable.yaml: archive name_template
 * `kraft_{{ .Version }}_{{ .Os }}_{{ .Arch }}`, tar.gz, holding `kraft` and `scripts/kraftld`
 * with its parent stripped), published at github.com/unikraft/kraftkit/releases/download/v<ver>/.
 */

/**
 * The KraftKit version used when the kraftkit input is empty: the newest release (v0.12.16,
 * 2026-09-09, https://github.com/unikraft/kraftkit/releases). The one place it is written; the
 * Unikraft guide (docs/unikraft.md) and action.yml repeat it, and test/unit/targets/unikraft/layouts.test.ts checks they agree.
 */
export const KRAFTKIT_DEFAULT_VERSION = '0.12.16';

/** Tool-cache name of the downloaded archive, and of the folder it is unpacked into. */
export const KRAFTKIT_ARCHIVE_TOOL = 'kraftkit-archive';
export const KRAFTKIT_TOOL = 'kraftkit';

/** The files the build needs from the archive. */
export const KRAFTKIT_FILES = ['kraft', 'kraftld'];

/** Go's name for the host architecture, as KraftKit's archives use it. */
export function goArch(nodeArch: string): 'amd64' | 'arm64' {
  if (nodeArch === 'x64') return 'amd64';
  if (nodeArch === 'arm64') return 'arm64';
  throw new ActionError(
    `KraftKit publishes Linux archives for amd64 and arm64 only; this runner is ${nodeArch}. Install kraft and kraftld yourself and set kraftkit: system.`,
  );
}

/** The release archive to download, checked against `sha256` if given, else against GitHub's published digest. */
export function kraftkitAsset(version: string, nodeArch: string, sha256: string | undefined, hosts: ReleaseHosts): Asset {
  const fileName = `kraft_${version}_linux_${goArch(nodeArch)}.tar.gz`;
  // goreleaser's checksums file, published with every release: the fallback when GitHub's API cannot be reached.
  return githubReleaseAsset(
    { tool: KRAFTKIT_ARCHIVE_TOOL, owner: 'unikraft', repo: 'kraftkit', version, fileName, sha256, checksumsFile: `kraftkit_${version}_checksums.txt` },
    hosts,
  );
}
