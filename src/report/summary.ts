import * as core from '@actions/core';
import { cleanLine } from '../verdict/watcher.js';

export interface Report {
  target: string;
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
  /** The probes and console-script steps, with their timings (probes and console-script inputs). */
  probes?: ProbeRow[];
  /** command: test: one row per test executable. */
  tests?: TestRow[];
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

/** Writes the job summary: verdict, reason, timings, and the tail of the serial log. */
export async function writeSummary(r: Report): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const s = core.summary
    .addHeading(`${r.pass ? '✅' : '❌'} ${r.target}: ${r.pass ? 'pass' : r.error ? 'error' : 'fail'}`, 3)
    .addRaw(reasonHtml(r.reason), true)
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
        escapeHtml(r.toolchain ?? '–'),
        r.accel ?? '–',
        r.exitCode === undefined ? '–' : String(r.exitCode),
        fmt(r.timings.install),
        fmt(r.timings.build),
        fmt(r.timings.boot),
      ],
    ]);
  if (r.tests?.length) {
    s.addTable([
      ['test executable', 'cases passed', 'cases failed', 'cases ignored', 'time', 'reason'].map((data) => ({ data, header: true })),
      ...r.tests.map((t) => [
        `${t.pass ? '✅' : '❌'} ${escapeHtml(t.name)}`,
        String(t.passed),
        String(t.failed),
        String(t.ignored),
        fmt(t.seconds),
        escapeHtml(t.reason),
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
      ...r.probes.map((p) => [escapeHtml(p.what), p.ok ? 'pass' : 'fail', ms(p.startedAt), ms(p.ms), escapeHtml(p.detail)]),
    ]);
  }
  if (r.qemuCommand) s.addDetails('QEMU command', `<pre>${escapeHtml(r.qemuCommand)}</pre>`);
  if (r.tail.length) {
    s.addRaw(
      `<p>Last ${r.tail.length} serial line${r.tail.length === 1 ? '' : 's'}${r.logPath ? ` (full log: <code>${escapeHtml(r.logPath)}</code>)` : ''}:</p>`,
      true,
    );
    s.addRaw(`<pre>${escapeHtml(r.tail.map(cleanLine).join('\n'))}</pre>`, true);
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
