// What is left out of the build entry when it is saved, following Swatinem/rust-cache's rules
// (https://github.com/Swatinem/rust-cache/blob/master/src/cleanup.ts, README "Cache Details"):
// incremental folders, and the artifacts of units the build did not use (crates no longer in the
// graph, older versions, another profile, what an earlier entry held). Where rust-cache keeps only
// the dependencies `cargo metadata` lists, and so loses what -Zbuild-std builds (core,
// compiler_builtins, alloc, std are in no manifest's graph), the units kept here are the ones cargo
// itself reported for this build (its JSON messages, fresh units included): build-std's among them.
//
// "Not used by this build" is told by cargo's unit hash, not by a file's age: cargo leaves a fresh
// unit's files as they are, so after a warm build everything it reused is older than the build.
//
// The left-out paths are set aside (renamed next to the cached folders) while the entry is saved and
// put back after: the save happens in the step, and later steps of the job may use them.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** cargo's unit hash, as it ends a file or folder name: `libcore-7f76cd06a251674d.rlib`, `.fingerprint/core-7f76cd06a251674d`. */
const UNIT_NAME = /^(.+?)-([0-9a-f]{16})(?:\..*)?$/;

/** The folders of a profile cargo names by unit (https://doc.rust-lang.org/cargo/reference/build-cache.html). */
const UNIT_FOLDERS = ['deps', '.fingerprint', 'build', 'examples'];

/**
 * The units of one build, from cargo's JSON messages (`--message-format=json`): every file cargo
 * reported (compiler-artifact filenames and executable, build-script-executed out_dir), fresh or not.
 */
export class BuildUnits {
  readonly files = new Set<string>();
  /** cargo said the build finished and succeeded: the list is the whole graph, not what a failed build reached. */
  complete = false;

  line(text: string): void {
    if (!text.startsWith('{')) return;
    let msg: { reason?: string; filenames?: unknown; executable?: unknown; out_dir?: unknown; success?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.reason === 'compiler-artifact') {
      for (const f of Array.isArray(msg.filenames) ? msg.filenames : []) if (typeof f === 'string') this.files.add(f);
      if (typeof msg.executable === 'string') this.files.add(msg.executable);
    } else if (msg.reason === 'build-script-executed' && typeof msg.out_dir === 'string') this.files.add(msg.out_dir);
    else if (msg.reason === 'build-finished') this.complete = msg.success === true;
  }
}

export interface Removal {
  path: string;
  why: 'incremental' | 'unused';
  bytes: number;
}

/** Bytes of the files under `p` (lstat: links count as links). 0 for a path that does not exist. */
export function treeBytes(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of fs.readdirSync(p)) n += treeBytes(path.join(p, e));
  return n;
}

const isDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The profile folders under a cached folder: the folder itself when it is one (`<target-dir>/debug`), else its subfolders that are (`<target-dir>/<target>/release`), as rust-cache tells them. */
export function profileDirs(root: string): string[] {
  const isProfile = (d: string) => [...UNIT_FOLDERS, 'incremental'].some((f) => isDir(path.join(d, f)));
  if (!isDir(root)) return [];
  if (isProfile(root)) return [root];
  return fs
    .readdirSync(root)
    .map((e) => path.join(root, e))
    .filter((d) => isDir(d) && isProfile(d));
}

/**
 * The unit hashes of a build: those in the names of the files it reported, and, for a file cargo
 * reported under another name (an executable uplifted to `<profile>/kernel`, a hard link of
 * `deps/kernel-<hash>`), the hash of the file in `deps` that is the same file.
 */
export function unitHashes(units: BuildUnits, profiles: string[]): Set<string> {
  const hashes = new Set<string>();
  const unnamed: string[] = [];
  for (const f of units.files) {
    const found = f
      .split(/[\\/]/)
      .map((c) => UNIT_NAME.exec(c)?.[2])
      .filter((h): h is string => !!h);
    for (const h of found) hashes.add(h);
    if (!found.length) unnamed.push(f);
  }
  if (!unnamed.length) return hashes;
  const byInode = new Map<string, string>();
  for (const p of profiles) {
    const deps = path.join(p, 'deps');
    if (!isDir(deps)) continue;
    for (const e of fs.readdirSync(deps)) {
      const h = UNIT_NAME.exec(e)?.[2];
      if (!h) continue;
      try {
        const st = fs.statSync(path.join(deps, e));
        byInode.set(`${st.dev}:${st.ino}`, h);
      } catch {
        // gone since it was listed
      }
    }
  }
  for (const f of unnamed) {
    try {
      const st = fs.statSync(f);
      const h = byInode.get(`${st.dev}:${st.ino}`);
      if (h) hashes.add(h);
    } catch {
      // a folder or a file the build reported and then removed: nothing to match
    }
  }
  return hashes;
}

/**
 * What to leave out of the entry, in the cached target folders `roots`:
 * - every profile's `incremental/` (the action's build runs with CARGO_INCREMENTAL=0, but cargo
 *   still makes the folders, and a workflow's CARGO_INCREMENTAL or an earlier step may fill them);
 * - with the units of a build that succeeded: in `deps`, `.fingerprint`, `build` and `examples`,
 *   what is named by a unit hash the build did not use; at the top of a profile, files that are not
 *   what the build reported (an executable no longer built) nor its dep-info. Names without a unit
 *   hash (cargo's lock files, a layout this code does not know) are kept.
 */
export function planCleanup(roots: string[], units: BuildUnits | undefined): Removal[] {
  const profiles = roots.flatMap(profileDirs);
  const out: Removal[] = [];
  const remove = (p: string, why: Removal['why']) => out.push({ path: p, why, bytes: treeBytes(p) });
  for (const p of profiles) if (isDir(path.join(p, 'incremental'))) remove(path.join(p, 'incremental'), 'incremental');
  if (!units?.complete || units.files.size === 0) return out;
  const hashes = unitHashes(units, profiles);
  const reportedStems = new Set([...units.files].map((f) => path.join(path.dirname(f), path.basename(f).split('.')[0])));
  for (const p of profiles) {
    for (const folder of UNIT_FOLDERS) {
      const dir = path.join(p, folder);
      if (!isDir(dir)) continue;
      for (const e of fs.readdirSync(dir)) {
        const h = UNIT_NAME.exec(e)?.[2];
        if (h && !hashes.has(h)) remove(path.join(dir, e), 'unused');
      }
    }
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith('.')) continue;
      if (!reportedStems.has(path.join(p, e.name.split('.')[0]))) remove(path.join(p, e.name), 'unused');
    }
  }
  return out;
}

/**
 * Moves the removals into `aside` (a folder next to the cached ones, on the same file system) and
 * returns how to put them back. A path that cannot be moved stays where it is, and in the entry.
 */
export function setAside(removals: Removal[], aside: string): { moved: Removal[]; putBack: () => void } {
  const moved: { r: Removal; to: string }[] = [];
  fs.mkdirSync(aside, { recursive: true });
  removals.forEach((r, i) => {
    const to = path.join(aside, String(i));
    try {
      fs.renameSync(r.path, to);
      moved.push({ r, to });
    } catch {
      // another file system, or gone: it is saved as it is
    }
  });
  return {
    moved: moved.map((m) => m.r),
    putBack: () => {
      for (const m of moved) {
        try {
          fs.renameSync(m.to, m.r.path);
        } catch {
          // the folder it came from is gone: nothing to put it back into
        }
      }
      fs.rmSync(aside, { recursive: true, force: true });
    },
  };
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

/** One line for the log and the summary: what was left out and how big the entry is. */
export function describeCleanup(moved: Removal[], entryBytes: number, unitsNote?: string): string {
  const part = (why: Removal['why'], one: string, many: string) => {
    const rs = moved.filter((r) => r.why === why);
    return rs.length ? `${rs.length} ${rs.length === 1 ? one : many} (${mib(rs.reduce((n, r) => n + r.bytes, 0))})` : undefined;
  };
  const unused = part('unused', 'artifact', 'artifacts');
  const parts = [part('incremental', 'incremental folder', 'incremental folders'), unused && `${unused} of units this build did not use`].filter(Boolean);
  const left = parts.length ? `left out ${parts.join(' and ')}` : 'nothing to leave out';
  return `${left}${unitsNote ? ` (${unitsNote})` : ''}; ${mib(entryBytes)} to save before compression`;
}
