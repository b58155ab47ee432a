import { test } from 'node:test';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readInputs } from '../../../src/inputs/inputs.js';
import { defaultName, runName } from '../../../src/inputs/matrix.js';
import { InputError } from '../../../src/model/errors.js';
import { ROOT } from '../../../test/helpers/action.js';
import { tempDir } from '../../helpers/tmp.js';

const base = { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none' };
const read = (over: Record<string, string>) =>
  readInputs((n) => (({ ...base, ...over }) as Record<string, string>)[n] ?? '', readRunnerEnv({ GITHUB_WORKSPACE: ROOT }));

function rejects(over: Record<string, string>, input: string, message: RegExp) {
  assert.throws(
    () => read(over),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
      assert.equal(e.input, input);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('defaults', () => {
  const i = read({});
  assert.equal(i.workingDirectory, path.join(ROOT, 'examples/x86_64-unknown-none'));
  assert.equal(i.exitCodes, undefined, "empty: the target's");
  assert.equal(i.timeout, undefined, 'unset: the mode applies bootimage test-timeout or 300');
  assert.equal(i.idleTimeout, 0);
  assert.equal(i.accel, 'auto');
  assert.equal(i.ordered, true);
  assert.equal(i.defaultFailOn, true);
  assert.deepEqual(i.cargoArgs, []);
});

test('argument lists are split like a shell', () => {
  const i = read({ 'cargo-args': '--release --features "a b"', 'qemu-args': "-m 512M\n-append 'x y'" });
  assert.deepEqual(i.cargoArgs, ['--release', '--features', 'a b']);
  assert.deepEqual(i.qemuArgs, ['-m', '512M', '-append', 'x y']);
});

test('exit codes: list, spaces and commas', () => {
  assert.deepEqual(read({ 'exit-code': '0, 33 35', expect: 'ok' }).exitCodes, [0, 33, 35]);
});

test('bad inputs name the input and what would be valid', () => {
  rejects({ target: '' }, 'target', /is required.*x86_64-unknown-none/);
  rejects({ target: 'x86_64-unknown-linux-gnu' }, 'target', /'x86_64-unknown-linux-gnu' is not a supported target. Supported targets: .*x86_64-unknown-none/);
  rejects({ timeout: 'soon' }, 'timeout', /'soon' is not a number of seconds.*positive number/);
  rejects({ timeout: '0' }, 'timeout', /not a number of seconds/);
  rejects({ timeout: '-5' }, 'timeout', /not a number/);
  rejects({ 'idle-timeout': '400' }, 'idle-timeout', /not shorter than timeout/);
  rejects({ 'working-directory': 'no/such/dir' }, 'working-directory', /does not exist/);
  rejects({ 'working-directory': 'src' }, 'working-directory', /has no Cargo.toml/);
  rejects({ expect: 'ok\n/unclosed(/' }, 'expect', /not a valid regular expression/);
  rejects({ 'exit-code': '33,abc' }, 'exit-code', /'abc' is not an exit status/);
  rejects({ 'exit-code': '256' }, 'exit-code', /0 to 255/);
  rejects({ accel: 'hvf' }, 'accel', /auto.*kvm.*tcg/);
  rejects({ 'qemu-args': '-accel kvm' }, 'qemu-args', /accel input/);
  rejects({ 'qemu-args': '-machine q35,accel=kvm' }, 'qemu-args', /accel input/);
  rejects({ 'cargo-args': '--target x86_64-unknown-linux-gnu' }, 'cargo-args', /sets '--target'/);
  rejects({ kernel: 'package.json', 'cargo-args': '--release' }, 'cargo-args', /cannot be used together with kernel/);
  rejects({ kernel: 'no-such-image' }, 'kernel', /is not a file/);
  rejects({ toolchain: 'nightly; rm -rf /' }, 'toolchain', /not a toolchain name/);
  rejects({ 'default-fail-on': 'maybe' }, 'default-fail-on', /Use true or false/);
});

test('a prebuilt kernel needs no Cargo.toml', () => {
  const i = read({ kernel: 'package.json', 'working-directory': 'src' });
  assert.equal(i.kernel, path.join(ROOT, 'package.json'));
});

test('wait-for-exit: false by default, a boolean, refused otherwise', () => {
  assert.equal(read({}).waitForExit, false);
  assert.equal(read({ 'wait-for-exit': 'true' }).waitForExit, true);
  rejects({ 'wait-for-exit': 'sometimes' }, 'wait-for-exit', /'sometimes' is not a boolean/);
});

test('timeout: an explicit 300 counts as given (bootimage test-timeout then yields), unset does not', () => {
  const t = { 'working-directory': 'test/kernels/x86_64-tests', command: 'test' };
  assert.equal(read(t).timeout, undefined);
  assert.equal(read({ ...t, timeout: '300' }).timeout, 300);
});

test('path inputs that lead outside the workspace are refused, whether by .., an absolute path or a symbolic link', () => {
  rejects(
    { kernel: '/etc/passwd' },
    'kernel',
    /^Input 'kernel': '\/etc\/passwd' leads outside the workspace \(\/etc\/passwd\)\. Give a path inside the workspace/,
  );
  rejects({ kernel: '../../../../../../etc/passwd' }, 'kernel', /leads outside the workspace \(\/etc\/passwd\)/);
  rejects({ 'working-directory': '/etc' }, 'working-directory', /'\/etc' leads outside the workspace/);
  const ws = tempDir('ws-links-');
  fs.symlinkSync('/etc/passwd', path.join(ws, 'kernel.img'));
  fs.symlinkSync('/etc', path.join(ws, 'crate'));
  const inWs = (over: Record<string, string>) => () =>
    readInputs((n) => ({ ...base, ...over })[n as keyof typeof base] ?? '', readRunnerEnv({ GITHUB_WORKSPACE: ws }));
  assert.throws(
    inWs({ kernel: 'kernel.img' }),
    /Input 'kernel': 'kernel\.img' leads outside the workspace through a symbolic link \(.*kernel\.img -> \/etc\/passwd\)/,
  );
  assert.throws(inWs({ 'working-directory': 'crate' }), /Input 'working-directory': 'crate' leads outside the workspace through a symbolic link/);
  // Inside: the workspace, RUNNER_TEMP, the temp folder (where tests and earlier steps put images).
  fs.writeFileSync(path.join(ws, 'real.img'), 'x');
  fs.symlinkSync(path.join(ws, 'real.img'), path.join(ws, 'link.img'));
  assert.equal(inWs({ kernel: 'link.img' })().kernel, path.join(ws, 'link.img'));
  assert.equal(read({ kernel: path.join(ws, 'real.img') }).kernel, path.join(ws, 'real.img'));
});

// The matrix inputs (src/inputs/matrix.ts): name and its default, shard, annotations.
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

test('cache-save: true or false, as an expression yields them; empty is true; anything else is refused', () => {
  assert.equal(read({}).cacheSave, true);
  assert.equal(read({ 'cache-save': 'false' }).cacheSave, false);
  assert.equal(read({ 'cache-save': 'False' }).cacheSave, false);
  assert.equal(read({ 'cache-save': 'true' }).cacheSave, true);
  // What `${{ github.ref == 'refs/heads/main' && 'yes' }}` or a typo gives: not read as false.
  rejects({ 'cache-save': 'yes' }, 'cache-save', /'yes' is neither true nor false\. Use true, false, or an expression that yields one/);
  rejects({ 'cache-save': 'refs/heads/main' }, 'cache-save', /neither true nor false/);
});

test('cache-key: kept as given; commas, control characters and overlong keys are refused', () => {
  assert.equal(read({}).cacheKey, '');
  assert.equal(read({ 'cache-key': ' v2-build ' }).cacheKey, 'v2-build');
  rejects({ 'cache-key': 'a,b' }, 'cache-key', /'a,b' contains a comma, which a cache key cannot hold\. Use letters, digits and punctuation other than commas/);
  rejects({ 'cache-key': 'a\tb' }, 'cache-key', /the control character U\+0009/);
  rejects({ 'cache-key': 'k'.repeat(201) }, 'cache-key', /is 201 characters long\. Use at most 200/);
  assert.equal(read({ 'cache-key': 'k'.repeat(200) }).cacheKey.length, 200);
});
