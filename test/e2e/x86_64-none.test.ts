// End-to-end: the bundled action (dist/index.js) run as the runner runs it, building real kernels
// with cargo (Debian's toolchain, build-std, offline) and booting them in real QEMU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type ActionRun } from '../helpers/action.js';
import { assertError, copyExample } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';

const TARGET_DIR = tempDir('e2e-x86_64-none-target-');
const env = { CARGO_TARGET_DIR: TARGET_DIR };
const HELLO = 'Hello from x86_64-unknown-none!';
const EXPECT = `${HELLO}\nall tests passed`;

/** Boots the misbehaving test kernel built with one feature. */
function variant(
  feature: string | undefined,
  inputs: Record<string, string> = {},
  signal?: { when: RegExp; signal: NodeJS.Signals; delayMs?: number },
): Promise<ActionRun> {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-none',
      toolchain: 'distro',
      expect: EXPECT,
      timeout: '60',
      ...(feature ? { 'cargo-args': `--features ${feature}` } : {}),
      ...inputs,
    },
    { env, signal },
  );
}

function assertClean(r: ActionRun): void {
  assert.deepEqual(r.leftoverQemu, [], 'no QEMU may outlive the action');
}

function assertFail(r: ActionRun, reason: RegExp): void {
  assert.equal(r.outputs.result, 'fail', `expected fail, got ${r.outputs.result}: ${r.outputs.reason}\n${r.stdout.slice(-2000)}`);
  assert.equal(r.code, 1);
  assert.match(r.outputs.reason, reason);
  assert.ok(r.stdout.includes(`::error::${r.outputs.reason.split('\n')[0].slice(0, 40)}`), 'the reason is reported as the step error');
  assertClean(r);
}

test('the example kernel passes: lines in order, exit status 33, outputs and summary written', async () => {
  const r = await runAction(
    { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', toolchain: 'distro', expect: EXPECT, timeout: '60' },
    { env },
  );
  assert.equal(r.code, 0, r.stdout.slice(-3000) + r.stderr.slice(-2000));
  assert.equal(r.outputs.result, 'pass');
  assert.equal(r.outputs['exit-code'], '33');
  assert.equal(r.outputs.reason, 'The guest printed all 2 expected lines and exited with status 33.');
  assert.equal(r.outputs.kernel, path.join(TARGET_DIR, 'x86_64-unknown-none', 'debug', 'hello-kernel'));
  assert.match(
    r.outputs['qemu-command'],
    /qemu-system-x86_64 -accel (tcg|kvm) .*-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel \S+hello-kernel$/,
  );
  const log = fs.readFileSync(r.outputs.log, 'utf8');
  assert.ok(log.includes(`${HELLO}\n`) && log.includes('all tests passed'), log);
  assert.match(r.summary, /✅ x86_64-unknown-none \(distro\): pass/, 'the default name: the target, then the toolchain input');
  assert.match(r.summary, /all tests passed<\/pre>/);
  assert.match(r.stdout, /std for x86_64-unknown-none: built from source/);
  assert.match(r.stdout, /Accelerator: (KVM|TCG)/);
  assertClean(r);
});

test('a missing line fails, naming the line and what came last', async () => {
  const r = await variant('missing-line');
  assertFail(
    r,
    /^The guest exited \(status 33\) before printing "all tests passed" \(1 of 2 expected lines had appeared\); the last line was "Hello from x86_64-unknown-none!"\.$/,
  );
});

test('a panic fails and quotes the panic message', async () => {
  const r = await variant('panic');
  assertFail(r, /^Failure line at serial line \d+: "panicked at src\/main.rs:\d+:\d+:" "boom"/);
});

test('a panic in a guest that then hangs fails at once, not at the timeout', async () => {
  const r = await variant('panic-hang', { timeout: '120' });
  assertFail(r, /Failure line at serial line \d+: "panicked at/);
  assert.ok(r.seconds < 30, `took ${r.seconds}s`);
});

test('a wrong exit status fails, naming the status, the value and the expected status', async () => {
  const r = await variant('wrong-exit');
  assertFail(r, /QEMU exited with status 35: the guest wrote 0x11 to isa-debug-exit .*expected status 33/);
  assert.equal(r.outputs['exit-code'], '35');
});

test('a triple fault after the expected lines fails (QEMU exits 0 under -no-reboot)', async () => {
  const r = await variant('triple-fault');
  assertFail(
    r,
    /^QEMU exited with status 0 because the guest reset the machine \(on x86 typically a triple fault.*expected status 33; the last line was "all tests passed". If this exit is intended, add 0 to the exit-code input\.$/,
  );
});

test('an ACPI power-off without reporting success fails', async () => {
  const r = await variant('acpi-off');
  assertFail(r, /^QEMU exited with status 0 because the guest powered the machine off \(ACPI, PSCI or SBI power-off\); expected status 33/);
});

test('...but an exit status accepted on purpose passes', async () => {
  const r = await variant('acpi-off', { 'exit-code': '0' });
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  assertClean(r);
});

test('a guest that prints every expected line and never exits passes, and is stopped quickly', async () => {
  const r = await variant('hang', { timeout: '120' });
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  assert.match(r.outputs.reason, /^All 2 expected lines appeared; the guest was still running \(QEMU run state: running\) and was stopped\.$/);
  assert.ok(r.seconds < 30, `took ${r.seconds}s`);
  assertClean(r);
});

test('a silent guest fails at the timeout, saying it printed nothing', async () => {
  const r = await variant('silent', { timeout: '3' });
  assertFail(r, /^Timed out after 3s waiting for "Hello from x86_64-unknown-none!"; the guest printed nothing\.$/);
});

test('a hung guest fails at the timeout, naming the awaited line and the last one seen', async () => {
  const r = await variant('hang', { timeout: '3', expect: `${HELLO}\nall tests passed\nshutdown complete` });
  assertFail(r, /^Timed out after 3s waiting for "shutdown complete" \(2 of 3 expected lines had appeared\); the last line was "all tests passed"\.$/);
});

test('lines in the wrong order fail when order is asked, pass when it is not', async () => {
  const r = await variant('reverse');
  assertFail(r, /before printing "all tests passed"/);
  const r2 = await variant('reverse', { ordered: 'false' });
  assert.equal(r2.outputs.result, 'pass', r2.outputs.reason);
});

test('guest lines that look like workflow commands are shown but never executed', async () => {
  const r = await variant('noise');
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  const m = /^::stop-commands::(\w+)$/m.exec(r.stdout);
  assert.ok(m, 'guest output is wrapped in stop-commands');
  const inside = r.stdout.slice(m!.index, r.stdout.indexOf(`::${m![1]}::`));
  for (const forged of ['::error::forged by guest', '::set-output name=result::pass', '::add-mask::secret']) {
    assert.ok(inside.includes(forged), `${forged} is shown inside the paused section`);
  }
  assert.equal(r.stdout.split(`::${m![1]}::`).length, 2, 'commands are resumed exactly once');
  assertClean(r);
});

test('a build error fails the step and is annotated on the file and line', async () => {
  const ws = tempDir('e2e-broken-');
  copyExample('x86_64-unknown-none', path.join(ws, 'kernel'));
  const main = path.join(ws, 'kernel', 'src', 'main.rs');
  const lines = fs.readFileSync(main, 'utf8').split('\n').length;
  fs.appendFileSync(main, '\nfn broken() -> u32 {\n    "not a number"\n}\n');
  const r = await runAction({ target: 'x86_64-unknown-none', 'working-directory': 'kernel', toolchain: 'distro', expect: HELLO }, { workspace: ws, env });
  assertFail(r, /^cargo build failed \(exit status 101\) with 1 error: mismatched types/);
  assert.match(r.stdout, new RegExp(`::error title=rustc error,file=kernel/src/main.rs,line=${lines + 2},`));
  assert.equal(r.outputs['qemu-command'], undefined, 'nothing was booted');
});

test('a prebuilt image boots without building', async () => {
  const kernel = path.join(TARGET_DIR, 'x86_64-unknown-none', 'debug', 'hello-kernel');
  assert.ok(fs.existsSync(kernel), 'the example was built by the first test');
  const r = await runAction({ target: 'x86_64-unknown-none', kernel, expect: EXPECT, accel: 'tcg' }, { env, qemuMarker: kernel });
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  assert.doesNotMatch(r.stdout, /::group::Build/);
  assert.equal(r.outputs.kernel, kernel);
  assertClean(r);
});

test('bad inputs fail at once, before anything is installed or built', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ target: 'x86_64-unknown-linux-gnu' }, /Input 'target': 'x86_64-unknown-linux-gnu' is not a supported target/],
    [{ target: 'x86_64-unknown-none', expect: '/(unclosed/' }, /Input 'expect': '\/\(unclosed\/' is not a valid regular expression/],
    [{ target: 'x86_64-unknown-none', timeout: 'ten' }, /Input 'timeout': 'ten' is not a number of seconds/],
    [{ target: 'x86_64-unknown-none', 'working-directory': 'does/not/exist' }, /Input 'working-directory': 'does\/not\/exist' does not exist/],
    [{ target: 'x86_64-unknown-none', kernel: 'package.json', 'cargo-args': '--release' }, /Input 'cargo-args': cannot be used together with kernel/],
  ];
  for (const [inputs, message] of cases) {
    const r = await runAction({ 'working-directory': 'examples/x86_64-unknown-none', ...inputs });
    assert.equal(r.code, 1);
    assert.equal(r.outputs.result, 'error', 'a bad input is no verdict on the kernel');
    assert.match(r.outputs.reason, message);
    assert.doesNotMatch(r.stdout, /::group::Install/, 'nothing is installed');
    assert.ok(r.seconds < 5, `failed in ${r.seconds}s`);
    assert.match(r.summary, /❌/);
  }
});

test('rustup that cannot download (stand-in rustup, offline) fails with the fix in the message', async () => {
  const bin = tempDir('standin-rustup-');
  // A stand-in for rustup on a runner without access to rustup's servers.
  fs.writeFileSync(
    path.join(bin, 'rustup'),
    '#!/bin/sh\necho "info: syncing channel updates" >&2\necho "error: could not download file from \'https://static.rust-lang.org/dist/channel-rust-nightly.toml.sha256\'" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(bin, 'rustc'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const r = await runAction(
    { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', expect: HELLO },
    { env: { ...env, PATH: `${bin}:${process.env.PATH}` } },
  );
  // An infrastructure failure: result error, not fail (the kernel was never judged).
  assertError(
    r,
    /^rustup could not install toolchain 'nightly' \(from the default \(no rust-toolchain.toml found\)\); rustup said: "error: could not download file.*use toolchain: distro\.$/,
  );
});

test('dry-run prints the plan and installs, builds and boots nothing', async () => {
  const before = fs.existsSync(path.join(TARGET_DIR, 'dry'));
  const r = await runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'examples/x86_64-unknown-none',
      toolchain: 'distro',
      'cargo-args': '--release',
      expect: HELLO,
      'dry-run': 'true',
    },
    { env: { CARGO_TARGET_DIR: path.join(TARGET_DIR, 'dry') } },
  );
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.outputs.result, 'dry-run');
  const plan = JSON.parse(r.outputs.plan);
  assert.equal(plan.target, 'x86_64-unknown-none');
  assert.equal(plan.toolchain.kind, 'distro');
  assert.equal(plan.toolchain.buildStd, true);
  // The very command the real run executes: Debian's cargo, its environment and the vendored std sources.
  assert.match(
    plan.build.command,
    /^CARGO_INCREMENTAL=0 RUSTC=\/usr\/bin\/rustc RUSTC_BOOTSTRAP=1 \/usr\/bin\/cargo --config .*std-vendor.* build --target x86_64-unknown-none --message-format=json-diagnostic-rendered-ansi -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem --release$/,
  );
  // The image cargo will write, from cargo metadata (target directory, profile, binary name).
  assert.ok(
    r.outputs['qemu-command'].endsWith(
      `-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel ${path.join(TARGET_DIR, 'dry', 'x86_64-unknown-none', 'release', 'hello-kernel')}`,
    ),
    r.outputs['qemu-command'],
  );
  assert.deepEqual(plan.verdict.exitCodes, [33]);
  assert.equal(fs.existsSync(path.join(TARGET_DIR, 'dry')), before, 'nothing was built');
  assert.doesNotMatch(r.stdout, /::group::(Install|Build)/);
  assertClean(r);
});

test('a line split by a pause, with CRLF ends and colour codes, is judged right', async () => {
  const r = await variant('slow-split');
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  const log = fs.readFileSync(r.outputs.log);
  assert.ok(log.includes(Buffer.from('\x1b[32mall tests passed\x1b[0m\r\n')), 'the log keeps the bytes as sent');
  assertClean(r);
});

test('megabytes of output before the expected lines: still found, the whole log kept', async () => {
  const r = await variant('flood');
  assert.equal(r.outputs.result, 'pass', r.outputs.reason);
  assert.ok(fs.statSync(r.outputs.log).size > 2 * 1024 * 1024);
  assertClean(r);
});

test('idle-timeout fails a guest that goes quiet, long before the timeout', async () => {
  const r = await variant('silent', { 'idle-timeout': '2', timeout: '120' });
  assertFail(r, /^No serial output for 2s \(idle-timeout\) while waiting for "Hello from x86_64-unknown-none!"; the guest printed nothing\.$/);
  assert.ok(r.seconds < 60, `took ${r.seconds}s`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`cancelling the step (${signal} to the action while the guest runs) stops QEMU too`, async () => {
    const r = await variant('hang', { expect: 'a line that never comes', timeout: '120' }, { when: /all tests passed/, signal, delayMs: 200 });
    assert.equal(r.code, signal === 'SIGTERM' ? 143 : 130, r.stdout.slice(-1000));
    assert.ok(r.seconds < 60, `took ${r.seconds}s`);
    assertClean(r);
  });
}

/**
 * A raw BIOS disk image standing in for one made by the `bootloader` crate (which cannot be
 * downloaded here): a 512-byte boot sector, machine code written out below, that prints a line
 * on COM1 and writes `exitValue` to isa-debug-exit.
 */
function bootSectorImage(line: string, exitValue: number): string {
  const msg = Buffer.from(`${line}\r\n\0`, 'latin1');
  const code = Buffer.from([
    0x31,
    0xc0, //                      xor ax, ax
    0x8e,
    0xd8, //                      mov ds, ax
    0xfc, //                            cld
    0xba,
    0xf8,
    0x03, //                mov dx, 0x3f8        (COM1)
    0xbe,
    0x21,
    0x7c, //                mov si, 0x7c21       (the message, after this code)
    0xac, //                     next:  lodsb
    0x84,
    0xc0, //                      test al, al
    0x74,
    0x03, //                      jz done
    0xee, //                            out dx, al
    0xeb,
    0xf8, //                      jmp next
    0xba,
    0xf4,
    0x00, //         done:  mov dx, 0xf4         (isa-debug-exit)
    0x66,
    0xb8,
    exitValue,
    0,
    0,
    0, //  mov eax, exitValue
    0x66,
    0xef, //                      out dx, eax
    0xf4, //                     halt:  hlt
    0xeb,
    0xfd, //                      jmp halt
  ]);
  assert.equal(code.length, 0x21);
  const sector = Buffer.alloc(512);
  code.copy(sector, 0);
  msg.copy(sector, code.length);
  sector.writeUInt16LE(0xaa55, 510);
  const file = path.join(tempDir('e2e-disk-image-'), 'boot.img');
  fs.writeFileSync(file, sector);
  return file;
}

test('a raw disk image (hand-made boot sector standing in for a bootloader-crate image) boots with -drive', async () => {
  const img = bootSectorImage('Hello from a raw disk image', 0x10);
  const r = await runAction({ target: 'x86_64-unknown-none', kernel: img, expect: 'Hello from a raw disk image', timeout: '60' }, { qemuMarker: img });
  assert.equal(r.outputs.result, 'pass', r.outputs.reason + r.stdout.slice(-2000));
  assert.match(r.outputs['qemu-command'], new RegExp(`-device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive format=raw,file=${img},snapshot=on$`));
  assert.equal(r.outputs['exit-code'], '33');
  assertClean(r);
});

test('a raw disk image (hand-made boot sector) that reports failure through isa-debug-exit fails', async () => {
  const img = bootSectorImage('Hello from a raw disk image', 0x11);
  const r = await runAction({ target: 'x86_64-unknown-none', kernel: img, expect: 'Hello from a raw disk image', timeout: '60' }, { qemuMarker: img });
  assertFail(r, /QEMU exited with status 35: the guest wrote 0x11 to isa-debug-exit/);
});
