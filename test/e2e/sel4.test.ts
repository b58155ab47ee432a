// seL4 through the bundled action (dist/index.js). No seL4 kernel, rust-sel4 crate or Microkit SDK
// can be fetched here, so:
// - a prebuilt image given with `kernel` (and `sel4-prefix`, a hand-made prefix fixture) is booted
//   by the STAND-IN guest (test/standins/sel4/guest: a script printing seL4-shaped boot logs, not
//   seL4) through the `runner` input, to prove the family's default expectation, failure lines and
//   "never booted"/"hung" explanation end to end;
// - the dry run shows the real plan for each route (upstream's command lines).
// The real kernels, loader and SDK run in .github/workflows/sel4.yml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runAction } from '../helpers/action.js';
import { assertFail, assertPass } from '../helpers/example.js';
import { tempDir } from '../helpers/tmp.js';

const GUEST = path.join(ROOT, 'test/standins/sel4/guest/standin-sel4-guest.mjs');
const dir = tempDir('e2e-sel4-');

/** A stand-in "image": a text file naming the stand-in guest's scenario. */
function image(scenario: string): string {
  const f = path.join(dir, `${scenario}.img`);
  fs.writeFileSync(f, `${scenario}\n`);
  return f;
}

const standin = (target: string, scenario: string, over: Record<string, string> = {}) =>
  runAction({
    target,
    kernel: image(scenario),
    'sel4-prefix': `test/fixtures/sel4/prefix-${target.split('-')[0].replace(/imac|gc/, '')}`,
    runner: `${process.execPath} ${GUEST} {kernel}`,
    timeout: '60',
    ...over,
  });

test('stand-in seL4 root task (aarch64, prebuilt image + sel4-prefix): passes on the default TEST_PASS, no expect given', async () => {
  const r = await standin('aarch64-sel4', 'pass');
  assertPass(r);
  assert.match(r.stdout, /expect \(in order\): "\/TEST_PASS\|INDICATE_SUCCESS\/"/);
  assert.match(r.stdout, /accepted exit status: \(none: the guest must be stopped by the action\)/);
});

test("stand-in seL4 (riscv64, x86_64): INDICATE_SUCCESS passes; x86_64 boots the root task given as kernel with the prefix's kernel", async () => {
  assertPass(await standin('riscv64imac-sel4', 'indicate-success'));
  assertPass(await standin('x86_64-sel4', 'pass'));
});

test("stand-in seL4: the kernel's and the runtime's failure lines fail the run at once", async () => {
  assertFail(await standin('aarch64-sel4', 'data-abort'), /Failure line at serial line \d+: "KERNEL DATA ABORT!"/);
  assertFail(await standin('riscv64imac-sel4', 'riscv-abort'), /"KERNEL ABORT \(exception within s-mode\)!"/);
  assertFail(await standin('aarch64-sel4', 'panic'), /"panicked at crates\/example\/src\/main.rs:52:5:"/);
  assertFail(await standin('aarch64-sel4', 'unhandled-fault'), /"while trying to handle:"/);
});

test('stand-in seL4: a run without a verdict says whether seL4 booted and hung, or never booted', async () => {
  const hung = await standin('aarch64-sel4', 'hang', { timeout: '4' });
  assertFail(
    hung,
    /Timed out after 4s waiting for .*TEST_PASS.* seL4 booted \(the seL4 kernel booted and started the root task\) and then printed neither a result nor a failure/,
  );
  const never = await standin('aarch64-sel4', 'never-boots', { timeout: '4' });
  assertFail(never, /Timed out after 4s .* seL4 never booted: none of the loader's or kernel's start lines appeared/);
});

test('stand-in Microkit image: the default expectation and MON|ERROR', async () => {
  const mk = { 'working-directory': 'examples/sel4-microkit-hello', 'microkit-system': 'hello.system' };
  const run = (scenario: string) =>
    runAction({ target: 'aarch64-sel4', ...mk, kernel: image(scenario), runner: `${process.execPath} ${GUEST} {kernel}`, timeout: '60' });
  assertPass(await run('microkit-pass'));
  assertFail(await run('microkit-error'), /"MON\|ERROR: received message/);
});

test("bad seL4 input: a clear error before anything runs (x86_64 kernel without sel4-prefix; a memory input below the kernel's)", async () => {
  const x = await runAction({ target: 'x86_64-sel4', kernel: image('pass') });
  assert.equal(x.outputs.result, 'error', 'bad input is an error, not a failing guest');
  assert.match(x.outputs.reason, /Input 'sel4-prefix': is not set, and kernel is given for x86_64-sel4/);
  const m = await runAction({ target: 'riscv64imac-sel4', kernel: image('pass'), 'sel4-prefix': 'test/fixtures/sel4/prefix-riscv64', memory: '1G' });
  assert.equal(m.outputs.result, 'error');
  assert.match(m.outputs.reason, /Input 'memory': '1G' is less than the 3072 MiB the seL4 kernel was built for .*QEMU_MEMORY/);
});

test('dry run, root task and Microkit: the plan holds the kernel build, the loader install, the image assembly and the QEMU line', async () => {
  const rt = await runAction({ target: 'aarch64-sel4', 'working-directory': 'examples/sel4-root-task', toolchain: 'distro', 'dry-run': 'true' });
  assert.equal(rt.outputs.result, 'dry-run', rt.stdout.slice(-3000));
  const plan = JSON.parse(rt.outputs.plan) as {
    family: string;
    prepare: { steps: { argv?: string }[] };
    build: { command: string; image: string };
    boot: { command: string };
    verdict: { expect: string[]; exitCodes: number[] };
  };
  assert.equal(plan.family, 'seL4 (root task)');
  const steps = plan.prepare.steps.map((s) => s.argv ?? '').join('\n');
  assert.match(steps, /git clone --quiet --depth 1 --branch 16.0.0 https:\/\/github.com\/seL4\/seL4.git/);
  assert.match(steps, /cmake -G Ninja .*-DKernelPlatform=qemu-arm-virt/);
  assert.match(steps, /cargo install .* --rev d441a880938209f661201704dfbee7b91c5aa905 .* sel4-kernel-loader$/m);
  assert.match(plan.build.command, /--config 'target.aarch64-sel4.rustflags=\["-Zunstable-options"\]' build --target aarch64-sel4 /);
  assert.match(plan.build.image, /image.elf$/);
  assert.match(plan.boot.command, /qemu-system-aarch64 -accel tcg -machine virt,virtualization=on -cpu cortex-a57 -m 1024M .* -kernel \S+\/image.elf$/);
  assert.deepEqual(plan.verdict, { ...plan.verdict, expect: ['/TEST_PASS|INDICATE_SUCCESS/'], exitCodes: [] });

  const mk = await runAction({
    target: 'aarch64-sel4',
    'working-directory': 'examples/sel4-microkit-hello',
    'microkit-system': 'hello.system',
    toolchain: 'distro',
    'dry-run': 'true',
  });
  assert.equal(mk.outputs.result, 'dry-run', mk.stdout.slice(-3000));
  const m = JSON.parse(mk.outputs.plan) as { prepare: { steps: { argv?: string }[] }; boot: { command: string } };
  assert.match(
    m.prepare.steps.map((s) => s.argv ?? '').join('\n'),
    /bin\/microkit \S+hello.system --search-path .* --board qemu_virt_aarch64 --config debug -o \S+\/microkit\/loader.img/,
  );
  assert.match(m.boot.command, /-cpu cortex-a53 -m 2048M .*-device loader,file=\S+\/microkit\/loader.img,addr=0x70000000,cpu-num=0$/);
});
