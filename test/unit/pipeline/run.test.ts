import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Launcher } from '../../../src/boot/launchers.js';
import { readInputs } from '../../../src/inputs/inputs.js';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import { modeOf } from '../../../src/pipeline/mode.js';
import { describeRun, runPipeline } from '../../../src/pipeline/run.js';
import type { RunContext } from '../../../src/pipeline/run-context.js';
import { resolvePlan } from '../../../src/plan/plan.js';
import type { Report } from '../../../src/report/summary.js';
import { ROOT } from '../../helpers/action.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * The whole pipeline (install -> build -> boot -> judge -> report) driven in-process, without
 * dist/, in both modes, with a runner environment of the test's own and a STAND-IN LAUNCHER: a
 * shell script in place of QEMU that prints what a guest would and exits with a chosen status
 * (the real QEMU boots are the e2e tests'). command: test builds the real test kernel with cargo.
 */

/** A stand-in for QEMU: the script gets the image's path last (as a runner command does) and plays the guest. */
function standInLauncher(dir: string, script: string): Launcher {
  const file = path.join(dir, 'stand-in-qemu.sh');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return {
    kind: 'runner',
    name: 'stand-in QEMU',
    needsKvm: false,
    speaksQmp: false,
    install: async () => ({ path: file }),
    planInstall: async () => ({ actions: [], path: file }),
    // The boot's variant (boot-firmware: both) second, so a script can play each firmware's guest.
    launch: (program, ctx) => ({ argv: [program, ctx.kernel, ...(ctx.variant ? [ctx.variant] : [])] }),
  };
}

function context(inputs: Record<string, string>, script: string): { ctx: RunContext; report: Report; temp: string } {
  const temp = tempDir('pipeline-run-');
  const env = readRunnerEnv({ ...process.env, GITHUB_WORKSPACE: ROOT, RUNNER_TEMP: temp, RUNNER_TOOL_CACHE: '' }, ROOT);
  const plan = resolvePlan(readInputs((n) => inputs[n] ?? '', env));
  const scratch = fs.mkdtempSync(path.join(temp, 'run-'));
  const logDir = path.join(scratch, 'logs');
  fs.mkdirSync(logDir);
  const ctx: RunContext = { plan: { ...plan, launcher: standInLauncher(temp, script) }, env, mode: modeOf(plan), scratch, logDir };
  return { ctx, report: { target: plan.inputs.target, pass: false, reason: '', timings: {}, tail: [] }, temp };
}

const kernelFile = () => {
  const f = path.join(tempDir('pipeline-kernel-'), 'kernel.img');
  fs.writeFileSync(f, Buffer.alloc(512));
  return f;
};

test('boot mode: a prebuilt image booted by the stand-in, judged on its lines and exit status', async () => {
  const kernel = kernelFile();
  const inputs = { target: 'x86_64-unknown-none', kernel, expect: 'Hello from the stand-in', cache: 'false' };
  const ok = context(inputs, "echo 'Hello from the stand-in'; exit 33");
  await runPipeline(ok.ctx, ok.report);
  assert.equal(ok.report.pass, true, ok.report.reason);
  assert.match(ok.report.reason, /printed all 1 expected line and exited with status 33/);
  assert.equal(ok.report.kernel, kernel);
  assert.equal(fs.readFileSync(ok.report.logPath!, 'utf8'), 'Hello from the stand-in\n', "the serial log is the one image's");
  assert.ok(ok.report.timings.boot !== undefined);

  const bad = context(inputs, "echo 'Hello from the stand-in'; echo 'panicked at src/main.rs:3:5:'; exit 33");
  await runPipeline(bad.ctx, bad.report);
  assert.equal(bad.report.pass, false);
  assert.match(bad.report.reason, /panicked at src\/main\.rs:3:5/);

  const silent = context({ ...inputs, 'exit-code': '33' }, 'exit 0');
  await runPipeline(silent.ctx, silent.report);
  assert.equal(silent.report.pass, false, 'status 0 is not an accepted status here');
});

test('boot mode under boot-firmware: both: the image booted once per firmware, each judged; the run passes only when both pass', async () => {
  const kernel = kernelFile();
  const inputs = { target: 'x86_64-unknown-none', kernel, expect: 'Hello', 'boot-firmware': 'both', cache: 'false' };
  const ok = context(inputs, 'echo "Hello from $2"; exit 33');
  await runPipeline(ok.ctx, ok.report);
  assert.equal(ok.report.pass, true, ok.report.reason);
  assert.match(ok.report.reason, /^All 2 boots passed\. x86_64-unknown-none \(bios\): .*; x86_64-unknown-none \(uefi\): /);
  assert.deepEqual(
    ok.report.boots?.map((b) => [b.name, b.pass, b.exitCode]),
    [
      ['x86_64-unknown-none (bios)', true, 33],
      ['x86_64-unknown-none (uefi)', true, 33],
    ],
  );
  assert.equal(ok.report.exitCode, 33, 'both ended with 33: the exit-code output says it');
  assert.equal(ok.report.logPath, ok.ctx.logDir, 'the log output is the folder of both serial logs');
  for (const fw of ['bios', 'uefi'])
    assert.equal(fs.readFileSync(path.join(ok.ctx.logDir, `x86_64-unknown-none-${fw}-serial.log`), 'utf8'), `Hello from ${fw}\n`);

  // The UEFI boot panics: the run fails, naming that boot only; the BIOS boot's pass stays in its row.
  const bad = context(inputs, 'echo "Hello from $2"; [ "$2" = uefi ] && echo "panicked at src/main.rs:9:1:"; exit 33');
  await runPipeline(bad.ctx, bad.report);
  assert.equal(bad.report.pass, false);
  assert.match(bad.report.reason, /^1 of 2 boots failed\. x86_64-unknown-none \(uefi\): .*panicked at src\/main\.rs:9:1/);
  assert.doesNotMatch(bad.report.reason, /\(bios\)/);
  assert.deepEqual(
    bad.report.boots?.map((b) => b.pass),
    [true, false],
  );
  assert.ok(
    bad.report.tail.some((l) => /panicked at/.test(l)),
    "the tail is the failed boot's",
  );

  // Different statuses: no single exit-code.
  const mixed = context({ ...inputs, 'exit-code': '33,35' }, '[ "$2" = uefi ] && { echo Hello; exit 35; }; echo Hello; exit 33');
  await runPipeline(mixed.ctx, mixed.report);
  assert.equal(mixed.report.pass, true, mixed.report.reason);
  assert.equal(mixed.report.exitCode, undefined);
});

test('boot mode: wait-for-exit goes through the shared boot (the guest must exit by itself)', async () => {
  const kernel = kernelFile();
  const c = context({ target: 'x86_64-unknown-none', kernel, expect: 'ready', 'wait-for-exit': 'true', timeout: '3', cache: 'false' }, 'echo ready; sleep 30');
  await runPipeline(c.ctx, c.report);
  assert.equal(c.report.pass, false);
  assert.match(c.report.reason, /time|exit/i);
});

/** The real test kernel's inputs for command: test. */
const TESTS = { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test', toolchain: 'distro', cache: 'false' };

/** A stand-in guest for test executables: its one case passes, except where `failing` (a shell case pattern) matches. */
const testsGuest = (subject: string, failing: string) =>
  [
    `case "${subject}" in`,
    `  ${failing}) echo "failing::arithmetic_is_wrong...\t[failed]"; echo "panicked at tests/failing.rs:28:5:"; exit 35 ;;`,
    '  *) echo "stand_in::case...\t[ok]"; exit 33 ;;',
    'esac',
  ].join('\n');

test('test mode: the real test kernel built with cargo test --no-run, every executable booted by the stand-in and judged per case', async () => {
  // Every executable "passes" its one case, except the one whose path says failing.
  const c = context(TESTS, testsGuest('$1', '*failing*'));
  await runPipeline(c.ctx, c.report);
  const rows = c.report.tests ?? [];
  assert.ok(rows.length >= 3, `every test executable booted: ${rows.map((r) => r.name).join(', ')}`);
  assert.equal(c.report.pass, false);
  const failing = rows.filter((r) => !r.pass);
  assert.deepEqual(
    failing.map((r) => r.name),
    rows.filter((r) => /failing/.test(r.name)).map((r) => r.name),
  );
  assert.equal(c.report.outputs?.['tests-failed'], String(failing.length));
  assert.equal(c.report.outputs?.['tests-passed'], String(rows.length - failing.length));
  const junit = fs.readFileSync(c.report.outputs!.junit, 'utf8');
  assert.match(junit, /failures="1"/);
  assert.equal(c.report.logPath, c.ctx.logDir, "test mode: the log output is the folder of every executable's log");
  assert.equal(fs.readdirSync(c.ctx.logDir).filter((f) => f.endsWith('-serial.log')).length, rows.length);
});

test('test mode under boot-firmware: both: every test executable booted under each firmware, each its own row, log and JUnit suite', async () => {
  // Every case passes under BIOS; under UEFI the executables whose path says failing fail.
  const c = context({ ...TESTS, 'boot-firmware': 'both' }, testsGuest('$1:$2', '*failing*:uefi'));
  await runPipeline(c.ctx, c.report);
  const rows = c.report.tests ?? [];
  const bios = rows.filter((r) => r.name.endsWith(' (bios)'));
  const uefi = rows.filter((r) => r.name.endsWith(' (uefi)'));
  assert.ok(bios.length >= 3 && bios.length === uefi.length && bios.length + uefi.length === rows.length, rows.map((r) => r.name).join(', '));
  assert.deepEqual(
    bios.map((r) => r.name.replace(/ \(bios\)$/, '')),
    uefi.map((r) => r.name.replace(/ \(uefi\)$/, '')),
  );
  assert.ok(bios.every((r) => r.pass));
  assert.deepEqual(
    rows.filter((r) => !r.pass).map((r) => r.name),
    uefi.filter((r) => /failing/.test(r.name)).map((r) => r.name),
  );
  assert.equal(c.report.pass, false);
  assert.equal(fs.readdirSync(c.ctx.logDir).filter((f) => f.endsWith('-serial.log')).length, rows.length, 'a serial log per boot');
  const junit = fs.readFileSync(c.report.outputs!.junit, 'utf8');
  assert.equal([...junit.matchAll(/<testsuite /g)].length, rows.length, 'a JUnit suite per boot');
});

test('test mode with shard: the shards together boot every executable once; names keep their JUnit and log files apart', async () => {
  const inputs = TESTS;
  const script = 'echo "stand_in::case...\t[ok]"; exit 33';
  const runs: { rows: string[]; suites: string[] }[] = [];
  for (const index of [1, 2]) {
    const c = context({ ...inputs, shard: `${index}/2`, name: 'tests on distro' }, script);
    await runPipeline(c.ctx, c.report);
    assert.equal(c.report.pass, true, c.report.reason);
    const junit = c.report.outputs!.junit;
    assert.equal(path.basename(junit), `tests_on_distro_shard_${index}_2-junit.xml`);
    const xml = fs.readFileSync(junit, 'utf8');
    assert.match(xml, new RegExp(`<testsuites name="tests on distro \\[shard ${index}/2\\]"`));
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(suites.length > 0 && suites.every((s) => s.startsWith('tests on distro / ')), suites.join(', '));
    const logs = fs.readdirSync(c.ctx.logDir).filter((f) => f.endsWith('-serial.log'));
    assert.equal(logs.length, suites.length);
    assert.ok(
      logs.every((f) => f.startsWith(`tests_on_distro_shard_${index}_2-`)),
      logs.join(', '),
    );
    runs.push({ rows: (c.report.tests ?? []).map((r) => r.name), suites });
  }
  const whole = context(inputs, script);
  await runPipeline(whole.ctx, whole.report);
  const all = (whole.report.tests ?? []).map((r) => r.name);
  assert.deepEqual([...runs[0].rows, ...runs[1].rows].sort(), [...all].sort(), 'every executable in exactly one shard');
  assert.deepEqual(
    runs[0].suites.filter((s) => runs[1].suites.includes(s)),
    [],
    'no suite name in both JUnit files',
  );
});

test('test mode: an executable runs to its own end; an expected line never stops it (boot mode stops on it)', async () => {
  const inputs = { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', toolchain: 'distro', cache: 'false', expect: 'halfway' };
  const script = 'echo halfway; sleep 1; echo "panicked at tests/failing.rs:28:5:"; exit 35';
  const t = context({ ...inputs, command: 'test' }, script);
  await runPipeline(t.ctx, t.report);
  assert.equal(t.report.pass, false);
  assert.ok(
    (t.report.tests ?? []).every((r) => !r.pass && /panicked/.test(r.reason)),
    JSON.stringify(t.report.tests),
  );
  const b = context({ target: 'x86_64-unknown-none', kernel: kernelFile(), cache: 'false', expect: 'halfway' }, script);
  await runPipeline(b.ctx, b.report);
  assert.equal(b.report.pass, true, 'boot mode stops once every expected line appeared');
});

test('dry run: the stages describe the commands the run executes, without running anything', async () => {
  const kernel = kernelFile();
  const c = context({ target: 'x86_64-unknown-none', kernel, expect: 'x', cache: 'false' }, 'exit 99');
  const plan = await describeRun(c.ctx);
  assert.equal(plan.boot.command, `${path.join(c.temp, 'stand-in-qemu.sh')} ${kernel}`);
  assert.deepEqual(plan.build, { kernel });
  assert.equal(plan.command, 'boot');
});
