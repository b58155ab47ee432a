import { parse as parseToml } from 'smol-toml';
import { ActionError } from '../../model/errors.js';

/** A rust-sel4 release and the seL4 and Microkit releases it is built and tested against. */
export interface Sel4Release {
  /** rust-sel4's tag, e.g. v5.0.0. */
  tag: string;
  /** The commit the tag points at. */
  commit: string;
  /** seL4 release tag (https://github.com/seL4/seL4/tags) and its commit, checked after cloning. */
  sel4: string;
  sel4Commit: string;
  /** Microkit release (https://github.com/seL4/microkit/releases; tags have no "v"). */
  microkit: string;
  /** The nightly rust-sel4 pins in its rust-toolchain.toml. */
  rustToolchain: string;
  /** Does rust-sel4 still ship *-sel4-microkit target specs? (dropped in v5.0.0) */
  microkitTargets: boolean;
}

/**
 * Oldest first. Each row from the tag's own files:
 * https://github.com/seL4/rust-sel4/blob/v5.0.0/hacking/nix/scope/sources.nix ("rev = ... # 16.0.0",
 * Microkit "# 2.3.0"), https://github.com/seL4/rust-sel4/blob/v5.0.0/rust-toolchain.toml, and the
 * same files at v4.0.0 and v3.0.0 (v3.0.0 builds Microkit from coliasgroup's "rust-testing" branch,
 * "based on 2.1.0"; its README names Microkit 2.1.0). seL4 commits are those of the seL4 tags
 * (https://github.com/seL4/seL4/releases/tag/16.0.0); v4.0.0's README names another 15.0.0 commit
 * (3f590a6), its sources.nix the tag's (881de50).
 */
export const RELEASES: readonly Sel4Release[] = [
  {
    tag: 'v3.0.0',
    commit: '2c9786744900433f37e803c25ab208835a802cf3',
    sel4: '14.0.0',
    sel4Commit: 'c0fc32450fb5e8460083b89a84d067249b109cfc',
    microkit: '2.1.0',
    rustToolchain: 'nightly-2025-10-20',
    microkitTargets: true,
  },
  {
    tag: 'v4.0.0',
    commit: '7a2321f2d84310ba7a09fe7f5988e6dcecde3566',
    sel4: '15.0.0',
    sel4Commit: '881de507fe528490dc5e570c7810a149bad5880f',
    microkit: '2.2.0',
    rustToolchain: 'nightly-2026-03-18',
    microkitTargets: true,
  },
  {
    tag: 'v5.0.0',
    commit: 'd441a880938209f661201704dfbee7b91c5aa905',
    sel4: '16.0.0',
    sel4Commit: '6e7c3b733d296cfd88d5fbf635c96e447a882374',
    microkit: '2.3.0',
    rustToolchain: 'nightly-2026-04-04',
    microkitTargets: false,
  },
];
export const NEWEST = RELEASES[RELEASES.length - 1];

/** Releases before v3.0.0 were built against unreleased seL4 and Microkit commits (their READMEs). */
const TOO_OLD: Record<string, string> = {
  v1: '87cd47a2bc03d52cdeb0ba464c7eaa0215494547',
  v2: '3248eeed830a163e90cffc143d7cd173267c3bf5',
};

export const RUST_SEL4_GIT = 'https://github.com/seL4/rust-sel4';

/** Where the versions came from, and what was chosen. */
export interface VersionChoice {
  /** The rust-sel4 commit the crate is built with (the kernel loader is installed at it); undefined when unknown (a path dependency). */
  rev?: string;
  /** How Cargo.lock/Cargo.toml named it: tag=v5.0.0, rev=..., branch=main, or nothing. */
  requested?: string;
  release: Sel4Release;
  /** True when the revision is a known release; false when the newest was taken instead. */
  known: boolean;
  /** One sentence for the log and the plan. */
  note: string;
}

interface LockPackage {
  name: string;
  version: string;
  source?: string;
}

const isRustSel4 = (url: string) => /^https:\/\/github\.com\/seL4\/rust-sel4(?:\.git)?\/?$/i.test(url);

function releaseFor(rev: string): Sel4Release | undefined {
  return RELEASES.find((r) => r.commit === rev);
}

function refuseTooOld(rev: string | undefined, requested: string | undefined): void {
  const old = Object.entries(TOO_OLD).find(([major, c]) => c === rev || (requested ?? '').startsWith(`tag=${major}.`));
  if (old) {
    throw new ActionError(
      `The crate uses rust-sel4 ${requested ?? rev}, which predates v3.0.0 and was built against unreleased seL4 and Microkit commits; this action pairs rust-sel4 ${RELEASES.map((r) => r.tag).join(', ')} with seL4 and Microkit releases. Depend on rust-sel4 with tag = "${NEWEST.tag}" (or ${RELEASES[0].tag} or later), or give sel4-prefix / microkit-sdk for the kernel you built yourself.`,
    );
  }
}

function choose(rev: string | undefined, requested: string | undefined, where: string): VersionChoice {
  refuseTooOld(rev, requested);
  const byRev = rev ? releaseFor(rev) : undefined;
  const byTag = requested?.startsWith('tag=') ? RELEASES.find((r) => r.tag === requested.slice(4)) : undefined;
  if (byRev && byTag && byRev !== byTag) {
    throw new ActionError(
      `${where} names rust-sel4 ${requested}, but at commit ${rev}, which is ${byRev.tag}; the tag was moved or the lock file is stale. Run cargo update -p sel4.`,
    );
  }
  const release = byRev ?? byTag;
  const at = `rust-sel4 ${requested ? requested.replace('=', ' ') : ''}${rev ? `${requested ? ' at ' : 'at '}${rev.slice(0, 12)}` : ''}`
    .replace(/\s+/g, ' ')
    .trim();
  if (release) {
    return {
      rev: rev ?? release.commit,
      requested,
      release,
      known: true,
      note: `${where}: ${at} is ${release.tag}: seL4 ${release.sel4}, Microkit ${release.microkit}.`,
    };
  }
  return {
    rev,
    requested,
    release: NEWEST,
    known: false,
    note: `${where}: ${at === 'rust-sel4' ? 'rust-sel4 from a path or an unknown source' : at} is not a rust-sel4 release this action knows (${RELEASES.map((r) => r.tag).join(', ')}); using the newest pairing, ${NEWEST.tag}: seL4 ${NEWEST.sel4}, Microkit ${NEWEST.microkit}. Set sel4-version or microkit-sdk to choose others.`,
  };
}

/** `git+https://github.com/seL4/rust-sel4?tag=v5.0.0#d441a88...` -> url, query, commit. */
function parseGitSource(source: string): { url: string; requested?: string; rev: string } | undefined {
  const m = /^git\+([^?#]+)(?:\?([^#]*))?#([0-9a-f]{40})$/.exec(source);
  if (!m) return undefined;
  return { url: m[1], requested: m[2] || undefined, rev: m[3] };
}

/**
 * The rust-sel4 revision a Cargo.lock pins, and the seL4/Microkit releases that go with it. Reads
 * the `sel4` package (or any other from rust-sel4's repository when a crate only uses, say,
 * sel4-microkit). Throws when the lock uses the unrelated crates.io `sel4`/`sel4-sys` 0.0.x
 * crates (rust-sel4 is "not yet hosted on crates.io":
 * https://github.com/seL4/rust-sel4/blob/v5.0.0/README.md), or two revisions at once.
 * Returns undefined when no package of rust-sel4 is in the lock.
 */
export function versionsFromCargoLock(text: string, file = 'Cargo.lock'): VersionChoice | undefined {
  let doc: { package?: LockPackage[] };
  try {
    doc = parseToml(text) as { package?: LockPackage[] };
  } catch (e) {
    throw new ActionError(`${file} is not valid TOML (${(e as Error).message.split('\n')[0]}); run cargo generate-lockfile.`);
  }
  const pkgs = doc.package ?? [];
  const cratesIo = pkgs.find((p) => (p.name === 'sel4' || p.name === 'sel4-sys') && (p.source ?? '').startsWith('registry+'));
  if (cratesIo) {
    throw new ActionError(
      `${file} has ${cratesIo.name} ${cratesIo.version} from crates.io: that is an older, unrelated project, not rust-sel4 (whose crates are not on crates.io). Depend on rust-sel4 by git: sel4 = { git = "${RUST_SEL4_GIT}", tag = "${NEWEST.tag}" } (and sel4-root-task or sel4-microkit the same way).`,
    );
  }
  const fromGit = pkgs
    .filter((p) => p.name.startsWith('sel4'))
    .map((p) => ({ p, g: p.source ? parseGitSource(p.source) : undefined }))
    .filter((x) => x.g && isRustSel4(x.g.url));
  const revs = [...new Set(fromGit.map((x) => x.g!.rev))];
  if (revs.length > 1) {
    throw new ActionError(
      `${file} has rust-sel4 crates from ${revs.length} revisions (${revs.map((r) => r.slice(0, 12)).join(', ')}); every sel4* crate must come from one revision. Give them all the same tag (or rev) and run cargo update.`,
    );
  }
  if (revs.length === 1) {
    const g = fromGit.find((x) => x.p.name === 'sel4')?.g ?? fromGit[0].g!;
    return choose(g.rev, g.requested, file);
  }
  // rust-sel4 as a path dependency (a local checkout): nothing tells its version.
  if (pkgs.some((p) => p.name === 'sel4' && !p.source)) return choose(undefined, undefined, file);
  return undefined;
}

type Dep = string | { git?: string; tag?: string; rev?: string; branch?: string; path?: string; package?: string; version?: string };

/**
 * Without a Cargo.lock (a fresh checkout of a crate that does not commit one), the manifest's
 * own git dependency on rust-sel4 says which tag or rev is wanted. Reads [dependencies],
 * [workspace.dependencies] and [target.*.dependencies]. Returns undefined when none is found.
 */
export function versionsFromManifest(text: string, file = 'Cargo.toml'): VersionChoice | undefined {
  const doc = parseToml(text) as Record<string, unknown>;
  const tables: Record<string, Dep>[] = [];
  const add = (t: unknown) => t && typeof t === 'object' && tables.push(t as Record<string, Dep>);
  add(doc.dependencies);
  add((doc.workspace as Record<string, unknown> | undefined)?.dependencies);
  for (const t of Object.values((doc.target as Record<string, Record<string, unknown>> | undefined) ?? {})) add(t.dependencies);
  for (const table of tables) {
    for (const [name, dep] of Object.entries(table)) {
      if (typeof dep !== 'object' || !(dep.package ?? name).startsWith('sel4')) continue;
      if (dep.git && isRustSel4(dep.git)) {
        const requested = dep.tag ? `tag=${dep.tag}` : dep.rev ? `rev=${dep.rev}` : dep.branch ? `branch=${dep.branch}` : undefined;
        const rev = dep.rev && /^[0-9a-f]{40}$/.test(dep.rev) ? dep.rev : undefined;
        return choose(rev, requested, file);
      }
    }
  }
  return undefined;
}
