// End-to-end: examples/riscv64gc-unknown-none-elf built with build-std and booted on QEMU's virt
// board under OpenSBI; the guest ends QEMU through the test finisher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertFail, assertPass, copyExample, exampleCases } from '../helpers/example.js';
import { runAction } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

const target = 'riscv64gc-unknown-none-elf';
const { env, expect } = exampleCases({
  target,
  command: /qemu-system-riscv64 -accel tcg -machine virt -m 128M -display none -serial stdio -monitor none -no-reboot -kernel \S+hello-riscv64$/,
  exitCode: 0,
});

// riscv32: no 32-bit OpenSBI in Debian, so -bios none and the kernel starts in M-mode at 0x8000_0000.
exampleCases({
  target: 'riscv32imac-unknown-none-elf',
  command: /qemu-system-riscv32 -accel tcg -machine virt -m 128M -display none -serial stdio -monitor none -no-reboot -bios none -kernel \S+hello-riscv32$/,
  exitCode: 0,
});

test(`${target}: a guest that resets the machine after its lines fails, though QEMU exits 0 (the finisher's pass status); exit-code: 0 given explicitly accepts it`, async () => {
  // The example, changed to write the finisher's reset value (0x7777) instead of pass (0x5555):
  // under -no-reboot QEMU exits 0 either way; only QMP's SHUTDOWN reason tells them apart.
  const ws = tempDir('e2e-riscv-reset-');
  copyExample(target, path.join(ws, 'kernel'));
  const main = path.join(ws, 'kernel', 'src', 'main.rs');
  const source = fs.readFileSync(main, 'utf8');
  assert.match(source, /const FINISHER_PASS: u32 = 0x5555;/);
  fs.writeFileSync(main, source.replace('const FINISHER_PASS: u32 = 0x5555;', 'const FINISHER_PASS: u32 = 0x7777;'));

  const r = await runAction({ target, 'working-directory': 'kernel', toolchain: 'distro', expect, timeout: '60' }, { workspace: ws, env });
  assertFail(
    r,
    /^QEMU exited with status 0 because the guest reset the machine .*not by a deliberate exit; the last line was "all tests passed"\. If this reset is the intended end, give exit-code: 0 explicitly\.$/,
  );

  const accepted = await runAction(
    { target, kernel: r.outputs.kernel, expect, timeout: '60', 'exit-code': '0' },
    { workspace: ws, env, qemuMarker: r.outputs.kernel },
  );
  assertPass(accepted);
});
