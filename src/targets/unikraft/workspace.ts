import { shellQuote } from '../../model/shell.js';
import * as path from 'node:path';
import { capture, errorLine } from '../../proc/run.js';
import { staleConfigName } from './stale-config.js';

/**
 * Where kraftld runs, and how the action makes it run beside the Kraftfile.
 *
 * rustc runs the linker in its own working directory, and cargo runs rustc in the Cargo
 * **workspace root** (cargo's `path_args()`, src/cargo/core/compiler/mod.rs:
 * https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/mod.rs). KraftKit's kraftld
 * (https://github.com/unikraft/kraftkit/blob/staging/scripts/kraftld) runs plain `kraft build` there
 * and then copies `.unikraft/build/<target>_<plat>-<arch>` from there; kraft looks for the
 * Kraftfile in that folder and its parents only (unikraft/app/project_options.go
 * WithProjectDefaultKraftfiles). So a crate that is a member of a larger workspace, with its
 * Kraftfile beside it, would fail to link (or link another app's Kraftfile found higher up).
 *
 * The action therefore puts a small `kraftld` of its own first on PATH (the target spec names the
 * linker `kraftld`, looked up on PATH): it makes the linker's relative path arguments absolute,
 * removes kraft's stale `.config.<target>_<plat>-<arch>` (stale-config.ts), changes to the
 * Kraftfile's folder and runs KraftKit's real kraftld there with the same arguments.
 */

/** The folder of the workspace's root manifest, from `cargo locate-project --workspace --message-format plain`. */
export function parseLocateProject(stdout: string): string | undefined {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.endsWith('Cargo.toml'));
  return line && path.isAbsolute(line) ? path.dirname(line) : undefined;
}

/** Asks cargo for the workspace root of the crate in `dir`; an error text when cargo cannot say. */
export async function locateWorkspaceRoot(cargo: string, dir: string, env?: Record<string, string>): Promise<{ root: string } | { error: string }> {
  const r = await capture(cargo, ['locate-project', '--workspace', '--message-format', 'plain'], { cwd: dir, env });
  const root = r.code === 0 ? parseLocateProject(r.stdout) : undefined;
  return root ? { root } : { error: `cargo locate-project --workspace failed: ${errorLine(r.stderr) || `exit status ${r.code}`}` };
}

/** One sentence for the log: where cargo will run the linker, and where kraft will run. */
export function linkDirNote(workspaceRoot: string | undefined, kraftfileDir: string): string {
  if (workspaceRoot === undefined)
    return `kraftld will run kraft build in ${kraftfileDir}, where the Kraftfile is (the action's kraftld wrapper changes there).`;
  if (path.resolve(workspaceRoot) === path.resolve(kraftfileDir))
    return `kraftld runs kraft build in ${kraftfileDir}, the Cargo workspace root, where the Kraftfile is.`;
  return `The crate is a member of the Cargo workspace at ${workspaceRoot}, where cargo runs the linker; the action's kraftld wrapper runs kraft build in ${kraftfileDir}, where the Kraftfile is.`;
}

/**
 * The text of the `kraftld` wrapper: run by rustc with the linker's arguments in the workspace
 * root, it makes relative paths absolute against that folder (an argument that names an existing
 * file, or the value after -o or -L), removes the stale kraft configuration of the target being
 * built, and runs the real kraftld in the Kraftfile's folder.
 */
export function kraftldWrapper(opts: { realKraftld: string; kraftfileDir: string; plat: string; arch: string }): string {
  const stale = staleConfigName('${KRAFTKIT_TARGET:-}', '${KRAFTKIT_PLAT:-' + opts.plat + '}', '${KRAFTKIT_ARCH:-' + opts.arch + '}');
  return [
    '#!/bin/sh',
    "# kraftld wrapper written by unikernel-boot-action: runs KraftKit's kraftld in the Kraftfile's",
    '# folder, whatever folder rustc runs the linker in (cargo runs rustc in the workspace root).',
    'set -eu',
    `dir=${shellQuote(opts.kraftfileDir)}`,
    `real=${shellQuote(opts.realKraftld)}`,
    'n=$#',
    "prev=''",
    'for a in "$@"; do',
    '  b=$a',
    '  case "$a" in',
    '    /*|-*) ;;',
    '    *) if [ -e "$a" ] || [ "$prev" = -o ] || [ "$prev" = -L ]; then b="$PWD/$a"; fi ;;',
    '  esac',
    '  set -- "$@" "$b"',
    '  prev=$a',
    'done',
    'shift "$n"',
    '# kraft asks "project already configured" when this file exists, and the linker has no terminal.',
    `rm -f "$dir/${stale}"`,
    'cd "$dir"',
    'exec "$real" "$@"',
    '',
  ].join('\n');
}
