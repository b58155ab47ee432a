import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where a Rust panic happened, from the line the guest printed, so that it can be annotated on the
 * source. Rust prints `panicked at FILE:LINE:COL:` and the message on the next line since 1.73
 * (https://github.com/rust-lang/rust/pull/112849); before, `panicked at 'MESSAGE', FILE:LINE:COL`.
 * Bare-metal panic handlers that print the PanicInfo (`{info}`) use the same forms, often after a
 * prefix (`[PANIC] `, `thread 'main' `). FILE is as rustc saw it: relative to the cargo workspace
 * root for the workspace's own crates, absolute (or `/rustc/<hash>/library/...`) for others.
 */
export interface PanicSite {
  /** The file as printed. */
  file: string;
  line: number;
  column?: number;
  /** The panic message when the line (or the one after it) carries it. */
  message?: string;
}

const NEW = /panicked at ([^\s'"]+?\.rs):(\d+)(?::(\d+))?:?\s*(.*)$/;
const OLD = /panicked at '(.*)', ([^\s'"]+?\.rs):(\d+)(?::(\d+))?/;

/** Reads a panic site from one line (escape codes already removed); `next` is the line after it. */
export function parsePanic(line: string, next?: string): PanicSite | undefined {
  const old = OLD.exec(line);
  if (old) return { file: old[2], line: Number(old[3]), column: old[4] ? Number(old[4]) : undefined, message: old[1] || undefined };
  const m = NEW.exec(line);
  if (!m) return undefined;
  const message = m[4].trim() || next?.trim() || undefined;
  return { file: m[1], line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined, message };
}

export interface PanicAnnotation {
  /** Relative to the workspace (GITHUB_WORKSPACE), as annotations name files. */
  file: string;
  line: number;
  column?: number;
  message: string;
}

/**
 * The annotation for the first panic among `lines` whose file is one of the crate's: the printed
 * path is looked up from the crate folder and each folder above it up to the workspace (rustc's
 * paths are relative to the cargo workspace root, which may be above the crate), or taken as it is
 * when absolute. Nothing when the file does not exist there or lies outside the workspace (std,
 * a dependency).
 */
export function panicAnnotation(
  lines: string[],
  crateDir: string,
  workspace: string,
  exists: (p: string) => boolean = (p) => fs.existsSync(p) && fs.statSync(p).isFile(),
): PanicAnnotation | undefined {
  const ws = path.resolve(workspace);
  for (let i = 0; i < lines.length; i++) {
    const site = parsePanic(lines[i], lines[i + 1]);
    if (!site) continue;
    const found = candidates(site.file, path.resolve(crateDir), ws).find(exists);
    if (!found) continue;
    return { file: path.relative(ws, found), line: site.line, column: site.column, message: site.message ? `panicked: ${site.message}` : 'panicked here' };
  }
  return undefined;
}

function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function candidates(file: string, crateDir: string, ws: string): string[] {
  if (path.isAbsolute(file)) return inside(ws, file) ? [path.normalize(file)] : [];
  const out: string[] = [];
  for (let d = crateDir; ; d = path.dirname(d)) {
    const p = path.resolve(d, file);
    if (inside(ws, p)) out.push(p);
    if (d === ws || !inside(ws, d) || path.dirname(d) === d) break;
  }
  return out;
}

/** Annotates the guest's panic on the crate's source (a GitHub error annotation), when it is there. */
export function annotatePanic(
  lines: string[],
  crateDir: string,
  workspace: string,
  error: (message: string, props: { title: string; file: string; startLine: number; startColumn?: number }) => void,
): PanicAnnotation | undefined {
  const a = panicAnnotation(lines, crateDir, workspace);
  if (a) error(a.message, { title: 'Guest panic', file: a.file, startLine: a.line, startColumn: a.column });
  return a;
}
