/**
 * Whether apt's package lists must be refreshed before an install: a pure function of recorded
 * facts (the lists folder's modification times and `apt-cache policy` output), so that the decision
 * can be tested without touching a machine's apt state.
 *
 * Why refresh at all: a machine's lists are as old as its image (GitHub's runner images are weeks
 * old; a fresh Debian machine's can be months old), and an install from stale lists picks stale
 * versions: Debian 12's bookworm main offers rust-web 1.85, whose source has no `library/vendor`,
 * while bookworm-security offers 1.96, which has it.
 */

/** Lists older than this are refreshed before an install. */
export const MAX_LISTS_AGE_MS = 24 * 3600 * 1000;

/** What `apt-cache policy` says about one package. */
export interface PolicyEntry {
  /** The installed version, or undefined when it is not installed. */
  installed?: string;
  /** The version `apt-get install` would install, or undefined when there is none ("(none)"). */
  candidate?: string;
  /** Every version in the version table (installed or offered), newest first as apt prints them. */
  versions: string[];
}

/**
 * Parses `apt-cache policy PKG...` (format of apt's cmdline/apt-cache.cc Policy(): a `name:` line,
 * `  Installed: V|(none)`, `  Candidate: V|(none)`, then a `  Version table:` of `     V prio` lines
 * (` *** ` marks the installed one) each followed by deeper-indented source lines). A package apt
 * knows nothing about is absent from the result.
 */
export function parsePolicy(text: string): Record<string, PolicyEntry> {
  const out: Record<string, PolicyEntry> = {};
  let cur: PolicyEntry | undefined;
  let inTable = false;
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = { versions: [] };
      out[head[1]] = cur;
      inTable = false;
      continue;
    }
    if (!cur) continue;
    const field = /^ {2}(Installed|Candidate): (.+)$/.exec(line);
    if (field) {
      const v = field[2].trim();
      if (v !== '(none)') cur[field[1] === 'Installed' ? 'installed' : 'candidate'] = v;
      continue;
    }
    if (/^ {2}Version table:/.test(line)) {
      inTable = true;
      continue;
    }
    // A version line: 5 columns of indent (or ` *** `), the version, its priority.
    const ver = inTable ? /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line) : null;
    if (ver) cur.versions.push(ver[1]);
  }
  return out;
}

/** One entry of the lists folder: its name and modification time. */
export interface ListFile {
  name: string;
  mtimeMs: number;
  isFile: boolean;
}

/**
 * How long ago the lists were last refreshed, from the lists folder: the newest modification time of
 * its list files and of its `partial` folder (apt downloads into `partial`, so its time moves on every
 * update, even one that found every list unchanged). undefined when there are no lists at all (a
 * fresh container, whose image deleted them).
 */
export function listsAgeMs(entries: ListFile[], nowMs: number): number | undefined {
  const lists = entries.filter((e) => e.isFile && /_(InRelease|Release|Packages(\.\w+)?)$/.test(e.name));
  if (lists.length === 0) return undefined;
  const times = [...lists, ...entries.filter((e) => e.name === 'partial')].map((e) => e.mtimeMs);
  return Math.max(0, nowMs - Math.max(...times));
}

export function describeAge(ms: number): string {
  const h = ms / 3600_000;
  if (h < 1) return `${Math.round(ms / 60_000)} minutes`;
  if (h < 48) return `${Math.round(h)} hours`;
  return `${Math.round(h / 24)} days`;
}

export interface RefreshDecision {
  refresh: boolean;
  /** Why, in words, for the one line the install prints. */
  why: string;
}

/**
 * Refresh when there are no lists, when they are older than a day, or when a package to install has
 * no candidate in them.
 */
export function refreshDecision(f: { ageMs: number | undefined; policy: Record<string, PolicyEntry>; packages: string[]; maxAgeMs?: number }): RefreshDecision {
  const max = f.maxAgeMs ?? MAX_LISTS_AGE_MS;
  if (f.ageMs === undefined) return { refresh: true, why: 'there are no package lists yet' };
  const noCandidate = f.packages.filter((p) => !f.policy[p]?.candidate);
  if (f.ageMs > max) return { refresh: true, why: `they are ${describeAge(f.ageMs)} old` };
  if (noCandidate.length) return { refresh: true, why: `they offer no ${noCandidate.join(', ')}` };
  return { refresh: false, why: `they are ${describeAge(f.ageMs)} old and offer every package` };
}

/** Is a newer version than the installed one on offer? (apt's candidate is never older than the installed version without a pin of 1000 or more.) */
export function upgradable(e: PolicyEntry | undefined): boolean {
  return !!e?.candidate && !!e.installed && e.candidate !== e.installed;
}
