// Real rust-sel4 v5.0.0 root tasks on real seL4 16.0.0 kernels (../shared/images/sel4, built from
// upstream sources; see its README), booted through the bundled action (dist/index.js) under
// default inputs: the family's default expectation (TEST_PASS), its failure lines, the riscv64
// image exactly as rust-sel4's loader writes it (stock QEMU starts it at the wrong address without
// the action's entry stub), an image the action assembles from a prebuilt root task, and the
// memory check wherever the memory was set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction } from '../helpers/action.js';
import { assertError, assertFail, assertPass } from '../helpers/example.js';
import { image, imagesSkip } from '../helpers/images.js';

const skip = imagesSkip();
const prefix = (arch: string) => path.join(image(`sel4/${arch}/prefix`), 'prefix');
const loaderRoot = (arch: string) => path.join(image(`sel4/${arch}/sel4-kernel-loader-root`), 'sel4-kernel-loader-root');
const boot = (inputs: Record<string, string>) => runAction({ timeout: '60', ...inputs });

test('aarch64: the upstream image passes on TEST_PASS; the failing one fails on TEST_FAIL', { skip }, async () => {
  const pass = await boot({ target: 'aarch64-sel4', kernel: image('sel4/aarch64/image-pass.elf'), 'sel4-prefix': prefix('aarch64') });
  assertPass(pass);
  assert.equal(pass.outputs.reason, 'All 1 expected line appeared; the guest was still running (QEMU run state: running) and was stopped.');
  assert.match(fs.readFileSync(pass.outputs.log, 'utf8'), /badge = 0x1337\r?\nTEST_PASS/);
  const fail = await boot({ target: 'aarch64-sel4', kernel: image('sel4/aarch64/image-fail.elf'), 'sel4-prefix': prefix('aarch64') });
  assertFail(fail, /Failure line at serial line \d+: "TEST_FAIL"/);
});

test("x86_64: the root task with the prefix's kernel passes; the failing root task fails on TEST_FAIL", { skip }, async () => {
  const pass = await boot({ target: 'x86_64-sel4', kernel: image('sel4/x86_64/roottask-pass.elf'), 'sel4-prefix': prefix('x86_64') });
  assertPass(pass);
  const fail = await boot({ target: 'x86_64-sel4', kernel: image('sel4/x86_64/roottask-fail.elf'), 'sel4-prefix': prefix('x86_64') });
  assertFail(fail, /Failure line at serial line \d+: "TEST_FAIL"/);
});

test("riscv64: the image exactly as rust-sel4's loader writes it boots on stock QEMU (entry stub + generic loader) and passes", { skip }, async () => {
  const img = image('sel4/riscv64/image-pass.upstream.elf');
  const r = await boot({ target: 'riscv64imac-sel4', kernel: img, 'sel4-prefix': prefix('riscv64') });
  assertPass(r);
  const cmd = r.outputs['qemu-command'];
  assert.match(cmd, / -m 3072M /);
  assert.match(cmd, new RegExp(`-device loader,file=${img} -kernel \\S+/riscv64-entry-stub\\.elf`));
  assert.match(fs.readFileSync(r.outputs.log, 'utf8'), /Booting all finished, dropped to user space[\s\S]*TEST_PASS/);
});

for (const arch of ['aarch64', 'riscv64']) {
  const target = arch === 'aarch64' ? 'aarch64-sel4' : 'riscv64imac-sel4';
  test(
    `${arch}: the action assembles the image from roottask-pass.elf, the prefix and the loader install (sel4-kernel-loader), and it passes`,
    { skip },
    async () => {
      const r = await boot({ target, kernel: image(`sel4/${arch}/roottask-pass.elf`), 'sel4-prefix': prefix(arch), 'sel4-kernel-loader': loaderRoot(arch) });
      assertPass(r);
      assert.match(r.outputs['qemu-command'], /\/image\.elf/);
      assert.match(fs.readFileSync(r.outputs.log, 'utf8'), /badge = 0x1337\r?\nTEST_PASS/);
    },
  );
}

test('riscv64: less memory than the kernel was built for is refused before the boot, through memory or qemu-args', { skip }, async () => {
  const common = { target: 'riscv64imac-sel4', kernel: image('sel4/riscv64/image-pass.upstream.elf'), 'sel4-prefix': prefix('riscv64') };
  const viaMemory = await boot({ ...common, memory: '2G' });
  assertError(viaMemory, /Input 'memory': '2G' is less than the 3072 MiB the seL4 kernel was built for/);
  const viaArgs = await boot({ ...common, 'qemu-args': '-m 2G' });
  assertError(viaArgs, /Input 'qemu-args': -m 2G is less than the 3072 MiB the seL4 kernel was built for/);
  assert.ok(viaArgs.seconds < 20, `refused before any boot (${viaArgs.seconds} s)`);
});
