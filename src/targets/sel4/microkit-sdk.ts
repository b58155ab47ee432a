import * as path from 'node:path';
import { ActionError } from '../../model/errors.js';
import type { Asset, ReleaseHosts } from '../../install/download.js';

/** The tool-cache name of the SDK archive (BootContext.assets key) and of its unpacked folder. */
export const MICROKIT_SDK_TOOL = 'microkit-sdk';
export const MICROKIT_SDK_DIR_TOOL = 'microkit-sdk-unpacked';

/**
 * The SDK's host name for this runner's CPU. Microkit publishes linux-x86-64 and linux-aarch64
 * (and macOS) SDKs (https://github.com/seL4/microkit/blob/2.3.0/build_sdk.py, SUPPORTED_HOST_TARGETS).
 */
export function sdkHost(nodeArch: string): string {
  if (nodeArch === 'x64') return 'linux-x86-64';
  if (nodeArch === 'arm64') return 'linux-aarch64';
  throw new ActionError(
    `Microkit publishes SDKs for x86-64 and aarch64 Linux hosts only; this runner is ${nodeArch}. Unpack an SDK yourself and give its folder as microkit-sdk.`,
  );
}

export const sdkArchiveName = (version: string, nodeArch: string) => `microkit-sdk-${version}-${sdkHost(nodeArch)}.tar.gz`;

/**
 * A Microkit SDK release asset, in install/download.ts's Asset shape. Microkit's tags have no "v"
 * (https://github.com/seL4/microkit/releases/tag/2.3.0; rust-microkit-demo's Dockerfile downloads
 * https://github.com/seL4/microkit/releases/download/2.1.0/microkit-sdk-2.1.0-linux-x86-64.tar.gz),
 * so githubReleaseAsset (tag v<version>) does not fit; the archive is checked against the sha256
 * given, else the digest GitHub publishes for it.
 */
export function microkitSdkAsset(version: string, nodeArch: string, sha256: string | undefined, hosts: ReleaseHosts): Asset {
  const fileName = sdkArchiveName(version, nodeArch);
  return {
    tool: MICROKIT_SDK_TOOL,
    version,
    url: `${hosts.download.replace(/\/$/, '')}/seL4/microkit/releases/download/${version}/${fileName}`,
    fileName,
    sha256: sha256 || { githubRelease: { api: hosts.api, owner: 'seL4', repo: 'microkit', tag: version, asset: fileName } },
  };
}

/**
 * The archive holds one folder, microkit-sdk-<version>/ (build_sdk.py adds it with that arcname),
 * with bin/microkit and board/<board>/<config>/{include,lib,elf,platform_gen.json}.
 */
export const sdkRoot = (unpacked: string, version: string) => path.join(unpacked, `microkit-sdk-${version}`);

/** Files that must be in the unpacked archive (relative to the unpacked folder), for extractTarAsset. */
export const sdkRequiredFiles = (version: string) => [`microkit-sdk-${version}/bin/microkit`];

/**
 * What a board/config of the SDK must have for the build and the boot: the libsel4 headers, and
 * on non-x86 boards platform_gen.json ("only non-x86 platforms have this file to describe memory
 * regions": https://github.com/seL4/microkit/blob/2.3.0/build_sdk.py).
 */
export const sdkBoardFiles = (board: string, config: string) => [
  `board/${board}/${config}/include`,
  ...(board.startsWith('x86_64') ? [] : [`board/${board}/${config}/platform_gen.json`]),
];
