import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellJoin } from '../../../src/boot/qemu-args.js';
import { bootArgv, fakePlan } from '../../../test/helpers/inputs.js';

const plan = (over: Record<string, string> = {}) => fakePlan({ target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', ...over });
const qemuCommand = bootArgv;

test('x86_64-unknown-none boots with -kernel, isa-debug-exit at 0xf4, headless, no reboot', () => {
  const argv = qemuCommand(plan(), 'qemu-system-x86_64', { kernel: '/k', accel: 'tcg', workDir: '/tmp', image: 'elf', assets: {} });
  assert.deepEqual(argv, [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel',
    '/k',
  ]);
});

test('under KVM the host CPU is used unless the user chose one', () => {
  assert.deepEqual(qemuCommand(plan(), 'q', { kernel: '/k', accel: 'kvm', workDir: '/tmp', image: 'elf', assets: {} }).slice(0, 5), [
    'q',
    '-accel',
    'kvm',
    '-cpu',
    'host',
  ]);
  const argv = qemuCommand(plan({ 'qemu-args': '-cpu qemu64 -m 256M' }), 'q', { kernel: '/k', accel: 'kvm', workDir: '/tmp', image: 'elf', assets: {} });
  assert.equal(argv.filter((a) => a === '-cpu').length, 1);
  assert.deepEqual(argv.slice(-4), ['-cpu', 'qemu64', '-m', '256M']);
});

test('default fail-on lines can be turned off; the user adds their own', () => {
  assert.deepEqual(
    plan().verdict.rules.failOn.map((p) => p.source),
    // x86_64 under boot-protocol: auto: Rust's panic line, and Limine's panic line in case the kernel turns out to be a Limine one.
    ['panicked at ', '/^PANIC: /'],
  );
  assert.deepEqual(
    plan({ 'default-fail-on': 'false', 'fail-on': 'FAIL' }).verdict.rules.failOn.map((p) => p.source),
    ['FAIL'],
  );
});

test('shellJoin quotes what a shell would mangle', () => {
  assert.equal(shellJoin(['q', '-append', 'a b', "it's", '-m', '1G']), `q -append 'a b' 'it'\\''s' -m 1G`);
});
