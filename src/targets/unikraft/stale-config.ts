import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The `.config.<target>_<plat>-<arch>` file kraft writes beside the Kraftfile when it configures a
 * target (kraftkit unikraft/target/target.go ConfigFilename, kconfig.DotConfigFileName ".config",
 * https://github.com/unikraft/kraftkit/blob/staging/unikraft/target/target.go).
 *
 * When it is there, `kraft build` asks "project already configured, are you sure you want to rerun
 * the configure step" (internal/cli/kraft/build/builder_kraftfile_unikraft.go); the question came in
 * mid 2024 without a KRAFTKIT_NO_PROMPT check (kraftkit commit e26fd87, "Prompt for rerunning configure
 * step"), which later releases added; cargo gives the linker (kraftld) no terminal,
 * so a second link in the same folder fails: a debug then a release build in one job, a re-run on a
 * self-hosted runner, a committed file, or two binaries in one cargo build. Newer releases skip the
 * question under KRAFTKIT_NO_PROMPT and configure again from the Kraftfile anyway. So the file is
 * removed before each link: kraft then regenerates it from the Kraftfile, which is what a fresh
 * checkout gets too.
 */
export function staleConfigName(targetName: string, plat: string, arch: string): string {
  return `.config.${targetName}_${plat}-${arch}`;
}

/** Removes the stale `.config.<...>` beside the Kraftfile; returns its path when there was one. */
export function removeStaleConfig(kraftfileDir: string, targetName: string, plat: string, arch: string): string | undefined {
  const file = path.join(kraftfileDir, staleConfigName(targetName, plat, arch));
  if (!fs.existsSync(file)) return undefined;
  fs.rmSync(file, { force: true });
  return file;
}

/** What the log says when a stale file was removed. */
export function staleConfigNote(file: string): string {
  return `Removed ${file} (written by an earlier kraft build): with it, kraft build asks "project already configured" and waits for an answer the linker cannot give. kraft regenerates it from the Kraftfile.`;
}

/** The lines a Unikraft app's .gitignore should have, so kraft's output is never committed. */
export const GITIGNORE_LINES = ['/.unikraft', '/.config.*'];
