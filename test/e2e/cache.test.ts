// The cache through the bundle, against the cache-service STAND-IN on 127.0.0.1 (the real service
// is only reachable from a GitHub-hosted job): a cold run saves an entry cleaned of incremental
// folders that still holds build-std's core, a warm run from a fresh checkout restores and cargo
// compiles only the kernel itself; a changed config restores the near entry, cache-save: false
// then saves nothing, and a save leaves out the kernel units the build no longer uses; the outputs
// later steps key on; an unreachable service and cache: false leave the run as it was, said in
// one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runAction } from '../helpers/action.js';
import { assertPass, copyExample } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';
import { startCacheServiceStandin, type CacheServiceStandin, type StandinEntry } from '../standins/cache-service.js';

const TARGET = 'x86_64-unknown-none';
const demo = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'examples', TARGET, 'demo.json'), 'utf8')) as Record<string, string>;
const inputs = { target: TARGET, 'working-directory': 'kernel', toolchain: 'distro', accel: 'tcg', cache: 'true', ...demo };

/** A fresh runner: a new checkout (no target/), the same workspace path, a private CARGO_HOME kept across runs only through the cache. */
function freshCheckout(root: string): string {
  const ws = path.join(root, 'ws');
  fs.rmSync(ws, { recursive: true, force: true });
  copyExample(TARGET, path.join(ws, 'kernel'));
  return ws;
}

/** The paths in a saved entry: the tar @actions/cache uploaded, zstd- or gzip-compressed. */
function entryFiles(standin: CacheServiceStandin, entry: StandinEntry): string[] {
  const blob = standin.blob(entry) ?? assert.fail(`no blob for ${entry.key}`);
  const file = path.join(tempDir('cache-e2e-blob-'), 'cache.tar');
  fs.writeFileSync(file, blob);
  const zstd = blob.readUInt32LE(0) === 0xfd2fb528;
  const args = zstd ? ['--use-compress-program', 'zstd -d --long=30', '-tf', file] : ['-tzf', file];
  return execFileSync('tar', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter(Boolean);
}

/** The crates cargo compiled, from its stderr (coloured or not). */
// eslint-disable-next-line no-control-regex
const compiled = (stderr: string) => [...stderr.replace(/\x1b\[[0-9;]*m/g, '').matchAll(/Compiling (\S+) /g)].map((m) => m[1]);

/** The unit hashes of the kernel's binary in a saved entry (deps/hello_kernel-<hash>). */
const kernelUnits = (files: string[]) => [...new Set(files.map((f) => /\/deps\/hello_kernel-([0-9a-f]{16})$/.exec(f)?.[1]).filter((h): h is string => !!h))];

test('cold run saves, warm run restores the exact entry and compiles only the kernel; outputs for later steps', async () => {
  const standin = await startCacheServiceStandin();
  try {
    const root = tempDir('cache-e2e-');
    const cargoHome = path.join(root, 'cargo-home');
    const run = (over: Record<string, string> = {}, config?: string) => {
      const ws = freshCheckout(root);
      if (config) fs.mkdirSync(path.join(ws, 'kernel', '.cargo'), { recursive: true });
      if (config) fs.writeFileSync(path.join(ws, 'kernel', '.cargo', 'config.toml'), config);
      fs.rmSync(cargoHome, { recursive: true, force: true });
      // CARGO_TARGET_DIR inside the checkout, so it goes with it: the cache must follow it there.
      return runAction({ ...inputs, ...over }, { workspace: ws, env: { ...standin.env(), CARGO_HOME: cargoHome, CARGO_TARGET_DIR: path.join(ws, 'out') } });
    };
    const cold = await run();
    assertPass(cold);
    assert.equal(cold.outputs['cache-hit'], 'false');
    assert.ok(compiled(cold.stderr).includes('core'), 'the cold run builds core from source');
    assert.match(cold.stdout, /Cache \(build\): saved as unikernel-boot-/);
    const saved = standin.entries.filter((e) => e.committed);
    assert.equal(saved.length, 1, `one build entry saved: ${JSON.stringify(saved.map((e) => e.key))}`);
    assert.match(saved[0].key, /^unikernel-boot-v\d+-linux-x64-x86_64-unknown-none-/);
    assert.match(
      cold.stdout,
      new RegExp(`Cache: build paths:\\nCache:   ${path.join(root, 'ws', 'out', TARGET).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`),
      'the entry holds the CARGO_TARGET_DIR',
    );
    // Cleaned before the save: cargo makes empty incremental folders even with CARGO_INCREMENTAL=0.
    assert.match(cold.stdout, /\[command\]CARGO_INCREMENTAL=0 /);
    assert.match(cold.stdout, /Cache \(build\): left out 2 incremental folders \([\d.]+ MiB\); [\d.]+ MiB to save before compression\./);
    const coldFiles = entryFiles(standin, saved[0]);
    assert.deepEqual(
      coldFiles.filter((f) => /\/incremental(\/|$)/.test(f)),
      [],
      'no incremental folder in the entry',
    );
    assert.ok(
      coldFiles.some((f) => /\/x86_64-unknown-none\/debug\/deps\/libcore-[0-9a-f]{16}\.rlib$/.test(f)),
      "build-std's core is in the entry",
    );
    const coldKernel = kernelUnits(coldFiles);
    assert.equal(coldKernel.length, 1, coldKernel.join());
    assert.match(
      cold.summary,
      /<p>Cache: nothing to restore \(a cold run\); left out 2 incremental folders .*; saved as unikernel-boot-v\d+-linux-x64-x86_64-unknown-none-[^;<]+\.<\/p>/,
    );

    const warm = await run();
    assertPass(warm);
    assert.equal(warm.outputs['cache-hit'], 'true');
    assert.match(warm.stdout, /Cache \(build\): restored the exact entry/);
    // Only the kernel is compiled again: a fresh checkout's sources are newer than the entry's
    // fingerprints, and cargo compares a local crate's sources by modification time
    // (https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/fingerprint/mod.rs).
    assert.deepEqual(compiled(warm.stderr), ['hello-kernel'], 'the warm run compiles none of build-std, only the kernel itself');
    assert.match(warm.stdout, /Cache \(build\): the exact entry was restored, nothing new to save\./);
    assert.equal(standin.entries.filter((e) => e.committed).length, 1);
    assert.match(warm.summary, /<p>Cache: restored unikernel-boot-[^;]+; the exact entry was restored, not saved again\.<\/p>/);

    // A changed cargo config (part of the key) on a pull request: the near entry is restored (core is
    // not built again), the kernel is rebuilt with another unit hash, and cache-save: false saves nothing.
    const config = '[profile.dev.package.hello-kernel]\ndebug = false\n';
    const pr = await run({ 'cache-save': 'false', 'cache-key': '' }, config);
    assertPass(pr);
    assert.match(pr.stdout, /Cache \(build\): restored a near entry \(unikernel-boot-/);
    assert.deepEqual(compiled(pr.stderr), ['hello-kernel'], 'core comes from the restored entry');
    assert.match(pr.stdout, /^Cache: not saved, cache-save: false \(restored only\)\.$/m);
    assert.equal(standin.entries.length, 1, 'nothing was even started');
    assert.match(pr.summary, /<p>Cache: restored a near entry, unikernel-boot-[^;]+; not saved, cache-save: false \(restored only\)\.<\/p>/);

    // The same change saved: the entry leaves out the kernel units of the old config, keeps core.
    const main = await run({}, config);
    assertPass(main);
    assert.match(
      main.stdout,
      /Cache \(build\): left out 2 incremental folders \([\d.]+ MiB\) and (\d+) artifacts \([\d.]+ MiB\) of units this build did not use;/,
    );
    const second = standin.entries.filter((e) => e.committed);
    assert.equal(second.length, 2);
    const mainFiles = entryFiles(standin, second[1]);
    const mainKernel = kernelUnits(mainFiles);
    assert.equal(mainKernel.length, 1, mainKernel.join());
    assert.notEqual(mainKernel[0], coldKernel[0], 'the config changed the unit');
    assert.deepEqual(
      mainFiles.filter((f) => f.includes(coldKernel[0])),
      [],
      "the old kernel unit's files (deps, .fingerprint) are not in the entry",
    );
    assert.ok(
      mainFiles.some((f) => /\/deps\/libcore-[0-9a-f]{16}\.rlib$/.test(f)),
      "build-std's core is still in it",
    );
    assert.ok(
      mainFiles.some((f) => f.includes(`.fingerprint/hello-kernel-${mainKernel[0]}`)),
      "the new kernel unit's fingerprint is in it",
    );
    // And what was left out was not needed: from that entry, cargo compiles only the kernel again.
    const again = await run({}, config);
    assertPass(again);
    assert.equal(again.outputs['cache-hit'], 'true');
    assert.deepEqual(compiled(again.stderr), ['hello-kernel'], 'the cleaned entry is complete: only the kernel again');

    // The outputs: the toolchain that built it, and the boot's moments in order.
    assert.match(warm.outputs['rustc-version'], /^rustc 1\.\d+\.\d+/);
    assert.equal(warm.outputs.toolchain, 'distro');
    const [boot, first, expected] = ['boot-seconds', 'first-line-seconds', 'expected-seconds'].map((k) => Number(warm.outputs[k]));
    for (const v of [boot, first, expected]) assert.ok(Number.isFinite(v) && v >= 0, JSON.stringify(warm.outputs));
    assert.ok(first <= expected && expected <= boot + 0.5, `first byte ${first} <= last expected line ${expected} <= end ${boot}`);
  } finally {
    await standin.close();
  }
});

test('an unreachable cache service: one line, the run goes on and passes; cache: false: no line about a service', async () => {
  const standin = await startCacheServiceStandin();
  const env = standin.env();
  await standin.close(); // nothing listens at its address any more
  const root = tempDir('cache-e2e-off-');
  const targetDir = path.join(root, 'target');
  const down = await runAction(inputs, { workspace: freshCheckout(root), env: { ...env, CARGO_TARGET_DIR: targetDir } });
  assertPass(down);
  const lines = down.stdout.split('\n').filter((l) => /^Cache/.test(l));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /^Cache: not used, the cache service at http:\/\/127\.0\.0\.1:\d+ cannot be reached \(.+\); continuing without it\.$/);
  assert.equal(down.outputs['cache-hit'], undefined);

  const off = await runAction({ ...inputs, cache: 'false' }, { workspace: freshCheckout(root), env: { ...env, CARGO_TARGET_DIR: targetDir } });
  assertPass(off);
  assert.deepEqual(
    off.stdout.split('\n').filter((l) => /^Cache/.test(l)),
    ['Cache: off (cache: false).'],
  );
});

test('the dry run shows cache-save, cache-key in every key and CARGO_INCREMENTAL=0; a bad cache-save is refused before anything is installed', async () => {
  const root = tempDir('cache-e2e-dry-');
  const dry = await runAction(
    { ...inputs, 'dry-run': 'true', 'cache-save': 'false', 'cache-key': 'pr-7' },
    { workspace: freshCheckout(root), env: { CARGO_TARGET_DIR: path.join(root, 'target') } },
  );
  assert.equal(dry.code, 0, dry.stdout.slice(-2000));
  const plan = JSON.parse(dry.outputs.plan);
  assert.equal(plan.cache.save, false);
  assert.equal(plan.cache.keyPrefix, 'pr-7');
  assert.match(plan.cache.build.key, /^pr-7-unikernel-boot-v\d+-linux-x64-x86_64-unknown-none-/);
  for (const k of plan.cache.build.restoreKeys) assert.match(k, /^pr-7-unikernel-boot-v\d+-/);
  assert.equal(plan.cache.build.restoreKeys.length, 1);
  assert.match(plan.build.command, /^CARGO_INCREMENTAL=0 /);

  const bad = await runAction({ ...inputs, 'cache-save': 'maybe' }, { workspace: freshCheckout(root), env: { CARGO_TARGET_DIR: path.join(root, 'target') } });
  assert.equal(bad.outputs.result, 'error');
  assert.match(bad.outputs.reason, /^Input 'cache-save': 'maybe' is neither true nor false\. Use true, false, or an expression that yields one/);
  assert.doesNotMatch(bad.stdout, /Compiling|\[command\]/);
});
