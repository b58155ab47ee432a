/**
 * Why a cargo build failed, in cargo's own words. rustc's diagnostics come as JSON messages on
 * stdout (--message-format=json-...) and are annotated on the source; cargo's own errors (a broken
 * Cargo.toml, a dependency that cannot be fetched, no network) go to stderr as text:
 * `error: <what>` followed by `Caused by:` blocks (cargo's src/cargo/util/errors.rs and
 * display_error in src/cargo/lib.rs). Pure functions of that text.
 */

import { cleanLine } from '../model/ansi.js';

/** How many lines after cargo's `error:` line the reason quotes. */
export const CONTEXT_LINES = 6;

/**
 * Cargo's first `error:` line and the few lines after it (each `Caused by:` joined to the line it
 * introduces, blank lines left out), or undefined when cargo printed no `error:` line.
 */
export function cargoErrorExcerpt(stderr: string, context = CONTEXT_LINES): string[] | undefined {
  const lines = cleanLine(stderr).split('\n');
  const at = lines.findIndex((l) => /^error(\[\w+\])?:/.test(l));
  if (at < 0) return undefined;
  const out = [lines[at].trim()];
  for (let i = at + 1; i < lines.length && out.length <= context; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    if (/^(warning|error)(\[\w+\])?:/.test(l) || /^(Compiling|Finished|Building|Running)\b/.test(l)) break;
    if (out[out.length - 1] === 'Caused by:') out[out.length - 1] = `Caused by: ${l}`;
    else out.push(l);
  }
  return out;
}

/** The last non-blank lines of the text (escape codes removed). */
export function lastLines(text: string, n: number): string[] {
  return cleanLine(text)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim())
    .slice(-n);
}

export interface BuildFailure {
  /** cargo's exit status, or null when a signal ended it. */
  status: number | null;
  signal?: NodeJS.Signals | null;
  /** rustc's error messages (JSON diagnostics, without "aborting due to"). */
  errors: string[];
  /** The text of the first rustc error as rustc rendered it (has the linker's output for a link failure). */
  firstRendered?: string;
  /** The end of what cargo printed on stderr. */
  stderr: string;
}

/**
 * The reason a failed build gives: rustc's errors when there were some (they are annotated), else
 * cargo's own error line and the lines after it, else the last lines cargo printed. Its first line
 * says what failed; the quoted lines follow, one per line.
 */
export function buildFailureReason(f: BuildFailure): string {
  const how = f.status === null ? `was stopped by ${f.signal ?? 'a signal'}` : `failed (exit status ${f.status})`;
  if (f.errors.length) {
    const n = f.errors.length;
    const head = `cargo build ${how} with ${n} error${n === 1 ? '' : 's'}: ${f.errors[0]}.`;
    // An error without a place in the source (a link failure): rustc's notes carry the why.
    const detail = f.firstRendered ? renderedDetail(f.firstRendered) : [];
    return detail.length ? `${head}\n${detail.join('\n')}` : `${head} The errors are annotated on the source and shown in the build log.`;
  }
  const cargo = cargoErrorExcerpt(f.stderr);
  if (cargo) return `cargo build ${how}; cargo said:\n${cargo.join('\n')}`;
  const tail = lastLines(f.stderr, CONTEXT_LINES);
  return tail.length
    ? `cargo build ${how} without an error message; its last lines:\n${tail.join('\n')}`
    : `cargo build ${how} and printed nothing on its error output; see the build log.`;
}

/**
 * The useful lines of a rendered rustc error that has no source span, such as `linking with
 * rust-lld failed`: its `note:` lines, without the one that holds the whole linker command line
 * (very long and quoted), and the linker's own `error:` lines.
 */
function renderedDetail(rendered: string): string[] {
  const lines = cleanLine(rendered)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.some((l) => /^-->/.test(l))) return []; // has a place in the source: annotated there
  return lines
    .slice(1)
    .filter((l) => l !== '|' && l.length <= 400 && !/^= note:\s+"/.test(l) && !/^= note: (some arguments are omitted|LC_ALL=)/.test(l))
    .map((l) => l.replace(/^= /, ''))
    .slice(0, CONTEXT_LINES);
}
