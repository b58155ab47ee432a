import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type BootEnd } from '../../../src/verdict/verdict.js';
import { SerialWatcher } from '../../../src/verdict/watcher.js';
import { parsePattern } from '../../../src/model/patterns.js';
import { explainIsaDebugExit } from '../../../src/targets/common.js';
import { describeStop, kvmFailure } from '../../../src/verdict/run-state.js';

// What QEMU 7.2 printed here when KVM could not fetch an instruction (test kernel feature jump-to-nowhere).
const KVM_STDERR = `KVM internal error. Suberror: 1
extra data[0]: 0x0000000000000000
extra data[1]: 0x0000000000001000
emulation failure
RAX=000000000010ef13 RBX=00000000000021e0 RCX=0000000030000000 RDX=0000000000000000
RIP=000000003ffffff0 RFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
`;

function judge(output: string, end: BootEnd, opts: { stderr?: string; waitForExit?: boolean; accepted?: number[] } = {}) {
  const w = new SerialWatcher({
    expect: ['hello', 'done'].map((e) => parsePattern(e, 'expect')),
    failOn: [parsePattern('panicked at ', 'fail-on')],
    ordered: true,
  });
  w.push(Buffer.from(output));
  w.end();
  return decide({
    watcher: w,
    end,
    acceptedExitCodes: opts.accepted ?? [33],
    explainExit: explainIsaDebugExit,
    qemuStderr: opts.stderr ?? '',
    waitForExit: opts.waitForExit,
  });
}

test("QEMU's KVM messages in a few words, with where the CPU was", () => {
  assert.equal(kvmFailure(KVM_STDERR), 'KVM internal error (emulation failure at RIP=0x3ffffff0)');
  assert.equal(kvmFailure('KVM internal error. Suberror: 3\n'), 'KVM internal error (exception during event delivery)');
  assert.equal(kvmFailure('error: kvm run failed Bad address\n PC=0000000040080000 X00=0\n'), 'KVM run failed (Bad address at PC=0x40080000)');
  assert.equal(kvmFailure('KVM: entry failed, hardware error 0x80000021\n'), 'KVM entry failed (hardware error 0x80000021)');
  assert.equal(kvmFailure('qemu-system-x86_64: terminating on signal 15\n'), undefined);
});

test('a guest QEMU has stopped never passes, even with every line seen; the reason names the state, the message and the fix', () => {
  const v = judge('hello\ndone\n', { kind: 'stopped', state: 'internal-error', satisfiedBefore: true }, { stderr: KVM_STDERR });
  assert.equal(v.pass, false);
  assert.equal(
    v.reason,
    'QEMU stopped the guest after every expected line had appeared: KVM internal error (emulation failure at RIP=0x3ffffff0) (run state internal-error); the last line was "done". KVM could not run this guest where TCG can (common under nested KVM, as on hosted CI runners). Use accel: tcg.',
  );
  const panicked = judge('hello\n', { kind: 'stopped', state: 'guest-panicked', detail: 'GUEST_PANICKED, action pause', satisfiedBefore: false });
  assert.match(
    panicked.reason,
    /^QEMU stopped the guest while waiting for "done" \(1 of 2 expected lines had appeared\): the guest reported a panic to QEMU \(run state guest-panicked, GUEST_PANICKED, action pause\)/,
  );
  for (const state of ['paused', 'shutdown', 'io-error', 'watchdog', 'suspended', 'reset', 'debug', 'colo']) {
    assert.equal(judge('hello\ndone\n', { kind: 'stopped', state, satisfiedBefore: true }).pass, false, state);
  }
});

test('stopped on a match: a pass only when QEMU said running', () => {
  assert.equal(judge('hello\ndone\n', { kind: 'satisfied', runState: 'running' }).pass, true);
  assert.match(judge('hello\ndone\n', { kind: 'satisfied', runState: 'running' }).reason, /still running \(QEMU run state: running\) and was stopped/);
  const paused = judge('hello\ndone\n', { kind: 'satisfied', runState: 'paused' });
  assert.equal(paused.pass, false);
  assert.match(paused.reason, /QEMU paused the guest \(run state paused\)/);
});

test("without QMP (a runner), QEMU's KVM messages on stderr fail every ending, a pass included", () => {
  for (const end of [{ kind: 'satisfied' }, { kind: 'exited', status: 33, signal: null }, { kind: 'timeout', seconds: 5 }] as BootEnd[]) {
    const v = judge('hello\ndone\n', end, { stderr: KVM_STDERR });
    assert.equal(v.pass, false, end.kind);
    assert.match(
      v.reason,
      /^QEMU reported KVM internal error \(emulation failure at RIP=0x3ffffff0\) and stopped the guest after every expected line had appeared; .*Use accel: tcg\.$/,
    );
  }
});

test('wait-for-exit: every line but no exit fails at the timeout, saying so; an accepted exit passes', () => {
  const v = judge('hello\ndone\n', { kind: 'timeout', seconds: 3 }, { waitForExit: true });
  assert.equal(
    v.reason,
    'Timed out after 3s: every expected line had appeared, but the guest did not exit by itself with status 33 (wait-for-exit: true); the last line was "done".',
  );
  assert.equal(judge('hello\ndone\n', { kind: 'exited', status: 33, signal: null }, { waitForExit: true }).pass, true);
});

test('every run state has words and a fix', () => {
  for (const state of ['internal-error', 'guest-panicked', 'io-error', 'shutdown', 'watchdog', 'suspended', 'reset', 'paused', 'debug', 'prelaunch']) {
    const d = describeStop(state, '');
    assert.ok(d.what.length > 10 && d.fix.length > 10, state);
  }
});
