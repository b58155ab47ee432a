import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PoolResult } from '../boot/pool.js';
import { shellJoin } from '../boot/qemu-args.js';
import { describeStep, type ConversationOutcome } from '../model/conversation.js';
import { junitXml, suiteFromReport } from '../report/junit.js';
import { errorSuite, judgeBoots, judgeTestRun } from '../report/test-run.js';
import { annotatePanic, panicAnnotation } from '../report/panic-location.js';
import type { ProbeRow, Report } from '../report/summary.js';
import { cleanLine } from '../model/ansi.js';
import { runName } from '../inputs/matrix.js';
import type { Judged } from './judge.js';
import { filePrefix } from './mode.js';
import type { RunContext } from './run-context.js';

/** The probes and the console script's steps with their timings, for the job summary. */
function probeRows(c: ConversationOutcome): ProbeRow[] {
  const rows: ProbeRow[] = c.probes.map((o) => ({ what: o.probe.label, ok: o.ok, startedAt: o.startedMs, ms: o.ms, detail: o.message }));
  if (c.script) {
    for (const st of c.script.steps) rows.push({ what: `console ${describeStep(st.step)}`, ok: true, ms: st.ms, detail: '' });
    if (!c.script.ok) rows.push({ what: 'console script', ok: false, ms: 0, detail: c.script.message });
  }
  return rows;
}

/** Why an image has no judgement: its boot failed to run (the error), or the run was cancelled before it. */
function unjudgedReason(r: PoolResult<Judged>): string {
  if (r.status === 'error') return String((r.error as Error)?.message ?? r.error);
  return r.status === 'cancelled' ? 'cancelled' : r.value.verdict.reason;
}

/** Each failed case's panic, or the image's own panic line, as an annotation on the crate's source (unless annotations: none). */
function annotate(ctx: RunContext, j: Judged): void {
  if (ctx.plan.inputs.annotations === 'none') return;
  const workspace = ctx.env.workspace;
  const test = j.booted.image.test;
  const crate = test ? path.dirname(test.manifestPath) : ctx.plan.build.kind === 'cargo' ? ctx.plan.build.workingDirectory : workspace;
  if (j.report && j.report.style !== 'none') {
    for (const c of j.report.cases) {
      if (c.status !== 'failed' || !c.location) continue;
      const a = panicAnnotation([`panicked at ${c.location.file}:${c.location.line}:${c.location.col}:`], crate, workspace);
      if (a) core.error(c.message ?? a.message, { title: `Test failed: ${c.name}`, file: a.file, startLine: a.line, startColumn: a.column });
    }
    return;
  }
  if (j.verdict.pass) return;
  const w = j.booted.result.watcher;
  const seen = w.failure;
  annotatePanic([seen?.line ?? '', seen?.next ?? '', ...w.lastLines().slice(-20).map(cleanLine)], crate, workspace, core.error);
}

/**
 * The JUnit file of a run that read test cases: one suite per image. Named for merging across a
 * matrix: the document after the run (name input and shard), each suite `<name> / <executable>`,
 * so the legs' suites (another target, --release, another toolchain) and the shards' (each
 * executable is in one shard) never share a name, and the file after the run too.
 */
function writeJunit(ctx: RunContext, results: PoolResult<Judged>[]): string {
  const workspace = ctx.env.workspace;
  const suiteName = (image: string) => `${ctx.plan.inputs.name} / ${image}`;
  const suites = results.flatMap((r) => {
    if (r.status !== 'done' || !r.value.report) return [errorSuite(suiteName(r.name), unjudgedReason(r), r.seconds)];
    const { booted, report } = r.value;
    const exe = booted.image.test;
    const crate = exe ? path.dirname(exe.manifestPath) : workspace;
    return [
      suiteFromReport(report, {
        name: suiteName(booted.image.name),
        seconds: booted.result.seconds,
        timestamp: booted.started,
        file: exe ? path.relative(workspace, exe.srcPath) : undefined,
        properties: { executable: booted.image.path, 'qemu-command': shellJoin(booted.argv), reason: report.reason },
        fileOf: (loc) => panicAnnotation([`panicked at ${loc.file}:${loc.line}:${loc.col}:`], crate, workspace)?.file,
      }),
    ];
  });
  const junit = path.join(ctx.logDir, `${filePrefix(ctx.plan)}-junit.xml`);
  fs.writeFileSync(junit, junitXml(suites, runName(ctx.plan.inputs)));
  return junit;
}

/**
 * command: boot with several boots (one image under each firmware of boot-firmware: both): one
 * judgement of them all (src/report/test-run.ts judgeBoots), the serial tail of the first that
 * failed, and each boot's probes named after it.
 */
function concludeBoots(results: PoolResult<Judged>[]): Partial<Report> {
  // A boot that could not run at all (the kernel cannot boot under that firmware, a tool failed)
  // ends the run with its error, as the one boot of a plain run does: there is no verdict to give.
  const error = results.find((r) => r.status === 'error');
  if (error?.status === 'error') {
    const e = error.error as Error;
    e.message = `${error.name}: ${e.message}`;
    throw e;
  }
  const run = judgeBoots(
    results.map((r) =>
      r.status === 'done'
        ? {
            name: r.name,
            seconds: r.value.booted.result.seconds,
            pass: r.value.verdict.pass,
            reason: r.value.verdict.reason,
            exitCode: r.value.verdict.exitCode,
          }
        : { name: r.name, seconds: r.seconds, pass: false, reason: unjudgedReason(r) },
    ),
  );
  const done = results.flatMap((r) => (r.status === 'done' ? [r.value] : []));
  const failed = done.find((j) => !j.verdict.pass);
  const probes = done.flatMap((j) => {
    const c = j.booted.result.conversation;
    return c ? probeRows(c).map((row) => ({ ...row, what: `${j.booted.image.name}: ${row.what}` })) : [];
  });
  return {
    pass: run.pass,
    reason: run.reason,
    tail: failed ? failed.booted.result.watcher.lastLines().slice(-20) : [],
    exitCode: run.exitCode,
    boots: run.rows,
    ...(probes.length ? { probes } : {}),
  };
}

/**
 * Report, from every image's judgement: pass when every image passed; the reason is the one
 * image's own, or which of several failed; the counts are the cases' own (an image that never
 * finished counts as one failed case). A run whose one image could not be booted at all (an error,
 * not a verdict) ends with that error.
 */
export function conclude(ctx: RunContext, results: PoolResult<Judged>[]): Partial<Report> {
  const only = results.length === 1 && !ctx.mode.readsCases ? results[0] : undefined;
  if (only?.status === 'error') throw only.error;
  for (const r of results) if (r.status === 'done') annotate(ctx, r.value);
  const first = results.find((r): r is Extract<PoolResult<Judged>, { status: 'done' }> => r.status === 'done')?.value;
  if (only) {
    const v = first?.verdict;
    return {
      pass: v?.pass ?? false,
      reason: v?.reason ?? unjudgedReason(only),
      tail: first ? first.booted.result.watcher.lastLines().slice(-20) : [],
      exitCode: v?.exitCode,
      probes: first?.booted.result.conversation ? probeRows(first.booted.result.conversation) : undefined,
    };
  }
  if (!ctx.mode.readsCases) return concludeBoots(results);
  // One judgement of the whole run: the verdict, the rows and every count (src/report/test-run.ts).
  const run = judgeTestRun(
    results.map((r) =>
      r.status === 'done' && r.value.report
        ? {
            name: r.value.booted.image.name,
            report: { ...r.value.report, pass: r.value.verdict.pass, reason: r.value.verdict.reason },
            seconds: r.value.booted.result.seconds,
          }
        : { name: r.name, seconds: r.seconds, reason: unjudgedReason(r) },
    ),
  );
  const junit = ctx.mode.readsCases ? writeJunit(ctx, results) : undefined;
  return {
    pass: run.pass,
    reason: run.reason,
    tail: [],
    tests: run.rows,
    outputs: {
      'tests-passed': String(run.counts.passed),
      'tests-failed': String(run.counts.failed),
      'tests-ignored': String(run.counts.ignored),
      ...(junit ? { junit } : {}),
    },
  };
}
