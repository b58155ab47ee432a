// What QEMU gets from the host: its environment (no runner files, tokens or secrets), and where a
// guest's semihosting output goes (the serial console's stdout, judged and paused like serial output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuEnvironment, runnerEnvironment } from '../../../src/boot/qemu.js';
import { semihostingOnConsole, usesSemihosting, rawDrive } from '../../../src/boot/qemu-args.js';

const RUNNER = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/runner',
  GITHUB_ENV: '/r/env',
  GITHUB_OUTPUT: '/r/out',
  GITHUB_PATH: '/r/path',
  GITHUB_STEP_SUMMARY: '/r/sum',
  GITHUB_TOKEN: 'ghs_x',
  ACTIONS_RUNTIME_TOKEN: 'x',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x',
  RUNNER_TEMP: '/r/tmp',
  INPUT_TOKEN: 'ghp_x',
  MY_SECRET: 's',
  NPM_TOKEN: 't',
  AWS_SECRET_ACCESS_KEY: 'k',
  CARGO_HOME: '/c',
};

test("QEMU's environment is built from nothing: PATH, a locale, HOME and TMPDIR in its own folder", () => {
  assert.deepEqual(qemuEnvironment('/s/q', RUNNER), { PATH: '/usr/bin:/bin', HOME: '/s/q', TMPDIR: '/s/q', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' });
  assert.equal(qemuEnvironment('/s/q', RUNNER, { X: '1' }).X, '1');
});

test("a runner command keeps the user's environment, without the runner's files, tokens, inputs and secrets", () => {
  const env = runnerEnvironment({ CARGO_TERM_COLOR: 'never' }, RUNNER);
  assert.deepEqual(env, { PATH: '/usr/bin:/bin', HOME: '/home/runner', CARGO_HOME: '/c', CARGO_TERM_COLOR: 'never' });
});

test("semihosting from qemu-args is moved onto the serial console's stdio (QEMU would write it to stderr)", () => {
  const base = ['qemu', '-display', 'none', '-serial', 'stdio', '-no-reboot'];
  assert.deepEqual(semihostingOnConsole([...base, '-semihosting']), [
    'qemu',
    '-display',
    'none',
    '-chardev',
    'stdio,id=console,mux=on',
    '-serial',
    'chardev:console',
    '-no-reboot',
    '-semihosting-config',
    'enable=on,target=native,chardev=console',
  ]);
  assert.deepEqual(semihostingOnConsole([...base, '-semihosting-config', 'enable=on,target=native']).slice(-2), [
    '-semihosting-config',
    'enable=on,target=native,chardev=console',
  ]);
  // Already on a chardev, or no semihosting: unchanged.
  const own = [...base, '-semihosting-config', 'enable=on,chardev=x'];
  assert.deepEqual(semihostingOnConsole(own), own);
  assert.deepEqual(semihostingOnConsole(base), base);
  // The target's console is already the muxed chardev: only -semihosting is rewritten.
  const mux = ['qemu', '-chardev', 'stdio,id=console,mux=on', '-serial', 'chardev:console', '-semihosting'];
  assert.deepEqual(semihostingOnConsole(mux), [...mux.slice(0, -1), '-semihosting-config', 'enable=on,target=native,chardev=console']);
  assert.equal(usesSemihosting(mux), true);
  assert.equal(usesSemihosting(base), false);
});

test('a raw disk image is a snapshot drive: the guest writes to a temporary overlay, never to the file', () => {
  assert.equal(rawDrive('/w/disk.img'), 'format=raw,file=/w/disk.img,snapshot=on');
});
