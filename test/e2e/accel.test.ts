// End-to-end: QEMU's run state as evidence, and accel: auto, through dist/index.js with real
// kernels (test/kernels/x86_64-none, built by the action with cargo) in real QEMU. This machine has
// nested KVM: `-cpu host` aborts here ("failed to set MSR"), `-cpu qemu64` runs, slowly; a jump to
// an address with no memory behind it (feature jump-to-nowhere) ends in "KVM internal error" with
// QEMU pausing the guest, which the action used to report as a pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, type ActionRun } from '../helpers/action.js';
import { cacheKey, decideAccel } from '../../src/boot/calibrate.js';

const TARGET_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-accel-target-'));
const env = { CARGO_TARGET_DIR: TARGET_DIR };
const HELLO = 'Hello from x86_64-unknown-none!';
const EXPECT = `${HELLO}\nall tests passed`;
const kvmHere = (() => {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', fs.constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
})();

function variant(feature: string | undefined, inputs: Record<string, string> = {}, extraEnv: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-none',
      toolchain: 'distro',
      expect: EXPECT,
      timeout: '120',
      ...(feature ? { 'cargo-args': `--features ${feature}` } : {}),
      ...inputs,
    },
    { env: { ...env, ...extraEnv } },
  );
}

function assertFail(r: ActionRun, reason: RegExp): void {
  assert.equal(r.outputs.result, 'fail', `expected fail, got ${r.outputs.result}: ${r.outputs.reason}\n${r.stdout.slice(-3000)}`);
  assert.equal(r.code, 1);
  assert.match(r.outputs.reason, reason);
  assert.deepEqual(r.leftoverQemu, [], 'no QEMU may outlive the action');
}

/** The boot's time, from the job summary's table (its last column), without the build. */
function bootSeconds(r: ActionRun): number {
  const all = [...r.summary.matchAll(/<td>(\d+\.\d) s<\/td>/g)];
  assert.ok(all.length > 0, `no boot time in the summary:\n${r.summary}`);
  return Number(all[all.length - 1][1]);
}

/** Fails at once: long before the 120 s timeout (no timing goal here: the machine is shared). */
const atOnce = (r: ActionRun) => {
  const s = bootSeconds(r);
  assert.ok(s < 90, `the boot took ${s}s: that is waiting for the timeout`);
};

test('paused by QEMU after its expected lines (pvpanic, -action panic=pause, TCG): fails at once, naming the state', async () => {
  const r = await variant('pvpanic', { accel: 'tcg', 'qemu-args': '-device pvpanic -action panic=pause' });
  assertFail(
    r,
    /^QEMU stopped the guest after every expected line had appeared: the guest reported a panic to QEMU \(run state guest-panicked, GUEST_PANICKED, action pause\); the last line was "all tests passed"\./,
  );
  atOnce(r);
});

test('a power-off QEMU turns into a pause (-action shutdown=pause, TCG) right after the lines: never a pass', async () => {
  const r = await variant('acpi-off', { accel: 'tcg', 'qemu-args': '-action shutdown=pause' });
  assertFail(
    r,
    /^QEMU stopped the guest after every expected line had appeared: the guest powered off or reset, and QEMU paused it instead of exiting \(run state shutdown, SHUTDOWN, reason guest-shutdown\)/,
  );
  atOnce(r);
});

test('wait-for-exit: a guest that prints its lines and hangs fails at the timeout; one that exits with status 33 passes', async () => {
  const r = await variant('hang', { accel: 'tcg', 'wait-for-exit': 'true', timeout: '5' });
  assertFail(
    r,
    /^Timed out after 5s: every expected line had appeared, but the guest did not exit by itself with status 33 \(wait-for-exit: true\); the last line was "all tests passed"\.$/,
  );
  const ok = await variant(undefined, { accel: 'tcg', 'wait-for-exit': 'true' });
  assert.equal(ok.outputs.result, 'pass', ok.outputs.reason);
  assert.equal(ok.outputs['exit-code'], '33');
});

test('accel: auto logs one calibration line with both figures and the choice', { skip: !kvmHere && 'no /dev/kvm here' }, async () => {
  const r = await variant(undefined);
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  assert.match(
    r.stdout,
    /^Accelerator: (KVM|TCG) \(calibration guest via PVH -kernel, 512 serial bytes, 50000 spins: TCG (\d+\.\d\d s|cut off at \d+\.\d\d s), KVM (\d+\.\d\d s|cut off at \d+\.\d\d s|failed \(.*\)); .*\)\.$/m,
  );
});

for (const feature of ['triple-fault', 'jump-to-nowhere']) {
  test(`accel: auto: the ${feature} kernel fails, whatever accelerator the calibration picks`, async () => {
    const r = await variant(feature);
    assertFail(r, /^(QEMU exited with status 0 because the guest reset the machine|QEMU stopped the guest)/);
    atOnce(r);
  });
}

test('accel: kvm with -cpu host (aborts on this nested KVM) fails before booting, quoting QEMU', { skip: !kvmHere && 'no /dev/kvm here' }, async () => {
  const r = await variant('triple-fault', { accel: 'kvm' });
  if (/KVM does not work here/.test(r.outputs.reason)) {
    // The runner cannot give what was asked for: an infrastructure error, not a failing guest.
    assert.equal(r.outputs.result, 'error', r.outputs.reason);
    assert.equal(r.code, 1);
    assert.match(r.outputs.reason, /^accel: kvm was asked for, but KVM does not work here: QEMU under KVM with -cpu host .*Use accel: auto/);
  } else {
    // A host where -cpu host works: the triple fault ends the run (a reset, or QEMU stopping the guest).
    assertFail(r, /^(QEMU exited with status 0 because the guest reset the machine|QEMU stopped the guest)/);
  }
  atOnce(r);
});

test('accel: kvm, cpu qemu64: a triple fault fails, naming what QEMU reported', { skip: !kvmHere && 'no /dev/kvm here' }, async () => {
  const r = await variant('triple-fault', { accel: 'kvm', cpu: 'qemu64' });
  assertFail(
    r,
    /^(QEMU exited with status 0 because the guest reset the machine|QEMU stopped the guest after every expected line had appeared: KVM internal error)/,
  );
  atOnce(r);
});

test(
  'accel: kvm: a KVM internal error after the expected lines (QEMU pauses the guest) fails at once, never passes',
  { skip: !kvmHere && 'no /dev/kvm here' },
  async () => {
    const r = await variant('jump-to-nowhere', { accel: 'kvm', cpu: 'qemu64' });
    assertFail(
      r,
      /^QEMU stopped the guest after every expected line had appeared: KVM internal error \(emulation failure at RIP=0x3ffffff0\) \(run state internal-error\); the last line was "all tests passed"\. .*Use accel: tcg\.$/,
    );
    assert.doesNotMatch(r.stdout, /booting once more under TCG/, 'accel: kvm does not fall back');
    atOnce(r);
  },
);

test("a runner command (no QMP): the KVM internal error on QEMU's stderr fails the run at once", { skip: !kvmHere && 'no /dev/kvm here' }, async () => {
  const r = await variant('jump-to-nowhere', {
    runner:
      'qemu-system-x86_64 -accel kvm -cpu qemu64 -display none -serial stdio -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel {kernel}',
  });
  assertFail(
    r,
    /^QEMU stopped the guest after every expected line had appeared: KVM internal error \(emulation failure at RIP=0x3ffffff0\) \(run state internal-error\)/,
  );
  atOnce(r);
});

test(
  'accel: auto, calibration kept for the job says KVM (stand-in for a host where KVM is faster): a KVM internal error boots once more under TCG, which decides',
  { skip: !kvmHere && 'no /dev/kvm here' },
  async () => {
    const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-accel-runner-temp-'));
    const machineArgs = () => ['-cpu', 'qemu64'];
    const key = cacheKey({ qemu: '/usr/bin/qemu-system-x86_64', kind: 'pvh', machineArgs, cacheDir: runnerTemp });
    const decision = decideAccel({ outcome: 'done', seconds: 0.2 }, { outcome: 'done', seconds: 0.1 }, 'stand-in calibration');
    fs.writeFileSync(path.join(runnerTemp, `unikernel-boot-accel-${key}.json`), JSON.stringify(decision));
    const r = await variant('jump-to-nowhere', { cpu: 'qemu64' }, { RUNNER_TEMP: runnerTemp });
    assert.match(r.stdout, /Accelerator: KVM \(stand-in calibration: .*measured earlier in this job\)\./);
    assert.match(
      r.stdout,
      /The boot under KVM ended in KVM internal error \(emulation failure at RIP=0x3ffffff0\) \(QEMU stopped the guest\)\. accel: auto: booting once more under TCG; that boot decides\./,
    );
    // Under TCG the jump ends in a triple fault: the TCG boot's own verdict.
    assertFail(r, /^QEMU exited with status 0 because the guest reset the machine/);
    assert.match(r.summary, /KVM boot ended in KVM internal error \(emulation failure at RIP=0x3ffffff0\); booted again under TCG/);
    assert.match(r.outputs['qemu-command'], /-accel tcg /);
  },
);

test(
  'command: test, accel: auto, calibration kept for the job says KVM (stand-in for a host where KVM is faster): a test executable ending in a KVM internal error boots once more under TCG, which decides',
  { skip: !kvmHere && 'no /dev/kvm here', timeout: 900_000 },
  async () => {
    const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-accel-runner-temp-'));
    const machineArgs = () => ['-cpu', 'qemu64'];
    const key = cacheKey({ qemu: '/usr/bin/qemu-system-x86_64', kind: 'pvh', machineArgs, cacheDir: runnerTemp });
    const decision = decideAccel({ outcome: 'done', seconds: 0.2 }, { outcome: 'done', seconds: 0.1 }, 'stand-in calibration');
    fs.writeFileSync(path.join(runnerTemp, `unikernel-boot-accel-${key}.json`), JSON.stringify(decision));
    const r = await runAction(
      {
        target: 'x86_64-unknown-none',
        'working-directory': 'test/kernels/x86_64-tests',
        toolchain: 'distro',
        command: 'test',
        cpu: 'qemu64',
        'cargo-args': '--test basic_boot --features jump-to-nowhere',
      },
      { env: { ...env, RUNNER_TEMP: runnerTemp } },
    );
    assert.match(r.stdout, /Accelerator: KVM \(stand-in calibration: .*measured earlier in this job\)\./);
    assert.match(
      r.stdout,
      /basic_boot: the boot under KVM ended in KVM internal error \(emulation failure at RIP=0x3ffffff0\) \(QEMU stopped the guest\)\. accel: auto: booting once more under TCG; that boot decides\./,
    );
    assert.match(r.stdout, /Accelerator: TCG \(KVM boot ended in KVM internal error \(emulation failure at RIP=0x3ffffff0\); booted again under TCG\)\./);
    // Both cases printed [ok], then the jump: under TCG a triple fault, the TCG boot's own verdict.
    assertFail(r, /^1 of 1 test executables failed: basic_boot: .*QEMU exited with status 0 because the guest reset the machine/);
    assert.equal(r.outputs['tests-passed'], '2');
  },
);
