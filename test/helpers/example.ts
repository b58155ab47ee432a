// The end-to-end cases every bare-metal target gets: its example crate in examples/<target> is
// built with cargo (Debian's toolchain, offline) and booted in real QEMU through dist/index.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runAction, type ActionRun } from './action.js';
import { tempDir } from './tmp.js';

/** Copies examples/<name> to `dest` (without build output), for a test that changes or wraps it. */
export function copyExample(name: string, dest: string): void {
  fs.cpSync(path.join(ROOT, 'examples', name), dest, { recursive: true, filter: (s) => !/\/(target|\.unikraft)$/.test(s) });
}

export function assertPass(r: ActionRun): void {
  assert.equal(r.outputs.result, 'pass', `${r.outputs.reason}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  assert.equal(r.code, 0);
  assert.deepEqual(r.leftoverQemu, [], 'no QEMU may outlive the action');
}

/** The run could not judge the guest (a bad input, an infrastructure failure): result error, and the step fails. */
export function assertError(r: ActionRun, reason: RegExp): void {
  assert.equal(r.outputs.result, 'error', `expected error, got ${r.outputs.result}: ${r.outputs.reason}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.code, 1);
  assert.match(r.outputs.reason, reason);
  assert.deepEqual(r.leftoverQemu, [], 'no QEMU may outlive the action');
}

export function assertFail(r: ActionRun, reason: RegExp): void {
  assert.equal(r.outputs.result, 'fail', `expected fail, got ${r.outputs.result}: ${r.outputs.reason}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.code, 1);
  assert.match(r.outputs.reason, reason);
  assert.deepEqual(r.leftoverQemu, [], 'no QEMU may outlive the action');
}

export interface ExampleCase {
  target: string;
  /** The QEMU command line must match this. */
  command: RegExp;
  /** QEMU's exit status when the example succeeds. */
  exitCode: number;
  /** A word in the QEMU command line that finds this test's leftover QEMU (default: the target dir, in the kernel's path). */
  qemuMarker?: string;
}

/**
 * Registers the example's cases: it passes (and says where std came from); a missing line fails;
 * a wrong exit status fails. Returns the target dir and a function that runs the action on it.
 */
export function exampleCases({ target, command, exitCode, qemuMarker }: ExampleCase) {
  const targetDir = tempDir(`e2e-${target}-target-`);
  const env = { CARGO_TARGET_DIR: targetDir };
  const hello = `Hello from ${target}!`;
  const expect = `${hello}\nall tests passed`;
  const run = (inputs: Record<string, string> = {}, opts: Parameters<typeof runAction>[1] = {}) =>
    runAction({ target, 'working-directory': `examples/${target}`, toolchain: 'distro', expect, timeout: '60', ...inputs }, { env, qemuMarker, ...opts });

  test(`${target}: the example passes: both lines, exit status ${exitCode}`, async () => {
    const r = await run();
    assertPass(r);
    assert.equal(r.outputs['exit-code'], String(exitCode));
    assert.equal(r.outputs.reason, `The guest printed all 2 expected lines and exited with status ${exitCode}.`);
    assert.match(r.outputs['qemu-command'], command);
    assert.match(r.stdout, new RegExp(`std for ${target.replace(/\./g, '\\.')}: (built from source|prebuilt)`));
    assert.ok(fs.readFileSync(r.outputs.log, 'latin1').includes(hello));
  });

  test(`${target}: a missing line fails, naming it`, async () => {
    const r = await run({ expect: `${expect}\nshutdown complete` });
    assertFail(
      r,
      new RegExp(
        `^The guest exited \\(status ${exitCode}\\) before printing "shutdown complete" \\(2 of 3 expected lines had appeared\\); the last line was "all tests passed"\\.$`,
      ),
    );
  });

  test(`${target}: a wrong exit status fails, explaining the status`, async () => {
    const r = await run({ 'exit-code': '7' });
    assertFail(r, new RegExp(`QEMU exited with status ${exitCode}: .*expected status 7`));
  });

  return { targetDir, env, run, expect };
}
