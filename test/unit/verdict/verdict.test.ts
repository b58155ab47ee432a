import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type BootEnd } from '../../../src/verdict/verdict.js';
import { SerialWatcher } from '../../../src/verdict/watcher.js';
import { parsePattern } from '../../../src/model/patterns.js';
import { explainIsaDebugExit } from '../../../src/targets/common.js';

function judge(output: string, end: BootEnd, expect = ['hello', 'done'], accepted = [33], stderr = '') {
  const w = new SerialWatcher({ expect: expect.map((e) => parsePattern(e, 'expect')), failOn: [parsePattern('panicked at ', 'fail-on')], ordered: true });
  w.push(Buffer.from(output));
  w.end();
  return decide({ watcher: w, end, acceptedExitCodes: accepted, explainExit: explainIsaDebugExit, qemuStderr: stderr });
}
const exited = (status: number): BootEnd => ({ kind: 'exited', status, signal: null });

test('pass: every line, then an accepted exit status', () => {
  const v = judge('hello\ndone\n', exited(33));
  assert.equal(v.pass, true);
  assert.equal(v.exitCode, 33);
});

test('pass: every line and the guest was still running', () => {
  assert.equal(judge('hello\ndone\n', { kind: 'satisfied' }).pass, true);
});

test('QEMU exiting 0 is never success by itself', () => {
  const v = judge('hello\ndone\n', exited(0));
  assert.equal(v.pass, false);
  assert.match(v.reason, /status 0: the guest powered off or reset/);
  assert.match(v.reason, /add 0 to the exit-code input/);
});

test('a wrong exit status with an expected line still missing: exit-code is not suggested, since the run would fail anyway', () => {
  // e.g. a Hermit app panicking with default-fail-on off: status 255, and no `exit status 0` line.
  const v = judge('hello\n', exited(255), ['hello', 'exit status 0'], [0]);
  assert.equal(v.pass, false);
  assert.doesNotMatch(v.reason, /If this exit is intended/);
  assert.match(v.reason, /Adding 255 to the exit-code input would not make it pass: "exit status 0" never appeared, and it is required too\.$/);
});

test("a failure line with a hint (a target's own fix for it): the hint ends the reason", () => {
  const failOn = [
    {
      ...parsePattern('panicked at ', 'fail-on'),
      hint: (_l: string, next?: string) => (next?.includes('Network is down') ? 'Give it a card: forward.' : undefined),
    },
  ];
  const run = (out: string) => {
    const w = new SerialWatcher({ expect: [], failOn, ordered: true });
    w.push(Buffer.from(out));
    w.end();
    return decide({ watcher: w, end: { kind: 'failure-line' }, acceptedExitCodes: [0], explainExit: explainIsaDebugExit, qemuStderr: '' }).reason;
  };
  assert.match(run('panicked at a.rs:1:1:\nbind: Network is down\n'), /\(matched fail-on "panicked at "\)\. Give it a card: forward\.$/);
  assert.match(run('panicked at a.rs:1:1:\nsomething else\n'), /\(matched fail-on "panicked at "\)\.$/);
});

test('a machine reset ends in an accepted default status: fail; with exit-code given explicitly: pass', () => {
  // e.g. Unikraft accepts 0 (an older ACPI halt) by default, and a triple fault under -no-reboot also exits 0.
  const reset: BootEnd = { kind: 'exited', status: 0, signal: null, shutdown: 'guest-reset' };
  const w = () => {
    const sw = new SerialWatcher({ expect: [parsePattern('done', 'expect')], failOn: [], ordered: true });
    sw.push(Buffer.from('done\n'));
    return sw;
  };
  const byDefault = decide({ watcher: w(), end: reset, acceptedExitCodes: [0, 83], explainExit: explainIsaDebugExit, qemuStderr: '' });
  assert.equal(byDefault.pass, false);
  assert.match(
    byDefault.reason,
    /^QEMU exited with status 0 because the guest reset the machine .*not by a deliberate exit; the last line was "done"\. If this reset is the intended end, give exit-code: 0 explicitly\.$/,
  );
  const chosen = decide({ watcher: w(), end: reset, acceptedExitCodes: [0], resetAccepted: true, explainExit: explainIsaDebugExit, qemuStderr: '' });
  assert.equal(chosen.pass, true);
  const shutdown = decide({
    watcher: w(),
    end: { ...reset, shutdown: 'guest-shutdown' },
    acceptedExitCodes: [0, 83],
    explainExit: explainIsaDebugExit,
    qemuStderr: '',
  });
  assert.equal(shutdown.pass, true, 'a power-off with an accepted status is the deliberate exit');
});

test('a wrong exit status names the status, the value written and what was expected', () => {
  const v = judge('hello\ndone\n', exited(35));
  assert.equal(v.pass, false);
  assert.match(v.reason, /status 35: the guest wrote 0x11 to isa-debug-exit.*expected status 33/);
});

test('a missing line names the line and what came last', () => {
  const v = judge('hello\nsomething else\n', exited(33));
  assert.equal(v.pass, false);
  assert.equal(v.reason, 'The guest exited (status 33) before printing "done" (1 of 2 expected lines had appeared); the last line was "something else".');
});

test('a panic fails even when everything else is right, and quotes the panic', () => {
  const v = judge('hello\npanicked at src/main.rs:1:1:\nboom\ndone\n', exited(33));
  assert.equal(v.pass, false);
  assert.match(v.reason, /Failure line at serial line 2: "panicked at src\/main.rs:1:1:" "boom"/);
});

test('a timeout with no output says the guest printed nothing', () => {
  const v = judge('', { kind: 'timeout', seconds: 5 });
  assert.equal(v.reason, 'Timed out after 5s waiting for "hello"; the guest printed nothing.');
});

test('a timeout with no expectations says which exit was awaited', () => {
  const v = judge('booting\n', { kind: 'timeout', seconds: 5 }, []);
  assert.match(v.reason, /did not exit with status 33; the last line was "booting"/);
});

test('the idle timeout is named as such', () => {
  assert.match(judge('hello\n', { kind: 'idle', seconds: 2 }).reason, /^No serial output for 2s \(idle-timeout\) while waiting for "done"/);
});

test("QEMU's own error is shown when it fails to start the guest", () => {
  const v = judge('', exited(1), ['x'], [33], 'qemu-system-x86_64: -kernel /nope: could not open\n');
  assert.equal(v.reason, 'QEMU failed with status 1: qemu-system-x86_64: -kernel /nope: could not open');
});

test('no expectations: the exit status alone decides', () => {
  assert.equal(judge('', exited(33), []).pass, true);
  assert.equal(judge('', exited(35), []).pass, false);
});

test('a killed QEMU after every line says "after"; times in reasons are rounded (issue 22, point 9)', () => {
  const killed = judge('hello\ndone\n', { kind: 'exited', status: null, signal: 'SIGKILL' });
  assert.equal(killed.pass, false);
  assert.equal(killed.reason, 'QEMU was killed by SIGKILL after every expected line had appeared; the last line was "done".');
  assert.match(judge('hello\n', { kind: 'exited', status: null, signal: 'SIGKILL' }).reason, /^QEMU was killed by SIGKILL while waiting for "done"/);
  assert.match(judge('hello\n', { kind: 'timeout', seconds: 1.876027932 }).reason, /^Timed out after 1\.88s waiting for "done"/);
  assert.match(judge('hello\n', { kind: 'idle', seconds: 0.3333333 }).reason, /^No serial output for 0\.33s \(idle-timeout\)/);
});

test('a pattern that ran out of time fails, naming the pattern, the line and the fix', () => {
  const w = new SerialWatcher({ expect: [parsePattern('/^(\\w+\\s?)+!$/', 'expect')], failOn: [], ordered: true }, { matchDeadlineMs: 200 });
  w.push(Buffer.from(`${'a'.repeat(40)}?\n`));
  const v = decide({ watcher: w, end: { kind: 'failure-line' }, acceptedExitCodes: [33], explainExit: explainIsaDebugExit, qemuStderr: '' });
  assert.equal(v.pass, false);
  assert.match(
    v.reason,
    /^Matching serial line 1 \("a{40}\?"\) against "\/\^\(\\\\w\+\\\\s\?\)\+!\$\/" took longer than 0\.2 s, so the action stopped watching: the regular expression backtracks catastrophically/,
  );
  assert.match(v.reason, /Rewrite it/);
});
