// Issue 22 ("Never fooled, part two"), points 5, 6 and 9, and issue 27 point 2, end to end: the
// bundled action (dist/index.js) as the runner runs it, building test/kernels/x86_64-none with
// cargo (Debian's toolchain, offline) and booting it in real QEMU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type ActionRun } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

const TARGET_DIR = tempDir('e2e-never-fooled-target-');
const HELLO = 'Hello from x86_64-unknown-none!';
const PASSED = 'all tests passed';

function variant(feature: string | undefined, inputs: Record<string, string>, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ActionRun> {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-none',
      toolchain: 'distro',
      timeout: '60',
      ...(feature ? { 'cargo-args': `--features ${feature}` } : {}),
      ...inputs,
    },
    { env: { CARGO_TARGET_DIR: TARGET_DIR, ...opts.env }, timeoutMs: opts.timeoutMs },
  );
}

function assertFail(r: ActionRun, reason: RegExp): void {
  assert.equal(r.outputs.result, 'fail', `expected fail, got ${r.outputs.result}: ${r.outputs.reason}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.code, 1);
  assert.match(r.outputs.reason, reason);
  assert.deepEqual(r.leftoverQemu, [], 'no QEMU may outlive the action');
}

test('point 5: one Hello line does not meet two expected Hello lines, in order or not', async () => {
  // The well-behaved kernel prints its hello line once, then the pass line, and exits 33.
  const ordered = await variant(undefined, { expect: `${HELLO}\n${HELLO}` });
  assertFail(
    ordered,
    /^The guest exited \(status 33\) before printing "Hello from x86_64-unknown-none!" after "Hello from x86_64-unknown-none!" \(1 of 2 expected lines had appeared\): it appeared only on serial line \d+, which met the expected line before it/,
  );
  const unordered = await variant(undefined, { expect: `${HELLO}\n${HELLO}`, ordered: 'false' });
  assertFail(
    unordered,
    /before printing "Hello from x86_64-unknown-none!" \(1 of 2 expected lines had appeared\): it appeared \(first at serial line \d+\), but every line it appeared on met another expected line/,
  );
  // Two different lines still pass, and say how many.
  const two = await variant(undefined, { expect: `${HELLO}\n${PASSED}`, ordered: 'false' });
  assert.equal(two.outputs.result, 'pass', two.outputs.reason);
  assert.equal(two.outputs.reason, 'The guest printed all 2 expected lines and exited with status 33.');
});

test('issue 27, point 2: lines out of order name both lines and where each appeared', async () => {
  // `reverse` prints the pass line first (serial line 1), then the hello line (line 2).
  const r = await variant('reverse', { expect: `${HELLO}\n${PASSED}` });
  assertFail(
    r,
    /^The guest exited \(status 33\) before printing "all tests passed" after "Hello from x86_64-unknown-none!" \(1 of 2 expected lines had appeared\): it appeared at serial line 1, before "Hello from x86_64-unknown-none!" at line 2, and not after it \(ordered: true wants the lines in the order given\)/,
  );
});

test('point 6: a catastrophically backtracking expect pattern against a flood fails within seconds, naming the pattern', async () => {
  // Each filler line of `flood` ends in 43 dots: /(\.+)+!/ tries 2^43 ways on each before failing.
  // (The harness's own limit leaves room for a cold build-std under load; the boot is what is timed.)
  const r = await variant('flood', { expect: `${HELLO}\n/(\\.+)+!/`, timeout: '30' }, { timeoutMs: 600_000 });
  assertFail(
    r,
    /^Matching serial line 1 \("filler line 0000000 \.+"\) against "\/\(\\\\\.\+\)\+!\/" took longer than 2 s, so the action stopped watching: the regular expression backtracks catastrophically on that line\. Rewrite it/,
  );
  assert.ok(Number(r.outputs['boot-seconds']) < 20, `the boot took ${r.outputs['boot-seconds']} s: the timeout, not the deadline, ended it`);
});

test('point 6: SIGTERM still stops the action while a pattern backtracks', async () => {
  const started = Date.now();
  const r = await runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-none',
      toolchain: 'distro',
      timeout: '60',
      'cargo-args': '--features flood',
      expect: '/(\\.+)+!/',
    },
    { env: { CARGO_TARGET_DIR: TARGET_DIR }, signal: { when: /filler line 0000000/, signal: 'SIGTERM' }, timeoutMs: 600_000 },
  );
  // A frozen action ignores SIGTERM and is killed by the harness (SIGKILL: no exit code) at its limit.
  assert.notEqual(r.code, null, `the action did not end after SIGTERM (${(Date.now() - started) / 1000} s)`);
  assert.notEqual(r.outputs.result, 'pass');
  assert.deepEqual(r.leftoverQemu, []);
});

test('point 9: commas in TMPDIR and RUNNER_TEMP reach QEMU escaped, and the kernel passes', async () => {
  const dir = path.join(tempDir('e2e-comma-'), 'with,comma');
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const r = await variant(undefined, { expect: `${HELLO}\n${PASSED}` }, { env: { TMPDIR: path.join(dir, 'tmp'), RUNNER_TEMP: dir } });
  assert.equal(r.outputs.result, 'pass', `${r.outputs.reason}\n${r.stdout.slice(-2000)}`);
});

test('point 9: a timeout a Node timer cannot hold is an input error before anything is installed', async () => {
  for (const input of ['timeout', 'idle-timeout']) {
    const r = await variant(undefined, { expect: HELLO, [input]: '2147484' });
    assert.equal(r.outputs.result, 'error', r.outputs.reason);
    assert.match(r.outputs.reason, new RegExp(`^Input '${input}': '2147484' is longer than the 2147483 s \\(24\\.8 days\\) a timer can wait`));
    assert.doesNotMatch(r.stdout, /apt-get|cargo build|Building/);
  }
});
