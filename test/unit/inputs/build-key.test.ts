import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCacheKeys } from '../../../src/cache/key.js';
import { BUILD_KEY_INPUTS, readInputs } from '../../../src/inputs/inputs.js';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import { FAMILIES } from '../../../src/targets/registry.js';
import { ROOT } from '../../helpers/action.js';

const HEX = 'ab'.repeat(32);

/** For every input that changes the build, a second valid value (the first is unset, or the one given here). */
const OTHER: Record<string, [string, string]> = {
  toolchain: ['', 'nightly-2026-06-01'],
  'working-directory': ['examples/x86_64-unknown-none', 'test/kernels/x86_64-none'],
  'cargo-args': ['', '--release'],
  command: ['', 'test'],
  'hermit-loader': ['', 'v0.5.6'],
  'hermit-loader-sha256': ['', HEX],
  'hermit-opensbi': ['', '1.5.1'],
  'hermit-opensbi-sha256': ['', HEX],
  hypervisor: ['', 'uhyve'],
  kraftkit: ['', 'v0.12.3'],
  'kraftkit-sha256': ['', HEX],
  'unikraft-target': ['', 'qemu-x86_64'],
  'unikraft-tty-stdio': ['', 'true'],
  'sel4-prefix': ['', 'some/prefix'],
  'sel4-version': ['', '15.0.0'],
  'sel4-config': ['', 'KernelPrinting=ON'],
  'sel4-kernel-loader': ['', 'loader'],
  'microkit-system': ['', 'system.system'],
  'microkit-sdk': ['', '2.0.1'],
  'microkit-sdk-sha256': ['', HEX],
  'microkit-board': ['', 'qemu_virt_aarch64'],
  'microkit-config': ['', 'release'],
};

const keyOf = (inputs: Record<string, string>) => {
  const i = readInputs((n) => inputs[n] ?? '', readRunnerEnv({ GITHUB_WORKSPACE: ROOT }));
  return buildCacheKeys({
    target: i.target,
    rustcVerbose: 'rustc 1.96.0',
    files: [],
    inputs: i.buildKey,
    env: {},
    actionVersion: '0',
    platform: 'linux',
    arch: 'x64',
  }).key;
};

for (const family of FAMILIES) {
  test(`${family.name}: each input that changes the build changes the build cache's key`, () => {
    // The table above is the list of build inputs: a family input in it must say buildKey, one not in it must not.
    for (const spec of family.inputs) assert.equal(spec.buildKey === true, spec.name in OTHER, `${spec.name}: buildKey`);
    const target = family.examples[0];
    const names = [...BUILD_KEY_INPUTS.filter((n) => n !== 'target'), ...family.inputs.filter((i) => i.buildKey).map((i) => i.name)];
    const base: Record<string, string> = { target, 'working-directory': OTHER['working-directory'][0] };
    const key = keyOf(base);
    for (const name of names) {
      const [, other] = OTHER[name] ?? assert.fail(`no second value for ${name}: add one to OTHER`);
      assert.notEqual(keyOf({ ...base, [name]: other }), key, `${name}: ${other}`);
    }
    const second = family.examples.find((t) => t !== target && !t.includes('*'));
    if (second) assert.notEqual(keyOf({ ...base, target: second }), key, 'target');
  });
}

test('inputs that change only the boot or the verdict keep the key', () => {
  const base = { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none' };
  const key = keyOf(base);
  for (const [name, value] of Object.entries({
    expect: 'Hello',
    timeout: '60',
    'qemu-args': '-smp 2',
    accel: 'tcg',
    'wait-for-exit': 'true',
    memory: '256M',
  })) {
    assert.equal(keyOf({ ...base, [name]: value }), key, name);
  }
});
