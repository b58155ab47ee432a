// Cancelling the step (the runner sends SIGINT, then SIGTERM) stops every process the action started,
// at any stage, and says which stage was interrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesWith, runAction } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

test('SIGTERM during a cold build-std build: cargo and every rustc it started are gone two seconds later', async () => {
  const targetDir = tempDir('e2e-cancel-build-target-');
  const r = await runAction(
    { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', toolchain: 'distro', expect: 'Hello', timeout: '60' },
    // Once cargo runs, give it a few seconds to start rustc on core and compiler_builtins.
    { env: { CARGO_TARGET_DIR: targetDir }, signal: { when: /^\[command\](\S+=\S+ )*\/usr\/bin\/cargo .* build /m, signal: 'SIGTERM', delayMs: 4000 } },
  );
  await sleep(2000);
  assert.deepEqual(processesWith(targetDir), [], 'no process of the build is left');
  assert.equal(r.code, 143);
  assert.match(
    r.stdout,
    /^Received SIGTERM: the build was cancelled; stopped (the command|\d+ commands) it was running, with every process (it|they) started\.$/m,
  );
  assert.doesNotMatch(r.stdout, /stopped QEMU/);
  assert.doesNotMatch(r.stdout, /^Built /m, 'the build did not finish');
});

test('SIGINT while the guest runs: the boot is named as cancelled, QEMU is gone', async () => {
  const targetDir = tempDir('e2e-cancel-boot-target-');
  const r = await runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-none',
      'cargo-args': '--features hang',
      toolchain: 'distro',
      accel: 'tcg',
      expect: 'never printed',
      timeout: '120',
    },
    { env: { CARGO_TARGET_DIR: targetDir }, signal: { when: /all tests passed/, signal: 'SIGINT', delayMs: 500 } },
  );
  await sleep(2000);
  assert.deepEqual(processesWith(targetDir), [], 'no QEMU or cargo is left');
  assert.equal(r.code, 130);
  assert.match(r.stdout, /^Received SIGINT: the boot was cancelled; stopped the command it was running, with every process it started\.$/m);
});

test('SIGTERM during command: test: no further test executable starts, and the error annotation is read (written outside every pause)', async () => {
  const targetDir = tempDir('e2e-cancel-test-target-');
  const r = await runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-tests',
      command: 'test',
      toolchain: 'distro',
      // Each executable "boots" for a minute: the cancellation comes while the first ones run.
      runner: 'sh -c "echo booting {kernel}; sleep 60"',
      timeout: '120',
    },
    { env: { CARGO_TARGET_DIR: targetDir }, signal: { when: /^booting /m, signal: 'SIGTERM', delayMs: 500 } },
  );
  await sleep(2000);
  assert.deepEqual(processesWith(targetDir), [], 'no boot is left');
  assert.equal(r.code, 143);
  const started = r.stdout.match(/^booting /gm) ?? [];
  const cores = (await import('node:os')).availableParallelism();
  assert.ok(started.length <= cores, `${started.length} executables started, at most one per core (${cores}) before the cancellation`);
  // The annotation must come after every `::stop-commands::TOKEN` has been ended by its `::TOKEN::`.
  const at = r.stdout.indexOf('::error::Received SIGTERM');
  assert.ok(at > 0, 'the cancellation is annotated');
  const before = r.stdout.slice(0, at);
  for (const m of before.matchAll(/^::stop-commands::(\w+)$/gm)) assert.ok(before.includes(`::${m[1]}::`), `pause ${m[1]} ended before the annotation`);
});
