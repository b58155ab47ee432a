import * as path from 'node:path';
import { ActionError } from '../model/errors.js';
import { shardOf, type Shard } from '../model/shard.js';
import type { Toolchain } from '../install/toolchain.js';
import { cargoCommand, type CargoCommandRequest } from './cargo.js';

/** The kind of cargo target a test executable was built from. */
export type TestKind = 'lib' | 'bin' | 'test' | 'bench' | 'example';

/** One executable `cargo test --no-run` built: each one is a bootable image of its own. */
export interface TestExecutable {
  /** The cargo package it belongs to. */
  package: string;
  /** The target's crate name (`tested_kernel`, `basic_boot`). */
  name: string;
  kind: TestKind;
  /** Absolute path of the executable (in target/<triple>/<profile>/deps/). */
  executable: string;
  /** Absolute path of the target's root source file. */
  srcPath: string;
  /** The package's Cargo.toml. */
  manifestPath: string;
  /**
   * How `cargo test` names it in its `Running ...` lines: `unittests src/lib.rs` for a library's or
   * binary's own tests, `tests/basic_boot.rs` for an integration test.
   */
  label: string;
}

/** The command line that builds every test executable and runs none (same target, build-std and cargo-args rules as the build). */
export function cargoTestCommand(tc: Pick<Toolchain, 'cargo' | 'cargoConfig' | 'buildStd'>, req: CargoCommandRequest): string[] {
  return cargoCommand(tc, req, 'test');
}

interface ArtifactMessage {
  reason?: string;
  package_id?: string;
  manifest_path?: string;
  target?: { kind?: string[]; name?: string; src_path?: string };
  profile?: { test?: boolean };
  executable?: string | null;
}

const KINDS: Record<string, TestKind> = {
  lib: 'lib',
  rlib: 'lib',
  dylib: 'lib',
  cdylib: 'lib',
  staticlib: 'lib',
  bin: 'bin',
  test: 'test',
  bench: 'bench',
  example: 'example',
};
const KIND_ORDER: TestKind[] = ['lib', 'bin', 'test', 'example', 'bench'];

/**
 * The package name in a cargo package id: `path+file:///dir#name@1.0.0`, `path+file:///name#1.0.0`
 * (the name left out when it is the folder's), or the old `name 1.0.0 (path+file:///dir)`.
 * https://doc.rust-lang.org/cargo/reference/pkgid-spec.html
 */
export function packageName(id: string): string {
  const old = /^(\S+) \S+ \(/.exec(id);
  if (old) return old[1];
  const hash = id.lastIndexOf('#');
  if (hash < 0) return id;
  const fragment = id.slice(hash + 1);
  const at = fragment.indexOf('@');
  if (at >= 0) return fragment.slice(0, at);
  // Only a version after '#': the name is the URL's last path segment.
  const url = id.slice(0, hash).replace(/\?.*$/, '').replace(/\/+$/, '');
  return url.slice(url.lastIndexOf('/') + 1);
}

/**
 * The test executable one cargo JSON message announces, if it announces one: a
 * `compiler-artifact` built with the test profile (`profile.test`) that has an executable.
 * (`cargo test` also builds the package's binaries for its integration tests, with
 * `profile.test` false: those are not tests. https://doc.rust-lang.org/cargo/reference/external-tools.html#artifact-messages)
 */
export function testExecutableOf(msg: unknown): TestExecutable | undefined {
  const m = msg as ArtifactMessage;
  if (m?.reason !== 'compiler-artifact' || !m.executable || m.profile?.test !== true) return undefined;
  const kind = KINDS[m.target?.kind?.[0] ?? ''];
  if (!kind || !m.target?.name) return undefined;
  const manifestPath = m.manifest_path ?? '';
  const srcPath = m.target.src_path ?? '';
  const rel = manifestPath && srcPath ? path.relative(path.dirname(manifestPath), srcPath) : path.basename(srcPath);
  return {
    package: m.package_id ? packageName(m.package_id) : m.target.name,
    name: m.target.name,
    kind,
    executable: m.executable,
    srcPath,
    manifestPath,
    label: kind === 'lib' || kind === 'bin' ? `unittests ${rel}` : rel,
  };
}

/**
 * Collects test executables from cargo's output, one line at a time (lines that are not JSON,
 * and messages that are not test artifacts, are left to the caller: `line` returns false).
 */
export class TestExecutableCollector {
  private readonly found = new Map<string, TestExecutable>();

  line(line: string): boolean {
    if (!line.startsWith('{')) return false;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return false;
    }
    const t = testExecutableOf(msg);
    if (!t) return false;
    this.found.set(t.executable, t);
    return true;
  }

  /** In the order `cargo test` runs them: per package, unit tests first, then integration tests by name. */
  get executables(): TestExecutable[] {
    return [...this.found.values()].sort(
      (a, b) =>
        a.package.localeCompare(b.package) ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        a.name.localeCompare(b.name) ||
        a.executable.localeCompare(b.executable),
    );
  }
}

/** Every test executable in cargo's JSON output (one message per line). */
export function testExecutables(output: string | Iterable<string>): TestExecutable[] {
  const c = new TestExecutableCollector();
  for (const l of typeof output === 'string' ? output.split('\n') : output) c.line(l.trim());
  return c.executables;
}

/** A name for one executable that is unique within a run: `basic_boot`, or `pkg::basic_boot (test)` when needed. */
export function suiteNames(list: TestExecutable[]): string[] {
  const count = (f: (t: TestExecutable) => string) => {
    const n = new Map<string, number>();
    for (const t of list) n.set(f(t), (n.get(f(t)) ?? 0) + 1);
    return n;
  };
  const byName = count((t) => t.name);
  const byPkgName = count((t) => `${t.package}::${t.name}`);
  return list.map((t) => {
    if (byName.get(t.name) === 1) return t.name;
    if (byPkgName.get(`${t.package}::${t.name}`) === 1) return `${t.package}::${t.name}`;
    return `${t.package}::${t.name} (${t.kind})`;
  });
}

/** Fails with the fix when cargo built no test executable. */
export function requireTestExecutables(list: TestExecutable[], target: string): TestExecutable[] {
  if (list.length === 0) {
    throw new ActionError(
      `cargo test --no-run built no test executable for ${target}: the crate has no tests to boot (or cargo-args filtered them all out). Add #[test_case] functions with a custom test framework, or tests under tests/, or boot the crate's binary instead of its tests.`,
    );
  }
  return list;
}

/** What decides an executable's shard: its package, kind and name (unique in a build, and the same from build to build). */
export const shardKey = (t: Pick<TestExecutable, 'package' | 'kind' | 'name'>) => `${t.package}/${t.kind}/${t.name}`;

/**
 * The executables of one shard (shard input), in the run's order, and the shard of every executable
 * for the log. A shard that gets none fails with the share of each: like cargo-nextest, whose run
 * that selects no test ends with "no tests to run" (exit status 4) unless told otherwise
 * (https://nexte.st/docs/running/#options-and-arguments, `--no-tests`, default fail), an empty
 * share is no evidence that anything works, and a pass would look like one.
 */
export function shardShare(list: TestExecutable[], names: string[], shard: Shard): { mine: number[]; shards: number[] } {
  const shards = list.map((t) => shardOf(shardKey(t), shard.total));
  const mine = shards.flatMap((s, i) => (s === shard.index ? [i] : []));
  if (mine.length === 0) {
    const others = names.map((n, i) => `${n}: shard ${shards[i]}`).join(', ');
    throw new ActionError(
      `Shard ${shard.index}/${shard.total} has none of the ${list.length} test executable${list.length === 1 ? '' : 's'} (${others}): an empty shard boots nothing, so it cannot pass. Use fewer shards: each executable goes to the shard its package, kind and name hash to, so the shares are uneven when there are few executables.`,
    );
  }
  return { mine, shards };
}
