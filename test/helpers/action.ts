import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tempDir } from './tmp.js';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.join(ROOT, 'dist', 'index.js');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  seconds: number;
  /** QEMU processes of this run (their command line names qemuMarker) still alive right after the action exited. */
  leftoverQemu: string[];
}

/** Parses a GITHUB_OUTPUT file (name<<delimiter ... delimiter blocks). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const [, name, delim] = m;
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delim) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return out;
}

export function qemuProcesses(): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', '^qemu-system|/qemu-system'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Processes (other than this one) whose command line or environment holds `marker`, such as a run's
 * CARGO_TARGET_DIR: cargo, every rustc and build script it started, QEMU. Lines of `pid command`.
 */
export function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (!cmd) continue; // a zombie or kernel thread
      if (cmd.includes(marker) || fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) found.push(`${pid} ${cmd}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * Runs the bundled action (dist/index.js) the way the runner does: inputs as INPUT_* variables,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, a workspace and a RUNNER_TEMP.
 */
export async function runAction(
  inputs: Record<string, string>,
  opts: {
    workspace?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    qemuMarker?: string;
    signal?: { when: RegExp; signal: NodeJS.Signals; delayMs?: number };
  } = {},
): Promise<ActionRun> {
  const tmp = tempDir('action-run-');
  const outFile = path.join(tmp, 'output');
  const sumFile = path.join(tmp, 'summary');
  fs.writeFileSync(outFile, '');
  fs.writeFileSync(sumFile, '');
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith('INPUT_') || k.startsWith('GITHUB_')) delete env[k];
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outFile,
    GITHUB_STEP_SUMMARY: sumFile,
    GITHUB_WORKSPACE: opts.workspace ?? ROOT,
    RUNNER_TEMP: tmp,
    ...opts.env,
  });
  const started = Date.now();
  const child = spawn(process.execPath, [DIST], { env, cwd: opts.workspace ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (d) => {
    stdout += d;
    // Like the runner cancelling the step: signal the action once its output shows it got this far.
    if (opts.signal && !signalled && opts.signal.when.test(stdout)) {
      signalled = true;
      setTimeout(() => child.kill(opts.signal!.signal), opts.signal.delayMs ?? 0);
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(fs.readFileSync(outFile, 'utf8')),
    summary: fs.readFileSync(sumFile, 'utf8'),
    seconds: (Date.now() - started) / 1000,
    leftoverQemu: qemuProcesses().filter((p) => p.includes(opts.qemuMarker ?? opts.env?.CARGO_TARGET_DIR ?? tmp)),
  };
}
