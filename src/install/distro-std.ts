import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PolicyEntry } from './apt-lists.js';

/**
 * Can `toolchain: distro` build the standard library offline? build-std resolves std's own
 * Cargo.lock (library/Cargo.lock), whose crates.io packages (dlmalloc, hashbrown, libc, ...) must
 * then come from somewhere: Debian's rust-web-src 1.96 ships them in library/vendor; 1.85 (Debian 12's
 * bookworm main) does not, and cargo goes to crates.io for them and fails offline. The decisions here
 * are pure functions of recorded facts.
 */

/** What is on disk. */
export interface DistroFacts {
  /** /usr/bin/rustc and /usr/bin/cargo exist. */
  tools: boolean;
  /** The std source (library/core/Cargo.toml) exists. */
  source: boolean;
  /** library/vendor holds vendored crates. */
  vendor: boolean;
  /** The target has no prebuilt std in the sysroot: the build compiles std (build-std) and needs the vendored crates. */
  buildStd: boolean;
}

export type DistroStep = { step: 'ready' } | { step: 'install'; why: string } | { step: 'upgrade'; why: string };

export function distroStep(f: DistroFacts, vendorDir: string): DistroStep {
  if (!f.tools || !f.source) return { step: 'install', why: `${!f.tools ? '/usr/bin/rustc or /usr/bin/cargo' : 'the standard library source'} is missing` };
  if (f.buildStd && !f.vendor)
    return { step: 'upgrade', why: `the installed std source has no ${vendorDir} (the crates std's Cargo.lock needs), so building std would go to crates.io` };
  return { step: 'ready' };
}

/** Does the std source hold vendored crates (folders with cargo's .cargo-checksum.json)? */
export function hasVendoredCrates(vendorDir: string): boolean {
  if (!fs.existsSync(vendorDir)) return false;
  return fs.readdirSync(vendorDir).some((d) => fs.existsSync(path.join(vendorDir, d, '.cargo-checksum.json')));
}

/**
 * The error when the archive offers nothing better: the package, the version found, what is
 * missing, and the fix.
 */
export function distroStdError(pkg: string, entry: PolicyEntry | undefined, vendorDir: string, refreshed: boolean): string {
  const found = entry?.installed ?? entry?.candidate ?? 'not installed';
  const offered = entry?.candidate && entry.candidate !== entry.installed ? `; the archive offers ${entry.candidate}` : '';
  return (
    `toolchain: distro cannot build the standard library offline: ${pkg} ${found} has no ${vendorDir} ` +
    `(the vendored crates std's own Cargo.lock needs), and the package archive offers nothing newer${refreshed ? ' even after apt-get update' : ''}${offered}. ` +
    `Fix: make a ${pkg} that ships library/vendor installable (on Debian 12, enable the bookworm-security suite, which has rust-web-src 1.96, then apt-get update), ` +
    `or use a rustup toolchain (toolchain: nightly) on a runner that can reach rustup's servers.`
  );
}
