// Sharding a test suite: each executable's shard depends on its own key and N alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardKey, shardShare, suiteNames, type TestExecutable } from '../../../src/cargo/test-executables.js';
import { ActionError } from '../../../src/model/errors.js';
import { safeFileName } from '../../../src/model/paths.js';
import { shardOf } from '../../../src/model/shard.js';

const exe = (name: string, kind: TestExecutable['kind'] = 'test', pkg = 'tested-kernel'): TestExecutable => ({
  package: pkg,
  name,
  kind,
  executable: `/t/deps/${name}-0123456789abcdef`,
  srcPath: `/c/tests/${name}.rs`,
  manifestPath: '/c/Cargo.toml',
  label: `tests/${name}.rs`,
});

test('shardOf: in 1..N, the same for the same key, and spread evenly over many keys', () => {
  const keys = Array.from({ length: 4000 }, (_, i) => `pkg/test/case_${i}`);
  for (const n of [1, 2, 3, 7]) {
    const counts = new Array(n + 1).fill(0);
    for (const k of keys) {
      const s = shardOf(k, n);
      assert.ok(Number.isInteger(s) && s >= 1 && s <= n, `${k} -> ${s} of ${n}`);
      assert.equal(shardOf(k, n), s, 'deterministic');
      counts[s]++;
    }
    for (let s = 1; s <= n; s++) assert.ok(Math.abs(counts[s] - keys.length / n) < keys.length / n / 5, `shard ${s}/${n} has ${counts[s]} of ${keys.length}`);
  }
});

test('shardShare: adding an executable moves no other one; the file name cargo hashes does not count', () => {
  const before = ['basic_boot', 'failing', 'should_panic', 'alpha', 'beta', 'gamma'].map((n) => exe(n));
  const after = [...before, exe('new_test'), exe('another_one')];
  const shardsOf = (list: TestExecutable[]) => shardShare(list, suiteNames(list), { index: 1, total: 3 }).shards;
  const was = shardsOf(before);
  assert.deepEqual(shardsOf(after).slice(0, before.length), was);
  const rebuilt = before.map((e) => ({ ...e, executable: e.executable.replace(/-\w+$/, '-fedcba9876543210') }));
  assert.deepEqual(shardsOf(rebuilt), was, 'a new hash in the file name moves nothing');
  assert.notEqual(shardKey(exe('x', 'lib')), shardKey(exe('x', 'test')), 'the kind is part of the key');
});

test('shardShare: the shards together hold every executable exactly once', () => {
  const list = Array.from({ length: 12 }, (_, i) => exe(`t${i}`));
  const names = suiteNames(list);
  const seen = [1, 2, 3].flatMap((index) => shardShare(list, names, { index, total: 3 }).mine);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    list.map((_, i) => i),
  );
});

test('shardShare: an empty shard fails, naming the shard each executable went to and the fix', () => {
  const list = [exe('tested_kernel', 'lib'), exe('basic_boot'), exe('failing'), exe('should_panic')];
  const names = suiteNames(list);
  const shards = shardShare(list, names, { index: 1, total: 4 }).shards;
  const empty = [1, 2, 3, 4].find((s) => !shards.includes(s));
  assert.ok(empty, `some shard of 4 is empty for these 4 (${shards})`);
  assert.throws(
    () => shardShare(list, names, { index: empty, total: 4 }),
    (e: unknown) =>
      e instanceof ActionError &&
      new RegExp(`^Shard ${empty}/4 has none of the 4 test executables \\(tested_kernel: shard ${shards[0]}, basic_boot: shard ${shards[1]}`).test(e.message) &&
      /cannot pass\. Use fewer shards/.test(e.message),
  );
});

test('safeFileName: a name as a file name', () => {
  assert.equal(safeFileName('x86_64-unknown-none --release (nightly-2026-11-01) [shard 1/2]'), 'x86_64-unknown-none_--release_nightly-2026-11-01_shard_1_2');
  assert.equal(safeFileName('../../etc/passwd'), 'etc_passwd');
  assert.equal(safeFileName('---'), 'run');
  assert.equal(safeFileName('a'.repeat(300)).length, 100);
});
