import * as fs from 'node:fs';
import * as path from 'node:path';
import { archOfTriple, QEMU_ARCHES } from '../boot/qemu-args.js';
import { githubToken } from '../install/download.js';
import type { ToolchainChoice } from '../install/toolchain.js';
import { allowedRoots, insideWorkspace } from '../model/paths.js';
import { InputError } from '../model/errors.js';
import type { RunnerEnv } from '../model/runner-env.js';
import { familyFor, FAMILIES, supportedTargets } from '../targets/registry.js';
import type { CommonInputs, Family } from '../targets/contract.js';
import { parsePatternLines, type Pattern } from '../model/patterns.js';
import { parseConsoleScript } from './console-script.js';
import { readMatrixInputs, type MatrixInputs } from './matrix.js';
import { parseForwards } from './forward.js';
import { parseProbes } from './probes.js';
import { parseArgv, parseBool, parseExitCodes, parseSeconds, readSpecs, type InputReader } from '../model/parse.js';
import { type ConsoleStep, type Forward, type Probe } from '../model/conversation.js';

export type { InputReader } from '../model/parse.js';
export type AccelChoice = 'auto' | 'kvm' | 'tcg';

/** How the image is booted instead of the action's QEMU command line. */
export type Runner =
  /** The user's command; `{kernel}` in an argument is replaced by the image's path, else the path is appended. */
  | { kind: 'command'; argv: string[] }
  /** `cargo run` with the same target and arguments as the build: the crate's cargo `runner` boots it. */
  | { kind: 'cargo' };

/** Every input of the action, parsed and checked once. Nothing downstream reads inputs itself. */
export interface Inputs extends CommonInputs, MatrixInputs {
  family: Family;
  /** The family's own inputs, parsed by its InputSpecs, by name. */
  own: Record<string, unknown>;
  /** The toolchain input: the crate's rust-toolchain(.toml) (else nightly), a rustup name, 'system' or 'distro'. */
  toolchain: ToolchainChoice;
  /** Must the expected lines appear in the order given? */
  ordered: boolean;
  failOn: Pattern[];
  defaultFailOn: boolean;
  /** exit-code: QEMU exit statuses accepted when the guest exits by itself (undefined: the target's). */
  exitCodes?: number[];
  /**
   * Seconds for boot and run; undefined when not given (action.yml gives it no default, so that an
   * explicit 300 can be told from unset): then bootimage's test-timeout, else 300 (src/pipeline/mode.ts).
   */
  timeout?: number;
  /** Seconds without any serial output before failing; 0 = off. */
  idleTimeout: number;
  /** The guest must exit by itself; the action never stops it on a match. */
  waitForExit: boolean;
  /** token: for GitHub's API (the published checksums of release files); empty: GITHUB_TOKEN. */
  token: string;
  /** Resolve and print the plan; install, build and boot nothing. */
  dryRun: boolean;
  /** QEMU `-machine`, `-cpu` and `-m` the user chose (undefined: the target's default). */
  machine?: string;
  cpu?: string;
  memory?: string;
  /** Boot with this instead of the action's QEMU command line. */
  runner?: Runner;
  /** command: boot the one image the crate builds, or `test`: build with cargo test --no-run and boot every test executable (src/pipeline/test-steps.ts). */
  command: 'boot' | 'test';
  /** Restore and save the build's cache (src/cache/). */
  cache: boolean;
  /** Save the cache also when the build failed. */
  cacheOnFailure: boolean;
  /** cache-save: save the entries (false: restore only). */
  cacheSave: boolean;
  /** cache-key: put before every cache key ('' for none). */
  cacheKey: string;
  /** forward: host TCP ports forwarded to the guest (empty: no network). */
  forwards: Forward[];
  /** probes: HTTP/TCP checks against the forwarded ports while the guest runs. */
  probes: Probe[];
  /** console-script: expect/send steps on the guest's serial console. */
  consoleScript: ConsoleStep[];
  /** The values of the inputs that change what is built (BUILD_KEY_INPUTS and the family's specs with buildKey), raw, by name: the build cache's key. */
  buildKey: Record<string, string>;
}

/**
 * The common inputs that change what the build produces: part of the build cache's key. A family's
 * own inputs say so in their InputSpec (buildKey). `command` is here because cargo test --no-run
 * builds other artifacts than cargo build.
 */
export const BUILD_KEY_INPUTS = ['target', 'toolchain', 'working-directory', 'cargo-args', 'command'] as const;

/** The default timeout, for the idle-timeout check before a mode applies it (src/pipeline/mode.ts DEFAULT_TIMEOUT). */
const TIMEOUT_DEFAULT = 300;

const TOOLCHAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** A QEMU machine type or CPU model, optionally with comma-separated properties. */
const QEMU_NAME = /^[A-Za-z0-9][A-Za-z0-9._+,=-]*$/;
/** QEMU's -m size: a number of MiB, or a number with a K/M/G/T suffix. */
const MEMORY = /^[1-9][0-9]*[KMGT]?$/i;
/** QEMU options that the `accel` input owns. */
const ACCEL_OPTIONS = new Set(['-accel', '--accel', '-enable-kvm', '--enable-kvm']);

/** Reads the machine/cpu/memory input; the same option in qemu-args would be ambiguous. */
function qemuOption(get: InputReader, qemuArgs: string[], name: string, options: string[], pattern: RegExp, valid: string): string | undefined {
  const raw = get(name).trim();
  if (raw === '') return undefined;
  if (!pattern.test(raw)) throw new InputError(name, `'${raw}' is not valid`, valid);
  const clash = qemuArgs.find((a) => options.includes(a));
  if (clash)
    throw new InputError(
      name,
      `is set, and qemu-args sets '${clash}' too`,
      `Give it in one place: remove '${clash} ...' from qemu-args, or remove the ${name} input.`,
    );
  return raw;
}

function targetInput(get: InputReader): { target: string; family: Family } {
  const target = get('target').trim();
  if (target === '') throw new InputError('target', 'is required', `Give a Rust target triple, one of: ${supportedTargets().join(', ')}.`);
  const family = familyFor(target);
  if (!family) throw new InputError('target', `'${target}' is not a supported target`, `Supported targets: ${supportedTargets().join(', ')}.`);
  return { target, family };
}

/** The crate to build, or the prebuilt image to boot. */
function source(get: InputReader, workspace: string, env: NodeJS.ProcessEnv) {
  const roots = allowedRoots(workspace, env);
  const wdRaw = get('working-directory').trim() || '.';
  const workingDirectory = insideWorkspace('working-directory', wdRaw, path.resolve(workspace, wdRaw), roots);
  const kernelRaw = get('kernel').trim();
  const kernel = kernelRaw === '' ? undefined : insideWorkspace('kernel', kernelRaw, path.resolve(workspace, kernelRaw), roots);
  const cargoArgs = parseArgv(get('cargo-args'));
  if (kernel !== undefined) {
    if (cargoArgs.length > 0) {
      throw new InputError(
        'cargo-args',
        'cannot be used together with kernel (nothing is built when a prebuilt kernel is given)',
        'Remove cargo-args, or remove kernel to build the crate.',
      );
    }
    if (!fs.existsSync(kernel) || !fs.statSync(kernel).isFile()) {
      throw new InputError('kernel', `'${kernelRaw}' is not a file (looked at ${kernel})`, 'Give the path of a built kernel image, relative to the workspace.');
    }
  } else {
    if (!fs.existsSync(workingDirectory) || !fs.statSync(workingDirectory).isDirectory()) {
      throw new InputError(
        'working-directory',
        `'${wdRaw}' does not exist (looked at ${workingDirectory})`,
        'Give the folder of the crate to build, relative to the workspace (default: .).',
      );
    }
    if (!fs.existsSync(path.join(workingDirectory, 'Cargo.toml'))) {
      throw new InputError(
        'working-directory',
        `'${wdRaw}' has no Cargo.toml`,
        "Point it at the folder that holds the kernel crate's Cargo.toml, or give a prebuilt image in kernel.",
      );
    }
  }
  const owned = cargoArgs.find((a) => /^--(target|message-format)(=|$)/.test(a));
  if (owned) {
    throw new InputError(
      'cargo-args',
      `sets '${owned}', which the action sets itself`,
      "Remove it: the target comes from the target input, and the action reads cargo's JSON messages.",
    );
  }
  const toolchain = get('toolchain').trim();
  if (toolchain !== '' && !TOOLCHAIN_NAME.test(toolchain)) {
    throw new InputError(
      'toolchain',
      `'${toolchain}' is not a toolchain name`,
      "Use a rustup toolchain such as nightly or nightly-2026-06-01, 'system' for the cargo on PATH, 'distro' for the Linux distribution's Rust, or leave it empty to read rust-toolchain.toml.",
    );
  }
  const choice: ToolchainChoice =
    toolchain === '' ? { kind: 'file' } : toolchain === 'system' || toolchain === 'distro' ? { kind: toolchain } : { kind: 'rustup', name: toolchain };
  return { workingDirectory, kernel, cargoArgs, toolchain: choice };
}

/** accel, qemu-args, machine, cpu, memory and runner: how the image is booted. */
function bootInputs(get: InputReader, target: string, kernel: string | undefined) {
  const arch = archOfTriple(target);
  const qemu = arch ? QEMU_ARCHES[arch].binary : 'qemu-system-<arch>';
  const accelRaw = (get('accel').trim() || 'auto').toLowerCase();
  if (accelRaw !== 'auto' && accelRaw !== 'kvm' && accelRaw !== 'tcg') {
    throw new InputError('accel', `'${accelRaw}' is not an accelerator`, 'Use auto (KVM when it really works, else TCG), kvm or tcg.');
  }
  const accel = accelRaw as AccelChoice;
  const qemuArgs = parseArgv(get('qemu-args'));
  const clash = qemuArgs.find((a) => ACCEL_OPTIONS.has(a) || /^accel=|,accel=/.test(a));
  if (clash) throw new InputError('qemu-args', `sets the accelerator itself ('${clash}')`, 'Remove it and use the accel input instead (auto, kvm or tcg).');
  const machine = qemuOption(
    get,
    qemuArgs,
    'machine',
    ['-machine', '--machine', '-M'],
    QEMU_NAME,
    `Give a QEMU machine type such as virt, q35, lm3s6965evb or mps2-an386, optionally with properties (virt,gic-version=3); ${qemu} -machine help lists them.`,
  );
  const cpu = qemuOption(
    get,
    qemuArgs,
    'cpu',
    ['-cpu', '--cpu'],
    QEMU_NAME,
    `Give a QEMU CPU model such as cortex-a57, max, rv64 or qemu64; ${qemu} -cpu help lists them.`,
  );
  const memory = qemuOption(
    get,
    qemuArgs,
    'memory',
    ['-m', '--m'],
    MEMORY,
    'Give a RAM size for QEMU -m: a number of MiB (512) or a number with K, M, G or T (512M, 2G).',
  );
  const runnerRaw = parseArgv(get('runner'));
  let runner: Runner | undefined;
  if (runnerRaw.length > 0) {
    runner = runnerRaw.length === 1 && runnerRaw[0] === 'cargo' ? { kind: 'cargo' } : { kind: 'command', argv: runnerRaw };
    if (runner.kind === 'cargo' && kernel !== undefined) {
      throw new InputError(
        'runner',
        "is 'cargo' (cargo run), which builds the crate, but kernel gives a prebuilt image",
        "Remove kernel to build and run the crate with cargo run, or give a command (with {kernel} where the image's path goes).",
      );
    }
    const owned = (
      [
        ['qemu-args', qemuArgs.length > 0],
        ['machine', machine],
        ['cpu', cpu],
        ['memory', memory],
        ['accel', accel !== 'auto'],
      ] as const
    ).find(([, set]) => set);
    if (owned) {
      throw new InputError(
        owned[0],
        "applies to the action's QEMU command line, which runner replaces",
        'Put the QEMU options in the runner command instead, or remove runner to let the action build the QEMU command.',
      );
    }
  }
  return { accel, qemuArgs, machine, cpu, memory, runner };
}

/** The family's own inputs; another family's inputs given for this target are an input error. */
function familyInputs(get: InputReader, target: string, family: Family): Record<string, unknown> {
  for (const other of FAMILIES) {
    if (other === family) continue;
    for (const spec of other.inputs) {
      if (get(spec.name).trim() !== '') {
        throw new InputError(
          spec.name,
          `is only read for ${other.examples.join(', ')}, not for ${target}`,
          `Remove it, or set target to ${other.examples[0]}.`,
        );
      }
    }
  }
  return readSpecs(get, family.inputs);
}

/** command: boot (the default) or test; test builds, so it cannot take a prebuilt kernel, and cargo run runs no test executable. */
function commandInput(get: InputReader, kernel: string | undefined, runner: Runner | undefined): 'boot' | 'test' {
  const raw = (get('command').trim() || 'boot').toLowerCase();
  if (raw !== 'boot' && raw !== 'test')
    throw new InputError(
      'command',
      `'${raw}' is not a command`,
      "Use boot (build the crate's binary and boot it) or test (build its tests with cargo test --no-run and boot every test executable).",
    );
  if (raw === 'test' && kernel !== undefined)
    throw new InputError(
      'command',
      "is test, which builds the crate's tests, but kernel gives a prebuilt image",
      'Remove kernel to build and boot the tests, or set command to boot.',
    );
  if (raw === 'test' && runner?.kind === 'cargo')
    throw new InputError(
      'runner',
      "is 'cargo' (cargo run), which cannot run test executables",
      "Remove runner (the action boots each test executable in QEMU), or give a command with {kernel} where the executable's path goes.",
    );
  return raw;
}

type ConversationInput = 'forward' | 'probes' | 'console-script';

/** The first of the conversation inputs that is set, in `order` (the most specific first where a message names one). */
export function conversationInputSet(
  i: Pick<Inputs, 'forwards' | 'probes' | 'consoleScript'>,
  order: ConversationInput[] = ['forward', 'probes', 'console-script'],
): ConversationInput | undefined {
  const on = { forward: i.forwards.length > 0, probes: i.probes.length > 0, 'console-script': i.consoleScript.length > 0 };
  return order.find((n) => on[n]);
}

/**
 * forward, probes and console-script: a conversation with the guest through the action's own QEMU
 * (its network arguments, its stdin). A runner command or cargo run boots with its own command
 * line, so it is refused here; a family's own launcher (Uhyve) is refused in resolvePlan.
 */
function conversationInputs(get: InputReader, runner: Runner | undefined) {
  const forwards = parseForwards(get('forward'));
  const probes = parseProbes(get('probes'), forwards);
  const consoleScript = parseConsoleScript(get('console-script'));
  if (runner) {
    const set = conversationInputSet({ forwards, probes, consoleScript });
    if (set)
      throw new InputError(
        set,
        `needs the action's own QEMU, which runner replaces (${runner.kind === 'cargo' ? 'cargo run' : 'your command'} boots the image)`,
        `Remove runner to let the action boot the image in QEMU, or remove ${set}.`,
      );
  }
  return { forwards, probes, consoleScript, converses: probes.length > 0 || consoleScript.length > 0 };
}

/**
 * cache-save, as rust-cache reads save-if (https://github.com/Swatinem/rust-cache/blob/master/src/save.ts):
 * what an expression such as `${{ github.ref == 'refs/heads/main' }}` yields, `true` or `false`.
 * Empty (unset, or an expression that yields nothing) is true. Anything else is refused rather than
 * read as false, so that a typo does not silently stop every save.
 */
export function parseCacheSave(raw: string): boolean {
  if (raw === '' || /^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  throw new InputError(
    'cache-save',
    `'${raw}' is neither true nor false`,
    "Use true, false, or an expression that yields one, e.g. cache-save: ${{ github.ref == 'refs/heads/main' }}.",
  );
}

/** The longest cache-key: GitHub refuses keys over 512 characters, and the action's own part needs about 150. */
export const CACHE_KEY_MAX = 200;

/**
 * cache-key: a prefix of every key the action makes (to start afresh, or to keep jobs apart). The
 * cache service refuses commas in a key (@actions/cache checkKey,
 * https://github.com/actions/toolkit/blob/main/packages/cache/src/cache.ts) and keys over 512
 * characters; line breaks and other control characters would garble the log and are refused too.
 */
export function parseCacheKey(raw: string): string {
  const bad = [...new Set(raw.match(/[,\p{Cc}]/gu) ?? [])];
  if (bad.length)
    throw new InputError(
      'cache-key',
      `'${raw}' contains ${bad.map((c) => (c === ',' ? 'a comma' : `the control character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)).join(' and ')}, which a cache key cannot hold`,
      'Use letters, digits and punctuation other than commas, e.g. cache-key: v2 or cache-key: ${{ github.job }}.',
    );
  if (raw.length > CACHE_KEY_MAX)
    throw new InputError('cache-key', `is ${raw.length} characters long`, `Use at most ${CACHE_KEY_MAX}: the whole key must stay within GitHub's 512.`);
  return raw;
}

export function readInputs(get: InputReader, env: RunnerEnv): Inputs {
  const { target, family } = targetInput(get);
  const workspace = env.workspace;
  const src = source(get, workspace, env.vars);
  const boot = bootInputs(get, target, src.kernel);
  const timeout = get('timeout').trim() === '' ? undefined : parseSeconds('timeout', get('timeout').trim(), TIMEOUT_DEFAULT, false);
  const idleTimeout = parseSeconds('idle-timeout', get('idle-timeout').trim(), 0, true);
  if (idleTimeout > 0 && idleTimeout >= (timeout ?? TIMEOUT_DEFAULT)) {
    throw new InputError(
      'idle-timeout',
      `(${idleTimeout}s) is not shorter than timeout (${timeout ?? TIMEOUT_DEFAULT}s${timeout === undefined ? ', the default' : ''})`,
      'Make idle-timeout shorter than timeout, or 0 to turn it off.',
    );
  }
  const command = commandInput(get, src.kernel, boot.runner);
  return {
    target,
    family,
    runnerEnv: env,
    workspace,
    command,
    ...src,
    ...boot,
    expect: parsePatternLines(get('expect'), 'expect'),
    ordered: parseBool('ordered', get('ordered').trim(), true),
    failOn: parsePatternLines(get('fail-on'), 'fail-on'),
    defaultFailOn: parseBool('default-fail-on', get('default-fail-on').trim(), true),
    exitCodes: parseExitCodes('exit-code', get('exit-code')),
    timeout,
    idleTimeout,
    waitForExit: parseBool('wait-for-exit', get('wait-for-exit').trim(), false),
    token: get('token').trim() || githubToken(env.vars),
    dryRun: parseBool('dry-run', get('dry-run').trim(), false),
    cache: parseBool('cache', get('cache').trim(), true),
    cacheOnFailure: parseBool('cache-on-failure', get('cache-on-failure').trim(), false),
    cacheSave: parseCacheSave(get('cache-save').trim()),
    cacheKey: parseCacheKey(get('cache-key').trim()),
    ...conversationInputs(get, boot.runner),
    ...readMatrixInputs(get, command),
    own: familyInputs(get, target, family),
    buildKey: Object.fromEntries([...BUILD_KEY_INPUTS, ...family.inputs.filter((i) => i.buildKey).map((i) => i.name)].map((n) => [n, get(n).trim()])),
  };
}
