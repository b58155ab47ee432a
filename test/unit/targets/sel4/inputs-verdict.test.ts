// The seL4 family's input parsers, and its default verdict lines run through the real watcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  parseKernelLoader,
  parseMicrokitBoard,
  parseMicrokitConfig,
  parseMicrokitSdk,
  parseMicrokitSystem,
  parseSel4Prefix,
} from '../../../../src/targets/sel4/inputs.js';
import { bootProgress, DEFAULT_FAIL_ON, EXPECT_WHEN_NONE, explainNoVerdict } from '../../../../src/targets/sel4/verdict.js';
import { SerialWatcher } from '../../../../src/verdict/watcher.js';
import { InputError } from '../../../../src/model/errors.js';
import { ROOT } from '../../../helpers/action.js';

const FIX = path.join(ROOT, 'test/fixtures/sel4');
const isInput = (name: string, re: RegExp) => (e: Error) => e instanceof InputError && e.input === name && re.test(e.message);

test('sel4-prefix and sel4-kernel-loader: folders with the files they must hold', () => {
  assert.equal(parseSel4Prefix('', FIX), undefined);
  assert.equal(parseSel4Prefix('prefix-aarch64', FIX), path.join(FIX, 'prefix-aarch64'));
  assert.throws(() => parseSel4Prefix('locks', FIX), isInput('sel4-prefix', /has no bin\/kernel\.elf/));
  assert.deepEqual(parseKernelLoader('', FIX), { kind: 'cargo-install' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sel4-loader-'));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.writeFileSync(path.join(root, 'bin', 'sel4-kernel-loader'), '');
  assert.throws(() => parseKernelLoader(root, FIX), isInput('sel4-kernel-loader', /has no bin\/sel4-kernel-loader-add-payload/));
  fs.writeFileSync(path.join(root, 'bin', 'sel4-kernel-loader-add-payload'), '');
  assert.deepEqual(parseKernelLoader(root, FIX), { kind: 'path', root });
});

test('microkit-system, microkit-sdk (+sha256), microkit-board, microkit-config', () => {
  assert.throws(() => parseMicrokitSystem('hello.system', FIX), isInput('microkit-system', /does not exist/));
  assert.equal(parseMicrokitSystem('README.md', FIX), path.join(FIX, 'README.md'));
  assert.equal(parseMicrokitSdk('', '', FIX), undefined);
  assert.deepEqual(parseMicrokitSdk('2.3.0', '', FIX), { kind: 'version', version: '2.3.0' });
  assert.deepEqual(parseMicrokitSdk('2.3.0', 'AB'.repeat(32), FIX), { kind: 'version', version: '2.3.0', sha256: 'ab'.repeat(32) });
  assert.deepEqual(parseMicrokitSdk('https://example.org/sdk.tar.gz', 'ab'.repeat(32), FIX), {
    kind: 'url',
    url: 'https://example.org/sdk.tar.gz',
    sha256: 'ab'.repeat(32),
  });
  assert.throws(() => parseMicrokitSdk('https://example.org/sdk.tar.gz', '', FIX), isInput('microkit-sdk-sha256', /never used unchecked/));
  assert.throws(() => parseMicrokitSdk('', 'ab'.repeat(32), FIX), isInput('microkit-sdk-sha256', /without microkit-sdk/));
  assert.throws(() => parseMicrokitSdk('2.3.0', 'xyz', FIX), isInput('microkit-sdk-sha256', /is not a sha256/));
  assert.throws(() => parseMicrokitSdk('no-such-sdk', '', FIX), isInput('microkit-sdk', /neither a Microkit release/));
  assert.equal(parseMicrokitBoard('', 'aarch64', '2.3.0'), 'qemu_virt_aarch64');
  assert.equal(parseMicrokitBoard('', 'x86_64', '2.3.0'), 'x86_64_generic');
  assert.throws(() => parseMicrokitBoard('qemu_virt_aarch64_el1', 'aarch64', '2.1.0'), isInput('microkit-board', /Use qemu_virt_aarch64 \(the QEMU boards/));
  assert.throws(() => parseMicrokitBoard('qemu_virt_riscv64', 'aarch64', '2.3.0'), isInput('microkit-board', /for aarch64/));
  assert.equal(parseMicrokitConfig('', 'qemu_virt_aarch64'), 'debug');
  assert.equal(parseMicrokitConfig('smp-debug', 'qemu_virt_aarch64'), 'smp-debug');
  for (const c of ['release', 'benchmark', 'smp-release']) {
    assert.throws(() => parseMicrokitConfig(c, 'qemu_virt_aarch64'), isInput('microkit-config', /without KernelPrinting.*print nothing.*Use debug/));
  }
  assert.throws(() => parseMicrokitConfig('fast', 'qemu_virt_aarch64'), isInput('microkit-config', /is not a Microkit configuration/));
});

/** Feeds a serial log through the project's watcher with the seL4 defaults, as the run would. */
function watch(log: string, expect = [EXPECT_WHEN_NONE]) {
  const w = new SerialWatcher({ expect, ordered: true, failOn: DEFAULT_FAIL_ON });
  w.push(Buffer.from(log));
  return w;
}

// Shaped like a real aarch64 root-task boot (rust-sel4's loader, seL4 16.0.0, the demo's lines).
const BOOT =
  [
    'seL4 kernel loader | INFO   Starting loader',
    'seL4 kernel loader | INFO   Entering kernel',
    'Bootstrapping kernel',
    'Booting all finished, dropped to user space',
    'Hello, World!',
    'badge = 0x1337',
  ].join('\n') + '\n';

test('with no expect: TEST_PASS or INDICATE_SUCCESS passes', () => {
  assert.equal(watch(BOOT + 'TEST_PASS\n').satisfied, true);
  assert.equal(watch(BOOT + 'INDICATE_SUCCESS\x06\n').satisfied, true);
  const w = watch(BOOT);
  assert.equal(w.satisfied, false);
  assert.equal(w.failure, undefined);
});

test('each default failure line fails the run, as the kernel, runtime or Microkit print it', () => {
  const lines = [
    'panicked at src/main.rs:10:5:',
    'hello: panicked at src/main.rs:3:1:',
    'aborted at crates/sel4-root-task/src/lib.rs:20:9:',
    'TEST_FAIL',
    'INDICATE_FAILURE\x15',
    "seL4 failed assertion 'cap_get_capType(cap) == cap_null_cap' at src/object/cnode.c:123 in function cteInsert",
    'seL4 called fail at src/kernel/boot.c:56 in function create_root_cnode, saying "root cnode"',
    'KERNEL DATA ABORT!',
    'KERNEL PREFETCH ABORT!',
    'KERNEL UNDEFINED INSTRUCTION!',
    '========== KERNEL EXCEPTION ==========',
    'KERNEL ABORT (exception within s-mode)!',
    'halting...',
    'while trying to handle:',
    'Found thread has no fault handler while trying to handle:',
    'Huge page not supported by the processor',
    'MON|ERROR: received message 0x00000006  badge: 0x0000000000000001  tcb cap: 0x8000000000003c2a',
    'LDR|ERROR: loader trapped exception: Synchronous (Current Exception level with SP_ELx)',
  ];
  for (const l of lines) {
    const w = watch(BOOT + l + '\nTEST_PASS\n');
    assert.ok(w.failure, `fails on ${JSON.stringify(l)}`);
  }
  assert.equal(watch(BOOT + 'TEST_PASS\n').failure, undefined, 'a clean boot has no failure line');
});

test('the summary tells "never booted" from "hung" by the running markers', () => {
  assert.equal(bootProgress(['garbage']), undefined);
  assert.match(explainNoVerdict(['qemu: fatal']), /never booted/);
  assert.match(explainNoVerdict(BOOT.split('\n')), /booted \(the seL4 kernel booted and started the root task\) and then printed neither/);
  assert.equal(
    bootProgress(['LDR|INFO: loader for seL4 starting', 'Bootstrapping kernel', 'MON|INFO: Microkit Monitor started!']),
    'the Microkit monitor started the protection domains',
  );
  assert.equal(bootProgress(['seL4 kernel loader | INFO   Starting loader']), "rust-sel4's kernel loader started");
});
