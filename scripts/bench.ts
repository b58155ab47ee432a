// npm run bench: measures the verdict engine and the action on this machine and writes BENCHMARKS.md.
//  1. matching throughput and peak memory over a synthetic serial stream, next to `grep -c`;
//  2. time from the guest's success line to the verdict, for a guest that never exits;
//  3. a whole warm run of the action next to the same work done by hand (cargo + qemu + grep), and
//     (3b) the action's CPU time on a prebuilt kernel next to QEMU's by hand;
//  4. boot times under TCG, KVM and accel: auto (calibration included) for four kinds of guest.
//  5. the cache: a cold and a warm step of the demo kernel (cache: true) through the cache-service stand-in.
//  6. a test suite (command: test): 8 test executables booted one at a time and in parallel (scripts/bench-test-suite.ts).
//  7. probe overhead: from a server guest's "listening" line to an HTTP probe's verdict (scripts/bench-probes.ts).
//  9. x86_64 preparation steps (GRUB ISO, bootloader disk image) as a ratio to the boot (scripts/bench-prepare.ts).
// BENCH_ONLY=match (sections 1 and 1b), BENCH_ONLY=warm (section 3b), BENCH_ONLY=accel (section 4), BENCH_ONLY=cache (section 5), BENCH_ONLY=tests (section 6), BENCH_ONLY=probes (section 7) or BENCH_ONLY=prepare (section 9) runs that section alone and prints its table (BENCHMARKS.md is left as it is).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialWatcher } from '../src/verdict/watcher.js';
import { GuestEcho } from '../src/report/guest-log.js';
import { parsePattern, literal } from '../src/model/patterns.js';
import { RUST_PANIC } from '../src/targets/common.js';
import { boot, SETTLE_MS } from '../src/boot/qemu.js';
import { calibrate } from '../src/boot/calibrate.js';
import { benchCache } from './cache-bench.js';
import { benchTestSuite } from './bench-test-suite.js';
import { benchProbeOverhead } from './bench-probes.js';
import { benchImages } from './bench-images.js';
import { benchPrepare } from './bench-prepare.js';
import type { Accel } from '../src/boot/qemu-args.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GB = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const CHUNK = 64 * 1024; // what a pipe from QEMU delivers at most
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: string[] = [];
const only = process.env.BENCH_ONLY;

// ---------- 1. throughput and memory ----------
const EXPECT = Array.from({ length: 20 }, (_, i) => `checkpoint ${i} reached`);

/** Writes a synthetic stream: filler lines, the 20 expected lines spread evenly; coloured or plain. */
function makeStream(file: string, bytes: number, colour: boolean): void {
  const fd = fs.openSync(file, 'w');
  const lines: string[] = [];
  let i = 0;
  const block = () => {
    lines.length = 0;
    for (let n = 0; n < 1000; n++, i++)
      lines.push(
        colour
          ? `\x1b[2m[${i.toString().padStart(9, '0')}]\x1b[0m filler line, nothing to see here`
          : `[${i.toString().padStart(9, '0')}] filler line, nothing to see here`,
      );
    return Buffer.from(lines.join('\n') + '\n');
  };
  let written = 0;
  let next = 0;
  while (written < bytes) {
    const b = block();
    fs.writeSync(fd, b);
    written += b.length;
    if (written >= ((next + 1) * bytes) / (EXPECT.length + 1) && next < EXPECT.length) {
      const l = Buffer.from(`${EXPECT[next++]}\n`);
      fs.writeSync(fd, l);
      written += l.length;
    }
  }
  while (next < EXPECT.length) fs.writeSync(fd, `${EXPECT[next++]}\n`);
  fs.closeSync(fd);
}

/** Runs in a child process so that its peak memory is its own. */
async function matchFile(file: string): Promise<void> {
  const echo = new GuestEcho(() => undefined); // the live log, written nowhere
  const w = new SerialWatcher(
    { expect: EXPECT.map((e) => parsePattern(e, 'expect')), failOn: [RUST_PANIC, literal('[PANIC]'), literal('TEST_FAIL')], ordered: true },
    { onLine: (l) => echo.line(l), onLines: (b, esc) => echo.block(b, esc) },
  );
  // Read as Node reads QEMU's stdout pipe: read() calls of up to 64 KiB, each into a fresh buffer.
  const fd = fs.openSync(file, 'r');
  const t = process.hrtime.bigint();
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK);
    const n = fs.readSync(fd, buf, 0, CHUNK, null);
    if (n === 0) break;
    w.push(buf.subarray(0, n));
  }
  w.end();
  echo.flush();
  fs.closeSync(fd);
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  process.stdout.write(JSON.stringify({ secs, met: w.met.filter(Boolean).length, failed: !!w.failure, rssMB: process.resourceUsage().maxRSS / 1024 }));
}

if (process.argv[2] === '--match') {
  await matchFile(process.argv[3]);
  process.exit(0);
}

function measureMatch(file: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--match', file], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { secs: number; met: number; failed: boolean; rssMB: number };
}

function measureGrep(file: string) {
  const runs: number[] = [];
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'grep', '-c', 'panicked at ', file], { encoding: 'utf8' });
    runs.push(Number(process.hrtime.bigint() - t) / 1e9);
    rss = Number(r.stderr.trim().split('\n').pop()) / 1024;
  }
  return { secs: median(runs), rssMB: rss };
}

if (!only || only === 'match') {
  console.log(`bench: throughput over ${(GB / 1e9).toFixed(2)} GB streams (64 KiB chunks, 20 expectations, 3 failure literals)`);
  const through: string[] = [];
  for (const colour of [false, true]) {
    const file = path.join(tmp, colour ? 'coloured.log' : 'plain.log');
    makeStream(file, GB, colour);
    const size = fs.statSync(file).size;
    const small = path.join(tmp, 'small.log');
    makeStream(small, Math.round(GB / 10), colour);
    const half = path.join(tmp, 'half.log');
    makeStream(half, Math.round(GB / 2), colour);
    const ours = [measureMatch(file), measureMatch(file), measureMatch(file)].sort((a, b) => a.secs - b.secs)[1];
    const oursSmall = measureMatch(small);
    const oursHalf = measureMatch(half);
    const grep = measureGrep(file);
    if (ours.met !== 20 || ours.failed) throw new Error(`matcher got ${ours.met}/20 expectations (failed: ${ours.failed})`);
    const mbps = size / ours.secs / 1e6;
    const gmbps = size / grep.secs / 1e6;
    through.push(
      `| ${colour ? 'every line coloured (ANSI codes cleaned block by block)' : 'plain text (fast path)'} | ${(size / 1e9).toFixed(2)} GB | ${mbps.toFixed(0)} MB/s | ${gmbps.toFixed(0)} MB/s | **${(mbps / gmbps).toFixed(2)}** | ${oursSmall.rssMB.toFixed(0)} → ${oursHalf.rssMB.toFixed(0)} → ${ours.rssMB.toFixed(0)} MB | ${grep.rssMB.toFixed(0)} MB |`,
    );
    console.log(through[through.length - 1]);
    fs.rmSync(file);
    fs.rmSync(small);
    fs.rmSync(half);
  }
  rows.push(
    '## 1. Matching throughput and peak memory',
    '',
    `Synthetic serial stream read with \`read()\` in ${CHUNK / 1024} KiB chunks (what a pipe from QEMU delivers at most), each into a fresh buffer as Node reads a pipe, into the watcher as the action uses it (with the live log gathered as in the action, written nowhere; escape codes cleaned block by block in JavaScript), 20 ordered expectations spread through it, failure literals \`panicked at \`, \`[PANIC]\`, \`TEST_FAIL\`; next to \`grep -c 'panicked at '\` over the same file (page cache warm, median of 3). Memory: peak RSS of the matcher process (Node and tsx included) for a stream a tenth as long → half as long → the full stream.`,
    '',
    '| stream | size | matcher | grep -c | ratio | matcher peak RSS (1/10 → 1/2 → full) | grep peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...through,
    '',
  );
}

// ---------- 1b. throughput at the sizes of real serial logs ----------
/** A serial log of about `bytes`, every line coloured or none, with `n` expected lines spread through it. */
function serialLog(bytes: number, n: number, colour: boolean): Buffer {
  const lines: string[] = [];
  for (let size = 0, i = 0; size < bytes; i++) {
    const l = `${colour ? `\x1b[2m[${i}]\x1b[0m` : `[${i}]`} filler line, nothing to see here`;
    lines.push(l);
    size += l.length + 1;
  }
  for (let k = 0; k < n; k++) lines.splice(Math.floor(((k + 1) * lines.length) / (n + 1)), 0, EXPECT[k]);
  return Buffer.from(lines.join('\n') + '\n');
}

/** MB/s of the watcher (and the live log, written nowhere) over `log` in 4 KiB chunks, repeated to about 50 MB. */
function watchRate(log: Buffer, n: number): number {
  const reps = Math.max(1, Math.round(50e6 / log.length));
  const t = performance.now();
  for (let r = 0; r < reps; r++) {
    const echo = new GuestEcho(() => undefined);
    const w = new SerialWatcher(
      { expect: EXPECT.slice(0, n).map((e) => parsePattern(e, 'expect')), failOn: [RUST_PANIC, literal('[PANIC]'), literal('TEST_FAIL')], ordered: true },
      { onLine: (l) => echo.line(l), onLines: (b, esc) => echo.block(b, esc) },
    );
    for (let at = 0; at < log.length; at += 4096) w.push(log.subarray(at, at + 4096));
    w.end();
    echo.flush();
    if (!w.satisfied) throw new Error(`matcher missed an expectation in a ${log.length}-byte log`);
  }
  return (log.length * reps) / ((performance.now() - t) / 1000) / 1e6;
}

if (!only || only === 'match') {
  const sizes: [string, number][] = [
    ['1 KB', 1e3],
    ['100 KB', 1e5],
    ['10 MB', 1e7],
  ];
  const logRows: string[] = [];
  for (const colour of [false, true])
    for (const [name, bytes] of sizes) {
      const log = serialLog(bytes, 20, colour);
      const [one, twenty] = [1, 20].map((n) => median([0, 1, 2].map(() => watchRate(n === 1 ? serialLog(bytes, 1, colour) : log, n))));
      logRows.push(`| ${name} | ${colour ? 'every line coloured' : 'plain'} | ${one.toFixed(0)} MB/s | ${twenty.toFixed(0)} MB/s |`);
      console.log(logRows[logRows.length - 1]);
    }
  rows.push(
    '## 1b. Matching throughput at the sizes of serial logs',
    '',
    "The watcher as in section 1 (JavaScript; the live log gathered, written nowhere), over serial logs of 1 KB, 100 KB and 10 MB pushed in 4 KiB chunks, with 1 or 20 expected lines spread through them, each log repeated to about 50 MB, median of 3. For a small log the watcher's fixed costs dominate. Yardstick: a TCG guest writes its serial port at well under 1 MB/s (section 4's serial flood: 2 MiB in several seconds), so the matcher needs no more than a few MB/s.",
    '',
    '| log | lines | 1 expectation | 20 expectations |',
    '| --- | --- | --- | --- |',
    ...logRows,
    '',
  );
  if (only) console.log(rows.join('\n'));
}

// ---------- build the test kernels once (warm cache for 2 and 3) ----------
const targetDir = path.join(tmp, 'target');
const shim = path.join(tmp, 'shim');
fs.mkdirSync(shim);
fs.symlinkSync('/usr/bin/lld', path.join(shim, 'rust-lld'));
const cargoEnv = { ...process.env, CARGO_TARGET_DIR: targetDir, RUSTC_BOOTSTRAP: '1', RUSTC: '/usr/bin/rustc', PATH: `${shim}:/usr/bin:${process.env.PATH}` };
const cargoArgs = (feature?: string) => [
  '--config',
  'source.crates-io.replace-with="std-vendor"',
  '--config',
  'source.std-vendor.directory="/usr/lib/rustlib/src/rust/library/vendor"',
  'build',
  '--target',
  'x86_64-unknown-none',
  '-Zbuild-std=core,alloc,compiler_builtins',
  '-Zbuild-std-features=compiler-builtins-mem',
  ...(feature ? ['--features', feature] : []),
];
const kernelsDir = path.join(ROOT, 'test', 'kernels', 'x86_64-none');
/** The test kernel's QEMU command line under TCG, as the action's x86_64 default has it (without `-kernel`). */
const X86_TCG = [
  '-accel',
  'tcg',
  '-display',
  'none',
  '-serial',
  'stdio',
  '-monitor',
  'none',
  '-no-reboot',
  '-device',
  'isa-debug-exit,iobase=0xf4,iosize=0x04',
];
console.log('bench: building the test kernel (warm-up)');
execFileSync('/usr/bin/cargo', cargoArgs('hang'), { cwd: kernelsDir, env: cargoEnv, stdio: 'ignore' });
const hangKernel = path.join(tmp, 'hang-kernel');
fs.copyFileSync(path.join(targetDir, 'x86_64-unknown-none', 'debug', 'misbehave-kernel'), hangKernel);
execFileSync('/usr/bin/cargo', cargoArgs(), { cwd: kernelsDir, env: cargoEnv, stdio: 'ignore' });

if (!only) {
  // ---------- 2. success line -> verdict ----------
  const latencies: number[] = [];
  for (let i = 0; i < 7; i++) {
    let seenAt = 0;
    const r = await boot({
      command: 'qemu-system-x86_64',
      args: [...X86_TCG, '-kernel', hangKernel],
      timeout: 60,
      idleTimeout: 0,
      logPath: path.join(tmp, `hang-${i}.log`),
      qmp: true,
      vars: process.env,
      rules: { expect: [literal('all tests passed')], failOn: [RUST_PANIC], ordered: true },
      onLine: (l) => {
        if (l.includes('all tests passed')) seenAt = performance.now();
      },
    });
    if (r.end.kind !== 'satisfied' || !seenAt) throw new Error(`unexpected end ${JSON.stringify(r.end)}`);
    latencies.push((performance.now() - seenAt) / 1000);
  }
  console.log(`bench: line -> verdict median ${median(latencies).toFixed(3)} s`);
  rows.push(
    '## 2. From the success line to the verdict',
    '',
    `A guest that prints its success line and never exits (test kernel feature \`hang\`), booted 7 times: time from the moment the line reaches the action until QEMU has been stopped and the verdict is known. This includes the deliberate settle time of ${SETTLE_MS} ms, in which a failure line that follows right after would still fail the run.`,
    '',
    '| median | min | max | goal |',
    '| --- | --- | --- | --- |',
    `| **${median(latencies).toFixed(3)} s** | ${Math.min(...latencies).toFixed(3)} s | ${Math.max(...latencies).toFixed(3)} s | ≤ 0.2 s |`,
    '',
  );

  // ---------- 3. the action, warm, next to the same work by hand ----------
  const N = 7;
  const actionTimes: number[] = [];
  const handTimes: number[] = [];
  const handScript = `set -e
cd ${JSON.stringify(kernelsDir)}
/usr/bin/cargo ${cargoArgs()
    .map((a) => `'${a}'`)
    .join(' ')} 2>/dev/null
set +e
qemu-system-x86_64 -accel tcg -display none -serial stdio -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel ${JSON.stringify(path.join(targetDir, 'x86_64-unknown-none', 'debug', 'misbehave-kernel'))} < /dev/null > out.log
status=$?
grep -q 'Hello from x86_64-unknown-none!' out.log && grep -q 'all tests passed' out.log && ! grep -q 'panicked at' out.log && [ $status -eq 33 ]`;
  fs.writeFileSync(path.join(tmp, 'by-hand.sh'), handScript);
  for (let i = 0; i < N; i++) {
    // Alternate, so that neither side gets a warmer machine.
    let t = performance.now();
    const hand = spawnSync('bash', [path.join(tmp, 'by-hand.sh')], { env: cargoEnv, cwd: tmp });
    handTimes.push((performance.now() - t) / 1000);
    if (hand.status !== 0) throw new Error(`by-hand run failed: ${hand.stderr}`);
    const runTmp = fs.mkdtempSync(path.join(tmp, 'run-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CARGO_TARGET_DIR: targetDir,
      GITHUB_WORKSPACE: ROOT,
      RUNNER_TEMP: runTmp,
      GITHUB_OUTPUT: path.join(runTmp, 'out'),
      GITHUB_STEP_SUMMARY: path.join(runTmp, 'sum'),
      INPUT_TARGET: 'x86_64-unknown-none',
      'INPUT_WORKING-DIRECTORY': 'test/kernels/x86_64-none',
      INPUT_TOOLCHAIN: 'distro',
      INPUT_ACCEL: 'tcg',
      INPUT_EXPECT: 'Hello from x86_64-unknown-none!\nall tests passed',
    };
    fs.writeFileSync(env.GITHUB_OUTPUT!, '');
    fs.writeFileSync(env.GITHUB_STEP_SUMMARY!, '');
    t = performance.now();
    const act = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'index.js')], { env, cwd: ROOT, encoding: 'utf8' });
    actionTimes.push((performance.now() - t) / 1000);
    if (act.status !== 0) throw new Error(`action run failed: ${act.stdout.slice(-2000)}`);
  }
  // The action's fixed costs: Node starting, and Node loading the action's bundle (run without inputs,
  // it stops at the first missing input).
  const nodeStart: number[] = [];
  const bundleLoad: number[] = [];
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodeStart.push((performance.now() - t) / 1000);
    t = performance.now();
    spawnSync(process.execPath, [path.join(ROOT, 'dist', 'index.js')], { env: { PATH: process.env.PATH, GITHUB_OUTPUT: '', GITHUB_STEP_SUMMARY: '' } });
    bundleLoad.push((performance.now() - t) / 1000);
  }
  const ratio = median(actionTimes) / median(handTimes);
  console.log(`bench: warm action ${median(actionTimes).toFixed(2)} s vs by hand ${median(handTimes).toFixed(2)} s (ratio ${ratio.toFixed(2)})`);
  rows.push(
    '## 3. A warm run of the action next to the same work by hand',
    '',
    `The test kernel, already built (warm cargo cache), ${N} runs each, alternating: \`node dist/index.js\` as the runner runs it (\`toolchain: distro\`, \`accel: tcg\`, two expected lines) versus a shell script doing the same by hand: \`cargo build\` with the same flags, \`qemu-system-x86_64\` with the same arguments, then \`grep\` for the two lines and the panic text, and a check of the exit status. Most of the difference does not grow with what the kernel does: the last two columns show how much of it is Node starting (\`node -e 0\`) and Node starting plus loading the action's bundle (\`node dist/index.js\` with no inputs), medians of ${N}.`,
    '',
    '| action (median) | by hand (median) | ratio | goal | action − by hand | Node start | Node start + bundle |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${median(actionTimes).toFixed(2)} s | ${median(handTimes).toFixed(2)} s | **${ratio.toFixed(2)}** | ≤ 1.10 | ${(median(actionTimes) - median(handTimes)).toFixed(2)} s | ${median(nodeStart).toFixed(2)} s | ${median(bundleLoad).toFixed(2)} s |`,
    '',
  );
}

if (!only || only === 'warm') {
  // ---------- 3b. the action's CPU time on a prebuilt kernel, next to QEMU's by hand ----------
  // Nothing to build: what the action adds to QEMU is all overhead (Node, the bundle, the plan, QMP,
  // the watcher, the report). CPU seconds (user + system, QEMU's included: GNU time counts the
  // children waited for), so that the figure does not move with how busy the machine is.
  const N = 11;
  const ws = fs.mkdtempSync(path.join(tmp, 'prebuilt-'));
  fs.copyFileSync(path.join(targetDir, 'x86_64-unknown-none', 'debug', 'misbehave-kernel'), path.join(ws, 'kernel'));
  const cpuOf = (argv: string[], env?: NodeJS.ProcessEnv) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], { env, encoding: 'utf8', cwd: ws });
    const [user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    return { cpu: user + sys, status: r.status, stdout: r.stdout };
  };
  const qemuArgv = ['qemu-system-x86_64', ...X86_TCG, '-kernel', path.join(ws, 'kernel')];
  const action: number[] = [];
  const hand: number[] = [];
  for (let i = 0; i < N; i++) {
    const runTmp = fs.mkdtempSync(path.join(tmp, 'run-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_WORKSPACE: ws,
      RUNNER_TEMP: runTmp,
      GITHUB_OUTPUT: path.join(runTmp, 'out'),
      GITHUB_STEP_SUMMARY: path.join(runTmp, 'sum'),
      INPUT_TARGET: 'x86_64-unknown-none',
      INPUT_KERNEL: 'kernel',
      INPUT_ACCEL: 'tcg',
      INPUT_EXPECT: 'Hello from x86_64-unknown-none!\nall tests passed',
    };
    fs.writeFileSync(env.GITHUB_OUTPUT!, '');
    fs.writeFileSync(env.GITHUB_STEP_SUMMARY!, '');
    const a = cpuOf([process.execPath, path.join(ROOT, 'dist', 'index.js')], env);
    if (a.status !== 0) throw new Error(`action run failed: ${a.stdout.slice(-2000)}`);
    action.push(a.cpu);
    const h = cpuOf(qemuArgv);
    if (h.status !== 33) throw new Error(`QEMU by hand exited with ${h.status}`);
    hand.push(h.cpu);
    fs.rmSync(runTmp, { recursive: true, force: true });
  }
  const node = median(Array.from({ length: N }, () => cpuOf([process.execPath, '-e', '0']).cpu));
  // Node and the bundle alone: run without inputs, the action stops at the first missing one.
  const bundle = median(Array.from({ length: N }, () => cpuOf([process.execPath, path.join(ROOT, 'dist', 'index.js')], { PATH: process.env.PATH }).cpu));
  const over = median(action) - median(hand);
  const warmRows = [
    '## 3b. The action on a prebuilt kernel: CPU time next to QEMU by hand',
    '',
    `The test kernel given as \`kernel:\` (nothing to build), \`accel: tcg\`, two expected lines; ${N} runs each, alternating: \`node dist/index.js\` as the runner runs it against the same \`qemu-system-x86_64\` command line by hand. CPU seconds (user + system of the process and the children it waited for: the action's figure includes its QEMU), medians. The overhead is what the action adds to QEMU. Of it, \`node -e 0\` is Node starting, and \`node dist/index.js\` without inputs (it stops at the first missing one) is Node starting plus loading the bundle: reading and compiling it, and evaluating \`@actions/core\`, which loads \`@actions/http-client\` and undici (about 0.9 MB of the bundle) when it is imported. That much is paid before the action does anything; the rest is the action's own work.`,
    '',
    '| action | QEMU by hand | ratio | overhead (action − by hand) | goal | of which Node start | of which Node start + bundle |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${median(action).toFixed(3)} s | ${median(hand).toFixed(3)} s | ${(median(action) / median(hand)).toFixed(2)} | **${over.toFixed(3)} s** | ≤ 0.150 s | ${node.toFixed(3)} s | ${bundle.toFixed(3)} s |`,
    '',
  ];
  console.log(warmRows.join('\n'));
  rows.push(...warmRows);
}

// ---------- 4. accelerators: TCG, KVM and auto ----------
/** Builds the test kernel with a feature (or an example crate) and copies the image out. */
function buildKernel(dir: string, target: string, feature: string | undefined, file: string, out: string): string {
  const args = cargoArgs(feature).map((a) => (a === 'x86_64-unknown-none' ? target : a));
  execFileSync('/usr/bin/cargo', args, { cwd: dir, env: cargoEnv, stdio: 'ignore' });
  const dest = path.join(tmp, out);
  fs.copyFileSync(path.join(targetDir, target, 'debug', file), dest);
  return dest;
}
const KVM_LIMIT = Number(process.env.BENCH_KVM_LIMIT ?? 60);
const accelRows: string[] = [];
const kvmUsable = (() => {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', fs.constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
})();
if (!only || only === 'accel') {
  console.log('bench: building the accelerator kernels');
  const x86 = ['-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];
  const uefiDir = path.join(ROOT, 'examples', 'x86_64-unknown-uefi');
  const efi = buildKernel(uefiDir, 'x86_64-unknown-uefi', undefined, 'hello-uefi.efi', 'hello.efi');
  const esp = path.join(tmp, 'esp', 'EFI', 'BOOT');
  fs.mkdirSync(esp, { recursive: true });
  fs.copyFileSync(efi, path.join(esp, 'BOOTX64.EFI'));
  fs.copyFileSync('/usr/share/OVMF/OVMF_VARS.fd', path.join(tmp, 'OVMF_VARS.fd'));
  const guests = [
    {
      name: 'hello (x86_64-unknown-none, PVH)',
      args: [...x86, '-kernel', buildKernel(kernelsDir, 'x86_64-unknown-none', undefined, 'misbehave-kernel', 'k-hello')],
      expect: 'all tests passed',
    },
    {
      name: 'serial flood (2 MiB, then the lines)',
      args: [...x86, '-kernel', buildKernel(kernelsDir, 'x86_64-unknown-none', 'flood', 'misbehave-kernel', 'k-flood')],
      expect: 'all tests passed',
    },
    {
      name: 'pause spin (5 M `pause` inside a line)',
      args: [...x86, '-kernel', buildKernel(kernelsDir, 'x86_64-unknown-none', 'pause-spin', 'misbehave-kernel', 'k-spin')],
      expect: 'all tests passed',
    },
    {
      name: 'UEFI hello (OVMF)',
      args: [
        ...x86,
        '-m',
        '256M',
        '-nic',
        'none',
        '-drive',
        'if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd',
        '-drive',
        `if=pflash,format=raw,file=${path.join(tmp, 'OVMF_VARS.fd')}`,
        '-drive',
        `format=raw,file=fat:rw:${path.join(tmp, 'esp')}`,
      ],
      expect: 'all tests passed',
    },
  ];
  /** One boot as the action runs it (QMP, watcher); seconds, or a note when it did not pass. */
  const bootOnce = async (accel: Accel, cpu: string | undefined, g: (typeof guests)[number], limit: number) => {
    const t = performance.now();
    const r = await boot({
      command: 'qemu-system-x86_64',
      args: ['-accel', accel, ...(cpu ? ['-cpu', cpu] : []), ...g.args],
      timeout: limit,
      idleTimeout: 0,
      logPath: path.join(tmp, 'accel.log'),
      qmp: true,
      vars: process.env,
      rules: { expect: [literal(g.expect)], failOn: [RUST_PANIC], ordered: true },
    });
    const secs = (performance.now() - t) / 1000;
    const ok = (r.end.kind === 'exited' && r.end.status === 33) || r.end.kind === 'satisfied';
    return {
      secs,
      ok,
      note: ok
        ? ''
        : r.end.kind === 'timeout'
          ? `> ${limit} s`
          : r.end.kind === 'stopped'
            ? r.end.state
            : `${r.end.kind}${r.end.kind === 'exited' ? ` ${r.end.status}` : ''}`,
    };
  };
  const cell = (x: { secs: number; ok: boolean; note: string }) => (x.ok ? `${x.secs.toFixed(2)} s` : x.note || 'fail');
  // auto as the action runs it: calibration (no cached decision) + the boot with the chosen accelerator.
  const auto = async (cpuKvm: string | undefined, g: (typeof guests)[number]) => {
    const cacheDir = fs.mkdtempSync(path.join(tmp, 'cal-'));
    const t = performance.now();
    const d = await calibrate({
      qemu: '/usr/bin/qemu-system-x86_64',
      kind: 'pvh',
      machineArgs: (a) => (a === 'kvm' && cpuKvm ? ['-cpu', cpuKvm] : []),
      cacheDir,
    });
    const cal = (performance.now() - t) / 1000;
    const b = await bootOnce(d.accel, d.accel === 'kvm' ? cpuKvm : undefined, g, KVM_LIMIT);
    return { total: { ...b, secs: cal + b.secs }, cal, accel: d.accel, line: d.line };
  };
  for (const g of guests) {
    console.log(`bench: ${g.name}`);
    const tcg = await bootOnce('tcg', undefined, g, 300);
    const kvmHost = kvmUsable ? await bootOnce('kvm', 'host', g, KVM_LIMIT) : { secs: 0, ok: false, note: 'no /dev/kvm' };
    const kvm64 = kvmUsable ? await bootOnce('kvm', 'qemu64', g, KVM_LIMIT) : { secs: 0, ok: false, note: 'no /dev/kvm' };
    const a = await auto('host', g);
    const a64 = await auto('qemu64', g);
    const fastest = Math.min(...[tcg, kvmHost, kvm64].filter((x) => x.ok).map((x) => x.secs));
    const goal = (x: { secs: number; ok: boolean }) => (x.ok && x.secs <= fastest * 1.1 + 0.3 ? 'yes' : 'no');
    accelRows.push(
      `| ${g.name} | ${cell(tcg)} | ${cell(kvmHost)} | ${cell(kvm64)} | ${cell(a.total)} (${a.accel.toUpperCase()}, calibration ${a.cal.toFixed(2)} s) | ${cell(a64.total)} (${a64.accel.toUpperCase()}, calibration ${a64.cal.toFixed(2)} s) | ${goal(a.total)} / ${goal(a64.total)} |`,
    );
    console.log(accelRows[accelRows.length - 1]);
    console.log(`  ${a.line}\n  ${a64.line}`);
  }
  // The calibration alone where KVM cannot be opened: the decision is the open() failing.
  const t = performance.now();
  let noKvm = 'n/a';
  try {
    fs.closeSync(fs.openSync('/dev/kvm-does-not-exist', fs.constants.O_RDWR));
  } catch {
    noKvm = `${((performance.now() - t) / 1000).toFixed(4)} s`;
  }
  rows.push(
    '## 4. Accelerators: TCG, KVM and `accel: auto`',
    '',
    `Each guest booted as the action boots it (QMP, the watcher; the guest exits with status 33), once per column, in one run. KVM is given ${KVM_LIMIT} s. \`auto\` is the whole cost the action pays: the calibration (uncached: a generated guest under TCG and under KVM side by side, the slower cut off when the faster is done) plus the boot under the accelerator it chose. The action's x86_64 CPU under KVM is \`-cpu host\`; \`cpu: qemu64\` is shown too, because on nested hosts \`-cpu host\` may abort ("failed to set MSR") while other models run. Goal: \`auto\` within 10 % + 0.3 s of the fastest accelerator; calibration ≤ 1 s where KVM exists, ≤ 0.05 s where it does not (where /dev/kvm cannot be opened the calibration is that failed open(): ${noKvm} here).`,
    '',
    '| guest | TCG | KVM (-cpu host) | KVM (-cpu qemu64) | auto, default CPU | auto, cpu: qemu64 | auto within goal |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...accelRows,
    '',
  );
  if (only) console.log(rows.slice(-accelRows.length - 4).join('\n'));
}

if (!only || only === 'cache') {
  // 5. The cache: a cold and a warm step of the demo kernel through the cache-service stand-in (scripts/cache-bench.ts).
  console.log('bench: the cache, a cold and a warm run of the demo kernel');
  const c = await benchCache();
  rows.push(...c.rows.map((r) => r.replace(/^## Cache:/, '## 5. Cache:')));
  if (only) console.log(c.rows.join('\n'));
}

if (!only || only === 'tests') {
  // 6. A test suite: build once, boot the 8 test executables one at a time, then up to the cores.
  console.log('bench: a test suite, 8 test executables, sequential against parallel boot');
  const t = await benchTestSuite({ tmp: fs.mkdtempSync(path.join(tmp, 'tests-')) });
  rows.push(...t.rows.map((r) => r.replace(/^## 4\. A test suite/, '## 6. A test suite')));
  if (only) console.log(t.rows.join('\n'));
}
if (!only || only === 'probes') {
  // 7. Probe overhead (issue 16): the stand-in server (scripts/bench-probes.ts), one HTTP probe started on its "listening" line.
  console.log('bench: probe overhead, 10 boots of the stand-in server');
  const p = await benchProbeOverhead({ boots: 10 });
  const probeRows = [
    '## 7. Probe overhead',
    '',
    `The stand-in for a unikernel server (test/standins/linux-httpd: Debian's Linux, busybox httpd; QEMU TCG with a forwarded port) booted ${p.boots} times; each boot one HTTP probe starts when the guest prints its "listening" line. Overhead: from that line to the probe's verdict (status and body checked). Goal: ≤ 0.1 s after the server answers.`,
    '',
    '| boots | median overhead | samples (ms) | median boot to "listening" | within goal |',
    '| --- | --- | --- | --- | --- |',
    `| ${p.boots} | ${(p.medianMs / 1000).toFixed(3)} s | ${p.samplesMs.map((x) => x.toFixed(0)).join(', ')} | ${(p.bootMedianMs / 1000).toFixed(1)} s | ${p.medianMs <= 100 ? 'yes' : 'no'} |`,
    '',
  ];
  rows.push(...probeRows);
  if (only) console.log(probeRows.join('\n'));
}

if (!only || only === 'images') {
  // 8. The real upstream images (scripts/bench-images.ts): through the action against QEMU by hand.
  console.log('bench: real upstream images, through the action and by hand');
  const imageRows = await benchImages({ runs: 3 });
  rows.push(...imageRows);
  if (only) console.log(imageRows.join('\n'));
}

if (!only || only === 'prepare') {
  // 9. x86_64 preparation steps: the GRUB ISO and the bootloader disk image, against the boot.
  console.log('bench: x86_64 preparation steps (GRUB ISO, bootloader disk image)');
  const mb = path.join(ROOT, 'test', 'kernels', 'x86_64-multiboot');
  const prepRows = await benchPrepare({
    tmp: fs.mkdtempSync(path.join(tmp, 'prepare-')),
    runs: 3,
    root: ROOT,
    path: cargoEnv.PATH,
    kernel: {
      multiboot2: buildKernel(mb, 'x86_64-unknown-none', 'multiboot2', 'multiboot-kernel', 'k-multiboot2'),
      bootloaderConfig: buildKernel(mb, 'x86_64-unknown-none', 'bootloader-config', 'multiboot-kernel', 'k-bootloader-config'),
    },
  });
  rows.push(...prepRows);
  if (only) console.log(prepRows.join('\n'));
}

if (!only) {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const doc = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]}. One run; figures move by a few percent between runs.`,
    '',
    ...rows,
  ].join('\n');
  fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), doc);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('bench: wrote BENCHMARKS.md');
} else {
  fs.rmSync(tmp, { recursive: true, force: true });
}
