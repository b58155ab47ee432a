import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractTarAsset, githubHosts, type Asset } from '../../install/download.js';
import type { InputSpec } from '../../model/parse.js';
import { ActionError, InputError } from '../../model/errors.js';
import { toolCacheOf } from '../common.js';
import type { BeforeCargo, CommonInputs, Family, QemuBoot, TargetPlan } from '../contract.js';
import { buildRustflags, kernelBuildApt, microkitEnv, rootTaskEnv, RUST_BUILD_APT, unstableOptionsConfig } from './build.js';
import { buildKernel, kernelSettings, knownSel4Source, parseSel4Config, parseSel4Version } from './kernel-build.js';
import { chooseMemory, memoryMiB, parsePlatformGen, qemuArgsMemory, readPrefix, type MemorySource } from './kernel-facts.js';
import { parseKernelLoader, parseMicrokitBoard, parseMicrokitConfig, parseMicrokitSdk, parseMicrokitSystem, parseSel4Prefix, SEL4_INPUTS } from './inputs.js';
import { MICROKIT_SDK_DIR_TOOL, MICROKIT_SDK_TOOL, microkitSdkAsset, sdkBoardFiles, sdkRequiredFiles, sdkRoot } from './microkit-sdk.js';
import { microkitPlan, rootTaskPlan, type Sel4Plan } from './plan.js';
import { assembleMicrokit, assembleRootTask, assembleRootTaskSync, ensureKernel32, installKernelLoader, installPyfdt, qemuVersion } from './prepare.js';
import { microkitQemu, rootTaskQemu, toQemuBoot } from './qemu.js';
import { ENTRY_STUB, needsEntryStub, planEntry, prepareEntry } from './riscv-entry.js';
import { ARCH, chooseRoute, isSel4Triple, parseSel4Target, type RouteInputs, type Sel4Target } from './targets.js';
import { DEFAULT_FAIL_ON, EXPECT_WHEN_NONE, explainExit, explainNoVerdict, SUCCESS_EXIT_CODES } from './verdict.js';
import { NEWEST, versionsFromCargoLock, versionsFromManifest, type VersionChoice } from './versions.js';

/**
 * seL4 with Rust through rust-sel4 (https://github.com/seL4/rust-sel4), on two routes: a root task
 * (the kernel from sel4-prefix or built from a release tag, rust-sel4's kernel loader around it)
 * or a Microkit system (the Microkit SDK's tool packs the protection domains). The old
 * CAmkES/cargo integration is not supported upstream any more and is not offered.
 */

/**
 * The family's inputs: read raw here, parsed in plan() (paths start at the workspace or the crate).
 * Every one of them changes the kernel, the loader or the system image the build makes: all are
 * part of the build cache's key.
 */
export const SEL4_INPUT_SPECS: InputSpec[] = SEL4_INPUTS.map((name) => ({ name, parse: (raw: string) => raw, buildKey: true }));

/** The folder and its parents, deepest first. */
function upwards(dir: string): string[] {
  const out = [dir];
  while (path.dirname(out[out.length - 1]) !== out[out.length - 1]) out.push(path.dirname(out[out.length - 1]));
  return out;
}

/**
 * The rust-sel4 revision the crate builds with: from the nearest Cargo.lock, else the manifest's
 * git dependency, else the newest pairing (said so in the plan).
 */
export function readVersions(cwd: string): VersionChoice {
  for (const dir of upwards(cwd)) {
    const lock = path.join(dir, 'Cargo.lock');
    if (fs.existsSync(lock)) {
      const v = versionsFromCargoLock(fs.readFileSync(lock, 'utf8'), lock);
      if (v) return v;
      break;
    }
  }
  const manifest = path.join(cwd, 'Cargo.toml');
  const v = fs.existsSync(manifest) ? versionsFromManifest(fs.readFileSync(manifest, 'utf8'), manifest) : undefined;
  return (
    v ?? {
      release: NEWEST,
      known: false,
      note: `No rust-sel4 dependency found in ${cwd} (Cargo.lock or Cargo.toml); using the newest pairing, ${NEWEST.tag}: seL4 ${NEWEST.sel4}, Microkit ${NEWEST.microkit}.`,
    }
  );
}

/**
 * build.rustflags from the cargo config files cargo reads for this folder, lowest precedence
 * first ($CARGO_HOME/config.toml, then from the root down to the crate:
 * https://doc.rust-lang.org/cargo/reference/config.html#hierarchical-structure), so the
 * --config that adds -Zunstable-options can carry them (cargo drops build.rustflags when
 * target.<t>.rustflags is set).
 */
export function crateRustflags(cwd: string, home: string): string[] {
  const files = [
    path.join(home, 'config.toml'),
    ...upwards(cwd)
      .reverse()
      .flatMap((d) => [path.join(d, '.cargo', 'config'), path.join(d, '.cargo', 'config.toml')]),
  ];
  const seen = new Set<string>();
  const texts = files.filter((f) => fs.existsSync(f) && !seen.has(fs.realpathSync(f)) && seen.add(fs.realpathSync(f))).map((f) => fs.readFileSync(f, 'utf8'));
  return buildRustflags(texts);
}

/** seL4's default QEMU_MEMORY on QEMU's virt machines, when no prefix says otherwise (kernel-facts.ts). */
const DEFAULT_MEMORY: Record<string, number> = { aarch64: 1024, riscv64: 3072 };
/** Microkit's QEMU boards are built for 2 GiB (platform_gen.json of 2.1.0-2.3.0). */
const MICROKIT_MEMORY = 2048;

/** Where kernels and loaders are kept: the runner's tool cache, else a folder in the scratch space. */
/** A placeholder for the dry run's plan (the real path is known when cargo has built). */
const BUILT = (what: string) => `<${what} cargo builds>`;

const run = (argv: string[]) => execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });

const planOf = (p: Sel4Plan) => ({
  route: p.route,
  versions: p.versions,
  apt: p.apt,
  steps: p.steps.map((s) => ({ ...s, ...(s.argv ? { argv: s.argv.join(' ') } : {}) })),
  cargo: p.cargo,
});

/** The image the action boots is fixed in memory at build time: set the plan's -m and check the memory input against it. */
function setMemory(qemu: QemuBoot, builtMiB: number | undefined, common: CommonInputs, source: string | MemorySource): void {
  chooseMemory(builtMiB, common.memory, source, common.qemuArgs);
  if (builtMiB !== undefined) qemu.memory = `${builtMiB}M`;
}

/** Where seL4 sets QEMU_MEMORY's default for each virt platform (1024 MiB on Arm, 3072 on riscv64). */
const QEMU_MEMORY_DEFAULT_URL: Record<string, string> = {
  aarch64: 'https://github.com/seL4/seL4/blob/16.0.0/src/plat/qemu-arm-virt/config.cmake',
  riscv64: 'https://github.com/seL4/seL4/blob/16.0.0/src/plat/qemu-riscv-virt/config.cmake',
};

function rootTask(t: Sel4Target, common: CommonInputs, raw: RouteInputs, rustflags: string[], versions: VersionChoice): TargetPlan {
  const cargoConfig = unstableOptionsConfig(t.triple, rustflags);
  const arch = t.arch;
  const a = ARCH[arch];
  const prefixIn = parseSel4Prefix(raw['sel4-prefix'] ?? '', common.workspace);
  const version = parseSel4Version(raw['sel4-version'] ?? '');
  const config = parseSel4Config(raw['sel4-config'] ?? '');
  const loader = parseKernelLoader(raw['sel4-kernel-loader'] ?? '', common.workspace);
  if (prefixIn && (version || Object.keys(config).length)) {
    throw new InputError(
      version ? 'sel4-version' : 'sel4-config',
      'is set, and so is sel4-prefix (an installed kernel, which the action does not build)',
      'Remove it, or remove sel4-prefix to have the kernel built with these settings.',
    );
  }
  if (common.kernel && arch === 'x86_64' && !prefixIn) {
    throw new InputError(
      'sel4-prefix',
      `is not set, and kernel is given for ${t.triple}: on x86_64 the kernel input is the root task, and QEMU boots the seL4 kernel from sel4-prefix (bin/kernel.elf) as -kernel`,
      'Give sel4-prefix, the install prefix of the seL4 kernel the root task was built for.',
    );
  }
  // kernel + sel4-kernel-loader (a path): the kernel input is a prebuilt root task, and the action
  // assembles the image from it, the prefix's kernel and that loader (as after a cargo build).
  const assembleAtBoot = !!common.kernel && loader.kind === 'path' && !!a.loaderTarget;
  if (common.kernel && loader.kind === 'path' && !a.loaderTarget) {
    throw new InputError(
      'sel4-kernel-loader',
      `is set for ${t.triple}, which boots without rust-sel4's kernel loader (QEMU loads the kernel from sel4-prefix and the root task as -initrd)`,
      'Remove sel4-kernel-loader.',
    );
  }
  if (assembleAtBoot && !prefixIn) {
    throw new InputError(
      'sel4-prefix',
      'is not set, and kernel and sel4-kernel-loader are given: the kernel input is then a root task, and the image is assembled from it, the seL4 kernel in sel4-prefix and the loader',
      'Give sel4-prefix, the install prefix of the seL4 kernel the root task and the loader were built for; or remove sel4-kernel-loader to boot kernel as a finished image.',
    );
  }
  const facts = prefixIn ? readPrefix(prefixIn, arch, t.needsFpu) : undefined;
  const settings = prefixIn ? undefined : kernelSettings(arch, config);
  const source = version ?? knownSel4Source(versions.release.sel4)!;
  const builtMiB = facts ? facts.memoryMiB : arch === 'x86_64' ? undefined : settings?.QEMU_MEMORY ? Number(settings.QEMU_MEMORY) : DEFAULT_MEMORY[arch];
  const defaultSource = `seL4's default QEMU_MEMORY for ${a.kernelPlatform} (${QEMU_MEMORY_DEFAULT_URL[arch]})`;
  // A prebuilt image without sel4-prefix: nothing tells the size it was built for, so seL4's default is assumed (and said so).
  const memorySource: MemorySource = facts?.platformFile
    ? { source: facts.platformFile }
    : settings?.QEMU_MEMORY
      ? { source: 'sel4-config QEMU_MEMORY' }
      : common.kernel
        ? { source: defaultSource, assumed: true }
        : { source: `the kernel the action builds, with ${defaultSource}` };
  const notes =
    memorySource.assumed && builtMiB !== undefined && !common.memory && qemuArgsMemory(common.qemuArgs) === undefined
      ? [
          `QEMU -m ${builtMiB}M: ${defaultSource}, assumed since no sel4-prefix says what the kernel was built for (give sel4-prefix, or memory, if it was built for another size).`,
        ]
      : [];
  const smp = settings?.KernelMaxNumNodes
    ? Number(settings.KernelMaxNumNodes)
    : facts && typeof facts.genConfig.MAX_NUM_NODES === 'string'
      ? Number(facts.genConfig.MAX_NUM_NODES)
      : undefined;

  // Set by the before-cargo step when the action builds the kernel.
  const state: { prefix?: string; loaderRoot?: string } = { prefix: prefixIn };
  const kernel32 = (workDir: string) => path.join(workDir, 'kernel32.elf');
  // riscv64: QEMU's virt board starts a -kernel at its lowest address, not its entry point: an
  // image whose entry lies higher (every image add-payload writes) boots through a jump stub.
  // An ELF image that cannot boot that way is refused before anything is installed (anything else is
  // checked right before QEMU starts: a runner input may boot what QEMU could not).
  if (common.kernel && !assembleAtBoot && arch === 'riscv64' && fs.existsSync(common.kernel)) {
    const bytes = fs.readFileSync(common.kernel);
    if (bytes.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1'))) planEntry(common.kernel, bytes);
  }
  const entryStub = (image: string, workDir: string) => (arch === 'riscv64' && needsEntryStub(image) ? path.join(workDir, ENTRY_STUB) : undefined);
  // The image QEMU boots: the one assembled at boot from a prebuilt root task, else the kernel input or cargo's assembled image.
  const bootImage = (kernel: string, workDir: string) => (assembleAtBoot ? path.join(workDir, 'image.elf') : kernel);
  const qemu = toQemuBoot(
    arch,
    (kernel, workDir) => {
      const image = bootImage(kernel, workDir);
      return rootTaskQemu({
        arch,
        image,
        kernel32: arch === 'x86_64' ? kernel32(workDir) : undefined,
        memoryMiB: builtMiB,
        smp,
        entryStub: entryStub(image, workDir),
      });
    },
    arch === 'x86_64'
      ? (ctx) => ensureKernel32(path.join(state.prefix!, 'bin', 'kernel.elf'), kernel32(ctx.workDir), run)
      : (ctx) => {
          const image = bootImage(ctx.kernel, ctx.workDir);
          if (assembleAtBoot) assembleRootTaskSync(ctx.kernel, (loader as { root: string }).root, state.prefix!, image);
          if (arch === 'riscv64') prepareEntry(image, path.join(ctx.workDir, ENTRY_STUB));
        },
  );
  setMemory(qemu, builtMiB, common, memorySource);

  const planRequest = async (cargoApp: string, work: string) => ({
    target: t,
    versions,
    prefix: prefixIn,
    sel4Version: version,
    sel4Config: config,
    loader,
    buildRustflags: rustflags,
    memoryMiB: builtMiB,
    qemuVersion: await qemuVersion(a.qemuBinary),
    work,
    toolCache: toolCacheOf(common),
    nodeArch: process.arch,
    app: cargoApp,
  });
  const beforeCargo: BeforeCargo = {
    describe: async () => planOf(rootTaskPlan(await planRequest(BUILT('the root task'), '<scratch>'))),
    run: async (cargo, _assets, log) => {
      if (!state.prefix) {
        const req = { arch, source, settings: settings!, qemuVersion: await qemuVersion(a.qemuBinary) };
        const pyfdt = await installPyfdt(common.runnerEnv.temp);
        try {
          state.prefix = (await buildKernel(req, common.runnerEnv, log, { PYTHONPATH: pyfdt })).prefix;
        } finally {
          fs.rmSync(pyfdt, { recursive: true, force: true });
        }
        const built = readPrefix(state.prefix, arch, t.needsFpu, 'sel4-config');
        // The planned -m came from the settings; the built kernel's platform_gen has the last word.
        if (built.memoryMiB !== builtMiB) setMemory(qemu, built.memoryMiB, common, built.platformFile ?? state.prefix);
      }
      if (a.loaderTarget) {
        if (loader.kind === 'path') state.loaderRoot = loader.root;
        else {
          if (!versions.rev)
            throw new ActionError(
              `${versions.note} The kernel loader is installed at the crate's rust-sel4 revision, and none is known: give sel4-kernel-loader (the --root of your own cargo install of sel4-kernel-loader and sel4-kernel-loader-add-payload).`,
            );
          state.loaderRoot = await installKernelLoader(arch, versions.rev, state.prefix, cargo, common.runnerEnv, log);
        }
      }
      log.info(`seL4 kernel: ${state.prefix}`);
      return { env: rootTaskEnv(state.prefix) };
    },
  };
  const building = !common.kernel;
  return {
    target: t.triple,
    family: 'seL4 (root task)',
    notes,
    install: {
      apt: building
        ? [...RUST_BUILD_APT, ...(prefixIn ? [] : kernelBuildApt(arch)), ...(arch === 'x86_64' ? ['binutils'] : [])]
        : arch === 'x86_64'
          ? ['binutils']
          : [],
      firmware: [],
      downloads: [],
    },
    build: {
      ...BUILD,
      cargoConfig,
      beforeCargo,
      ...(a.loaderTarget
        ? {
            assemble: {
              output: (workDir: string) => path.join(workDir, 'image.elf'),
              run: (exes: string[], workDir: string) => assembleRootTask(exes, state.loaderRoot!, state.prefix!, path.join(workDir, 'image.elf')),
            },
          }
        : {}),
    },
    boot: { qemu, kvmCapable: false },
    verdict: VERDICT,
  };
}

function microkit(t: Sel4Target, common: CommonInputs, raw: RouteInputs, rustflags: string[], versions: VersionChoice): TargetPlan {
  const cargoConfig = unstableOptionsConfig(t.triple, rustflags);
  const system = parseMicrokitSystem(raw['microkit-system'] ?? '', common.workingDirectory)!;
  const sdkSpec = parseMicrokitSdk(raw['microkit-sdk'] ?? '', raw['microkit-sdk-sha256'] ?? '', common.workspace);
  const version = sdkSpec?.kind === 'version' ? sdkSpec.version : versions.release.microkit;
  const board = parseMicrokitBoard(raw['microkit-board'] ?? '', t.arch, version);
  const config = parseMicrokitConfig(raw['microkit-config'] ?? '', board);
  const x86 = board === 'x86_64_generic';
  const state: { sdk?: string } = { sdk: sdkSpec?.kind === 'path' ? sdkSpec.path : undefined };
  const builtMiB = x86 ? undefined : MICROKIT_MEMORY;
  const qemu = toQemuBoot(t.arch, (image) =>
    microkitQemu({ board, image, kernel32: x86 ? path.join(path.dirname(image), 'sel4_32.elf') : undefined, memoryMiB: builtMiB }),
  );
  setMemory(qemu, builtMiB, common, `Microkit ${version}'s ${board} board`);
  let asset: Asset | undefined;
  if (sdkSpec?.kind === 'url') {
    asset = { tool: MICROKIT_SDK_TOOL, version, url: sdkSpec.url, fileName: path.basename(new URL(sdkSpec.url).pathname), sha256: sdkSpec.sha256 };
  } else if (sdkSpec?.kind !== 'path' && !common.kernel) {
    asset = microkitSdkAsset(version, process.arch, sdkSpec?.kind === 'version' ? sdkSpec.sha256 : undefined, githubHosts(common.runnerEnv.vars));
  }
  if (common.kernel && x86 && !fs.existsSync(path.join(path.dirname(common.kernel), 'sel4_32.elf'))) {
    throw new InputError(
      'kernel',
      `${common.kernel} is an x86_64_generic Microkit image, and no sel4_32.elf is next to it`,
      'Keep the sel4_32.elf the microkit tool writes next to loader.img (QEMU boots it as -kernel).',
    );
  }
  const beforeCargo: BeforeCargo = {
    describe: async () =>
      planOf(
        microkitPlan({
          target: t,
          versions,
          sdk: sdkSpec,
          board,
          config,
          system,
          buildRustflags: rustflags,
          memoryMiB: builtMiB,
          work: '<scratch>',
          toolCache: toolCacheOf(common),
          nodeArch: process.arch,
          hosts: githubHosts(common.runnerEnv.vars),
          searchPaths: [BUILT('the folder of each protection domain')],
        }),
      ),
    run: async (_cargo, assets) => {
      if (!state.sdk) {
        const archive = assets[MICROKIT_SDK_TOOL];
        state.sdk = sdkRoot(await extractTarAsset(archive, asset!, MICROKIT_SDK_DIR_TOOL, sdkRequiredFiles(version)), version);
      }
      const missing = sdkBoardFiles(board, config).filter((f) => !fs.existsSync(path.join(state.sdk!, f)));
      if (missing.length)
        throw new ActionError(
          `The Microkit SDK ${state.sdk} has no ${missing.join(', ')}: it was not built for board ${board} with config ${config}. Use another microkit-board or microkit-config, or an SDK that has them.`,
        );
      if (!x86) {
        const file = path.join(state.sdk, 'board', board, config, 'platform_gen.json');
        setMemory(qemu, memoryMiB(t.arch, parsePlatformGen(fs.readFileSync(file, 'utf8'), file), file), common, file);
      }
      return { env: microkitEnv(state.sdk, board, config) };
    },
  };
  return {
    target: t.triple,
    family: 'seL4 (Microkit)',
    install: { apt: common.kernel ? [] : [...RUST_BUILD_APT], firmware: [], downloads: asset ? [asset] : [] },
    build: {
      ...BUILD,
      cargoConfig,
      beforeCargo,
      assemble: {
        output: (workDir) => path.join(workDir, 'microkit', 'loader.img'),
        run: (exes, workDir) => assembleMicrokit(state.sdk!, system, exes, board, config, path.join(workDir, 'microkit')),
      },
    },
    boot: { qemu, kvmCapable: false },
    verdict: VERDICT,
  };
}

/** rust-sel4's targets build core and alloc from source (the demos' .cargo/config.toml [unstable] build-std), and link with rust-lld. */
const BUILD = { buildStd: { crates: ['core', 'alloc', 'compiler_builtins'], features: ['compiler-builtins-mem'] }, linksWithRustLld: true, env: {} };

/**
 * seL4 guests never power QEMU off: no exit status counts, and a pass comes from the lines
 * (TEST_PASS or INDICATE_SUCCESS when the user gives none). The summary tells a kernel that
 * never booted from one that hung.
 */
const VERDICT: TargetPlan['verdict'] = {
  exitCodes: SUCCESS_EXIT_CODES,
  failOn: DEFAULT_FAIL_ON,
  expect: [],
  expectWhenNone: [EXPECT_WHEN_NONE],
  explainExit,
  explainNoVerdict,
};

function plan(target: string, common: CommonInputs, own: Record<string, unknown>): TargetPlan {
  const t = parseSel4Target(target)!;
  const raw = own as RouteInputs;
  const route = chooseRoute(t, raw);
  const versions = readVersions(common.workingDirectory);
  const rustflags = crateRustflags(common.workingDirectory, common.runnerEnv.cargoHome);
  // seL4's CPU lines are TCG models (x86_64's Nehalem with features removed is refused under
  // nested KVM, as on GitHub's runners), and aarch64's needs EL2: boot under TCG only.
  return route === 'microkit' ? microkit(t, common, raw, rustflags, versions) : rootTask(t, common, raw, rustflags, versions);
}

export const sel4: Family = {
  name: 'seL4 (rust-sel4)',
  examples: ['aarch64-sel4', 'riscv64imac-sel4', 'riscv64gc-sel4', 'x86_64-sel4', 'aarch64-sel4-roottask-minimal', 'aarch64-sel4-microkit'],
  handles: isSel4Triple,
  inputs: SEL4_INPUT_SPECS,
  plan,
};
