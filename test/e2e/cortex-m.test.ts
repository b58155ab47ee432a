// End-to-end: the Cortex-M examples built with build-std (one target dir per target) and booted on
// M-profile boards; output and exit go through semihosting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPass, exampleCases } from '../helpers/example.js';
import { runAction } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

exampleCases({
  target: 'thumbv7m-none-eabi',
  command: /qemu-system-arm -accel tcg -machine lm3s6965evb .*-semihosting-config enable=on,target=native,chardev=console .*-kernel \S+hello-cortex-m$/,
  exitCode: 0,
});

exampleCases({
  target: 'thumbv7em-none-eabihf',
  command: /qemu-system-arm -accel tcg -machine mps2-an386 .*-kernel \S+hello-cortex-m4f$/,
  exitCode: 0,
});

exampleCases({
  target: 'thumbv8m.main-none-eabihf',
  command: /qemu-system-arm -accel tcg -machine mps2-an505 .*-kernel \S+hello-cortex-m33$/,
  exitCode: 0,
});

// thumbv6m-none-eabi has no example of its own: the thumbv7m example's code (startup in Armv6-M
// instructions) built for Armv6-M, booted on lm3s6965evb as the README says.
test('thumbv6m-none-eabi: the thumbv7m example built for Armv6-M boots on lm3s6965evb and passes', async () => {
  const targetDir = tempDir('e2e-thumbv6m-target-');
  const r = await runAction(
    {
      target: 'thumbv6m-none-eabi',
      'working-directory': 'examples/thumbv7m-none-eabi',
      toolchain: 'distro',
      expect: 'Hello from thumbv7m-none-eabi!\nall tests passed',
      timeout: '60',
    },
    { env: { CARGO_TARGET_DIR: targetDir } },
  );
  assertPass(r);
  assert.match(r.outputs['qemu-command'], /qemu-system-arm -accel tcg -machine lm3s6965evb .*-kernel \S+\/thumbv6m-none-eabi\/debug\/hello-cortex-m$/);
});
