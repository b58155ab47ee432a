import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import * as readline from 'node:readline';
import { cargoFlagValues, profileDir } from '../model/cargo-args.js';
import { ActionError } from '../model/errors.js';
import type { Toolchain } from '../install/toolchain.js';
import { spawnTracked } from '../proc/processes.js';
import { buildFailureReason } from './cargo-errors.js';
import { shieldFromMatchers } from './matchers.js';
import { capture } from '../proc/run.js';

/** What the standard library needs when the toolchain has no prebuilt one for the target. */
export interface BuildStd {
  crates: string[];
  features: string[];
}

/** What cargoCommand needs of the build: the target, build-std's crates and the user's arguments. */
export interface CargoCommandRequest {
  target: string;
  buildStd: BuildStd;
  cargoArgs: string[];
  /** The crate's folder: its workspace's profiles decide whether cargo test needs -Zpanic-abort-tests. */
  workingDirectory?: string;
}

export interface BuildRequest {
  /** The whole command line (cargoCommand), as the log and the dry run show it. */
  command: string[];
  workingDirectory: string;
  target: string;
  /** Extra environment the build gets on top of the runner's and the toolchain's (the family's, PATH). */
  env?: Record<string, string>;
  /** The runner's environment the build starts from (RunnerEnv.vars). */
  baseEnv: NodeJS.ProcessEnv;
  /** GITHUB_WORKSPACE: annotations name files relative to it. */
  workspace: string;
  /** Several executables are fine (the family assembles them into one image, e.g. a Microkit system). */
  manyExecutables?: boolean;
  /**
   * `test`: `cargo test --no-run` (command: test). Every test executable is the caller's to find
   * in cargo's JSON (onJson), so the one-executable check is left out.
   */
  subcommand?: 'build' | 'test';
  /** Each line of cargo's JSON messages, as it comes (test mode collects the test executables from them). */
  onJson?: (line: string) => void;
  /** Which of rustc's diagnostics become annotations (the annotations input; default all). */
  annotations?: Annotations;
}

/**
 * The annotations input (src/inputs/matrix.ts). all: rustc's errors and warnings and each failed
 * test's panic as annotations on the source. errors: the same without rustc's warnings (they stay
 * in the build log). none: no annotation on the source at all. In every case the step's own
 * failure message (the reason) stays: it is how the step fails, and the one place a reader of the
 * run's page sees why.
 */
export type Annotations = 'all' | 'errors' | 'none';

export interface BuildResult {
  /** Absolute path of the executable cargo built (the first, when several are allowed). */
  kernel: string;
  /** Every executable cargo reported, in order. */
  executables: string[];
  command: string[];
  seconds: number;
}

/**
 * The cargo command line the action runs (without the toolchain's environment): `cargo build`,
 * `cargo run` with the same arguments for the runner input's `cargo`, or `cargo test --no-run`
 * (which builds every test executable and runs none).
 */
export function cargoCommand(
  tc: Pick<Toolchain, 'cargo' | 'cargoConfig' | 'buildStd'>,
  req: CargoCommandRequest,
  subcommand: 'build' | 'run' | 'test' = 'build',
): string[] {
  const args = [tc.cargo, ...tc.cargoConfig, subcommand, ...(subcommand === 'test' ? ['--no-run'] : []), '--target', req.target];
  if (subcommand !== 'run') args.push('--message-format=json-diagnostic-rendered-ansi');
  if (tc.buildStd) {
    args.push(`-Zbuild-std=${req.buildStd.crates.join(',')}`);
    if (req.buildStd.features.length) args.push(`-Zbuild-std-features=${req.buildStd.features.join(',')}`);
    // The test profile ignores `panic = "abort"` (tests unwind), so under build-std cargo builds core
    // twice, once per strategy, and rustc fails with "duplicate lang item in crate `core`";
    // -Zpanic-abort-tests makes tests follow the profile (https://github.com/rust-lang/cargo/issues/7359,
    // https://doc.rust-lang.org/cargo/reference/unstable.html#panic-abort-tests).
    if (subcommand === 'test' && req.workingDirectory && profilesAbortOnPanic(req.workingDirectory) && !req.cargoArgs.includes('-Zpanic-abort-tests'))
      args.push('-Zpanic-abort-tests');
  }
  return [...args, ...req.cargoArgs];
}

/**
 * Does a profile of the crate in `dir` set `panic = "abort"`? Profiles count only in the
 * workspace's root manifest (https://doc.rust-lang.org/cargo/reference/profiles.html): the nearest
 * Cargo.toml at or above `dir` with a [workspace] table, else the crate's own.
 */
export function profilesAbortOnPanic(dir: string): boolean {
  const read = (file: string): Record<string, unknown> | undefined => {
    try {
      return parseToml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  let manifest = read(path.join(dir, 'Cargo.toml'));
  for (let d = path.dirname(path.resolve(dir)); manifest && !manifest.workspace; d = path.dirname(d)) {
    const up = read(path.join(d, 'Cargo.toml'));
    if (up?.workspace) manifest = up;
    if (d === path.dirname(d)) break;
  }
  const profiles = (manifest?.profile ?? {}) as Record<string, { panic?: unknown } | undefined>;
  return Object.values(profiles).some((p) => p?.panic === 'abort');
}

interface Span {
  file_name: string;
  line_start: number;
  line_end: number;
  column_start: number;
  column_end: number;
  is_primary: boolean;
}
interface Diagnostic {
  level: string;
  message: string;
  rendered?: string;
  spans: Span[];
}

/**
 * Turns a rustc diagnostic into a GitHub annotation on the right file and line, when the file is
 * the user's and the annotations input lets its level through (errors: no warnings; none: nothing).
 */
function annotate(d: Diagnostic, workspaceRoot: string, workspace: string, which: Annotations): void {
  const wanted = d.level === 'error' ? which !== 'none' : d.level === 'warning' ? which === 'all' : false;
  const kind = d.level === 'error' ? core.error : core.warning;
  if (!wanted || d.message.startsWith('aborting due to')) return;
  const span = d.spans.find((s) => s.is_primary) ?? d.spans[0];
  if (!span) {
    kind(d.message, { title: `rustc ${d.level}` });
    return;
  }
  const abs = path.resolve(workspaceRoot, span.file_name);
  const rel = path.relative(workspace, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return; // the standard library or a dependency
  kind(d.message, {
    title: `rustc ${d.level}`,
    file: rel,
    startLine: span.line_start,
    endLine: span.line_end,
    startColumn: span.line_start === span.line_end ? span.column_start : undefined,
    endColumn: span.line_start === span.line_end ? span.column_end : undefined,
  });
}

/** Builds the crate with cargo and finds the executable from cargo's JSON messages. */
export async function cargoBuild(tc: Toolchain, req: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const env = { ...req.baseEnv, ...tc.env, ...req.env } as NodeJS.ProcessEnv;
  if (env.CARGO_TERM_COLOR === undefined) env.CARGO_TERM_COLOR = 'always';

  // Where the workspace is (diagnostics' paths are relative to it): asked while the build runs.
  const workspaceRoot = capture(tc.cargo, ['locate-project', '--workspace', '--message-format', 'plain'], { cwd: req.workingDirectory, env: tc.env }).then(
    (loc) => (loc.code === 0 ? path.dirname(loc.stdout.trim()) : req.workingDirectory),
    () => req.workingDirectory,
  );

  const command = req.command;
  // In a process group of its own: a cancelled run stops cargo and every rustc and build script it started.
  const child = spawnTracked(command[0], command.slice(1), { cwd: req.workingDirectory, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // cargo's own errors (manifest, dependencies, network) come on stderr: shown as they come, and the end kept for the reason.
  let stderrTail = '';
  child.stderr!.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderrTail = (stderrTail + d.toString('utf8')).slice(-64 * 1024);
  });

  const executables: string[] = [];
  const errors: string[] = [];
  let firstRendered: string | undefined;
  const diagnostics: Diagnostic[] = [];
  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    let msg: { reason?: string; executable?: string | null; message?: Diagnostic; target?: { kind?: string[] } };
    try {
      msg = JSON.parse(line);
    } catch {
      process.stdout.write(line + '\n');
      return;
    }
    req.onJson?.(line);
    if (msg.reason === 'compiler-artifact' && msg.executable) {
      executables.push(msg.executable);
    } else if (msg.reason === 'compiler-message' && msg.message) {
      // Indented, so a problem matcher of an earlier step does not annotate what annotate() below does (matchers.ts).
      if (msg.message.rendered) process.stdout.write(shieldFromMatchers(msg.message.rendered));
      if (msg.message.level === 'error' && !msg.message.message.startsWith('aborting due to')) {
        if (errors.length === 0) firstRendered = msg.message.rendered;
        errors.push(msg.message.message);
      }
      diagnostics.push(msg.message);
    }
  });

  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (e) => reject(new ActionError(`Could not run ${command[0]}: ${e.message}`)));
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  const seconds = (Date.now() - started) / 1000;
  const root = await workspaceRoot;
  for (const d of diagnostics) annotate(d, root, req.workspace, req.annotations ?? 'all');
  if (status !== 0) throw new ActionError(buildFailureReason({ status, signal, errors, firstRendered, stderr: stderrTail }));
  const unique = [...new Set(executables)];
  if (req.subcommand === 'test') return { kernel: unique[0] ?? '', executables: unique, command, seconds };
  if (unique.length === 0) {
    throw new ActionError(
      `cargo build produced no executable for ${req.target}. Build a binary crate (src/main.rs or a [[bin]]), choose one with cargo-args (for example --bin NAME or -p PACKAGE), or boot a prebuilt image with the kernel input.`,
    );
  }
  if (unique.length > 1 && !req.manyExecutables) {
    const names = unique.map((e) => path.basename(e)).join(', ');
    throw new ActionError(
      `cargo build produced ${unique.length} executables (${names}); the action boots one. Choose it with cargo-args: --bin NAME (or -p PACKAGE), or give the kernel input.`,
    );
  }
  return { kernel: unique[0], executables: unique, command, seconds };
}

/**
 * The path of the executable `cargo build` will produce, from `cargo metadata` (target directory,
 * the packages and their bin targets) and the build's arguments (profile, -p, --bin), without
 * building: for the dry-run plan. A string saying why when it cannot tell.
 */
export async function predictExecutable(
  cargo: { cargo: string; env: Record<string, string>; cargoConfig: string[] },
  req: { workingDirectory: string; target: string; cargoArgs: string[] },
): Promise<{ path: string } | { why: string }> {
  const r = await capture(cargo.cargo, [...cargo.cargoConfig, 'metadata', '--format-version', '1', '--no-deps', '--offline'], {
    cwd: req.workingDirectory,
    env: cargo.env,
  });
  if (r.code !== 0) return { why: `cargo metadata failed (${r.stderr.split('\n').find((l) => l.startsWith('error')) ?? `exit status ${r.code}`})` };
  type Meta = {
    target_directory: string;
    workspace_default_members?: string[];
    packages: { id: string; name: string; manifest_path: string; targets: { kind: string[]; name: string }[] }[];
  };
  const meta = JSON.parse(r.stdout) as Meta;
  const packages = cargoFlagValues(req.cargoArgs, '--package', '-p');
  const here = meta.packages.find((p) => path.dirname(p.manifest_path) === path.resolve(req.workingDirectory));
  const chosen = packages.length
    ? meta.packages.filter((p) => packages.includes(p.name))
    : here
      ? [here]
      : meta.packages.filter((p) => (meta.workspace_default_members ?? []).includes(p.id));
  const wanted = cargoFlagValues(req.cargoArgs, '--bin');
  const bins = chosen.flatMap((p) => p.targets.filter((t) => t.kind.includes('bin') && (wanted.length === 0 || wanted.includes(t.name))).map((t) => t.name));
  if (bins.length !== 1) return { why: `the crate has ${bins.length} binaries (${bins.join(', ') || 'none'}); the build decides` };
  // UEFI targets produce a PE named <bin>.efi.
  const suffix = req.target.endsWith('-uefi') ? '.efi' : '';
  return { path: path.join(meta.target_directory, req.target, profileDir(req.cargoArgs), bins[0] + suffix) };
}
