#!/usr/bin/env node
// STAND-IN seL4 guest: not seL4. It prints serial output shaped like a real seL4 boot (rust-sel4's
// kernel loader, the seL4 kernel, a root task or a Microkit system) and then behaves as seL4 guests
// do: it never exits by itself (a root task suspends itself; the runner stops QEMU). For tests of
// the `runner` path and the seL4 default lines, where real seL4 cannot be built (no network).
//
// Usage: standin-sel4-guest.mjs <image>   where <image> is a text file whose first word is the
// scenario: pass | indicate-success | panic | data-abort | riscv-abort | unhandled-fault |
// microkit-pass | microkit-error | hang | never-boots.
import { readFileSync } from 'node:fs';

const scenario = readFileSync(process.argv[2], 'utf8').trim().split(/\s+/)[0];

// Line shapes from rust-sel4 v5.0.0 (crates/sel4-kernel-loader/src/logging.rs), seL4 16.0.0
// (src/kernel/boot.c, src/arch/*/...), Microkit 2.3.0 (loader/, monitor/) and rust-root-task-demo.
const loader = ['seL4 kernel loader | INFO   Starting loader', 'seL4 kernel loader | INFO   Entering kernel'];
const kernel = ['Bootstrapping kernel', 'available phys memory regions: 1', '  [40000000..80000000{', 'Booting all finished, dropped to user space'];
const rootTask = ['Hello, World!', 'badge = 0x1337'];
const microkit = [
  'LDR|INFO: loader for seL4 starting',
  'LDR|INFO: jumping to kernel',
  'Bootstrapping kernel',
  'Booting all finished, dropped to user space',
  'MON|INFO: Microkit Monitor started!',
  'hello: Hello, World!',
];

const scenarios = {
  pass: [...loader, ...kernel, ...rootTask, 'TEST_PASS'],
  'indicate-success': [...loader, ...kernel, ...rootTask, 'INDICATE_SUCCESS\x06'],
  panic: [...loader, ...kernel, 'Hello, World!', 'panicked at crates/example/src/main.rs:52:5:', 'assertion `left == right` failed'],
  'data-abort': [
    ...loader,
    'Bootstrapping kernel',
    '',
    '',
    'KERNEL DATA ABORT!',
    'Faulting instruction: 0xffffff80400123a0',
    'ESR (DFSC):  0x96000045',
    'FAR: 0x0',
  ],
  'riscv-abort': ['Bootstrapping kernel', '', '', 'KERNEL ABORT (exception within s-mode)!', 'scause: 0x7', 'halting...'],
  'unhandled-fault': [
    ...loader,
    ...kernel,
    'Caught cap fault in send phase at address 0',
    'while trying to handle:',
    'vm fault on data at address 0x0 with status 0x92000006',
  ],
  'microkit-pass': [...microkit, 'TEST_PASS'],
  'microkit-error': [...microkit, 'MON|ERROR: received message 0x00000006  badge: 0x0000000000000001  tcb cap: 0x8000000000003c2a'],
  hang: [...loader, ...kernel, 'Hello, World!'],
  'never-boots': [],
};

const lines = scenarios[scenario];
if (!lines) {
  process.stderr.write(`standin-sel4-guest: unknown scenario '${scenario}' (one of ${Object.keys(scenarios).join(', ')})\n`);
  process.exit(2);
}
// seL4 prints with \r\n on its serial console.
process.stdout.write(lines.map((l) => `${l}\r\n`).join(''));
// Like a suspended root task: alive, silent, until the action stops it.
setInterval(() => {}, 1 << 30);
