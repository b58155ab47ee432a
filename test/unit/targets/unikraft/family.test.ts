import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootArgv, fakeInputs, fakePlan } from '../../../../test/helpers/inputs.js';
import { KRAFTKIT_DEFAULT_VERSION } from '../../../../src/targets/unikraft/kraftkit.js';

const inputs = (over: Record<string, string> = {}) => ({
  target: 'x86_64-unikraft-linux-musl',
  'working-directory': 'examples/unikraft-hello',
  expect: 'Hello, world!',
  ...over,
});
const read = (over: Record<string, string> = {}) => fakePlan(inputs(over));
const makePlan = <T>(p: T) => p;
const ctx = { kernel: '/k', accel: 'tcg' as const, workDir: '/tmp', assets: {}, image: 'elf' as const };
const qemuCommand = (p: ReturnType<typeof read>, program: string, c: Parameters<typeof bootArgv>[2]) => bootArgv(p, program, c);

test('Unikraft boots as kraft does for qemu/x86_64, plus isa-debug-exit at 0x501, headless, no reboot', () => {
  const argv = qemuCommand(makePlan(read()), 'qemu-system-x86_64', ctx);
  assert.deepEqual(argv, [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-machine',
    'pc',
    '-cpu',
    'qemu64,+pdpe1gb,+rdrand,+rdseed,-vmx,-svm',
    '-m',
    '64M',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
    '-device',
    'isa-debug-exit,iobase=0x501,iosize=0x02',
    '-kernel',
    '/k',
  ]);
  assert.deepEqual(qemuCommand(makePlan(read()), 'q', { ...ctx, accel: 'kvm' }).slice(0, 7), [
    'q',
    '-accel',
    'kvm',
    '-machine',
    'pc',
    '-cpu',
    'host,+x2apic,-pmu',
  ]);
});

test('app arguments in -append, after -- only when library parameters come before them (as kraft run writes it)', () => {
  assert.deepEqual(qemuCommand(makePlan(read({ 'unikraft-args': 'a b' })), 'q', ctx).slice(-2), ['-append', 'a b']);
  assert.deepEqual(qemuCommand(makePlan(read({ 'unikraft-args': 'a', 'unikraft-kernel-args': 'vfs.fstab=x' })), 'q', ctx).slice(-2), [
    '-append',
    'vfs.fstab=x -- a',
  ]);
});

test('the defaults: halt statuses 0 and 83 accepted, Unikraft crash lines, a non-zero main result and Rust panics fail', () => {
  const p = makePlan(read());
  assert.deepEqual(p.verdict.exitCodes, [0, 83]);
  assert.deepEqual(
    p.verdict.rules.failOn.map((f) => f.source),
    ['panicked at ', '/Unikraft crash - /i', 'CRIT: ', '/\\[ FAILED \\]|\\.\\s+FAILED\\s*$/', '/main returned -?[1-9]/'],
  );
  assert.match(p.verdict.explainExit(85), /Unikraft crashed \(it wrote 42 to isa-debug-exit at 0x501\)/);
  assert.match(p.verdict.explainExit(83), /Unikraft halted \(it wrote 41 to isa-debug-exit at 0x501\), as it does whatever main returned/);
});

test('expect is required for Unikraft; bad target inputs are input errors; KraftFile target and env are resolved', () => {
  // The generic rule (exit status 0 accepted, no expect line) refuses it first; the target's own check stays as a second guard.
  assert.throws(() => read({ expect: '' }), /Input 'expect': is empty, but exit status 0 counts as success for x86_64-unikraft-linux-musl/);
  // exit-code without 0: the generic rule does not apply, the target's own does.
  assert.throws(
    () => read({ expect: '', 'exit-code': '83' }),
    /Input 'expect': is required for x86_64-unikraft-linux-musl\. Unikraft powers off the same way whatever main returned/,
  );
  for (const [over, msg] of [
    [{ kraftkit: 'latest' }, /Input 'kraftkit': 'latest' is not a KraftKit version/],
    [{ 'kraftkit-sha256': 'abc' }, /Input 'kraftkit-sha256': 'abc' is not a SHA-256/],
    [{ 'unikraft-tty-stdio': 'maybe' }, /Input 'unikraft-tty-stdio': 'maybe' is not a boolean/],
    [{ 'unikraft-target': 'nope' }, /Input 'unikraft-target': Kraftfile has no qemu\/x86_64 target named 'nope'/],
    [{ 'working-directory': 'test/fixtures/unikraft/no-targets' }, /names no targets/],
  ] as [Record<string, string>, RegExp][]) {
    assert.throws(() => read(over), msg);
  }
  const ok = read();
  assert.deepEqual(ok.target.build.env, {
    KRAFTKIT_TARGET: 'helloworld',
    KRAFTKIT_PLAT: 'qemu',
    KRAFTKIT_ARCH: 'x86_64',
    KRAFTKIT_NO_PROMPT: 'true',
    KRAFTKIT_NO_CHECK_UPDATES: 'true',
    KRAFTKIT_NO_EMOJIS: 'true',
    KRAFTKIT_NO_WARN_SUDO: 'true',
    KRAFTKIT_LOG_TYPE: 'basic',
  });
  assert.equal(ok.target.install.downloads[0].fileName.startsWith(`kraft_${KRAFTKIT_DEFAULT_VERSION}_linux_`), true);
  assert.deepEqual(read({ kraftkit: 'system' }).target.install.downloads, []);
});

test('Unikraft inputs given for another target are an input error', () => {
  assert.throws(
    () => fakeInputs({ target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', kraftkit: '0.12.15' }),
    /Input 'kraftkit': is only read for x86_64-unikraft-linux-musl, not for x86_64-unknown-none/,
  );
});

test("machine and memory inputs replace Unikraft's pc and 64M (once each)", () => {
  const argv = qemuCommand(makePlan(read({ machine: 'q35', memory: '256M' })), 'q', ctx);
  assert.deepEqual(argv.slice(1, 9), ['-accel', 'tcg', '-machine', 'q35', '-cpu', 'qemu64,+pdpe1gb,+rdrand,+rdseed,-vmx,-svm', '-m', '256M']);
  assert.equal(argv.filter((a) => a === '-m' || a === '-machine').length, 2);
});

test('a kernel path with spaces is booted from a plain-named link: QEMU passes the -kernel path as the Multiboot command line', () => {
  const spaced = { ...ctx, kernel: '/x/my kernels/uk hello', workDir: '/w' };
  const argv = qemuCommand(makePlan(read()), 'q', spaced);
  const k = argv[argv.indexOf('-kernel') + 1];
  assert.match(k, /^\/w\/multiboot\/[0-9a-f]{8}-uk_hello$/);
  // A plain path is booted as it is.
  assert.equal(qemuCommand(makePlan(read()), 'q', ctx).at(-1), '/k');
});
