import { boot, type BootResult } from './qemu.js';
import type { JobLog } from './pool.js';
import { GuestEcho } from '../report/guest-log.js';
import { decide, type Verdict } from '../verdict/verdict.js';
import type { WatchRules } from '../verdict/watcher.js';
import { lacksEvidence, TestCaseParser, type ExecutableReport } from '../verdict/test-cases.js';

/** How to boot one test executable: the QEMU command line is complete (the family's, the user's, the bootimage test-args). */
export interface TestBootRequest {
  /** The suite's name (unique in the run). */
  name: string;
  command: string;
  args: string[];
  /** Seconds for the boot (the timeout input, else bootimage's test-timeout). */
  timeout: number;
  idleTimeout?: number;
  rules: WatchRules;
  /** QEMU statuses that mean the executable passed (exit-code input, else test-success-exit-code, else the family's). */
  acceptedExitCodes: number[];
  resetAccepted?: boolean;
  explainExit: (status: number) => string;
  /** The executable's serial log file. */
  logPath: string;
  qmp?: boolean;
  env?: NodeJS.ProcessEnv;
  /** No expect line: a pass by exit status 0 also needs the executable's own results (lacksEvidence). */
  requireResults?: boolean;
}

export interface TestBootResult {
  name: string;
  /** The executable's verdict from its end alone (exit status, failure line, timeout). */
  verdict: Verdict;
  /** Its test cases; `report.pass` is the executable's final word (its verdict and every case). */
  report: ExecutableReport;
  started: Date;
  seconds: number;
  command: string[];
  /** How QEMU ended and what it wrote on stderr (the accelerator's fallback reads them). */
  end: BootResult['end'];
  stderr: string;
}

/**
 * Boots one test executable, echoes its serial output into `log` (workflow commands paused, as
 * for a single boot), reads its test cases as the lines come, and judges it: the usual verdict
 * on how it ended, then the cases.
 */
export async function bootTestExecutable(req: TestBootRequest, log?: JobLog): Promise<TestBootResult> {
  const started = new Date();
  const at = () => (Date.now() - started.getTime()) / 1000;
  const cases = new TestCaseParser();
  const echo = new GuestEcho(log ? (c) => log.write(c) : () => undefined);
  log?.line(`[command]${[req.command, ...req.args].join(' ')}`);
  echo.start();
  let result;
  try {
    result = await boot({
      command: req.command,
      args: req.args,
      timeout: req.timeout,
      idleTimeout: req.idleTimeout ?? 0,
      logPath: req.logPath,
      rules: req.rules,
      qmp: req.qmp,
      env: req.env,
      // libtest goes on to its next test after one panics: judge it by its exit status and
      // `test result:` (the panic still fails the verdict), not by stopping at the first panic.
      runOnAfterFailure: () => cases.isLibtest,
      onLine: (line) => {
        cases.line(line, at());
        echo.line(line);
      },
      onLines: (block, escapes) => {
        cases.block(block, at());
        echo.block(block, escapes);
      },
    });
  } finally {
    echo.stop();
  }
  const verdict = decide({
    watcher: result.watcher,
    end: result.end,
    acceptedExitCodes: req.acceptedExitCodes,
    resetAccepted: req.resetAccepted,
    explainExit: req.explainExit,
    qemuStderr: result.stderr,
  });
  let report = cases.finish(verdict, req.name, result.seconds);
  const missing = req.requireResults ? lacksEvidence(report, verdict.exitCode) : undefined;
  // Judged anew as a failed run: the cases and the counts then say so too.
  if (missing) report = cases.finish({ pass: false, reason: missing }, req.name, result.seconds);
  return {
    name: req.name,
    verdict,
    report,
    started,
    seconds: result.seconds,
    command: [req.command, ...req.args],
    end: result.end,
    stderr: result.stderr,
  };
}
