// The build entry's cleanup rules (src/cache/cleanup.ts) on real folder trees laid out as cargo lays
// out a build-std build of the demo kernel (seen with cargo 1.96: `target/x86_64-unknown-none/debug`
// and the host's `target/debug`), with leftovers of earlier builds, and cargo's JSON messages of
// the build in the shape cargo writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildUnits, describeCleanup, planCleanup, profileDirs, setAside, treeBytes } from '../../../src/cache/cleanup.js';
import { tempDir } from '../../helpers/tmp.js';

const H = (c: string) => c.repeat(16);
const CORE = H('1');
const BUILTINS = H('2');
const KERNEL = H('3');
const BUILTINS_RUN = H('4');
const BUILTINS_SCRIPT = H('5');
const KERNEL_SCRIPT = H('6');
const KERNEL_RUN = H('7');

/** A target folder after a build, with what earlier builds left: returns it and the paths that must go. */
function layout(): { target: string; roots: string[]; stale: string[]; incremental: string[]; kept: string[] } {
  const target = path.join(tempDir('cleanup-'), 'target');
  const file = (rel: string, bytes = 10) => {
    const f = path.join(target, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, Buffer.alloc(bytes, 1));
    return f;
  };
  /** A folder with a file in it: its path. */
  const dir = (rel: string, bytes = 10) => path.dirname(file(`${rel}/f`, bytes));
  const t = 'x86_64-unknown-none/debug';
  const kept = [
    file(`${t}/.cargo-lock`, 0),
    file(`${t}/.fingerprint/core-${CORE}/lib-core`),
    file(`${t}/.fingerprint/compiler_builtins-${BUILTINS}/lib-compiler_builtins`),
    file(`${t}/.fingerprint/compiler_builtins-${BUILTINS_RUN}/run-build-script-build-script-build`),
    file(`${t}/.fingerprint/hello-kernel-${KERNEL}/bin-hello-kernel`),
    file(`${t}/.fingerprint/hello-kernel-${KERNEL_RUN}/run-build-script-build-script-build`),
    file(`${t}/deps/libcore-${CORE}.rlib`, 1000),
    file(`${t}/deps/libcore-${CORE}.rmeta`),
    file(`${t}/deps/core-${CORE}.d`),
    file(`${t}/deps/libcompiler_builtins-${BUILTINS}.rlib`),
    file(`${t}/deps/hello_kernel-${KERNEL}`, 100),
    file(`${t}/deps/hello_kernel-${KERNEL}.d`),
    file(`${t}/build/compiler_builtins-${BUILTINS_RUN}/out/lib.o`),
    file(`${t}/build/hello-kernel-${KERNEL_RUN}/output`),
    file(`${t}/hello-kernel.d`),
    file(`${t}/no-hash-folder/x`),
    file(`debug/build/compiler_builtins-${BUILTINS_SCRIPT}/build-script-build`),
    file(`debug/build/hello-kernel-${KERNEL_SCRIPT}/build-script-build`),
    file(`debug/.fingerprint/hello-kernel-${KERNEL_SCRIPT}/build-script-build-script-build`),
  ];
  // The executable cargo uplifts: a hard link of deps/hello_kernel-<hash>, its name has no hash.
  fs.linkSync(path.join(target, `${t}/deps/hello_kernel-${KERNEL}`), path.join(target, `${t}/hello-kernel`));
  kept.push(path.join(target, `${t}/hello-kernel`));
  const stale = [
    dir(`${t}/.fingerprint/hello-kernel-${H('a')}`), // the kernel as an earlier lock file built it
    dir(`${t}/.fingerprint/gone-crate-${H('b')}`), // a crate no longer in the graph
    file(`${t}/deps/libgone_crate-${H('b')}.rlib`, 500),
    file(`${t}/deps/libcore-${H('c')}.rlib`, 2000), // core of another build-std feature set
    dir(`${t}/build/gone-crate-${H('d')}`),
    file(`${t}/examples/demo-${H('e')}`),
    file(`${t}/old-kernel`), // an executable no longer built, and its dep-info
    file(`${t}/old-kernel.d`),
    dir(`debug/build/hello-kernel-${H('f')}`),
    dir(`debug/.fingerprint/hello-kernel-${H('f')}`),
  ];
  const incremental = [dir(`${t}/incremental/hello_kernel-xyz`, 3000), dir('debug/incremental/build_script_build-xyz', 700)].map(path.dirname);
  return { target, roots: [path.join(target, 'x86_64-unknown-none'), path.join(target, 'debug')], stale, incremental, kept };
}

/** cargo's JSON messages of the build (a warm build: every unit fresh), as cargo 1.96 writes them. */
function unitsOf(target: string, finished = true): BuildUnits {
  const t = path.join(target, 'x86_64-unknown-none', 'debug');
  const u = new BuildUnits();
  const msg = (m: object) => u.line(JSON.stringify(m));
  msg({
    reason: 'compiler-artifact',
    target: { kind: ['custom-build'] },
    filenames: [`${target}/debug/build/compiler_builtins-${BUILTINS_SCRIPT}/build-script-build`],
    executable: null,
    fresh: true,
  });
  msg({ reason: 'build-script-executed', out_dir: `${t}/build/compiler_builtins-${BUILTINS_RUN}/out` });
  msg({
    reason: 'compiler-artifact',
    target: { kind: ['lib'] },
    filenames: [`${t}/deps/libcore-${CORE}.rlib`, `${t}/deps/libcore-${CORE}.rmeta`],
    executable: null,
    fresh: true,
  });
  msg({
    reason: 'compiler-artifact',
    target: { kind: ['custom-build'] },
    filenames: [`${target}/debug/build/hello-kernel-${KERNEL_SCRIPT}/build-script-build`],
    fresh: true,
  });
  msg({ reason: 'build-script-executed', out_dir: `${t}/build/hello-kernel-${KERNEL_RUN}/out` });
  msg({ reason: 'compiler-artifact', target: { kind: ['lib'] }, filenames: [`${t}/deps/libcompiler_builtins-${BUILTINS}.rlib`], fresh: true });
  u.line('not json: a line a build script printed');
  msg({ reason: 'compiler-artifact', target: { kind: ['bin'] }, filenames: [`${t}/hello-kernel`], executable: `${t}/hello-kernel`, fresh: true });
  if (finished) msg({ reason: 'build-finished', success: true });
  return u;
}

const sorted = (xs: string[]) => [...xs].sort();

test('the profile folders under the cached folders: the host profile itself, the profiles under the target folder', () => {
  const { target, roots } = layout();
  assert.deepEqual(profileDirs(roots[0]), [path.join(target, 'x86_64-unknown-none', 'debug')]);
  assert.deepEqual(profileDirs(roots[1]), [path.join(target, 'debug')]);
  assert.deepEqual(profileDirs(path.join(target, 'release')), [], 'a folder that does not exist');
});

test("left out: incremental folders and the units the build did not use; kept: build-std's core and compiler_builtins, the kernel, build scripts", () => {
  const { target, roots, stale, incremental, kept } = layout();
  const plan = planCleanup(roots, unitsOf(target));
  assert.deepEqual(sorted(plan.filter((r) => r.why === 'incremental').map((r) => r.path)), sorted(incremental));
  assert.deepEqual(sorted(plan.filter((r) => r.why === 'unused').map((r) => r.path)), sorted(stale));
  for (const k of kept) assert.ok(!plan.some((r) => k === r.path || k.startsWith(r.path + path.sep)), `${k} is kept`);
  assert.equal(plan.find((r) => r.path.endsWith(`libcore-${H('c')}.rlib`))?.bytes, 2000);
  assert.equal(plan.find((r) => r.path === incremental[0])?.bytes, 3000, 'the bytes of a folder are those of its files');
});

test('a failed build (no build-finished success) or no JSON: only the incremental folders, what cargo did not reach is kept', () => {
  const { target, roots, incremental } = layout();
  assert.deepEqual(sorted(planCleanup(roots, unitsOf(target, false)).map((r) => r.path)), sorted(incremental));
  assert.deepEqual(sorted(planCleanup(roots, undefined).map((r) => r.path)), sorted(incremental));
});

test('set aside while saving, then put back as it was; the entry shrinks by what was left out', () => {
  const { target, roots, stale, kept } = layout();
  const before = roots.reduce((n, r) => n + treeBytes(r), 0);
  const plan = planCleanup(roots, unitsOf(target));
  const aside = setAside(plan, path.join(target, '.left-out'));
  assert.equal(aside.moved.length, plan.length);
  for (const r of plan) assert.ok(!fs.existsSync(r.path), `${r.path} is out of the entry`);
  for (const k of kept) assert.ok(fs.existsSync(k), `${k} stays`);
  const after = roots.reduce((n, r) => n + treeBytes(r), 0);
  assert.equal(
    before - after,
    plan.reduce((n, r) => n + r.bytes, 0),
  );
  assert.ok(after < before - 5000, `${before} -> ${after}`);
  aside.putBack();
  for (const s of stale) assert.ok(fs.existsSync(s), `${s} is back`);
  assert.equal(
    roots.reduce((n, r) => n + treeBytes(r), 0),
    before,
  );
  assert.ok(!fs.existsSync(path.join(target, '.left-out')));
});

test('the line for the log and the summary', () => {
  const { target, roots } = layout();
  const plan = planCleanup(roots, unitsOf(target));
  assert.equal(
    describeCleanup(plan, 5 * 1024 * 1024),
    'left out 2 incremental folders (0.0 MiB) and 10 artifacts (0.0 MiB) of units this build did not use; 5.0 MiB to save before compression',
  );
  assert.equal(describeCleanup([], 1024 * 1024, 'why'), 'nothing to leave out (why); 1.0 MiB to save before compression');
});
