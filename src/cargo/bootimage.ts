import * as fs from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { ActionError } from '../model/errors.js';
import { MAX_TIMER_SECONDS, timerLimitProblem } from '../model/parse.js';

/**
 * The `[package.metadata.bootimage]` table of a kernel's Cargo.toml, which `bootimage runner` reads
 * (https://github.com/rust-osdev/bootimage/blob/master/src/config.rs). The action takes the keys
 * that say how to boot and judge an executable as defaults under its own inputs, so a crate that
 * `cargo test`s with bootimage needs nothing restated.
 */
export interface BootimageConfig {
  /** The Cargo.toml it was read from. */
  manifest: string;
  /** QEMU arguments added for test executables. */
  testArgs?: string[];
  /** The QEMU exit status that means a test executable passed. */
  testSuccessExitCode?: number;
  /** Seconds a test executable may run (bootimage's own default is 300). */
  testTimeout?: number;
  /** QEMU arguments added for other executables (`cargo run`). */
  runArgs?: string[];
  /** Whether bootimage adds `-no-reboot` for tests (default true). */
  testNoReboot?: boolean;
  /** Keys bootimage knows that the action does not use (it builds and boots on its own). */
  unused: string[];
  /** Keys bootimage itself does not know. */
  unknown: string[];
}

/** Keys bootimage reads that are about building its disk image or picking the crate: not the action's business. */
const UNUSED = ['default-target', 'run-command', 'build-command', 'workspace-subcrate'];

function where(manifest: string, key: string): string {
  return `${manifest}: [package.metadata.bootimage] ${key}`;
}

function stringArray(value: unknown, manifest: string, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ActionError(`${where(manifest, key)} must be a list of strings, such as ${key} = ["-m", "256M"]; found ${JSON.stringify(value)}.`);
  }
  return value as string[];
}

function integer(value: unknown, manifest: string, key: string, what: string, example: string): number {
  // smol-toml gives TOML integers as numbers (bigint only beyond 2^53).
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new ActionError(
      `${where(manifest, key)} must be ${what}, such as ${key} = ${example}; found ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}.`,
    );
  }
  return n;
}

/** Parses the table out of a Cargo.toml's text; undefined when there is none. */
export function parseBootimage(text: string, manifest: string): BootimageConfig | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    // Not TOML: cargo reads this file before anything else and says where it is broken (line and
    // column, with its own words), which is the better error; there is no table to apply here.
    return undefined;
  }
  const pkg = doc.package as Record<string, unknown> | undefined;
  const meta = (pkg?.metadata as Record<string, unknown> | undefined)?.bootimage;
  if (meta === undefined) return undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new ActionError(
      `${manifest}: package.metadata.bootimage must be a table ([package.metadata.bootimage] with keys such as test-args); found ${JSON.stringify(meta)}.`,
    );
  }
  const cfg: BootimageConfig = { manifest, unused: [], unknown: [] };
  for (const [key, value] of Object.entries(meta)) {
    switch (key) {
      case 'test-args':
        cfg.testArgs = stringArray(value, manifest, key);
        break;
      case 'run-args':
        cfg.runArgs = stringArray(value, manifest, key);
        break;
      case 'test-success-exit-code': {
        const code = integer(value, manifest, key, 'an integer (a QEMU exit status)', '33');
        if (code < 0 || code > 255)
          throw new ActionError(
            `${where(manifest, key)} must be a process exit status from 0 to 255 (isa-debug-exit gives (value << 1) | 1, such as 33 for 0x10); found ${code}.`,
          );
        cfg.testSuccessExitCode = code;
        break;
      }
      case 'test-timeout': {
        const t = integer(value, manifest, key, 'a whole number of seconds', '300');
        if (t <= 0 || timerLimitProblem(t))
          throw new ActionError(
            `${where(manifest, key)} must be a positive number of seconds up to ${MAX_TIMER_SECONDS}, such as test-timeout = 300; found ${t}.`,
          );
        cfg.testTimeout = t;
        break;
      }
      case 'test-no-reboot':
        if (typeof value !== 'boolean') throw new ActionError(`${where(manifest, key)} must be true or false; found ${JSON.stringify(value)}.`);
        cfg.testNoReboot = value;
        break;
      default:
        (UNUSED.includes(key) ? cfg.unused : cfg.unknown).push(key);
    }
  }
  return cfg;
}

const cache = new Map<string, BootimageConfig | undefined>();

/** Reads the table of one package's Cargo.toml (each test executable names its own); undefined when there is none. */
export function readBootimage(manifest: string): BootimageConfig | undefined {
  if (!cache.has(manifest)) {
    let text: string;
    try {
      text = fs.readFileSync(manifest, 'utf8');
    } catch (e) {
      throw new ActionError(`Could not read ${manifest}: ${(e as Error).message}.`);
    }
    cache.set(manifest, parseBootimage(text, manifest));
  }
  return cache.get(manifest);
}

/**
 * What bootimage makes of QEMU's exit status for a test executable, as `cargo test` then sees it
 * (https://github.com/rust-osdev/bootimage/blob/master/src/run.rs): the success code becomes 0,
 * a 0 becomes 1 when a success code is set (a guest that powered off or triple-faulted did not
 * report success), anything else stays as it is. 0 means the test passed.
 */
export function bootimageTestStatus(qemuStatus: number, successCode: number | undefined): number {
  if (successCode !== undefined && qemuStatus === successCode) return 0;
  if (successCode !== undefined && qemuStatus === 0) return 1;
  return qemuStatus;
}

/** What the table gives the action for one executable, before its own inputs override it. */
export interface BootimageDefaults {
  /** QEMU arguments to add after the target family's own (test-args or run-args). */
  qemuArgs: string[];
  /** The QEMU exit statuses that mean success (test-success-exit-code), if set. */
  exitCodes?: number[];
  /** Seconds for the boot (test-timeout), if set. */
  timeout?: number;
  /** One line per setting taken or left, for the log. */
  notes: string[];
}

export function bootimageDefaults(cfg: BootimageConfig | undefined, mode: 'test' | 'run'): BootimageDefaults {
  if (!cfg) return { qemuArgs: [], notes: [] };
  const notes: string[] = [];
  const d: BootimageDefaults = { qemuArgs: [], notes };
  const args = mode === 'test' ? cfg.testArgs : cfg.runArgs;
  if (args) {
    d.qemuArgs = args;
    notes.push(`${mode}-args from ${cfg.manifest}: ${args.join(' ')}`);
  }
  if (mode === 'test') {
    if (cfg.testSuccessExitCode !== undefined) {
      // bootimageTestStatus(status, code) === 0 exactly when status === code: a single accepted status.
      d.exitCodes = [cfg.testSuccessExitCode];
      notes.push(`test-success-exit-code from ${cfg.manifest}: QEMU status ${cfg.testSuccessExitCode} means a test executable passed`);
    }
    if (cfg.testTimeout !== undefined) {
      d.timeout = cfg.testTimeout;
      notes.push(`test-timeout from ${cfg.manifest}: ${cfg.testTimeout}s per test executable`);
    }
    if (cfg.testNoReboot === false)
      notes.push(
        `test-no-reboot = false in ${cfg.manifest} is not followed: the action boots with -no-reboot, so a reset ends the run instead of rebooting the guest`,
      );
  }
  if (cfg.unused.length) notes.push(`${cfg.unused.join(', ')} in ${cfg.manifest}: not used (the action builds and boots the executables itself)`);
  if (cfg.unknown.length) notes.push(`${cfg.unknown.join(', ')} in ${cfg.manifest}: not bootimage settings, ignored`);
  return d;
}

/** Options the action's QEMU command line already has that a bootimage test-args list repeats to get a headless serial console. */
const HEADLESS_ALIASES = new Set(['-nographic']);

/**
 * The family's QEMU arguments followed by a bootimage list, without what the list repeats: written
 * for bootimage's bare `qemu-system-x86_64 -drive format=raw,file=...`, such lists give
 * `-serial stdio`, `-display none` and the isa-debug-exit device themselves, and a second
 * `-serial stdio` makes QEMU fail ("cannot use stdio by multiple character devices"). An option
 * with its value is left out when the family's arguments hold the same pair; `-nographic` (which
 * would put a second console on stdio) when the family's are headless already.
 */
export function mergeQemuArgs(family: string[], extra: string[]): string[] {
  const pairs = new Set<string>();
  const flags = new Set<string>();
  for (let i = 0; i < family.length; i++) {
    const a = family[i];
    if (!a.startsWith('-')) continue;
    const v = family[i + 1];
    if (v !== undefined && !v.startsWith('-')) pairs.add(`${a}\0${v}`);
    else flags.add(a);
  }
  const headless = pairs.has('-display\0none') && [...pairs].some((p) => p.startsWith('-serial\0'));
  const out: string[] = [];
  for (let i = 0; i < extra.length; i++) {
    const a = extra[i];
    const v = extra[i + 1];
    const option = a.startsWith('-');
    const withValue = option && v !== undefined && !v.startsWith('-');
    if (withValue && pairs.has(`${a}\0${v}`)) {
      i++;
      continue;
    }
    if (option && !withValue && (flags.has(a) || (headless && HEADLESS_ALIASES.has(a)))) continue;
    out.push(a);
  }
  return [...family, ...out];
}
