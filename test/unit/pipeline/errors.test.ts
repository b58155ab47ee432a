import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActionError, InfraError, InputError, resultOf } from '../../../src/model/errors.js';

test('result: fail for what the crate or guest did, error for what kept the action from judging it', () => {
  assert.equal(resultOf(new ActionError('cargo build failed (exit status 101) with 1 error: mismatched types.')), 'fail');
  assert.equal(resultOf(new InfraError('apt-get install qemu-system-x86 failed: E: Unable to locate package. Run apt-get update first.', 'install')), 'error');
  assert.equal(resultOf(new InfraError('The download of hermit-loader-x86_64 was refused (403).', 'download')), 'error');
  assert.equal(resultOf(new InputError('timeout', "is 'soon'", 'Give a number of seconds.')), 'error');
  assert.equal(resultOf(new TypeError("Cannot read properties of undefined (reading 'x')")), 'error');
  assert.equal(resultOf('a string thrown'), 'error');
});

test('InfraError is an ActionError: its message is shown as it is, and it says what broke', () => {
  const e = new InfraError('sudo is not available: the action needs password-less sudo to run apt-get. Install qemu-system-x86 before this step.', 'install');
  assert.ok(e instanceof ActionError);
  assert.equal(e.name, 'InfraError');
  assert.equal(e.part, 'install');
  assert.match(e.message, /^sudo is not available/);
});
