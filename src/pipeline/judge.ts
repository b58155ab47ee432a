import * as fs from 'node:fs';
import { decide, type Verdict } from '../verdict/verdict.js';
import { lacksEvidence, type ExecutableReport } from '../verdict/test-cases.js';
import { cleanLine } from '../model/ansi.js';
import type { Booted } from './boot.js';
import type { RunContext } from './run-context.js';

/** One image's judgement: the verdict on how its boot ended and, where the mode reads them, its test cases. */
export interface Judged {
  booted: Booted;
  /** The final word on the image: its verdict, with the cases' evidence rule applied. */
  verdict: Verdict;
  /** Its test cases and counts, judged together with the verdict (modes that read cases). */
  report?: ExecutableReport;
}

function serialLines(logPath: string, fallback: string[]): string[] {
  try {
    return fs.readFileSync(logPath, 'utf8').split('\n');
  } catch {
    return fallback;
  }
}

/**
 * Judge: the verdict policy (src/verdict/) applied to one boot, the same way in every mode. How
 * the boot ended decides first (exit status, failure line, run state, timeout, the conversation);
 * a family's explanation of a silent failure is added; then the image's test cases, and the
 * evidence status 0 lacks when no expect line was given. The cases and the verdict come from this
 * one judgement, so the counts can never disagree with it.
 */
export function judge(ctx: RunContext, b: Booted): Judged {
  const { plan } = ctx;
  const r = b.result;
  const v = decide({
    watcher: r.watcher,
    end: r.end,
    acceptedExitCodes: b.image.exitCodes,
    resetAccepted: plan.verdict.resetAccepted,
    explainExit: plan.verdict.explainExit,
    qemuStderr: r.stderr,
    waitForExit: plan.verdict.waitForExit || !ctx.mode.stopsOnMatch,
    conversation: r.conversation,
  });
  const explain = plan.target.verdict.explainNoVerdict;
  // The whole serial log (the watcher keeps only a tail): the boot markers come early.
  if (!v.pass && !r.watcher.failure && explain)
    v.reason = `${v.reason} ${explain(serialLines(b.image.logPath, r.watcher.lastLines()).map(cleanLine), r.end)}`.trimEnd();
  if (!b.cases) return { booted: b, verdict: v };
  let report = b.cases.finish(v, b.image.name, r.seconds);
  const missing = plan.verdict.rules.expect.length === 0 ? lacksEvidence(report, v.exitCode) : undefined;
  if (!missing) return { booted: b, verdict: { ...v, pass: report.pass, reason: report.reason }, report };
  // Judged anew as a failed run: the cases and the counts then say so too.
  report = b.cases.finish({ pass: false, reason: missing }, b.image.name, r.seconds);
  return { booted: b, verdict: { pass: false, reason: report.reason, exitCode: v.exitCode }, report };
}
