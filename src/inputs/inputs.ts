import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgsStringToArgv } from 'string-argv';
import { InputError } from '../errors.js';
import { parsePatternLines, type Pattern } from '../verdict/patterns.js';
import { resolveTarget, supportedTargets, targetSpecificInputs, type TargetProfile } from '../targets/index.js';

export type AccelChoice = 'auto' | 'kvm' | 'tcg';

/** How the image is booted instead of the action's QEMU command line. */
export type Runner =
  /** The user's command; `{kernel}` in an argument is replaced by the image's path, else the path is appended. */
  | { kind: 'command'; argv: string[] }
  /** `cargo run` with the same target and arguments as the build: the crate's cargo `runner` boots it. */
  | { kind: 'cargo' };

/** Every input of the action, parsed and validated. Nothing downstream reads inputs itself. */
export interface Inputs {
  target: string;
  profile: TargetProfile;
  /** Absolute path of the crate (or workspace) to build. */
  workingDirectory: string;
  /** '' = from rust-toolchain(.toml), else nightly; 'system'; 'distro'; or a rustup toolchain name. */
  toolchain: string;
  cargoArgs: string[];
  /** Absolute path of a prebuilt image to boot instead of building. */
  kernel?: string;
  expect: Pattern[];
  /** Must the expected lines appear in the order given? */
  ordered: boolean;
  failOn: Pattern[];
  defaultFailOn: boolean;
  /** QEMU exit statuses accepted when the guest exits by itself. */
  exitCodes: number[];
  /** exit-code was given: its statuses count even when the guest reset the machine. */
  exitCodeGiven: boolean;
  /** Seconds for boot and run. */
  timeout: number;
  /** Seconds without any serial output before failing; 0 = off. */
  idleTimeout: number;
  /** The guest must exit by itself; the action never stops it on a match. */
  waitForExit: boolean;
  qemuArgs: string[];
  accel: AccelChoice;
  /** Resolve and print the plan; install, build and boot nothing. */
  dryRun: boolean;
  /** The target's own inputs (TargetProfile.inputs), raw and trimmed; the target module parses them. */
  targetInputs: Record<string, string>;
  /** QEMU `-machine`, `-cpu` and `-m` the user chose (undefined: the target's default). */
  machine?: string;
  cpu?: string;
  memory?: string;
  /** Boot with this instead of the action's QEMU command line. */
  runner?: Runner;
  /** hermit-loader: which Hermit loader to boot with (undefined: the pinned default release). */
  hermitLoader?: LoaderSpec;
  /** hypervisor: qemu (default) or uhyve. */
  hypervisor: 'qemu' | 'uhyve';
  /** hermit-args: `<kernel args> -- <app args>` for the Hermit kernel command line. */
  hermitArgs: string;
}

/** A loader (or similar boot asset): a release version, a local file, or a URL with its checksum. */
export type LoaderSpec =
  | { kind: 'version'; version: string }
  | { kind: 'path'; path: string }
  | { kind: 'url'; url: string; sha256: string };

/** Reads one input by name ('' when unset), like core.getInput. */
export type InputReader = (name: string) => string;

const TOOLCHAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._+\-]*$/;

function parseSeconds(name: string, raw: string, fallback: number, allowZero: boolean): number {
  if (raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n) || (!allowZero && n <= 0)) {
    throw new InputError(name, `'${raw}' is not a number of seconds`, `Give a ${allowZero ? 'non-negative' : 'positive'} number such as 120${allowZero ? ' (0 turns it off)' : ''}.`);
  }
  return n;
}

function parseBool(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw new InputError(name, `'${raw}' is not a boolean`, 'Use true or false.');
}

function parseExitCodes(raw: string, fallback: number[]): number[] {
  if (raw.trim() === '') return fallback;
  const parts = raw.split(/[\s,]+/).filter((s) => s !== '');
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) > 255) {
      throw new InputError('exit-code', `'${p}' is not an exit status`, 'Give whole numbers from 0 to 255, separated by commas or spaces (for example: 33).');
    }
    return Number(p);
  });
}

function parseArgv(name: string, raw: string): string[] {
  if (raw.trim() === '') return [];
  // Split like a shell (quotes group words), without expanding anything.
  return parseArgsStringToArgv(raw.replace(/\\\r?\n/g, ' ').replace(/\r?\n/g, ' '));
}

/** A QEMU machine type or CPU model, optionally with comma-separated properties. */
const QEMU_NAME = /^[A-Za-z0-9][A-Za-z0-9._+,=-]*$/;
/** QEMU's -m size: a number of MiB, or a number with a K/M/G/T suffix. */
const MEMORY = /^[1-9][0-9]*[KMGT]?$/i;

/** Reads the machine/cpu/memory input; the same option in qemu-args would be ambiguous. */
function qemuOption(get: InputReader, qemuArgs: string[], name: string, options: string[], pattern: RegExp, valid: string): string | undefined {
  const raw = get(name).trim();
  if (raw === '') return undefined;
  if (!pattern.test(raw)) throw new InputError(name, `'${raw}' is not valid`, valid);
  const clash = qemuArgs.find((a) => options.includes(a));
  if (clash) throw new InputError(name, `is set, and qemu-args sets '${clash}' too`, `Give it in one place: remove '${clash} ...' from qemu-args, or remove the ${name} input.`);
  return raw;
}

/** QEMU options that the `accel` input owns. */
const ACCEL_OPTIONS = new Set(['-accel', '--accel', '-enable-kvm', '--enable-kvm']);

export function readInputs(get: InputReader, env: NodeJS.ProcessEnv = process.env): Inputs {
  const target = get('target').trim();
  if (target === '') {
    throw new InputError('target', 'is required', `Give a Rust target triple, one of: ${supportedTargets().join(', ')}.`);
  }
  const profile = resolveTarget(target);
  if (!profile) {
    throw new InputError('target', `'${target}' is not a supported target`, `Supported targets: ${supportedTargets().join(', ')}.`);
  }

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const wdRaw = get('working-directory').trim() || '.';
  const workingDirectory = path.resolve(workspace, wdRaw);

  const kernelRaw = get('kernel').trim();
  const kernel = kernelRaw === '' ? undefined : path.resolve(workspace, kernelRaw);
  const cargoArgs = parseArgv('cargo-args', get('cargo-args'));
  const toolchain = get('toolchain').trim();

  if (kernel !== undefined) {
    if (cargoArgs.length > 0) {
      throw new InputError('cargo-args', 'cannot be used together with kernel (nothing is built when a prebuilt kernel is given)', 'Remove cargo-args, or remove kernel to build the crate.');
    }
    if (!fs.existsSync(kernel) || !fs.statSync(kernel).isFile()) {
      throw new InputError('kernel', `'${kernelRaw}' is not a file (looked at ${kernel})`, 'Give the path of a built kernel image, relative to the workspace.');
    }
  } else {
    if (!fs.existsSync(workingDirectory) || !fs.statSync(workingDirectory).isDirectory()) {
      throw new InputError('working-directory', `'${wdRaw}' does not exist (looked at ${workingDirectory})`, 'Give the folder of the crate to build, relative to the workspace (default: .).');
    }
    if (!fs.existsSync(path.join(workingDirectory, 'Cargo.toml'))) {
      throw new InputError('working-directory', `'${wdRaw}' has no Cargo.toml`, 'Point it at the folder that holds the kernel crate\'s Cargo.toml, or give a prebuilt image in kernel.');
    }
  }

  const owned = cargoArgs.find((a) => /^--(target|message-format)(=|$)/.test(a));
  if (owned) {
    throw new InputError('cargo-args', `sets '${owned}', which the action sets itself`, 'Remove it: the target comes from the target input, and the action reads cargo\'s JSON messages.');
  }

  if (toolchain !== '' && !TOOLCHAIN_NAME.test(toolchain)) {
    throw new InputError('toolchain', `'${toolchain}' is not a toolchain name`, "Use a rustup toolchain such as nightly or nightly-2026-06-01, 'system' for the cargo on PATH, 'distro' for the Linux distribution's Rust, or leave it empty to read rust-toolchain.toml.");
  }

  const accelRaw = (get('accel').trim() || 'auto').toLowerCase();
  if (accelRaw !== 'auto' && accelRaw !== 'kvm' && accelRaw !== 'tcg') {
    throw new InputError('accel', `'${accelRaw}' is not an accelerator`, 'Use auto (KVM when it really works, else TCG), kvm or tcg.');
  }
  const accel = accelRaw as AccelChoice;
  if (accel === 'kvm' && !profile.kvmCapable) {
    throw new InputError('accel', `kvm cannot run ${target} on this ${process.arch} host`, 'Use auto or tcg.');
  }

  const qemuArgs = parseArgv('qemu-args', get('qemu-args'));
  const clash = qemuArgs.find((a) => ACCEL_OPTIONS.has(a) || /^accel=|,accel=/.test(a));
  if (clash) {
    throw new InputError('qemu-args', `sets the accelerator itself ('${clash}')`, "Remove it and use the accel input instead (auto, kvm or tcg).");
  }

  const machine = qemuOption(get, qemuArgs, 'machine', ['-machine', '--machine', '-M'], QEMU_NAME,
    `Give a QEMU machine type such as virt, q35, lm3s6965evb or mps2-an386, optionally with properties (virt,gic-version=3); ${profile.qemu.binary} -machine help lists them.`);
  const cpu = qemuOption(get, qemuArgs, 'cpu', ['-cpu', '--cpu'], QEMU_NAME,
    `Give a QEMU CPU model such as cortex-a57, max, rv64 or qemu64; ${profile.qemu.binary} -cpu help lists them.`);
  const memory = qemuOption(get, qemuArgs, 'memory', ['-m', '--m'], MEMORY,
    'Give a RAM size for QEMU -m: a number of MiB (512) or a number with K, M, G or T (512M, 2G).');

  const runnerRaw = parseArgv('runner', get('runner'));
  let runner: Runner | undefined;
  if (runnerRaw.length > 0) {
    runner = runnerRaw.length === 1 && runnerRaw[0] === 'cargo' ? { kind: 'cargo' } : { kind: 'command', argv: runnerRaw };
    if (runner.kind === 'cargo' && kernel !== undefined) {
      throw new InputError('runner', "is 'cargo' (cargo run), which builds the crate, but kernel gives a prebuilt image", "Remove kernel to build and run the crate with cargo run, or give a command (with {kernel} where the image's path goes).");
    }
    const owned = ([['qemu-args', qemuArgs.length > 0], ['machine', machine], ['cpu', cpu], ['memory', memory], ['accel', accel !== 'auto']] as const).find(([, set]) => set);
    if (owned) {
      throw new InputError(owned[0], 'applies to the action\'s QEMU command line, which runner replaces', `Put the QEMU options in the runner command instead, or remove runner to let the action build the QEMU command.`);
    }
  }

  const expect = parsePatternLines(get('expect'), 'expect');
  const ordered = parseBool('ordered', get('ordered'), true);
  const failOn = parsePatternLines(get('fail-on'), 'fail-on');
  const defaultFailOn = parseBool('default-fail-on', get('default-fail-on'), true);
  const exitCodes = parseExitCodes(get('exit-code'), profile.successExitCodes);
  if (exitCodes.includes(0) && expect.length === 0 && !(profile.defaultExpect?.length)) {
    throw new InputError('expect', `is empty, but exit status 0 counts as success for ${target} (exit-code: ${exitCodes.join(', ')}). QEMU also exits with 0 when a guest powers off or resets without reporting anything (and on RISC-V when it fails with code 0), so status 0 alone proves nothing`,
      'Add a line your kernel prints only when it succeeded (for example: all tests passed), or set exit-code to a status that only your kernel\'s success gives.');
  }
  const timeout = parseSeconds('timeout', get('timeout').trim(), 300, false);
  const idleTimeout = parseSeconds('idle-timeout', get('idle-timeout').trim(), 0, true);
  if (idleTimeout > 0 && idleTimeout >= timeout) {
    throw new InputError('idle-timeout', `(${idleTimeout}s) is not shorter than timeout (${timeout}s)`, 'Make idle-timeout shorter than timeout, or 0 to turn it off.');
  }

  // Target-specific inputs (TargetProfile.inputs): refused for targets that do not take them.
  const own = new Set(profile.inputs ?? []);
  for (const [name, targets] of targetSpecificInputs()) {
    if (!own.has(name) && get(name).trim() !== '') {
      throw new InputError(name, `is only read for ${targets.join(', ')}, not for ${target}`, `Remove it, or set target to ${targets[0]}.`);
    }
  }
  const hermitLoader = parseLoader(get('hermit-loader').trim(), get('hermit-loader-sha256').trim(), workspace);
  const hypervisorRaw = (get('hypervisor').trim() || 'qemu').toLowerCase();
  if (hypervisorRaw !== 'qemu' && hypervisorRaw !== 'uhyve') {
    throw new InputError('hypervisor', `'${hypervisorRaw}' is not a hypervisor this action runs`, 'Use qemu (default) or uhyve (x86_64-unknown-hermit on a Linux host with KVM).');
  }

  const targetInputs = Object.fromEntries([...own].map((name) => [name, get(name).trim()]));

  const parsed: Inputs = {
    target,
    profile,
    workingDirectory,
    toolchain,
    cargoArgs,
    kernel,
    expect,
    ordered,
    failOn,
    defaultFailOn,
    exitCodes,
    exitCodeGiven: get('exit-code').trim() !== '',
    timeout,
    idleTimeout,
    waitForExit: parseBool('wait-for-exit', get('wait-for-exit'), false),
    qemuArgs,
    accel,
    dryRun: parseBool('dry-run', get('dry-run'), false),
    targetInputs,
    machine,
    cpu,
    memory,
    runner,
    hermitLoader,
    hypervisor: hypervisorRaw as Inputs['hypervisor'],
    hermitArgs: get('hermit-args').replace(/\r?\n/g, ' ').trim(),
  };
  // The target specialises itself with the parsed inputs; its default exit statuses may change (e.g. Uhyve).
  if (!profile.configure) return parsed;
  const configured = profile.configure(parsed);
  return { ...parsed, profile: configured, exitCodes: parseExitCodes(get('exit-code'), configured.successExitCodes) };
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** hermit-loader: `0.5.7` / `v0.5.7`, a local path, or an https URL (then hermit-loader-sha256 is required). */
function parseLoader(raw: string, sha: string, workspace: string): LoaderSpec | undefined {
  if (sha !== '' && !SHA256.test(sha)) {
    throw new InputError('hermit-loader-sha256', `'${sha}' is not a SHA-256`, 'Give the 64 hex digits of the file (sha256sum prints them).');
  }
  if (raw === '') {
    if (sha !== '') throw new InputError('hermit-loader-sha256', 'is set without hermit-loader', 'Set hermit-loader to the URL the checksum belongs to, or remove it.');
    return undefined;
  }
  if (/^v?\d+\.\d+\.\d+(-[\w.]+)?$/.test(raw)) {
    if (sha !== '') throw new InputError('hermit-loader-sha256', 'is only for a URL in hermit-loader', "A release version is checked against the sha256 digest GitHub publishes for the asset; remove hermit-loader-sha256.");
    return { kind: 'version', version: raw.replace(/^v/, '') };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    if (!/^https?:\/\//i.test(raw)) throw new InputError('hermit-loader', `'${raw}' is not an http(s) URL`, 'Give a release version (0.5.7), a file path, or an https URL with hermit-loader-sha256.');
    if (sha === '') throw new InputError('hermit-loader-sha256', `is required when hermit-loader is a URL (${raw})`, 'Give the 64 hex digits of the file, so a changed or corrupted download is refused.');
    return { kind: 'url', url: raw, sha256: sha.toLowerCase() };
  }
  const file = path.resolve(workspace, raw);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new InputError('hermit-loader', `'${raw}' is neither a version (like 0.5.7), nor a URL, nor a file (looked at ${file})`, 'Give a release version of hermit-os/loader, the path of a loader file relative to the workspace, or an https URL with hermit-loader-sha256.');
  }
  if (sha !== '') throw new InputError('hermit-loader-sha256', 'is only for a URL in hermit-loader', 'A local file is used as it is; remove hermit-loader-sha256.');
  return { kind: 'path', path: file };
}
