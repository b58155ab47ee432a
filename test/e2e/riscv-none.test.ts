// End-to-end: examples/riscv64gc-unknown-none-elf built with build-std and booted on QEMU's virt
// board under OpenSBI; the guest ends QEMU through the test finisher.
import { exampleCases } from '../helpers/example.js';

exampleCases({
  target: 'riscv64gc-unknown-none-elf',
  command: /qemu-system-riscv64 -accel tcg -machine virt -m 128M -display none -serial stdio -monitor none -no-reboot -kernel \S+hello-riscv64$/,
  exitCode: 0,
});
