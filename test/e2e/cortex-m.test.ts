// End-to-end: the Cortex-M examples built with build-std (one target dir per target) and booted on
// M-profile boards; output and exit go through semihosting.
import { exampleCases } from '../helpers/example.js';

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
