import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAccel, type CalibrationRun } from '../../../src/boot/calibrate.js';
import { calibrationKind, retryUnderTcg } from '../../../src/boot/accel.js';
import { aarch64Program, biosBootSector, pvhElf, x86Program } from '../../../src/boot/calibration-guest.js';

const done = (seconds: number): CalibrationRun => ({ outcome: 'done', seconds });

test('the calibration decision: KVM only where it ran the guest in no more time than TCG', () => {
  assert.equal(decideAccel(done(0.15), done(0.06)).accel, 'kvm');
  assert.equal(decideAccel(done(0.15), done(0.15)).accel, 'kvm', 'not slower is enough');
  assert.equal(decideAccel(done(0.15), done(0.16)).accel, 'tcg');
  assert.equal(decideAccel(done(0.15), { outcome: 'cut-off', seconds: 0.15 }).accel, 'tcg');
  assert.equal(decideAccel(done(0.15), { outcome: 'failed', seconds: 0.02, why: 'failed to set MSR 0x10a' }).accel, 'tcg');
  // TCG could not finish within the bound, KVM did.
  assert.equal(decideAccel({ outcome: 'cut-off', seconds: 10 }, done(0.5)).accel, 'kvm');
  assert.equal(decideAccel({ outcome: 'failed', seconds: 0.1 }, { outcome: 'failed', seconds: 0.1 }).accel, 'tcg');
});

test('the calibration log line gives both figures and the choice', () => {
  const d = decideAccel(done(0.14), { outcome: 'cut-off', seconds: 0.14 }, 'calibration guest via PVH -kernel');
  assert.equal(
    d.line,
    'Accelerator: TCG (calibration guest via PVH -kernel: TCG 0.14 s, KVM cut off at 0.14 s; KVM is slower here (nested KVM pays for every VM exit)).',
  );
  assert.match(decideAccel(done(0.2), done(0.05)).line, /^Accelerator: KVM \(calibration: TCG 0\.20 s, KVM 0\.05 s; KVM is not slower\)\.$/);
  assert.match(
    decideAccel(done(0.2), { outcome: 'failed', seconds: 0, why: 'failed to set MSR 0x10a to 0x69' }).line,
    /KVM failed \(failed to set MSR 0x10a to 0x69\); KVM does not work here/,
  );
});

test('the fallback boot: only under auto, only after KVM failed', () => {
  const internal = { kind: 'stopped', state: 'internal-error', satisfiedBefore: true } as const;
  assert.equal(retryUnderTcg('auto', 'kvm', internal, ''), true);
  assert.equal(retryUnderTcg('kvm', 'kvm', internal, ''), false, 'accel: kvm fails instead');
  assert.equal(retryUnderTcg('auto', 'tcg', internal, ''), false);
  assert.equal(retryUnderTcg('auto', 'kvm', { kind: 'exited', status: 33, signal: null }, ''), false);
  assert.equal(retryUnderTcg('auto', 'kvm', { kind: 'timeout', seconds: 3 }, 'KVM internal error. Suberror: 1\nemulation failure\n'), true);
  assert.equal(
    retryUnderTcg('auto', 'kvm', { kind: 'stopped', state: 'guest-panicked', satisfiedBefore: false }, ''),
    false,
    "the guest's own panic is not KVM's fault",
  );
});

test('which calibration guest stands for which boot', () => {
  assert.equal(calibrationKind('x86_64', 'elf', false), 'pvh');
  assert.equal(calibrationKind('x86_64', 'raw', false), 'bios-disk');
  assert.equal(calibrationKind('x86_64', 'pe', true), 'pvh');
  assert.equal(calibrationKind('x86_64', 'raw', true), 'pvh', 'a UEFI disk image');
  assert.equal(calibrationKind('aarch64', 'elf', false), 'aarch64');
  assert.equal(calibrationKind('riscv64', 'elf', false), undefined);
});

test('the calibration guests are what they claim: a PVH ELF, a boot sector, A64 code', () => {
  const elf = pvhElf();
  assert.equal(elf.toString('latin1', 0, 4), '\x7fELF');
  assert.equal(elf.readUInt16LE(18), 62, 'EM_X86_64');
  const entry = Number(elf.readBigUInt64LE(24));
  // The PVH note (type 18, "Xen") names the same entry point.
  const note = elf.indexOf(Buffer.from('Xen\0', 'latin1')) - 12;
  assert.equal(elf.readUInt32LE(note + 8), 18);
  assert.equal(Number(elf.readBigUInt64LE(note + 16)), entry);
  assert.ok(elf.length < 512, `${elf.length} bytes`);
  const x32 = x86Program(32).code;
  assert.deepEqual([...elf.subarray(entry - 0x100000)], [...x32], 'the code is at the entry point');
  assert.equal(x32[x32.length - 1], 0xfd, 'ends in jmp halt (rel8 -3)');
  const sector = biosBootSector();
  assert.equal(sector.length, 512);
  assert.equal(sector.readUInt16LE(510), 0xaa55);
  assert.equal(x86Program(16).code.length, x32.length - 3 + 6, 'real mode: three 16-bit operands lose their 0x66 prefix, six 32-bit ones gain one');
  const a64 = aarch64Program();
  assert.equal(a64.length % 4, 0);
  assert.equal(a64.readUInt32LE(a64.length - 8), 0xd503207f, 'wfi');
});
