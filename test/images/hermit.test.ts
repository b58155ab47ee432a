// Real Hermit 0.13.2 apps with hermit-os/loader 0.5.6 (../shared/images/hermit-*, built from
// upstream sources; see its README), booted through the bundled action (dist/index.js) under
// default inputs, the loader given as a path (the `hermit-loader` input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { runAction } from '../helpers/action.js';
import { assertFail, assertPass } from '../helpers/example.js';
import { image, imagesSkip } from '../helpers/images.js';

const skip = imagesSkip();
const x86 = (app: string, inputs: Record<string, string> = {}) =>
  runAction({
    target: 'x86_64-unknown-hermit',
    kernel: image(`hermit-x86_64/${app}`),
    'hermit-loader': image('hermit-x86_64/hermit-loader-x86_64'),
    accel: 'tcg',
    timeout: '60',
    ...inputs,
  });
const arm = (app: string, inputs: Record<string, string> = {}) =>
  runAction({
    target: 'aarch64-unknown-hermit',
    kernel: image(`hermit-aarch64/${app}`),
    'hermit-loader': image('hermit-aarch64/hermit-loader-aarch64'),
    timeout: '60',
    ...inputs,
  });

test('x86_64: hello passes on `exit status 0` and QEMU status 3', { skip }, async () => {
  const r = await x86('hermit-hello');
  assertPass(r);
  assert.equal(r.outputs['exit-code'], '3');
  assert.match(fs.readFileSync(r.outputs.log, 'utf8'), /Hello, world!/);
});

test('x86_64: the panicking app fails on its panic line, naming the file and line', { skip }, async () => {
  const r = await x86('panics');
  assertFail(r, /panicked at panics\/src\/main\.rs:6:5:/);
});

// The README's server example (Servers and conversations), adapted to this image's port and answer.
const HTTPD_PROBES = `
- http: http://127.0.0.1:18000/
  status: 200
  body: hermit says hi
  timeout: 60
- tcp: 18000
`;

test(
  'x86_64: the httpd passes with forward + probes as in the README (no expect line: the probes are the evidence); a wrong body fails',
  { skip },
  async () => {
    const r = await x86('hermit-httpd', { forward: '18000:8000', probes: HTTPD_PROBES, expect: '' });
    assertPass(r);
    assert.match(r.outputs['qemu-command'], /hostfwd=tcp:127\.0\.0\.1:18000-:8000/);
    assert.match(r.outputs.reason, /All 2 probes passed\./);
    const wrong = await x86('hermit-httpd', { forward: '18000:8000', probes: HTTPD_PROBES.replace('hermit says hi', 'hermit says bye'), expect: '' });
    assertFail(wrong, /hermit says bye/);
  },
);

test('x86_64: the httpd without a network card panics with "Network is down", and the reason names forward', { skip }, async () => {
  const r = await x86('hermit-httpd');
  assertFail(r, /Network is down.*\bforward\b/s);
});

test('aarch64: hello passes (status 0 with `exit status 0`), with and without wait-for-exit', { skip }, async () => {
  const r = await arm('hermit-hello');
  assertPass(r);
  assertPass(await arm('hermit-hello', { 'wait-for-exit': 'true' }));
});

test('aarch64: the panicking app fails on its panic line (status 255), with and without wait-for-exit; no fix that could not pass it', { skip }, async () => {
  for (const w of ['false', 'true']) {
    const r = await arm('panics', { 'wait-for-exit': w });
    assertFail(r, /panicked at panics\/src\/main\.rs:6:5:/);
    assert.doesNotMatch(r.outputs.reason, /add 255 to the exit-code input/);
  }
});

test(
  'aarch64: with default-fail-on off the panic ends in status 255, and the reason does not offer exit-code (the `exit status 0` line would still be missing)',
  { skip },
  async () => {
    const r = await arm('panics', { 'default-fail-on': 'false' });
    assertFail(
      r,
      /QEMU exited with status 255: .*app's exit code, here -1 .*Adding 255 to the exit-code input would not make it pass: .*exit status 0.* never appeared/,
    );
  },
);
