/**
 * Keeps rustc's diagnostics in the log from being annotated a second time.
 *
 * The action annotates every rustc error and warning itself, from cargo's JSON messages, on the
 * right file (relative to the workspace). A problem matcher that an earlier step registered for the
 * whole job reads the same diagnostics in the log as well: actions-rust-lang/setup-rust-toolchain
 * adds one (owner `clippy`, in
 * https://github.com/actions-rust-lang/setup-rust-toolchain/blob/main/rust.json) whose first
 * pattern is `^(?:ANSI)*(warning|warn|error)...: message` and whose second is `--> file:line:col`;
 * the runner strips colour codes before matching
 * (https://github.com/actions/runner/blob/main/src/Runner.Worker/Handlers/OutputManager.cs). Each
 * error would then be annotated twice, the second time on a crate-relative path that GitHub
 * cannot place.
 *
 * Removing the matcher (`::remove-matcher owner=clippy::`) would last for the rest of the job, and
 * switch off the user's own later clippy step: not ours to do. Instead, every line of a diagnostic
 * the action echoes is indented by two spaces. No matcher anchored at the start of a line (that one,
 * or r7kamura/rust-problem-matchers' `rust-compiler`) sees a line starting with `error` or
 * `warning` then, and the log reads the same.
 */
export const DIAGNOSTIC_INDENT = '  ';

/** A rendered rustc diagnostic, as the action prints it: each line indented. */
export function shieldFromMatchers(rendered: string): string {
  return rendered.replace(/^(?=.)/gm, DIAGNOSTIC_INDENT);
}
