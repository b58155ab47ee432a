import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Bumped when what goes into a cache entry, or how it is laid out, changes: old entries then stop
 * matching instead of being restored into a layout that no longer fits.
 */
export const CACHE_LAYOUT = 2;

/** The key prefix every entry of this action starts with (kept short: keys are limited to 512 characters). */
export const KEY_PREFIX = 'unikernel-boot';

/** Everything a build entry's key is made of. Pure data, so the key can be computed and tested anywhere. */
export interface BuildKeyParts {
  target: string;
  /** `rustc -vV` of the toolchain the build uses (release, commit hash and date, host, LLVM). */
  rustcVerbose: string;
  /** Files whose content decides what cargo builds: Cargo.lock, the toolchain file, cargo config files. */
  files: KeyFile[];
  /** The inputs that change what is built or downloaded (InputSpec.buildKey, BUILD_KEY_INPUTS in src/inputs/inputs.ts), by name. */
  inputs: Record<string, string>;
  /** Environment variables that change what cargo builds (see keyEnvironment). */
  env: Record<string, string>;
  /** The action's version: a new release never restores what an older one saved. */
  actionVersion: string;
  platform: string;
  arch: string;
  /** The `cache-key` input: put before every key (checked by the input: no commas, short). */
  prefix?: string;
}

export interface KeyFile {
  /** Where it is, relative to the workspace (so the key does not depend on where the runner checks out). */
  name: string;
  /** Its content; undefined for a file that does not exist (still part of the key: adding it changes the key). */
  content?: string | Buffer;
}

export interface CacheKeys {
  key: string;
  /** Tried in order when `key` has no entry: same runner, target and toolchain, anything else different. */
  restoreKeys: string[];
}

/**
 * The environment variables that change what cargo and rustc build (as Swatinem/rust-cache keys on:
 * https://github.com/Swatinem/rust-cache#cache-details): RUSTFLAGS from an earlier step, profile
 * settings, C compilers for build scripts. Left out: those that only say where things are or how
 * the log looks, which would split the cache for nothing.
 */
export function keyEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const ignored =
    /^(CARGO_HOME|CARGO_TARGET_DIR|CARGO_BUILD_TARGET_DIR|CARGO_TERM_.*|CARGO_INCREMENTAL|CARGO_NET_.*|CARGO_HTTP_.*|CARGO_REGISTRIES_.*_TOKEN|CARGO_REGISTRY_TOKEN|RUSTUP_HOME|RUSTUP_.*|RUST_LOG|RUST_BACKTRACE)$/;
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || ignored.test(name)) continue;
    if (/^(CARGO|RUST|CC|CFLAGS|CXX|CMAKE)/.test(name)) out[name] = value;
  }
  return out;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Keys allow letters, digits and most punctuation, but no commas; keep them plain and readable. */
const keyPart = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);

/** The start of every key: the user's `cache-key`, then the action's own prefix. */
const keyStart = (prefix: string | undefined) => (prefix ? `${prefix}-${KEY_PREFIX}` : KEY_PREFIX);

/** "rustc 1.96.0-nightly (abc 2026-06-01)" -> "1.96.0-nightly-2026-06-01"; just a readable hint, the hash decides. */
export function rustcLabel(rustcVerbose: string): string {
  const release = /^release: (.+)$/m.exec(rustcVerbose)?.[1].trim();
  const date = /^commit-date: (\d{4}-\d\d-\d\d)$/m.exec(rustcVerbose)?.[1];
  const first = rustcVerbose.split('\n')[0].trim();
  const fallback = /^rustc (\S+)/.exec(first)?.[1] ?? 'rustc';
  return keyPart(`${release ?? fallback}${date && release?.includes('nightly') ? `-${date}` : ''}`);
}

/**
 * The build entry's key and restore keys:
 * `[<cache-key>-]unikernel-boot-<layout>-<os>-<arch>-<target>-<rustc>-<toolchain hash>-<everything hash>`.
 * An exact hit needs everything equal. The one restore key (same runner kind, target and exact
 * toolchain) brings back a build whose lock file, config or inputs differ: cargo reuses what still
 * fits and rebuilds the rest. Nothing is restored across toolchains: a different rustc rebuilds
 * every artifact anyway (build-std included), and the old ones would only make the cache grow.
 */
export function buildCacheKeys(p: BuildKeyParts): CacheKeys {
  const toolchainHash = sha256(p.rustcVerbose.trim()).slice(0, 12);
  const everything = sha256(
    JSON.stringify({
      layout: CACHE_LAYOUT,
      action: p.actionVersion,
      target: p.target,
      rustc: p.rustcVerbose.trim(),
      files: [...p.files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => [f.name, f.content === undefined ? null : sha256(f.content)]),
      inputs: Object.fromEntries(Object.entries(p.inputs).sort(([a], [b]) => a.localeCompare(b))),
      env: Object.fromEntries(Object.entries(p.env).sort(([a], [b]) => a.localeCompare(b))),
    }),
  ).slice(0, 20);
  const base = [keyStart(p.prefix), `v${CACHE_LAYOUT}`, p.platform, p.arch, keyPart(p.target), rustcLabel(p.rustcVerbose), toolchainHash].join('-');
  return { key: `${base}-${everything}`, restoreKeys: [`${base}-`] };
}

/** One thing the action downloads or builds once per runner (a loader, KraftKit, Uhyve), by name and version. */
export interface ToolPart {
  name: string;
  version: string;
  /** The checksum or URL that pins it, when there is one. */
  pin?: string;
}

/**
 * The key of the tools entry (the action's downloads and built tools), which is restored before
 * anything is installed and so cannot depend on the toolchain. Only exact hits: a tool of another
 * version is of no use.
 */
export function toolsCacheKeys(p: { tools: ToolPart[]; actionVersion: string; platform: string; arch: string; prefix?: string }): CacheKeys {
  const tools = [...p.tools].sort((a, b) => a.name.localeCompare(b.name));
  const hash = sha256(JSON.stringify({ layout: CACHE_LAYOUT, action: p.actionVersion, tools: tools.map((t) => [t.name, t.version, t.pin ?? '']) })).slice(
    0,
    20,
  );
  const names = keyPart(tools.map((t) => t.name).join('+'));
  return { key: [keyStart(p.prefix), `v${CACHE_LAYOUT}`, 'tools', p.platform, p.arch, names, hash].join('-'), restoreKeys: [] };
}

/** The files cargo reads to decide what to build for `dir`, as rustup and cargo find them (nearest first). */
export function keyFiles(opts: { workingDirectory: string; workspace: string; cargoHome: string }): KeyFile[] {
  const rel = (f: string) => {
    const r = path.relative(opts.workspace, f);
    return r.startsWith('..') || path.isAbsolute(r) ? f : r;
  };
  const read = (f: string): KeyFile | undefined => (fs.existsSync(f) && fs.statSync(f).isFile() ? { name: rel(f), content: fs.readFileSync(f) } : undefined);
  const files: KeyFile[] = [];
  let lock: KeyFile | undefined;
  let toolchain: KeyFile | undefined;
  // Cargo reads .cargo/config.toml (or the older .cargo/config) in the folder and every parent
  // (https://doc.rust-lang.org/cargo/reference/config.html#hierarchical-structure); rustup the
  // nearest rust-toolchain(.toml); the workspace's Cargo.lock sits at its root, at or above the crate.
  for (let d = path.resolve(opts.workingDirectory); ; d = path.dirname(d)) {
    for (const name of ['.cargo/config.toml', '.cargo/config']) {
      const f = read(path.join(d, name));
      if (f) files.push(f);
    }
    lock ??= read(path.join(d, 'Cargo.lock'));
    toolchain ??= read(path.join(d, 'rust-toolchain')) ?? read(path.join(d, 'rust-toolchain.toml'));
    if (path.dirname(d) === d) break;
  }
  for (const name of ['config.toml', 'config']) {
    const f = read(path.join(opts.cargoHome, name));
    if (f && !files.some((x) => x.name === f.name)) files.push(f);
  }
  // A missing lock file or toolchain file is part of the key too: adding one starts a new entry.
  files.push(lock ?? { name: 'Cargo.lock' }, toolchain ?? { name: 'rust-toolchain.toml' });
  return files;
}
