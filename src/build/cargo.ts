import * as core from '@actions/core';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { ActionError } from '../errors.js';
import type { Toolchain } from '../install/toolchain.js';
import { track } from '../boot/processes.js';
import type { BuildStd } from '../targets/types.js';
import { capture } from '../install/run.js';

export interface BuildRequest {
  workingDirectory: string;
  target: string;
  buildStd: BuildStd;
  cargoArgs: string[];
  /** Extra environment the target family needs for the build. */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE: annotations name files relative to it. */
  workspace: string;
}

export interface BuildResult {
  /** Absolute path of the executable cargo built. */
  kernel: string;
  command: string[];
  seconds: number;
}

/**
 * The cargo command line the action runs (without the toolchain's environment): `cargo build`,
 * `cargo run` with the same arguments for the runner input's `cargo`, or `cargo test --no-run`
 * (which builds every test executable and runs none).
 */
export function cargoCommand(tc: Pick<Toolchain, 'cargo' | 'cargoConfig' | 'buildStd'>, req: Pick<BuildRequest, 'target' | 'buildStd' | 'cargoArgs'>, subcommand: 'build' | 'run' | 'test' = 'build'): string[] {
  const args = [tc.cargo, ...tc.cargoConfig, subcommand, ...(subcommand === 'test' ? ['--no-run'] : []), '--target', req.target];
  if (subcommand !== 'run') args.push('--message-format=json-diagnostic-rendered-ansi');
  if (tc.buildStd) {
    args.push(`-Zbuild-std=${req.buildStd.crates.join(',')}`);
    if (req.buildStd.features.length) args.push(`-Zbuild-std-features=${req.buildStd.features.join(',')}`);
  }
  return [...args, ...req.cargoArgs];
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

/** Turns a rustc diagnostic into a GitHub annotation on the right file and line, when the file is the user's. */
function annotate(d: Diagnostic, workspaceRoot: string, workspace: string): void {
  const kind = d.level === 'error' ? core.error : d.level === 'warning' ? core.warning : undefined;
  if (!kind || d.message.startsWith('aborting due to')) return;
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
  const env = { ...process.env, ...tc.env, ...req.env } as NodeJS.ProcessEnv;
  if (env.CARGO_TERM_COLOR === undefined) env.CARGO_TERM_COLOR = 'always';

  // Where the workspace is (diagnostics' paths are relative to it): asked while the build runs.
  const workspaceRoot = capture(tc.cargo, ['locate-project', '--workspace', '--message-format', 'plain'], { cwd: req.workingDirectory, env: tc.env }).then(
    (loc) => (loc.code === 0 ? path.dirname(loc.stdout.trim()) : req.workingDirectory),
    () => req.workingDirectory,
  );

  const command = cargoCommand(tc, req);
  core.info(`[command]${command.join(' ')}`);
  const child = spawn(command[0], command.slice(1), { cwd: req.workingDirectory, env, stdio: ['ignore', 'pipe', 'inherit'] });
  track(child);

  const executables: string[] = [];
  const errors: string[] = [];
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
    if (msg.reason === 'compiler-artifact' && msg.executable) {
      executables.push(msg.executable);
    } else if (msg.reason === 'compiler-message' && msg.message) {
      if (msg.message.rendered) process.stdout.write(msg.message.rendered);
      if (msg.message.level === 'error' && !msg.message.message.startsWith('aborting due to')) errors.push(msg.message.message);
      diagnostics.push(msg.message);
    }
  });

  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => reject(new ActionError(`Could not run ${command[0]}: ${e.message}`)));
    child.once('close', (code) => resolve(code));
  });
  const seconds = (Date.now() - started) / 1000;
  const root = await workspaceRoot;
  for (const d of diagnostics) annotate(d, root, req.workspace);
  if (status !== 0) {
    const first = errors[0] ? `: ${errors[0]}` : '';
    throw new ActionError(`cargo build failed (exit status ${status}) with ${errors.length} error${errors.length === 1 ? '' : 's'}${first}. The errors are annotated on the source and shown in the build log.`);
  }
  const unique = [...new Set(executables)];
  if (unique.length === 0) {
    throw new ActionError(`cargo build produced no executable for ${req.target}. Build a binary crate (src/main.rs or a [[bin]]), choose one with cargo-args (for example --bin NAME or -p PACKAGE), or boot a prebuilt image with the kernel input.`);
  }
  if (unique.length > 1) {
    const names = unique.map((e) => path.basename(e)).join(', ');
    throw new ActionError(`cargo build produced ${unique.length} executables (${names}); the action boots one. Choose it with cargo-args: --bin NAME (or -p PACKAGE), or give the kernel input.`);
  }
  return { kernel: unique[0], command, seconds };
}
