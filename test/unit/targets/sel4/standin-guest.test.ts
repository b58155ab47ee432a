// The STAND-IN seL4 guest (test/standins/sel4/guest, a script printing seL4-shaped boot logs; real
// seL4 cannot be built here) booted through the boot stage the `runner` input uses (a command
// instead of QEMU, no QMP), judged with the seL4 family's default lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { boot } from '../../../../src/boot/qemu.js';
import { decide } from '../../../../src/verdict/verdict.js';
import { DEFAULT_FAIL_ON, EXPECT_WHEN_NONE, SUCCESS_EXIT_CODES, explainExit, explainNoVerdict } from '../../../../src/targets/sel4/verdict.js';
import { ROOT } from '../../../helpers/action.js';

const GUEST = path.join(ROOT, 'test/standins/sel4/guest/standin-sel4-guest.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sel4-standin-guest-'));

async function run(scenario: string) {
  const image = path.join(dir, `${scenario}.img`);
  fs.writeFileSync(image, `${scenario}\n`);
  const result = await boot({
    command: process.execPath,
    args: [GUEST, image],
    timeout: 60,
    // Generous: on a loaded machine node itself may take seconds to start the guest.
    idleTimeout: 10,
    logPath: path.join(dir, `${scenario}.log`),
    rules: { expect: [EXPECT_WHEN_NONE], ordered: true, failOn: DEFAULT_FAIL_ON },
    qmp: false,
    vars: process.env,
  });
  const verdict = decide({ watcher: result.watcher, end: result.end, acceptedExitCodes: SUCCESS_EXIT_CODES, explainExit, qemuStderr: result.stderr });
  return { result, verdict };
}

test('TEST_PASS and INDICATE_SUCCESS pass; the guest, which never exits, is stopped by the action', async () => {
  for (const s of ['pass', 'indicate-success', 'microkit-pass']) {
    const { result, verdict } = await run(s);
    assert.equal(result.end.kind, 'satisfied', s);
    assert.equal(verdict.pass, true, `${s}: ${verdict.reason}`);
  }
});

test('a panic, kernel faults, an unhandled thread fault and a Microkit monitor error fail on their line', async () => {
  const cases: [string, RegExp][] = [
    ['panic', /"panicked at crates\/example\/src\/main\.rs:52:5:" "assertion `left == right` failed" \(matched fail-on "panicked at "\)/],
    ['data-abort', /"KERNEL DATA ABORT!"/],
    ['riscv-abort', /"KERNEL ABORT \(exception within s-mode\)!"/],
    ['unhandled-fault', /"while trying to handle:"/],
    ['microkit-error', /"MON\|ERROR: received message/],
  ];
  for (const [s, reason] of cases) {
    const { result, verdict } = await run(s);
    assert.equal(result.end.kind, 'failure-line', s);
    assert.equal(verdict.pass, false, s);
    assert.match(verdict.reason, reason, s);
  }
});

test('a hung guest and one that never boots both fail, and the markers tell them apart', async () => {
  const hang = await run('hang');
  assert.equal(hang.verdict.pass, false);
  assert.equal(hang.result.end.kind, 'idle');
  assert.match(explainNoVerdict(hang.result.watcher.lastLines()), /seL4 booted \(the seL4 kernel booted and started the root task\)/);
  const never = await run('never-boots');
  assert.equal(never.verdict.pass, false);
  assert.match(explainNoVerdict(never.result.watcher.lastLines()), /never booted/);
});
