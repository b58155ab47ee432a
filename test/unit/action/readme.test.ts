// Every workflow snippet in README.md, and every workflow in .github/workflows, uses this action
// only with inputs action.yml declares and reads only outputs it declares (GitHub merely warns
// about an unknown input, and an unknown output is silently empty: a typo would go unnoticed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../../helpers/action.js';

const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean }>;
  outputs: Record<string, unknown>;
};
const INPUTS = new Set(Object.keys(action.inputs));
const OUTPUTS = new Set(Object.keys(action.outputs));
/** How the README names this action: a placeholder owner and repository, and a version. */
const THIS_ACTION = /^(<owner>\/<this-repo>@\S+|\.\/?)$/;

interface Step {
  uses?: string;
  id?: string;
  with?: Record<string, unknown>;
}

/** Every mapping with a `uses` key anywhere in a parsed document: the steps. */
function steps(node: unknown, out: Step[] = []): Step[] {
  if (Array.isArray(node)) for (const n of node) steps(n, out);
  else if (node && typeof node === 'object') {
    if (typeof (node as Step).uses === 'string') out.push(node as Step);
    for (const v of Object.values(node)) steps(v, out);
  }
  return out;
}

/** Problems of one YAML text: inputs and outputs of this action that action.yml does not declare. */
function problems(text: string, where: string): { problems: string[]; uses: number } {
  const found: string[] = [];
  const docs = parseAllDocuments(text);
  for (const d of docs) if (d.errors.length) found.push(`${where}: not valid YAML: ${d.errors[0].message}`);
  const ours = docs.flatMap((d) => steps(d.toJS())).filter((s) => THIS_ACTION.test(s.uses!.trim()));
  const ids = new Set<string>();
  for (const s of ours) {
    if (s.id) ids.add(s.id);
    for (const name of Object.keys(s.with ?? {})) if (!INPUTS.has(name)) found.push(`${where}: input '${name}' is not in action.yml`);
    if (!s.with || !('target' in s.with)) found.push(`${where}: a use of the action without the required input 'target'`);
  }
  for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    if (ids.has(m[1]) && !OUTPUTS.has(m[2])) found.push(`${where}: output '${m[2]}' (of step '${m[1]}') is not in action.yml`);
  }
  return { problems: found, uses: ours.length };
}

/** The ```yaml blocks of a Markdown text, with their line numbers. */
function yamlBlocks(md: string): { line: number; text: string }[] {
  return [...md.matchAll(/^( *)```ya?ml\n([\s\S]*?)^\1```$/gm)].map((m) => ({
    line: md.slice(0, m.index).split('\n').length,
    text: m[2]
      .split('\n')
      .map((l) => l.slice(m[1].length))
      .join('\n'),
  }));
}

test('README snippets name only inputs and outputs that action.yml declares', () => {
  const md = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = yamlBlocks(md);
  assert.ok(blocks.length >= 5, `found ${blocks.length} yaml blocks`);
  let uses = 0;
  const all: string[] = [];
  for (const b of blocks) {
    const r = problems(b.text, `README.md:${b.line}`);
    uses += r.uses;
    all.push(...r.problems);
  }
  assert.deepEqual(all, []);
  assert.ok(uses >= 10, `the snippets use the action ${uses} times`);
  // A use of the action spelled any other way would escape the check above.
  for (const m of md.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)) {
    if (/^(actions|Swatinem|actions-rust-lang)\//.test(m[1])) continue;
    assert.match(m[1], THIS_ACTION, `README names the action as <owner>/<this-repo>@<version>: ${m[1]}`);
  }
});

test('the workflows use the action only with declared inputs and outputs', () => {
  const dir = path.join(ROOT, '.github', 'workflows');
  const all: string[] = [];
  let uses = 0;
  for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    const r = problems(fs.readFileSync(path.join(dir, f), 'utf8'), f);
    uses += r.uses;
    all.push(...r.problems);
  }
  assert.deepEqual(all, []);
  assert.ok(uses >= 5);
});

test('the check finds a wrong input and a wrong output', () => {
  const bad =
    'steps:\n  - uses: <owner>/<this-repo>@v1\n    id: boot\n    with:\n      target: x\n      expected: y\n  - run: echo ${{ steps.boot.outputs.logfile }}\n';
  assert.deepEqual(problems(bad, 'x').problems, ["x: input 'expected' is not in action.yml", "x: output 'logfile' (of step 'boot') is not in action.yml"]);
});

test("package.json's repository uses the README's placeholder owner", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { repository: { url: string }; license: string };
  assert.match(pkg.repository.url, /github\.com\/<owner>\/unikernel-boot-action(\.git)?$/);
  assert.equal(pkg.license, 'MIT');
  assert.match(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the unikernel-boot-action authors$/m);
});
