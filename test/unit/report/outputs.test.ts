import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { qemuVersionNumber } from '../../../src/install/qemu.js';
import { accelOutput, bootTimings, factOutputs } from '../../../src/report/outputs.js';
import { ROOT } from '../../helpers/action.js';

test('bootTimings: seconds from the start of the boot to the first byte, the last expected line, the end', () => {
  assert.deepEqual(bootTimings({ started: 1000, firstByte: 1150, expectedDone: 1400, ended: 1500 }), {
    bootSeconds: 0.5,
    firstLineSeconds: 0.15,
    expectedSeconds: 0.4,
  });
  assert.deepEqual(bootTimings({ started: 1000, ended: 61000 }), { bootSeconds: 60 }, 'a silent guest has no first line');
  assert.deepEqual(bootTimings({ started: 1000, firstByte: 999, ended: 1000 }), { bootSeconds: 0, firstLineSeconds: 0 });
});

test('factOutputs: values as strings, unknown facts left out', () => {
  assert.deepEqual(
    factOutputs({
      rustc: 'rustc 1.96.0-nightly (0123456789 2026-06-01)\nbinary: rustc\n',
      toolchain: 'nightly-2026-06-01',
      cacheHit: false,
      timings: { bootSeconds: 0.2154, firstLineSeconds: 0.0712 },
    }),
    {
      'rustc-version': 'rustc 1.96.0-nightly (0123456789 2026-06-01)',
      toolchain: 'nightly-2026-06-01',
      'cache-hit': 'false',
      'boot-seconds': '0.215',
      'first-line-seconds': '0.071',
    },
  );
  assert.deepEqual(factOutputs({}), {});
});

test('every output factOutputs can give is declared in action.yml', () => {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { outputs: Record<string, unknown> };
  const all = factOutputs({ rustc: 'rustc 1', toolchain: 't', cacheHit: true, timings: { bootSeconds: 1, firstLineSeconds: 1, expectedSeconds: 1 } });
  for (const name of Object.keys(all)) assert.ok(name in action.outputs, `${name} is declared in action.yml`);
});

test('accel: the accelerator that decided the run; tcg when any boot was decided under TCG; empty when none chose one', () => {
  assert.equal(accelOutput(['kvm', 'kvm']), 'kvm');
  assert.equal(accelOutput(['kvm', 'tcg', 'kvm']), 'tcg', 'one executable booted again under TCG');
  assert.equal(accelOutput(['tcg']), 'tcg');
  assert.equal(accelOutput([]), undefined);
  assert.deepEqual(factOutputs({ accels: ['kvm'], qemuVersion: '7.2.19' }), { accel: 'kvm', 'qemu-version': '7.2.19' });
  assert.deepEqual(factOutputs({ accels: [] }), {}, 'no boot, or a runner that chose: no accel output');
});

test("qemu-version: the number in QEMU's --version line", () => {
  assert.equal(qemuVersionNumber('QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u16)'), '7.2.19');
  assert.equal(qemuVersionNumber('QEMU emulator version 9.1.0'), '9.1.0');
  assert.equal(qemuVersionNumber('QEMU emulator version 8.2.2 (qemu-8.2.2-1.fc40)'), '8.2.2');
  assert.equal(qemuVersionNumber('unknown version'), undefined, 'the probe failed: no number is made up');
});
