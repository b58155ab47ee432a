// Console scripts against a real interactive kernel in real QEMU (TCG): test/kernels/x86_64-echo,
// built here with cargo (Debian's toolchain, build-std, offline), prompts on COM1, reads a line by
// polling the UART and answers it reversed. QEMU is started directly (test/helpers/guest.ts), not
// through the action's pipeline, with the serial console on stdio and stdin piped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConsoleScript } from '../../src/inputs/console-script.js';
import { ConsoleScript } from '../../src/boot/console-script.js';
import { ROOT } from '../helpers/action.js';
import { alive, startGuest } from '../helpers/guest.js';
import { type ScriptOutcome } from '../../src/model/conversation.js';

const TARGET_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-x86_64-echo-target-'));
after(() => fs.rmSync(TARGET_DIR, { recursive: true, force: true }));

/** Builds the echo kernel (with `feature`, if given) with Debian's cargo, offline; returns its path. */
function build(feature?: string): string {
  const vendor = '/usr/lib/rustlib/src/rust/library/vendor';
  execFileSync(
    '/usr/bin/cargo',
    [
      '--config',
      'source.crates-io.replace-with="std-vendor"',
      '--config',
      `source.std-vendor.directory="${vendor}"`,
      '--config',
      'target.x86_64-unknown-none.linker="ld.lld"',
      'build',
      '--target',
      'x86_64-unknown-none',
      '-Zbuild-std=core,compiler_builtins',
      '-Zbuild-std-features=compiler-builtins-mem',
      ...(feature ? ['--features', feature] : []),
    ],
    {
      cwd: path.join(ROOT, 'test/kernels/x86_64-echo'),
      env: { ...process.env, RUSTC_BOOTSTRAP: '1', RUSTC: '/usr/bin/rustc', CARGO_TARGET_DIR: path.join(TARGET_DIR, feature ?? 'default') },
      stdio: 'pipe',
    },
  );
  return path.join(TARGET_DIR, feature ?? 'default', 'x86_64-unknown-none', 'debug', 'echo-kernel');
}

/** Boots `kernel` and drives it with `script`; stops QEMU when the script is done or QEMU exits. */
async function converse(kernel: string, script: string): Promise<{ outcome: ScriptOutcome; status: number | null; output: string; pid?: number }> {
  const steps = parseConsoleScript(script); // bad input fails before QEMU starts
  const guest = startGuest('qemu-system-x86_64', [
    '-accel',
    'tcg',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel',
    kernel,
  ]);
  const run = new ConsoleScript(steps, (text) => guest.child.stdin!.write(text));
  guest.onData((c) => run.push(c));
  void guest.exited.then((status) => run.stop(`QEMU exited with status ${status}`));
  run.start();
  try {
    const outcome = await run.done;
    // After the last step the guest may still be exiting: give it a moment.
    const status = await Promise.race([guest.exited, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    return { outcome, status, output: guest.output(), pid: guest.child.pid };
  } finally {
    await guest.stop();
  }
}

test('echo kernel: the script waits for each prompt, sends lines and checks the computed answers; quit exits QEMU', { timeout: 180_000 }, async () => {
  const r = await converse(
    build(),
    `
- expect: "echo>"
- send: Hello
- expect: "reversed: olleH (5 bytes)"
- expect: "echo>"
- send: "stressed desserts"
- expect: '/^reversed: stressed desserts \\(17 bytes\\)$/'
- expect: "echo>"
- send: quit
- expect: bye
`,
  );
  assert.equal(r.outcome.ok, true, `${r.outcome.message}\n${r.output}`);
  assert.equal(r.outcome.steps.length, 9);
  assert.equal(r.status, 33, 'quit wrote 0x10 to isa-debug-exit');
  assert.match(r.output, /echo> Hello\nreversed: olleH \(5 bytes\)\n/);
  assert.equal(alive(r.pid), false, 'no QEMU outlives the test');
});

test('echo kernel: a wrong expected answer fails at its step timeout, naming the step and what came back', { timeout: 180_000 }, async () => {
  const r = await converse(build(), '- expect: "echo>"\n- send: Hello\n- expect: "reversed: Hello"\n  timeout: 3');
  assert.equal(r.outcome.ok, false);
  assert.equal(
    r.outcome.message,
    'Console script step 3 (expect "reversed: Hello") was not met within 3 s; since the step began the guest printed "echo> Hello", "reversed: olleH (5 bytes)", "echo>".',
  );
  assert.equal(alive(r.pid), false);
});

test('a kernel that never prompts fails at the first step timeout, naming the step', { timeout: 180_000 }, async () => {
  const r = await converse(build('no-prompt'), '- expect: "echo>"\n  timeout: 4\n- send: Hello');
  assert.equal(r.outcome.ok, false);
  assert.equal(r.outcome.steps.length, 0);
  assert.equal(r.outcome.message, 'Console script step 1 (expect "echo>") was not met within 4 s; since the step began the guest printed "echo kernel ready".');
  assert.equal(alive(r.pid), false);
});
