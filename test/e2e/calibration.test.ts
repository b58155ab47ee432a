// The calibration guests in real QEMU (TCG): they need qemu-system-*, so they are e2e tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decideAccel, race, timeRun, writeGuest } from '../../src/boot/calibrate.js';

test('the x86 calibration guests run to their end under TCG (real QEMU)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calibration-test-'));
  for (const kind of ['pvh', 'bios-disk'] as const) {
    const g = writeGuest(kind, dir);
    const r = await timeRun(['qemu-system-x86_64', '-accel', 'tcg', ...g.args], g.status, 30);
    assert.equal(r.outcome, 'done', `${kind}: ${JSON.stringify(r)}`);
  }
  fs.rmSync(dir, { recursive: true });
});

test('the aarch64 calibration guest runs to its end under TCG (real QEMU; under KVM only on an arm64 host)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calibration-test-'));
  const g = writeGuest('aarch64', dir);
  const r = await timeRun(['qemu-system-aarch64', '-accel', 'tcg', '-cpu', 'cortex-a57', ...g.args], g.status, 30);
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  fs.rmSync(dir, { recursive: true });
});

test('a run over its limit is cut off', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calibration-test-'));
  const g = writeGuest('pvh', dir);
  const r = await timeRun(['qemu-system-x86_64', '-accel', 'tcg', ...g.args], g.status, 0.001);
  assert.equal(r.outcome, 'cut-off');
  fs.rmSync(dir, { recursive: true });
});

test('the race: the faster run wins and the slower one is cut off at that moment; a failing KVM lets TCG win at once (real QEMU, TCG on both sides)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calibration-test-'));
  const g = writeGuest('pvh', dir);
  const guest = ['qemu-system-x86_64', '-accel', 'tcg', ...g.args];
  // A "KVM" side that never finishes (-S: the guest never starts): cut off when the TCG side is done.
  const slow = await race(guest, [...guest, '-S'], g.status, 30);
  assert.equal(slow.tcg.outcome, 'done');
  assert.equal(slow.kvm.outcome, 'cut-off');
  assert.equal(decideAccel(slow.tcg, slow.kvm).accel, 'tcg');
  // The roles swapped: the "TCG" side is cut off, KVM wins.
  const fast = await race([...guest, '-S'], guest, g.status, 30);
  assert.equal(fast.tcg.outcome, 'cut-off');
  assert.equal(decideAccel(fast.tcg, fast.kvm).accel, 'kvm');
  // A "KVM" side QEMU refuses to start.
  const broken = await race([...guest, '-S'], [...guest, '-no-such-option'], g.status, 30);
  assert.equal(broken.kvm.outcome, 'failed');
  assert.match(broken.kvm.why ?? '', /no-such-option/);
  assert.equal(broken.tcg.outcome, 'cut-off', 'TCG is not waited for');
  assert.equal(decideAccel(broken.tcg, broken.kvm).accel, 'tcg');
  fs.rmSync(dir, { recursive: true });
});
