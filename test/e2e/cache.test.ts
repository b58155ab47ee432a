// The cache through the bundle, against the cache-service STAND-IN on 127.0.0.1 (the real service
// is only reachable from a GitHub-hosted job): a cold run saves, a warm run from a fresh checkout
// restores and cargo compiles nothing; the outputs later steps key on; an unreachable service and
// cache: false leave the run as it was, said in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction } from '../helpers/action.js';
import { assertPass, copyExample } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';
import { startCacheServiceStandin } from '../standins/cache-service.js';

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

test('cold run saves, warm run restores the exact entry and compiles nothing; outputs for later steps', async () => {
  const standin = await startCacheServiceStandin();
  try {
    const root = tempDir('cache-e2e-');
    const cargoHome = path.join(root, 'cargo-home');
    const run = () => {
      const ws = freshCheckout(root);
      fs.rmSync(cargoHome, { recursive: true, force: true });
      // CARGO_TARGET_DIR inside the checkout, so it goes with it: the cache must follow it there.
      return runAction(inputs, { workspace: ws, env: { ...standin.env(), CARGO_HOME: cargoHome, CARGO_TARGET_DIR: path.join(ws, 'out') } });
    };
    const cold = await run();
    assertPass(cold);
    assert.equal(cold.outputs['cache-hit'], 'false');
    assert.match(cold.stderr, /Compiling\S* core /, 'the cold run builds core from source');
    assert.match(cold.stdout, /Cache \(build\): saved as unikernel-boot-/);
    const saved = standin.entries.filter((e) => e.committed);
    assert.equal(saved.length, 1, `one build entry saved: ${JSON.stringify(saved.map((e) => e.key))}`);
    assert.match(saved[0].key, /^unikernel-boot-v\d+-linux-x64-x86_64-unknown-none-/);
    assert.match(
      cold.stdout,
      new RegExp(`Cache: build paths:\\nCache:   ${path.join(root, 'ws', 'out', TARGET).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`),
      'the entry holds the CARGO_TARGET_DIR',
    );

    const warm = await run();
    assertPass(warm);
    assert.equal(warm.outputs['cache-hit'], 'true');
    assert.match(warm.stdout, /Cache \(build\): restored the exact entry/);
    assert.doesNotMatch(warm.stderr, /Compiling /, 'the warm run compiles nothing');
    assert.match(warm.stdout, /Cache \(build\): the exact entry was restored, nothing new to save\./);
    assert.equal(standin.entries.filter((e) => e.committed).length, 1);

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
