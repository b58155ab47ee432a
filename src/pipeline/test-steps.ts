import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPool, type JobLog } from '../boot/pool.js';
import { qemuArgv, shellJoin, type Accel, type BootContext } from '../boot/qemu-args.js';
import { bootTestExecutable, type TestBootResult } from '../boot/test-executable.js';
import { bootimageDefaults, mergeQemuArgs, readBootimage } from '../cargo/bootimage.js';
import { cargoBuild } from '../cargo/cargo.js';
import { requireTestExecutables, suiteNames, TestExecutableCollector } from '../cargo/test-executables.js';
import { junitXml, suiteFromReport } from '../report/junit.js';
import { panicAnnotation } from '../report/panic-location.js';
import type { Report } from '../report/summary.js';
import { errorSuite, judgeTestRun } from '../report/test-run.js';
import { detectImage } from '../targets/common.js';
import { chooseAccel, fallBackToTcg } from './accel.js';
import { saveCache } from './cache.js';
import { build, bootStep, cargoArgv, commandLine, install, type State, type Step } from './steps.js';
import { reportOf } from './outcome.js';

/**
 * command: test. The crate's tests built with `cargo test --no-run`, every test executable cargo
 * reports booted (in parallel, up to the cores: src/boot/pool.ts), each judged on its own and per
 * test case (src/verdict/test-cases.ts), then JUnit, annotations and the summary's table.
 */
export type TestRun = NonNullable<State['tests']>;

/** Build: cargo test --no-run, the test executables from its JSON messages. */
export const testBuild: Step = {
  stage: 'build',
  predict: (s) => build.predict(s).then(() => void (s.kernel = '<every test executable cargo test --no-run builds>')),
  async run(s) {
    const b = s.plan.build;
    if (b.kind !== 'cargo') throw new Error('Internal error: command: test without a crate to build.');
    const { target } = s.plan;
    s.prep = (await target.build.beforeCargo?.run(cargoViewOf(s), s.assets)) ?? {};
    const collector = new TestExecutableCollector();
    let cargoPassed = false;
    try {
      const tc = s.toolchain!;
      const env = { ...target.build.env, ...(s.prep.env ?? {}) };
      core.info(`[command]${commandLine(cargoArgv(s, 'test'), { ...cargoViewOf(s).env, ...env })}`);
      await cargoBuild(
        { ...tc, cargoConfig: [...tc.cargoConfig, ...(target.build.cargoConfig ?? [])] },
        {
          workingDirectory: b.workingDirectory,
          target: s.plan.inputs.target,
          buildStd: target.build.buildStd,
          cargoArgs: b.cargoArgs,
          env: { ...env, ...(s.prep.path?.length ? { PATH: [...s.prep.path, tc.env.PATH ?? process.env.PATH ?? ''].join(path.delimiter) } : {}) },
          workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
          subcommand: 'test',
          onJson: (line) => void collector.line(line),
        },
      );
      cargoPassed = true;
    } finally {
      s.prep.cleanup?.();
      await saveCache(s.cache, s.plan, cargoPassed);
    }
    const exes = requireTestExecutables(collector.executables, s.plan.inputs.target);
    s.tests = { executables: exes, names: suiteNames(exes), results: [] };
    s.kernel = exes[0].executable;
    core.info(`Test executables: ${exes.map((e, i) => `${s.tests!.names[i]} (${e.label})`).join(', ')}`);
  },
};

function cargoViewOf(s: State) {
  const tc = s.toolchain!;
  return { cargo: tc.cargo, env: tc.env, cargoConfig: tc.cargoConfig };
}

/** The QEMU command for one test executable: the family's, then bootimage's test-args (what they repeat left out), then the user's qemu-args. */
export function testArgv(s: State, ctx: BootContext, extra: string[]): string[] {
  const { plan } = s;
  if (!plan.launcher.speaksQmp) return plan.launcher.launch(s.program!, ctx).argv;
  const family = qemuArgv(s.program!, plan.target.boot.qemu, { ...plan.qemu, extra: [] }, ctx);
  return [...mergeQemuArgs(family, extra), ...plan.qemu.extra];
}

/** Boot: every test executable, in the pool. */
export const testBoot: Step = {
  stage: 'boot',
  ungrouped: () => true,
  predict: (s) => bootStep.predict(s),
  async run(s) {
    const { plan } = s;
    const t: TestRun = s.tests!;
    const accel = await chooseAccel(plan, s.program!, detectImage(t.executables[0].executable));
    s.accel = accel;
    const jobs = t.executables.map((exe, i) => ({
      name: `${t.names[i]} (${exe.label})`,
      run: async (log: JobLog) => {
        const d = bootimageDefaults(readBootimage(exe.manifestPath), 'test');
        for (const n of d.notes) log.line(n);
        // A folder of its own: a family's prepare writes files there (UEFI's ESP and
        // variables), and executables boot side by side.
        const workDir = path.join(s.scratch, 'tests', String(i));
        fs.mkdirSync(workDir, { recursive: true });
        const bootWith = (a: Accel) => bootOne(s, exe.executable, t.names[i], i, workDir, a, d, log);
        const first = await bootWith(accel);
        const settled = await fallBackToTcg(plan, accel, first, bootWith, { name: t.names[i], log: (l) => log.line(l) });
        if (settled.note) log.line(`Accelerator: ${settled.note}.`);
        return settled.result;
      },
    }));
    t.results = await runPool(jobs, {
      summary: (r) =>
        r.status === 'done'
          ? `${r.value.report.pass ? 'PASS' : 'FAIL'} ${r.name}: ${r.value.report.reason}`
          : r.status === 'error'
            ? `ERROR ${r.name}: ${(r.error as Error).message}`
            : `cancelled ${r.name}`,
    });
    const first = t.results.find((r) => r.status === 'done') as { value: TestBootResult } | undefined;
    if (first) s.launch = { argv: first.value.command };
  },
};

/** One boot of one test executable under `accel`, judged: its verdict, then its cases, then the evidence status 0 lacks. */
function bootOne(
  s: State,
  kernel: string,
  name: string,
  index: number,
  workDir: string,
  accel: Accel,
  d: ReturnType<typeof bootimageDefaults>,
  log: JobLog,
): Promise<TestBootResult> {
  const { plan } = s;
  const ctx: BootContext = { kernel, accel, workDir, assets: s.assets, image: detectImage(kernel) };
  if (plan.launcher.speaksQmp) plan.target.boot.qemu.prepare?.(ctx);
  const argv = testArgv(s, ctx, d.qemuArgs);
  return bootTestExecutable(
    {
      name,
      command: argv[0],
      args: argv.slice(1),
      // The timeout input when given, else bootimage's test-timeout, else the action's default.
      timeout: plan.inputs.timeoutGiven ? plan.inputs.timeout : (d.timeout ?? plan.inputs.timeout),
      idleTimeout: plan.inputs.idleTimeout,
      rules: plan.verdict.rules,
      acceptedExitCodes: plan.inputs.exitCodes ?? d.exitCodes ?? plan.verdict.exitCodes,
      resetAccepted: plan.verdict.resetAccepted,
      explainExit: plan.verdict.explainExit,
      logPath: path.join(s.scratch, `${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${index}-${accel}-serial.log`),
      qmp: plan.launcher.speaksQmp,
      // The policy lets no expect line through in test mode: status 0 then needs the executable's own results.
      requireResults: plan.verdict.rules.expect.length === 0,
    },
    log,
  );
}

export const TEST_STEPS: Step[] = [install, testBuild, testBoot];

/** The verdict on the whole suite, the JUnit file, one annotation per failed case, and the report's table. */
export function testVerdictOf(s: State): Partial<Report> {
  const t = s.tests!;
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  // The verdict, the rows and every count from one judgement (src/report/test-run.ts).
  const judged = judgeTestRun(
    t.results.map((r, i) =>
      r.status === 'done'
        ? { name: t.names[i], report: r.value.report, seconds: r.value.seconds }
        : { name: t.names[i], seconds: r.seconds, reason: r.status === 'error' ? String((r.error as Error).message ?? r.error) : 'cancelled' },
    ),
  );
  const suites = [];
  for (const [i, r] of t.results.entries()) {
    const exe = t.executables[i];
    if (r.status !== 'done') {
      suites.push(errorSuite(t.names[i], judged.rows[i].reason, r.seconds));
      continue;
    }
    const crate = path.dirname(exe.manifestPath);
    const cases = r.value.report.cases;
    // Each failed case's panic as an annotation on its line, when the file is in the workspace.
    for (const c of cases) {
      if (c.status !== 'failed' || !c.location) continue;
      const a = panicAnnotation([`panicked at ${c.location.file}:${c.location.line}:${c.location.col}:`], crate, workspace);
      if (a) core.error(c.message ?? a.message, { title: `Test failed: ${c.name}`, file: a.file, startLine: a.line, startColumn: a.column });
    }
    suites.push(
      suiteFromReport(r.value.report, {
        name: t.names[i],
        seconds: r.value.seconds,
        timestamp: r.value.started,
        file: path.relative(workspace, exe.srcPath),
        properties: { executable: exe.executable, 'qemu-command': shellJoin(r.value.command), reason: r.value.report.reason },
        fileOf: (loc) => panicAnnotation([`panicked at ${loc.file}:${loc.line}:${loc.col}:`], crate, workspace)?.file,
      }),
    );
  }
  const junit = path.join(process.env.RUNNER_TEMP || s.scratch, `unikernel-boot-junit-${process.pid}-${Date.now()}.xml`);
  fs.writeFileSync(junit, junitXml(suites));
  const { pass, reason, rows, counts } = judged;
  const base = reportOf(s);
  return {
    ...base,
    pass,
    reason,
    tests: rows,
    tail: [],
    outputs: { ...base.outputs, 'tests-passed': String(counts.passed), 'tests-failed': String(counts.failed), 'tests-ignored': String(counts.ignored), junit },
  };
}
