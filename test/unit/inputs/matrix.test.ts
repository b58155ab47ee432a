// The matrix inputs: name (and its default), shard and annotations, read through readInputs as the
// action reads them, and the run's name as the heading and the files show it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInputs } from '../../../src/inputs/inputs.js';
import { defaultName, runName } from '../../../src/inputs/matrix.js';
import { InputError } from '../../../src/model/errors.js';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import { ROOT } from '../../helpers/action.js';

const base = { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests' };
const read = (over: Record<string, string>) =>
  readInputs((n) => (({ ...base, ...over }) as Record<string, string>)[n] ?? '', readRunnerEnv({ GITHUB_WORKSPACE: ROOT }));

function rejects(over: Record<string, string>, input: string, message: RegExp) {
  assert.throws(
    () => read(over),
    (e: unknown) => e instanceof InputError && e.input === input && message.test(e.message),
  );
}

test('name: the default is the target, then cargo-args and (toolchain) when set, so matrix legs differ', () => {
  assert.equal(read({}).name, 'x86_64-unknown-none');
  assert.equal(read({ 'cargo-args': '  --release\n --features  x ' }).name, 'x86_64-unknown-none --release --features x');
  assert.equal(read({ toolchain: 'nightly-2026-11-01', 'cargo-args': '--release' }).name, 'x86_64-unknown-none --release (nightly-2026-11-01)');
  assert.equal(read({ toolchain: 'distro' }).name, 'x86_64-unknown-none (distro)');
  assert.notEqual(read({ 'cargo-args': '--release' }).name, read({}).name, 'a --release leg and a debug leg do not share a name');
  assert.equal(defaultName(' x ', '', ''), 'x');
});

test('name: a given name wins; a line break or an over-long name is refused, naming the input', () => {
  assert.equal(read({ name: ' release on nightly ', 'cargo-args': '--release' }).name, 'release on nightly');
  rejects({ name: 'two\nlines' }, 'name', /line break.*one-line name/);
  rejects({ name: 'x'.repeat(201) }, 'name', /201 characters long\. Give at most 200/);
});

test('shard: K/N with command test; refused otherwise, naming the input and the fix', () => {
  assert.deepEqual(read({ command: 'test', shard: '2/3' }).shard, { index: 2, total: 3 });
  assert.deepEqual(read({ command: 'test', shard: ' 1 / 1 ' }).shard, { index: 1, total: 1 });
  assert.equal(read({ command: 'test' }).shard, undefined);
  for (const bad of ['0/3', '4/3', '1/0', '3', 'a/b', '1/2/3', '-1/2', '1.5/2', '1/1001'])
    rejects({ command: 'test', shard: bad }, 'shard', new RegExp(`'${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is not a shard\\. Give K/N with 1 ≤ K ≤ N`));
  rejects({ shard: '1/2' }, 'shard', /is 1\/2, but command is boot, which boots one image\. Set command to test/);
});

test('annotations: all by default; errors and none; anything else refused with the choices', () => {
  assert.equal(read({}).annotations, 'all');
  assert.equal(read({ annotations: 'Errors' }).annotations, 'errors');
  assert.equal(read({ annotations: 'none' }).annotations, 'none');
  rejects({ annotations: 'warnings' }, 'annotations', /'warnings' is not a choice\. Use all .*errors .*none/);
});

test('runName: the name, and the shard when there is one', () => {
  assert.equal(runName({ name: 'x86 --release' }), 'x86 --release');
  assert.equal(runName({ name: 'x86', shard: { index: 2, total: 3 } }), 'x86 [shard 2/3]');
});
