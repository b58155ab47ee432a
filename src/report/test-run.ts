import type { ExecutableReport } from '../verdict/test-cases.js';
import type { JUnitSuite } from './junit.js';
import type { BootRow, TestRow } from './summary.js';

/** One test executable's end, as `command: test` saw it: judged (its report), or never judged (an error, a cancel). */
export type ExecutableResult =
  { name: string; report: ExecutableReport; seconds: number } | { name: string; report?: undefined; seconds: number; reason: string };

/** The whole test run, judged once: the verdict, the summary's rows and every count come from here. */
export interface TestRunJudgement {
  pass: boolean;
  reason: string;
  rows: TestRow[];
  /** The tests-passed, tests-failed and tests-ignored outputs; they equal the JUnit report's. */
  counts: { passed: number; failed: number; ignored: number };
}

/**
 * Judges a test run from its executables' reports (issue 22, point 8: the counts and the verdict
 * come from one judgement). Each executable's cases are counted as its report has them (a failed
 * report always has a failed case: TestCaseParser.finish); an executable that was never judged
 * counts as one failed case, as its JUnit suite (errorSuite) shows it. The run passes only when it
 * ran at least one executable and every one passed.
 */
export function judgeTestRun(results: ExecutableResult[]): TestRunJudgement {
  const rows: TestRow[] = results.map((r) =>
    r.report
      ? { name: r.name, ...r.report.counts, seconds: r.seconds, pass: r.report.pass, reason: r.report.reason }
      : { name: r.name, passed: 0, failed: 1, ignored: 0, seconds: r.seconds, pass: false, reason: r.reason },
  );
  const sum = (k: 'passed' | 'failed' | 'ignored') => rows.reduce((n, r) => n + r[k], 0);
  const counts = { passed: sum('passed'), failed: sum('failed'), ignored: sum('ignored') };
  const failed = rows.filter((r) => !r.pass);
  const pass = rows.length > 0 && failed.length === 0 && counts.failed === 0;
  const cases = (n: number) => `${n} test case${n === 1 ? '' : 's'}`;
  const reason =
    rows.length === 0
      ? 'No test executable ran.'
      : pass
        ? `All ${rows.length} test executables passed (${cases(counts.passed)}).`
        : `${failed.length} of ${rows.length} test executables failed: ${failed.map((r) => `${r.name}: ${r.reason}`).join('; ')}`;
  return { pass, reason, rows, counts };
}

/** The JUnit suite of an executable that was never judged (it could not boot, or the run was cancelled): one failed case saying why. */
export function errorSuite(name: string, reason: string, seconds: number): JUnitSuite {
  return { name, seconds, cases: [{ name, status: 'failed', message: reason, type: 'error' }] };
}

/** Several boots of one image, judged once: the run passes only when every boot passed. */
export interface BootsJudgement {
  pass: boolean;
  reason: string;
  rows: BootRow[];
  /** The exit status every boot ended with, when they all agree (the exit-code output); else undefined. */
  exitCode?: number;
}

/** Judges the boots of command: boot with several (each image under both firmwares): every one must pass, and the reason names each. */
export function judgeBoots(rows: BootRow[]): BootsJudgement {
  const failed = rows.filter((r) => !r.pass);
  const pass = rows.length > 0 && failed.length === 0;
  const each = (rs: BootRow[]) => rs.map((r) => `${r.name}: ${r.reason}`).join('; ');
  const reason =
    rows.length === 0
      ? 'No boot ran.'
      : pass
        ? `All ${rows.length} boots passed. ${each(rows)}`
        : `${failed.length} of ${rows.length} boots failed. ${each(failed)}`;
  const codes = new Set(rows.map((r) => r.exitCode));
  return { pass, reason, rows, exitCode: codes.size === 1 ? rows[0]?.exitCode : undefined };
}
