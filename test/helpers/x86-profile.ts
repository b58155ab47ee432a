import { QEMU_ARCHES, qemuArgv, type BootContext } from '../../src/boot/qemu-args.js';
import { x86_64None } from '../../src/targets/bare-metal/x86_64.js';

/**
 * The bare-metal family's x86_64 plan, in the shape the test-suite pieces take when they are driven
 * directly (test/e2e/test-suite.test.ts, scripts/bench-test-suite.ts) rather than through the pipeline.
 */
export function x86Profile() {
  const t = x86_64None('x86_64-unknown-none')!;
  const binary = QEMU_ARCHES[t.boot.qemu.arch].binary;
  return {
    buildStd: t.build.buildStd,
    qemu: { binary },
    // Without the binary and the accelerator (the callers add -accel tcg).
    qemuArgs: (ctx: BootContext) => qemuArgv(binary, t.boot.qemu, { extra: [] }, ctx).slice(3),
    defaultFailOn: t.verdict.failOn,
    successExitCodes: t.verdict.exitCodes,
    explainExit: t.verdict.explainExit,
  };
}
