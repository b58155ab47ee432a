import * as path from 'node:path';
import type { ReleaseHosts } from '../../install/download.js';
import { InputError } from '../../model/errors.js';
import {
  addPayload,
  kernelBuildApt,
  kernelLoaderInstall,
  kernelToElf32,
  microkitCommand,
  microkitEnv,
  microkitOutputs,
  pyfdtInstall,
  rootTaskEnv,
  RUST_BUILD_APT,
  unstableOptionsConfig,
} from './build.js';
import { kernelBuildPlan, kernelCacheKey, kernelSettings, knownSel4Source, type Sel4Source } from './kernel-build.js';
import type { KernelLoaderSpec, MicrokitSdkSpec } from './inputs.js';
import { MICROKIT_SDK_DIR_TOOL, microkitSdkAsset, sdkRoot } from './microkit-sdk.js';
import { HEADLESS, microkitQemu, qemuArgv, rootTaskQemu } from './qemu.js';
import { ENTRY_STUB } from './riscv-entry.js';
import { ARCH, type Sel4Target } from './targets.js';
import type { VersionChoice } from './versions.js';

// What a seL4 run does, step by step, as data: the dry-run plan of either route, with every
// command line in order. Pure: paths are where things would be; nothing is read or run.

export interface Sel4Plan {
  route: 'root-task' | 'microkit';
  target: string;
  versions: string;
  apt: string[];
  steps: { what: string; argv?: string[]; env?: Record<string, string> }[];
  cargo: { config: string[]; env: Record<string, string> };
  qemu: string[];
}

export interface RootTaskPlanRequest {
  target: Sel4Target;
  versions: VersionChoice;
  /** sel4-prefix, when given: no kernel build. */
  prefix?: string;
  /** sel4-version, when given. */
  sel4Version?: Sel4Source;
  /** sel4-config, parsed. */
  sel4Config: Record<string, string>;
  loader: KernelLoaderSpec;
  /** The crate's build.rustflags (carried into the --config). */
  buildRustflags: string[];
  /** -m in MiB the kernel is built for (from the prefix, or QEMU_MEMORY / seL4's default for a build). */
  memoryMiB?: number;
  qemuVersion: string;
  /** A scratch folder (RUNNER_TEMP) and where the tool cache is. */
  work: string;
  toolCache: string;
  /** process.arch (the tool cache's folder per host arch). */
  nodeArch: string;
  /** The root task cargo builds (target/<triple>/<profile>/<name>.elf). */
  app: string;
}

/** seL4's default QEMU_MEMORY on the virt machines (see kernel-facts.ts), for a kernel the action builds. */
const DEFAULT_QEMU_MEMORY: Record<string, number> = { aarch64: 1024, riscv64: 3072 };

export function rootTaskPlan(r: RootTaskPlanRequest): Sel4Plan {
  const arch = r.target.arch;
  const a = ARCH[arch];
  const steps: Sel4Plan['steps'] = [];
  const apt = [...RUST_BUILD_APT];
  let prefix = r.prefix;
  let memory = r.memoryMiB;
  if (!prefix) {
    const source = r.sel4Version ?? knownSel4Source(r.versions.release.sel4)!;
    const settings = kernelSettings(arch, r.sel4Config);
    const req = { arch, source, settings, qemuVersion: r.qemuVersion };
    const key = kernelCacheKey(req);
    prefix = path.join(r.toolCache, key.tool, key.version, r.nodeArch);
    apt.push(...kernelBuildApt(arch));
    const pyfdt = path.join(r.work, 'pyfdt');
    steps.push({ what: "pyfdt for seL4's hardware tools (PyPI only)", argv: pyfdtInstall(pyfdt) });
    for (const argv of kernelBuildPlan(req, path.join(r.work, 'sel4-kernel'), prefix)) {
      steps.push({ what: `seL4 ${source.tag} kernel (tool cache ${key.tool} ${key.version})`, argv, env: { PYTHONPATH: pyfdt } });
    }
    memory ??= settings.QEMU_MEMORY ? Number(settings.QEMU_MEMORY) : DEFAULT_QEMU_MEMORY[arch];
  }
  let image = r.app;
  let kernel32: string | undefined;
  if (a.loaderTarget) {
    const root = r.loader.kind === 'path' ? r.loader.root : path.join(r.work, 'sel4-kernel-loader');
    if (r.loader.kind === 'cargo-install') {
      if (!r.versions.rev)
        throw new InputError(
          'sel4-kernel-loader',
          "is not set, and the kernel loader is installed at the crate's rust-sel4 revision, which is unknown (rust-sel4 is a path dependency)",
          'Give sel4-kernel-loader: the --root of your own cargo install of sel4-kernel-loader and sel4-kernel-loader-add-payload, built for this kernel.',
        );
      for (const c of kernelLoaderInstall(arch, r.versions.rev, prefix, root))
        steps.push({ what: 'rust-sel4 kernel loader', argv: ['cargo', ...c.args], env: c.env });
    }
    image = path.join(r.work, 'image.elf');
    steps.push({ what: 'cargo build (below), then the image: loader + kernel + root task', argv: addPayload(root, prefix, r.app, image) });
  } else {
    kernel32 = path.join(r.work, 'kernel32.elf');
    steps.push({ what: "the kernel as elf32 for QEMU's -kernel", argv: kernelToElf32(path.join(prefix, 'bin', 'kernel.elf'), kernel32) });
  }
  if (!apt.includes(a.qemuApt)) apt.push(a.qemuApt);
  return {
    route: 'root-task',
    target: r.target.triple,
    versions: r.versions.note,
    apt,
    steps,
    cargo: { config: unstableOptionsConfig(r.target.triple, r.buildRustflags), env: rootTaskEnv(prefix) },
    qemu: qemuArgv(
      rootTaskQemu({ arch, image, kernel32, memoryMiB: memory, entryStub: arch === 'riscv64' ? path.join(r.work, ENTRY_STUB) : undefined }),
      HEADLESS,
    ),
  };
}

export interface MicrokitPlanRequest {
  target: Sel4Target;
  versions: VersionChoice;
  sdk?: MicrokitSdkSpec;
  board: string;
  config: string;
  system: string;
  buildRustflags: string[];
  /** -m in MiB from the board's platform_gen.json (2048 for the QEMU boards of 2.1.0-2.3.0). */
  memoryMiB?: number;
  work: string;
  toolCache: string;
  nodeArch: string;
  /** Where GitHub's releases are, as the runner reaches them (githubHosts). */
  hosts: ReleaseHosts;
  /** Folders cargo wrote the protection domains to. */
  searchPaths: string[];
}

export function microkitPlan(r: MicrokitPlanRequest): Sel4Plan {
  const arch = r.target.arch;
  const version = r.sdk?.kind === 'version' ? r.sdk.version : r.versions.release.microkit;
  const steps: Sel4Plan['steps'] = [];
  let sdk: string;
  if (r.sdk?.kind === 'path') {
    sdk = r.sdk.path;
  } else {
    const asset =
      r.sdk?.kind === 'url'
        ? { url: r.sdk.url, checksum: `sha256 ${r.sdk.sha256}` }
        : (() => {
            const x = microkitSdkAsset(version, r.nodeArch, r.sdk?.kind === 'version' ? r.sdk.sha256 : undefined, r.hosts);
            return { url: x.url, checksum: typeof x.sha256 === 'string' ? `sha256 ${x.sha256}` : 'sha256 published by GitHub' };
          })();
    steps.push({ what: `Microkit SDK ${version}: download ${asset.url} (${asset.checksum}), unpack, tool-cache` });
    sdk = sdkRoot(path.join(r.toolCache, MICROKIT_SDK_DIR_TOOL, version, r.nodeArch), version);
  }
  const out = path.join(r.work, 'microkit');
  steps.push({ what: 'cargo build (below), then the system image', argv: microkitCommand(sdk, r.system, r.searchPaths, r.board, r.config, out) });
  const o = microkitOutputs(out, r.board);
  const apt = [...RUST_BUILD_APT, ARCH[arch].qemuApt];
  return {
    route: 'microkit',
    target: r.target.triple,
    versions: r.versions.note,
    apt,
    steps,
    cargo: { config: unstableOptionsConfig(r.target.triple, r.buildRustflags), env: microkitEnv(sdk, r.board, r.config) },
    qemu: qemuArgv(microkitQemu({ board: r.board, image: o.image, kernel32: o.kernel32, memoryMiB: r.memoryMiB }), HEADLESS),
  };
}
