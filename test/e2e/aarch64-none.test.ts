// End-to-end: examples/aarch64-unknown-none built with build-std and booted on QEMU's virt board;
// the guest ends QEMU with semihosting SYS_EXIT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertError, assertFail, assertPass, copyExample, exampleCases } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';

const target = 'aarch64-unknown-none';
const { targetDir, run, expect } = exampleCases({
  target,
  command:
    /qemu-system-aarch64 -accel tcg -machine virt -cpu cortex-a57 -m 128M .*-semihosting-config enable=on,target=native,chardev=console .*-kernel \S+hello-aarch64$/,
  exitCode: 0,
});
const kernel = path.join(targetDir, target, 'debug', 'hello-aarch64');

test(`${target}: without an expect line, status 0 is refused at once: it also means power-off`, async () => {
  const r = await run({ expect: '' });
  assertError(r, /^Input 'expect': is empty, but exit status 0 counts as success for aarch64-unknown-none/);
  assert.ok(r.seconds < 5);
});

test(`${target}: the machine, cpu and memory inputs reach QEMU`, async () => {
  const r = await run({ kernel, 'working-directory': '.', cpu: 'max', memory: '256M', machine: 'virt,gic-version=3' });
  assertPass(r);
  assert.match(r.outputs['qemu-command'], / -machine virt,gic-version=3 -cpu max -m 256M /);
});

test(`${target}: runner boots the image with the user's command ({kernel} replaced); the action still judges`, async () => {
  const runner =
    'qemu-system-aarch64 -M virt -cpu cortex-a53 -display none -chardev stdio,id=c,mux=on -serial chardev:c -semihosting-config enable=on,target=native,chardev=c -monitor none -kernel {kernel}';
  const r = await run({ kernel, 'working-directory': '.', runner });
  assertPass(r);
  assert.equal(r.outputs['qemu-command'], runner.replace('{kernel}', kernel));
  const bad = await run({ kernel, 'working-directory': '.', runner, expect: `${expect}\nnever printed` });
  assertFail(bad, /before printing "never printed"/);
});

test(`${target}: runner: cargo boots through the crate's cargo runner (cargo run)`, async () => {
  const ws = tempDir('e2e-cargo-runner-');
  copyExample(target, ws);
  fs.mkdirSync(path.join(ws, '.cargo'));
  fs.writeFileSync(
    path.join(ws, '.cargo', 'config.toml'),
    `[target.${target}]\nrunner = "qemu-system-aarch64 -M virt -cpu cortex-a57 -display none -chardev stdio,id=c,mux=on -serial chardev:c -semihosting-config enable=on,target=native,chardev=c -monitor none -kernel"\n`,
  );
  const r = await run({ 'working-directory': '.', runner: 'cargo' }, { workspace: ws });
  assertPass(r);
  assert.match(r.outputs['qemu-command'], /cargo .*run --target aarch64-unknown-none -Zbuild-std=/);
});
