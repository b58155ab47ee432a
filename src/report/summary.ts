import * as core from '@actions/core';
import { cleanLine } from '../model/ansi.js';

export interface Report {
  target: string;
  /** The run's name (name input and shard: src/inputs/matrix.ts runName): the heading's, so a matrix's legs can be told apart. */
  name?: string;
  pass: boolean;
  reason: string;
  toolchain?: string;
  accel?: string;
  qemuCommand?: string;
  exitCode?: number;
  timings: { install?: number; build?: number; boot?: number };
  tail: string[];
  logPath?: string;
  kernel?: string;
  /** The run could not judge the guest (infrastructure, input, a bug): `result: error` instead of `fail` (src/errors.ts resultOf). */
  error?: boolean;
  /** rustc-version, toolchain, cache-hit and the boot's timings (src/report/outputs.ts factOutputs). */
  outputs?: Record<string, string>;
  /** The cache line: what was restored, what was left out and how big the saved entry is (src/pipeline/cache.ts). */
  cache?: string;
  /** The probes and console-script steps, with their timings (probes and console-script inputs). */
  probes?: ProbeRow[];
  /** command: test: one row per test executable. */
  tests?: TestRow[];
  /** command: boot with several boots (boot-firmware: both): one row per boot. */
  boots?: BootRow[];
}

/** One boot of command: boot when there are several (boot-firmware: both): judged (its verdict), or never judged (an error, a cancel). */
export interface BootRow {
  name: string;
  pass: boolean;
  /** QEMU's exit status, when the boot was judged and QEMU exited. */
  exitCode?: number;
  seconds: number;
  reason: string;
}

export interface TestRow {
  name: string;
  passed: number;
  failed: number;
  ignored: number;
  seconds: number;
  pass: boolean;
  reason: string;
}

/** One probe or console-script step in the summary. */
export interface ProbeRow {
  what: string;
  ok: boolean;
  /** Milliseconds from the guest's start to the probe's start (its `after` line, or the boot). */
  startedAt?: number;
  /** Milliseconds from its start to its verdict. */
  ms: number;
  detail: string;
}

const ms = (v?: number) => (v === undefined ? '–' : `${(v / 1000).toFixed(2)} s`);

const fmt = (s?: number) => (s === undefined ? '–' : `${s.toFixed(1)} s`);

/**
 * GitHub refuses a step's summary over 1 MiB, and then shows none of it: the verdict would vanish
 * (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#step-isolation-and-limits).
 * Each quoted text is clipped, and a summary still too big is replaced by the heading and the reason.
 */
const SUMMARY_MAX_BYTES = 1024 * 1024;
/** What the summary may hold, well below GitHub's limit (the tail and tables are clipped to fit in it). */
const SUMMARY_BUDGET = 512 * 1024;
/** How much of one serial line, one reason and the whole tail the summary quotes (characters). */
const LINE_CHARS = 1000;
const REASON_CHARS = 16 * 1024;
const TAIL_CHARS = 64 * 1024;

/** At most `max` characters of `s`, saying how much was left out. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

/** The last serial lines, each clipped, as many of the newest as fit in TAIL_CHARS. */
function tailText(tail: string[]): { text: string; lines: number } {
  const kept: string[] = [];
  let size = 0;
  for (let i = tail.length - 1; i >= 0; i--) {
    const l = clip(cleanLine(tail[i]), LINE_CHARS);
    if (size + l.length + 1 > TAIL_CHARS) break;
    kept.unshift(l);
    size += l.length + 1;
  }
  return { text: kept.join('\n'), lines: kept.length };
}

/**
 * Writes the job summary: verdict, reason, timings, and the tail of the serial log. Nothing outside
 * a runner: `env` (the runner's environment) names no GITHUB_STEP_SUMMARY, the file core.summary
 * writes to (it reads the same variable from process.env, where main.ts read `env`).
 */
export async function writeSummary(r: Report, env: NodeJS.ProcessEnv): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return;
  const heading = `${r.pass ? '✅' : '❌'} ${escapeHtml(clip(r.name ?? r.target, 240))}: ${r.pass ? 'pass' : r.error ? 'error' : 'fail'}`;
  const s = core.summary
    .addHeading(heading, 3)
    .addRaw(reasonHtml(clip(r.reason, REASON_CHARS)), true)
    .addTable([
      [
        { data: 'toolchain', header: true },
        { data: 'accel', header: true },
        { data: 'exit status', header: true },
        { data: 'install', header: true },
        { data: 'build', header: true },
        { data: 'boot', header: true },
      ],
      [
        escapeHtml(clip(r.toolchain ?? '–', LINE_CHARS)),
        r.accel ?? '–',
        r.exitCode === undefined ? '–' : String(r.exitCode),
        fmt(r.timings.install),
        fmt(r.timings.build),
        fmt(r.timings.boot),
      ],
    ]);
  if (r.cache) s.addRaw(`<p>Cache: ${escapeHtml(clip(r.cache, LINE_CHARS * 2))}.</p>`, true);
  if (r.tests?.length) {
    s.addTable([
      ['test executable', 'cases passed', 'cases failed', 'cases ignored', 'time', 'reason'].map((data) => ({ data, header: true })),
      ...r.tests.map((t) => [
        `${t.pass ? '✅' : '❌'} ${escapeHtml(clip(t.name, LINE_CHARS))}`,
        String(t.passed),
        String(t.failed),
        String(t.ignored),
        fmt(t.seconds),
        escapeHtml(clip(t.reason, LINE_CHARS * 2)),
      ]),
    ]);
  }
  if (r.boots?.length) {
    s.addTable([
      ['boot', 'exit status', 'time', 'reason'].map((data) => ({ data, header: true })),
      ...r.boots.map((b) => [
        `${b.pass ? '✅' : '❌'} ${escapeHtml(clip(b.name, LINE_CHARS))}`,
        b.exitCode === undefined ? '–' : String(b.exitCode),
        fmt(b.seconds),
        escapeHtml(clip(b.reason, LINE_CHARS * 2)),
      ]),
    ]);
  }
  if (r.probes?.length) {
    s.addTable([
      [
        { data: 'probe / step', header: true },
        { data: 'result', header: true },
        { data: 'started', header: true },
        { data: 'took', header: true },
        { data: 'detail', header: true },
      ],
      ...r.probes.map((p) => [
        escapeHtml(clip(p.what, LINE_CHARS)),
        p.ok ? 'pass' : 'fail',
        ms(p.startedAt),
        ms(p.ms),
        escapeHtml(clip(p.detail, LINE_CHARS * 2)),
      ]),
    ]);
  }
  if (r.qemuCommand) s.addDetails('QEMU command', `<pre>${escapeHtml(clip(r.qemuCommand, REASON_CHARS))}</pre>`);
  const tail = tailText(r.tail);
  if (tail.lines > 0) {
    s.addRaw(
      `<p>Last ${tail.lines} serial line${tail.lines === 1 ? '' : 's'}${r.logPath ? ` (full log: <code>${escapeHtml(r.logPath)}</code>)` : ''}:</p>`,
      true,
    );
    s.addRaw(`<pre>${escapeHtml(tail.text)}</pre>`, true);
  }
  if (Buffer.byteLength(s.stringify()) > SUMMARY_BUDGET) {
    // Many test executables or probes, each within its clip: keep what decides the run.
    s.emptyBuffer()
      .addHeading(heading, 3)
      .addRaw(reasonHtml(clip(r.reason, REASON_CHARS)), true)
      .addRaw(`<p>The rest of this summary was left out: it would exceed the ${SUMMARY_MAX_BYTES / 1024} KiB GitHub shows. See the step's log.</p>`, true);
  }
  await s.write();
}

/** The reason's first line as a paragraph; the lines it quotes (cargo's own error text) as they were printed. */
function reasonHtml(reason: string): string {
  const [first, ...quoted] = reason.split('\n');
  return `<p>${escapeHtml(first)}</p>${quoted.length ? `<pre>${escapeHtml(quoted.join('\n'))}</pre>` : ''}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
