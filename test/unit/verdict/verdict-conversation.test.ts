// A pass also needs every probe passed and the console script completed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type BootEnd } from '../../../src/verdict/verdict.js';
import { SerialWatcher } from '../../../src/verdict/watcher.js';
import { parsePattern } from '../../../src/model/patterns.js';
import { explainIsaDebugExit } from '../../../src/targets/common.js';
import { parseProbes } from '../../../src/inputs/probes.js';
import { type ConversationOutcome } from '../../../src/model/conversation.js';

const [probe] = parseProbes('- http://127.0.0.1:8080/', [{ host: 8080, guest: 80 }]);
const ok = { probe, ok: true, ms: 12, attempts: 3, message: 'probe 1 (GET http://127.0.0.1:8080/): status 200 (OK)' };
const bad = { ...ok, ok: false, message: 'probe 1 (GET http://127.0.0.1:8080/): got status 404 (Not Found); expected status 200.' };

function judge(end: BootEnd, conversation: ConversationOutcome, expect = ['listening']) {
  const w = new SerialWatcher({ expect: expect.map((e) => parsePattern(e, 'expect')), failOn: [], ordered: true });
  w.push(Buffer.from('listening\n'));
  w.end();
  return decide({ watcher: w, end, acceptedExitCodes: [33], explainExit: explainIsaDebugExit, qemuStderr: '', conversation });
}

test('every probe passed: a pass that says so', () => {
  const v = judge({ kind: 'satisfied', runState: 'running' }, { probes: [ok] });
  assert.equal(v.pass, true);
  assert.match(v.reason, /The probe passed\.$/);
});

test('a failed probe ends the boot with its message', () => {
  const v = judge({ kind: 'probe-failed', message: bad.message }, { probes: [bad] });
  assert.deepEqual([v.pass, v.reason], [false, bad.message]);
});

test('the expected lines and an exit do not pass while a probe failed or a script step was never met', () => {
  assert.deepEqual(judge({ kind: 'exited', status: 33, signal: null }, { probes: [bad] }), { pass: false, reason: bad.message, exitCode: 33 });
  const script = {
    ok: false,
    steps: [],
    message: 'Console script step 1 (expect "login:") was still waiting when QEMU exited with status 33; the guest printed nothing.',
  };
  const v = judge({ kind: 'exited', status: 33, signal: null }, { probes: [], script });
  assert.deepEqual([v.pass, v.reason], [false, script.message]);
});

test('a timeout names the probe that never passed too', () => {
  const never = { ...bad, message: 'probe 1 (GET http://127.0.0.1:8080/) did not pass before the run timed out after 5 s: connection refused.' };
  const v = judge({ kind: 'timeout', seconds: 5 }, { probes: [never] }, ['listening', 'never']);
  assert.equal(v.pass, false);
  assert.match(v.reason, /^Timed out after 5s waiting for "never".* probe 1 .* did not pass/);
});
