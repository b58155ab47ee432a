import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The runner's environment, read once in main.ts and passed down: where the workspace, the scratch
 * space and the tool cache are. Nothing else reads process.env for a decision; a child process's
 * environment is built from `vars` where it is spawned.
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables)
 */
export interface RunnerEnv {
  /** GITHUB_WORKSPACE, else the current folder: relative paths in inputs start there. */
  workspace: string;
  /** RUNNER_TEMP, else the system's temporary folder: scratch files of this run. */
  temp: string;
  /** RUNNER_TOOL_CACHE: where tools are kept across jobs on the same runner (undefined: not on a runner, nothing is kept). */
  toolCache?: string;
  /** CARGO_HOME, else ~/.cargo. */
  cargoHome: string;
  /** The whole environment, for the environment of child processes. */
  vars: NodeJS.ProcessEnv;
}

export function readRunnerEnv(vars: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RunnerEnv {
  return {
    workspace: vars.GITHUB_WORKSPACE || cwd,
    temp: vars.RUNNER_TEMP || os.tmpdir(),
    toolCache: vars.RUNNER_TOOL_CACHE || undefined,
    cargoHome: vars.CARGO_HOME || path.join(os.homedir(), '.cargo'),
    vars,
  };
}
