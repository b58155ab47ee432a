// Real Hermit 0.13.2 apps with hermit-os/loader 0.5.6 (../shared/images/hermit-*, built from
// upstream sources; see its README), booted through the bundled action (dist/index.js) under
// default inputs, the loader given as a path (the `hermit-loader` input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { runAction } from '../helpers/action.js';
import { assertError, assertFail, assertPass } from '../helpers/example.js';
import { serve } from '../helpers/http-server.js';
import { image, imagesSkip } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';
import { atLeast, MIN_OPENSBI, OPENSBI_FW_JUMP, systemOpensbi } from '../../src/targets/hermit/opensbi.js';

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

// The server example of docs/servers.md, adapted to this image's port and answer.
const HTTPD_PROBES = `
- http: http://127.0.0.1:18000/
  status: 200
  body: hermit says hi
  timeout: 60
- tcp: 18000
`;

test(
  'x86_64: the httpd passes with forward + probes as in docs/servers.md (no expect line: the probes are the evidence); a wrong body fails',
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

// riscv64: Hermit prints through the SBI Debug Console, which OpenSBI has from 1.3 on. Debian 12's
// opensbi (and QEMU 7.2's own firmware) is 1.1; no 1.3+ firmware can be had on this machine (no
// internet), so the pass with a release fw_jump.bin runs where GitHub can be reached, and here the
// refusal before the boot and the silent boot on 1.1 (served by a local HTTP server standing in for
// a download) are what is checked.
const SYSTEM = systemOpensbi();
const rv = (inputs: Record<string, string> = {}) =>
  runAction({
    target: 'riscv64gc-unknown-hermit',
    kernel: image('hermit-riscv64/hermit-hello'),
    'hermit-loader': image('hermit-riscv64/hermit-loader-riscv64'),
    timeout: '60',
    ...inputs,
  });

test(
  "riscv64 hello, default OpenSBI: passes with a 1.3+ one (the system's, or release 1.9's where GitHub is reachable); else fails before the boot naming the version found, the one needed and why",
  { skip },
  async () => {
    const r = await rv();
    if (r.outputs.result === 'pass') {
      assertPass(r);
      const banner = /OpenSBI v(\d+)\.(\d+)/.exec(fs.readFileSync(r.outputs.log, 'utf8'));
      assert.ok(banner && (Number(banner[1]) > 1 || Number(banner[2]) >= 3), `booted with OpenSBI ${banner?.[0]}`);
      assert.match(fs.readFileSync(r.outputs.log, 'utf8'), /Hello, world!/);
      return;
    }
    assert.ok(SYSTEM?.version && !atLeast(SYSTEM.version, MIN_OPENSBI), `only a system OpenSBI older than 1.3 may lead here (${JSON.stringify(SYSTEM)})`);
    assertError(
      r,
      new RegExp(
        `opensbi-1\\.9-rv-bin\\.tar\\.xz.* It was needed because the system's OpenSBI is ${SYSTEM!.version.replace('.', '\\.')} \\(package opensbi .*\\); Hermit's riscv64 kernel .* SBI Debug Console extension, which OpenSBI implements from 1\\.3 on`,
      ),
    );
    assert.equal(r.outputs['qemu-command'], undefined, 'nothing was booted');
  },
);

test('riscv64: hermit-opensbi system with an OpenSBI older than 1.3 is refused before anything is installed', { skip }, async () => {
  const r = await rv({ 'hermit-opensbi': 'system' });
  if (SYSTEM?.version && atLeast(SYSTEM.version, MIN_OPENSBI)) return assertPass(r);
  assertError(r, /Input 'hermit-opensbi': is system, and the system's OpenSBI is 1\.1 .*older than the 1\.3 Hermit needs: .*SBI Debug Console/);
  assert.ok(r.seconds < 15, `refused at once (${r.seconds} s)`);
});

test(
  "riscv64: a fw_jump.bin by URL is a verified download (local HTTP server stand-in, serving Debian's 1.1): it boots, OpenSBI's banner says 1.1, the reason says so; a wrong sha256 is refused before the boot",
  { skip },
  async () => {
    const fw = fs.readFileSync(OPENSBI_FW_JUMP.find((f) => fs.existsSync(f))!);
    const server = await serve({ '/fw_jump.bin': [200, fw] });
    try {
      const url = `${server.base}/fw_jump.bin`;
      const sha = createHash('sha256').update(fw).digest('hex');
      const env = { RUNNER_TOOL_CACHE: tempDir('opensbi-toolcache-') };
      const r = await runAction(
        {
          target: 'riscv64gc-unknown-hermit',
          kernel: image('hermit-riscv64/hermit-hello'),
          'hermit-loader': image('hermit-riscv64/hermit-loader-riscv64'),
          'hermit-opensbi': url,
          'hermit-opensbi-sha256': sha,
          timeout: '60',
        },
        { env },
      );
      assertFail(r, /^The guest exited \(status 0\) before printing .*exit status 0.*OpenSBI's banner says v1\.1, older than 1\.3: .*SBI Debug Console/);
      assert.match(r.outputs['qemu-command'], new RegExp(`-bios ${env.RUNNER_TOOL_CACHE}/opensbi-riscv64/\\S+/fw_jump\\.bin`));
      const wrong = await runAction(
        {
          target: 'riscv64gc-unknown-hermit',
          kernel: image('hermit-riscv64/hermit-hello'),
          'hermit-loader': image('hermit-riscv64/hermit-loader-riscv64'),
          'hermit-opensbi': url,
          'hermit-opensbi-sha256': 'b'.repeat(64),
        },
        { env: { RUNNER_TOOL_CACHE: tempDir('opensbi-toolcache-') } },
      );
      assertError(wrong, /does not match its checksum/);
      assert.equal(wrong.outputs['qemu-command'], undefined, 'nothing was booted');
    } finally {
      await server.close();
    }
  },
);
