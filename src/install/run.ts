import * as exec from '@actions/exec';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv };

async function run(cmd: string, args: string[], opts: RunOptions, silent: boolean): Promise<Captured> {
  try {
    const r = await exec.getExecOutput(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ? ({ ...process.env, ...opts.env } as Record<string, string>) : undefined,
      silent,
      ignoreReturnCode: true,
    });
    return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    // The command could not be started at all (not found).
    return { code: 127, stdout: '', stderr: (e as Error).message };
  }
}

/** Runs a command quietly and returns what it printed; never throws on a non-zero exit. */
export const capture = (cmd: string, args: string[], opts: RunOptions = {}) => run(cmd, args, opts, true);

/** Runs a command with its output in the log; returns its exit status and output. */
export const runLogged = (cmd: string, args: string[], opts: RunOptions = {}) => run(cmd, args, opts, false);

/** The line of a command's error output that says what went wrong: its first `error:` line, else its last line. */
export function errorLine(text: string): string {
  const err = text.split('\n').find((l) => /^error\b/i.test(l.trim()));
  if (err) return err.trim();
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}
