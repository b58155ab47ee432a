import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeInputs } from '../../helpers/inputs.js';

test('command input: boot or test; test with kernel or runner: cargo is an input error', () => {
  assert.equal(fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test' }).command, 'test');
  assert.throws(() => fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'tests' }), /command/);
  assert.throws(
    () => fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test', runner: 'cargo' }),
    /runner/,
  );
});
