/** An error whose message already tells the user what to change. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

/** A bad input: names the input, what was wrong and what would be valid. */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    problem: string,
    valid: string,
  ) {
    super(`Input '${input}': ${problem}. ${valid}`);
    this.name = 'InputError';
  }
}

/**
 * The action could not do its part, for a reason outside the user's crate and guest: no sudo,
 * apt-get failed, a download was refused or did not match its checksum, rustup could not install
 * the toolchain, KVM was required but does not work. Reported as `result: error` (the step still
 * fails), so a workflow can tell "my kernel is broken" from "the runner is".
 */
export class InfraError extends ActionError {
  constructor(
    message: string,
    /** What broke, for the log and the summary: 'install', 'download', 'toolchain', 'kvm', ... */
    readonly part: string,
  ) {
    super(message);
    this.name = 'InfraError';
  }
}

/** The `result` output of a run. */
export type Result = 'pass' | 'fail' | 'error' | 'dry-run';

/**
 * The `result` of a run that ended with this error:
 * - `fail`: the user's crate or guest failed what was asked of it: the build failed, the image is
 *   not what the target boots, the guest failed, timed out or exited wrongly (a plain ActionError);
 * - `error`: the run could not judge the guest at all: an infrastructure failure (InfraError), an
 *   input the action refuses (InputError: the workflow must change, not the kernel), or an
 *   unexpected exception (a bug of the action).
 */
export function resultOf(e: unknown): Exclude<Result, 'pass' | 'dry-run'> {
  if (e instanceof InfraError || e instanceof InputError) return 'error';
  if (e instanceof ActionError) return 'fail';
  return 'error';
}
