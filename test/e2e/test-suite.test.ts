// End-to-end, without dist/: a crate's whole test suite built with a real `cargo test --no-run`
// (Debian's toolchain, build-std, offline), every test executable booted in real QEMU (TCG)
// through the pipeline's own boot and judge stages, judged per test case, and written as JUnit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseStringPromise } from 'xml2js';
import { ROOT, qemuProcesses } from '../helpers/action.js';
import { cargoTestCommand, requireTestExecutables, suiteNames, testExecutables, type TestExecutable } from '../../src/cargo/test-executables.js';
import { bootTestExecutables, type TestRunResult as TestBootResult } from '../helpers/pipeline.js';
import { junitXml, suiteFromReport } from '../../src/report/junit.js';
import { x86_64None } from '../../src/targets/bare-metal/x86_64.js';

const TARGET = 'x86_64-unknown-none';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-test-suite-'));
const TARGET_DIR = path.join(TMP, 'target');
/** The bare-metal family's x86_64 plan: build-std's crates and the success status the test kernels report. */
const profile = x86_64None('x86_64-unknown-none')!;

// Debian's cargo, offline: std's vendored crates, and lld under the name rust-lld.
const SHIMS = path.join(TMP, 'bin');
fs.mkdirSync(SHIMS);
fs.symlinkSync('/usr/bin/lld', path.join(SHIMS, 'rust-lld'));
const VENDOR = '/usr/lib/rustlib/src/rust/library/vendor';
const tc = {
  cargo: '/usr/bin/cargo',
  cargoConfig: ['--config', 'source.crates-io.replace-with="std-vendor"', '--config', `source.std-vendor.directory="${VENDOR}"`],
  buildStd: true,
};
const env = { ...process.env, RUSTC_BOOTSTRAP: '1', RUSTC: '/usr/bin/rustc', CARGO_TARGET_DIR: TARGET_DIR, PATH: `${SHIMS}:/usr/bin:${process.env.PATH}` };

/** `cargo test --no-run` in the crate's folder; the test executables from its JSON messages. */
async function buildTests(crate: string): Promise<TestExecutable[]> {
  const cmd = cargoTestCommand(tc, { target: TARGET, buildStd: profile.build.buildStd, cargoArgs: [] });
  const { stdout } = await promisify(execFile)(cmd[0], cmd.slice(1), { cwd: path.join(ROOT, 'test/kernels', crate), env, maxBuffer: 64 << 20 });
  return requireTestExecutables(testExecutables(stdout), TARGET);
}

interface Run {
  exes: TestExecutable[];
  names: string[];
  results: TestBootResult[];
  log: string;
  junit: string;
}

/** Boots every executable through the pipeline's boot and judge stages (bootimage's settings when the crate has them), and writes JUnit. */
async function bootAll(exes: TestExecutable[], override?: { exitCodes: number[] }): Promise<Run> {
  const names = suiteNames(exes);
  let log = '';
  const results = await bootTestExecutables(exes, {
    workDir: fs.mkdtempSync(path.join(TMP, 'run-')),
    inputs: override ? { 'exit-code': override.exitCodes.join(',') } : {},
    write: (c) => (log += typeof c === 'string' ? c : Buffer.from(c).toString()),
  });
  const suites = results.map((r, i) =>
    suiteFromReport(r.report, {
      name: r.name,
      seconds: r.seconds,
      timestamp: r.started,
      file: path.relative(ROOT, exes[i].srcPath),
      properties: { executable: exes[i].executable, 'qemu-command': r.command.join(' '), reason: r.report.reason },
      // The panic's path is relative to the crate cargo built; the annotation wants it relative to the repository.
      fileOf: (loc) => {
        const rel = path.relative(ROOT, path.resolve(path.dirname(exes[i].manifestPath), loc.file));
        return rel.startsWith('..') || !fs.existsSync(path.join(ROOT, rel)) ? undefined : rel;
      },
    }),
  );
  return { exes, names, results, log, junit: junitXml(suites) };
}

const byName = (run: Run, name: string) => run.results[run.names.indexOf(name)];
const cases = (r: TestBootResult) => r.report.cases.map((c) => [c.name, c.status]);

test(
  'x86_64-tests: every test executable booted and judged per case; the failing case named, with its panic location, in JUnit',
  { timeout: 600_000 },
  async () => {
    const exes = await buildTests('x86_64-tests');
    assert.deepEqual(
      exes.map((e) => [e.name, e.kind]),
      [
        ['tested_kernel', 'lib'],
        ['basic_boot', 'test'],
        ['failing', 'test'],
        ['should_panic', 'test'],
      ],
    );
    const run = await bootAll(exes);

    assert.deepEqual(cases(byName(run, 'tested_kernel')), [
      ['tested_kernel::tests::adds', 'passed'],
      ['tested_kernel::tests::exit_codes', 'passed'],
    ]);
    assert.deepEqual(cases(byName(run, 'basic_boot')), [
      ['basic_boot::adds_large', 'passed'],
      ['basic_boot::prints', 'passed'],
    ]);
    assert.deepEqual(cases(byName(run, 'should_panic')), [['should_panic::should_fail', 'passed']]);
    for (const n of ['tested_kernel', 'basic_boot', 'should_panic']) {
      const r = byName(run, n);
      assert.equal(r.report.pass, true, `${n}: ${r.report.reason}`);
      assert.equal(r.verdict.exitCode, 33);
    }
    const failing = byName(run, 'failing');
    assert.equal(failing.report.pass, false);
    assert.deepEqual(cases(failing), [
      ['failing::adds_correctly', 'passed'],
      ['failing::arithmetic_is_wrong', 'failed'],
    ]);
    assert.match(
      failing.report.reason,
      /^1 test case failed \(failing::arithmetic_is_wrong\): Failure line at serial line \d+: "Error: panicked at tests\/failing.rs:28:5:"/,
    );
    const bad = failing.report.cases[1];
    assert.deepEqual(bad.location, { file: 'tests/failing.rs', line: 28, col: 5 });
    assert.match(bad.message ?? '', /^assertion `left == right` failed: 2 \+ 2 should be 5/);
    assert.equal(
      run.results.every((r) => r.report.pass),
      false,
      'the suite fails: one executable failed',
    );

    // The live log: each executable's output together in its own group, in cargo's order.
    const groups = [...run.log.matchAll(/::group::(.*)\n([\s\S]*?)::endgroup::\n(.*)\n/g)];
    assert.deepEqual(
      groups.map((g) => g[1]),
      ['tested_kernel (unittests src/lib.rs)', 'basic_boot (tests/basic_boot.rs)', 'failing (tests/failing.rs)', 'should_panic (tests/should_panic.rs)'],
    );
    assert.match(groups[1][2], /basic_boot::adds_large\.\.\.\t\[ok\]\nbasic_boot::prints\.\.\.\tprinting from a test\n\[ok\]\n/);
    assert.doesNotMatch(groups[1][2], /failing::|should_panic::|tested_kernel::/, 'no other executable in this group');
    assert.match(groups[2][3], /^FAIL failing \(tests\/failing.rs\): 1 test case failed/);

    // JUnit, as dorny/test-reporter reads it.
    fs.writeFileSync(path.join(TMP, 'junit.xml'), run.junit);
    const doc = await parseStringPromise(run.junit);
    assert.deepEqual([doc.testsuites.$.tests, doc.testsuites.$.failures, doc.testsuites.$.skipped], ['7', '1', '0']);
    const suite = doc.testsuites.testsuite[2];
    assert.equal(suite.$.name, 'failing');
    assert.equal(suite.$.file, 'test/kernels/x86_64-tests/tests/failing.rs');
    const tc = suite.testcase[1];
    assert.deepEqual([tc.$.name, tc.$.file, tc.$.line], ['failing::arithmetic_is_wrong', 'test/kernels/x86_64-tests/tests/failing.rs', '28']);
    assert.match(tc.failure[0]._, /^panicked at tests\/failing.rs:28:5\n\nassertion `left == right` failed: 2 \+ 2 should be 5\n {2}left: 4\n right: 5/);
    assert.equal(suite.testcase[0].failure, undefined);
    assert.deepEqual(
      qemuProcesses().filter((p) => p.includes(TARGET_DIR)),
      [],
      'no QEMU left running',
    );
  },
);

test(
  'x86_64-tests-bootimage: [package.metadata.bootimage] decides the success status, the timeout and extra QEMU arguments',
  { timeout: 600_000 },
  async () => {
    const exes = await buildTests('x86_64-tests-bootimage');
    const run = await bootAll(exes);
    for (const n of ['tested_kernel', 'basic_boot', 'should_panic']) {
      const r = byName(run, n);
      assert.equal(r.report.pass, true, `${n}: ${r.report.reason}`);
      assert.equal(r.verdict.exitCode, 65, 'test-success-exit-code = 65');
      const cmd = r.command.join(' ');
      assert.equal(cmd.split(' -serial stdio').length, 2, `one -serial stdio: ${cmd}`);
      assert.match(cmd, / -m 64M/);
    }
    assert.match(run.log, /test-timeout from \S+x86_64-tests-bootimage\/Cargo.toml: 30s per test executable/);
    const failing = byName(run, 'failing');
    assert.equal(failing.report.pass, false);
    // The crate's sources are one folder over: the location still lands on the repository's file.
    assert.deepEqual(failing.report.cases[1].location, { file: '../x86_64-tests/tests/failing.rs', line: 28, col: 5 });
    const doc = await parseStringPromise(run.junit);
    assert.equal(doc.testsuites.testsuite[2].testcase[1].$.file, 'test/kernels/x86_64-tests/tests/failing.rs');

    // Without the table's test-success-exit-code the same executables fail: status 65 is not the family's 33.
    const control = await bootAll(
      exes.filter((e) => e.name === 'basic_boot'),
      { exitCodes: profile.verdict.exitCodes },
    );
    assert.equal(control.results[0].report.pass, false);
    assert.match(control.results[0].report.reason, /status 65.*expected status 33/);
    assert.deepEqual(
      qemuProcesses().filter((p) => p.includes(TARGET_DIR)),
      [],
      'no QEMU left running',
    );
  },
);
