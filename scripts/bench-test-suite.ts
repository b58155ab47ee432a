// A benchmark piece for `npm run bench` (scripts/bench.ts calls benchTestSuite() and adds its rows):
// a crate with 8 test executables, built once with `cargo test --no-run`, then every executable
// booted in QEMU (TCG) one at a time and then in parallel (as many at once as the machine has
// cores), side by side in one run. Goal (issue 15): wall time ≤ build + 1.2 × (sum of boots ÷ cores).
// Run alone: node --import tsx scripts/bench-test-suite.ts
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cargoTestCommand, testExecutables } from '../src/cargo/test-executables.js';
import { bootTestExecutables, type TestRunResult } from '../test/helpers/pipeline.js';
import { x86_64None } from '../src/targets/bare-metal/x86_64.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'x86_64-unknown-none';
const EXECUTABLES = 8;

/** One integration test: three cases, each spinning a while (a guest that does some work under TCG). */
function integrationTest(n: number, spins: number): string {
  const cases = [0, 1, 2]
    .map(
      (c) => `#[test_case]
fn work_${c}() {
    let mut x: u64 = ${n * 10 + c};
    for i in 0..${spins}u64 {
        x = core::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
    }
    assert_ne!(x, 1);
}`,
    )
    .join('\n\n');
  return `#![no_std]
#![no_main]
#![feature(custom_test_frameworks)]
#![test_runner(tested_kernel::test_runner)]
#![reexport_test_harness_main = "test_main"]

use core::panic::PanicInfo;
use tested_kernel::{exit_qemu, QemuExitCode};

tested_kernel::entry_point!(main);

fn main() -> ! {
    test_main();
    exit_qemu(QemuExitCode::Failed)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    tested_kernel::test_panic_handler(info)
}

${cases}
`;
}

/** Makes the crate: test/kernels/x86_64-tests' library (test framework, boot code) with 8 integration tests of its own. */
function makeCrate(dir: string, spins: number): void {
  const src = path.join(ROOT, 'test/kernels/x86_64-tests');
  fs.mkdirSync(path.join(dir, 'tests'), { recursive: true });
  for (const f of ['Cargo.toml', 'build.rs', 'linker.ld', 'src']) fs.cpSync(path.join(src, f), path.join(dir, f), { recursive: true });
  // Only the 8 generated tests: the crate's own `[[test]] should_panic` entry goes.
  const toml = fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8').replace(/\[\[test\]\][^[]*/g, '');
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), toml);
  for (let n = 1; n <= EXECUTABLES; n++) fs.writeFileSync(path.join(dir, 'tests', `suite_${n}.rs`), integrationTest(n, spins));
}

export interface TestSuiteBench {
  rows: string[];
  buildSeconds: number;
  sequentialSeconds: number;
  parallelSeconds: number;
  sumOfBoots: number;
  cores: number;
}

async function bootAll(exes: ReturnType<typeof testExecutables>, concurrency: number, logDir: string): Promise<{ wall: number; results: TestRunResult[] }> {
  const started = Date.now();
  // The pipeline's own boot and judge stages, as command: test runs them.
  const results = await bootTestExecutables(exes, { workDir: fs.mkdtempSync(path.join(logDir, `c${concurrency}-`)), concurrency, write: () => undefined });
  const wall = (Date.now() - started) / 1000;
  for (const r of results) if (!r.report.pass) throw new Error(`${r.name} failed: ${r.report.reason}`);
  return { wall, results };
}

/** Builds the 8-executable crate and boots its executables sequentially, then in parallel; returns the figures and a Markdown section. */
export async function benchTestSuite(opts: { spins?: number; tmp?: string } = {}): Promise<TestSuiteBench> {
  const tmp = opts.tmp ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-suite-'));
  const crate = path.join(tmp, 'crate');
  makeCrate(crate, opts.spins ?? 2_000_000);
  const shim = path.join(tmp, 'bin');
  fs.mkdirSync(shim, { recursive: true });
  if (!fs.existsSync(path.join(shim, 'rust-lld'))) fs.symlinkSync('/usr/bin/lld', path.join(shim, 'rust-lld'));
  const env = {
    ...process.env,
    CARGO_TARGET_DIR: path.join(tmp, 'target'),
    RUSTC_BOOTSTRAP: '1',
    RUSTC: '/usr/bin/rustc',
    PATH: `${shim}:/usr/bin:${process.env.PATH}`,
  };
  const tc = {
    cargo: '/usr/bin/cargo',
    cargoConfig: [
      '--config',
      'source.crates-io.replace-with="std-vendor"',
      '--config',
      'source.std-vendor.directory="/usr/lib/rustlib/src/rust/library/vendor"',
    ],
    buildStd: true,
  };
  const cmd = cargoTestCommand(tc, { target: TARGET, buildStd: x86_64None('x86_64-unknown-none')!.build.buildStd, cargoArgs: [] });
  const t0 = Date.now();
  const out = execFileSync(cmd[0], cmd.slice(1), { cwd: crate, env, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const buildSeconds = (Date.now() - t0) / 1000;
  // cargo test also builds the library's unit tests: boot the 8 integration tests only.
  const exes = testExecutables(out).filter((e) => e.kind === 'test');
  if (exes.length !== EXECUTABLES) throw new Error(`expected ${EXECUTABLES} test executables, cargo built ${exes.length}`);

  const cores = os.availableParallelism();
  const seq = await bootAll(exes, 1, tmp);
  const par = await bootAll(exes, cores, tmp);
  const sumOfBoots = seq.results.reduce((s, r) => s + r.seconds, 0);
  const goal = buildSeconds + 1.2 * (sumOfBoots / cores);
  const wall = buildSeconds + par.wall;
  const f = (s: number) => `${s.toFixed(2)} s`;
  const rows = [
    '## 4. A test suite: sequential against parallel boot',
    '',
    `A crate with ${EXECUTABLES} test executables (integration tests of test/kernels/x86_64-tests' library, three cases each, each case spinning a while), built once with \`cargo test --no-run\` (build-std, cold target dir), then every executable booted in QEMU (TCG) and judged per case: one at a time, then ${cores} at a time (the machine's cores, os.availableParallelism()), in one run. Sum of boots: the ${EXECUTABLES} boot times of the sequential pass. Goal: wall time (build + parallel boots) ≤ build + 1.2 × (sum of boots ÷ cores).`,
    '',
    '| build | boots one at a time | boots in parallel | sum of boots | cores | wall (build + parallel) | goal | speed-up |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${f(buildSeconds)} | ${f(seq.wall)} | ${f(par.wall)} | ${f(sumOfBoots)} | ${cores} | **${f(wall)}** | ≤ ${f(goal)} ${wall <= goal ? '✅' : '❌'} | ${(seq.wall / par.wall).toFixed(2)}× |`,
    '',
  ];
  return { rows, buildSeconds, sequentialSeconds: seq.wall, parallelSeconds: par.wall, sumOfBoots, cores };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchTestSuite();
  process.stdout.write(r.rows.join('\n') + '\n');
}
