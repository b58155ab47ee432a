import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from './errors.js';

/**
 * The folders a path input may lead into: the workspace, and the runner's own temporary folders
 * (RUNNER_TEMP and the system's temp folder), where earlier steps download and build things.
 * `env` is the runner's environment as main.ts read it (RunnerEnv.vars).
 */
export function allowedRoots(workspace: string, env: NodeJS.ProcessEnv): string[] {
  return [workspace, env.RUNNER_TEMP, os.tmpdir()].filter((d): d is string => !!d);
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

const within = (file: string, root: string) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * Refuses a path input (`raw`, resolved to `resolved`) that leads outside the workspace and the
 * runner's temp folders once `..`, absolute paths and symbolic links are followed (realpath): a
 * workflow input such as `kernel: ../../../etc/passwd`, or a symlink committed into the repository,
 * must not make the action boot, mount or build a file from elsewhere on the runner. Returns the
 * path as resolved (its links kept, so messages show the path the user wrote).
 */
export function insideWorkspace(input: string, raw: string, resolved: string, roots: string[]): string {
  const file = real(resolved);
  if (roots.some((r) => within(file, real(r)))) return path.resolve(resolved);
  const how = file !== path.resolve(resolved) ? ` through a symbolic link (${resolved} -> ${file})` : ` (${file})`;
  throw new InputError(
    input,
    `'${raw}' leads outside the workspace${how}`,
    `Give a path inside the workspace (${roots[0]}) or under RUNNER_TEMP, where earlier steps can put downloads: the action reads no other file of the runner.`,
  );
}

/**
 * A name as a file name (the run's name in its log and JUnit files' names): letters, digits, `_`,
 * `.` and `-` kept, every other run of characters one `_`, no leading or trailing `_`, `.` or `-`
 * (no hidden file, no `..`, no option-like name), at most 100 characters; `run` when nothing is left.
 */
export function safeFileName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[_.-]+|[_.-]+$/g, '')
      .slice(0, 100)
      .replace(/[_.-]+$/, '') || 'run'
  );
}

/** Is `file` a regular file this process may execute? */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
