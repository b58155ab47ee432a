import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHost } from '../../../src/install/host.js';

test('Linux x64 and arm64 run', () => {
  assert.deepEqual(checkHost('linux', 'x64'), { ok: true });
  assert.deepEqual(checkHost('linux', 'arm64'), { ok: true });
  assert.deepEqual(checkHost(process.platform, process.arch), { ok: true }, 'the development machine is a supported host');
});

test('macOS and Windows are refused with a message that names the runner and the fix', () => {
  for (const [platform, name] of [
    ['darwin', 'macOS'],
    ['win32', 'Windows'],
  ]) {
    for (const arch of ['x64', 'arm64']) {
      const r = checkHost(platform, arch);
      assert.equal(r.ok, false);
      if (r.ok) continue;
      assert.match(r.message, new RegExp(`runs on Linux only .* this runner is ${name} \\(${arch}\\)`));
      assert.match(r.message, /runs-on: ubuntu-latest \(x64\) or ubuntu-24\.04-arm \(arm64\)/);
    }
  }
});

test('other Linux architectures are refused', () => {
  for (const arch of ['ia32', 'arm', 's390x', 'ppc64', 'riscv64']) {
    const r = checkHost('linux', arch);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, new RegExp(`x64 and arm64 Linux, but this runner is ${arch}`));
  }
});
