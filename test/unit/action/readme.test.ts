// The documentation holds what a user copies: every workflow snippet in README.md, docs/*.md and
// CONTRIBUTING.md, and every workflow in .github/workflows, uses this action only with inputs
// action.yml declares and reads only outputs it declares (GitHub merely warns about an unknown
// input, and an unknown output is silently empty: a typo would go unnoticed); its upload steps run
// when the boot failed too; every relative link leads to a file and heading that exist; each
// third-party action is named at one version everywhere; and the README stays a user's page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import GithubSlugger from 'github-slugger';
import { lexer, walkTokens, type Token } from 'marked';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../../helpers/action.js';

const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean }>;
  outputs: Record<string, unknown>;
};
const INPUTS = new Set(Object.keys(action.inputs));
const OUTPUTS = new Set(Object.keys(action.outputs));
/** How the documentation names this action: a placeholder owner and repository, and a version. */
const THIS_ACTION = /^(<owner>\/<this-repo>@\S+|\.\/?)$/;
/** The README's user part must stay short enough to read: the rest lives in docs/ and CONTRIBUTING.md. */
const README_MAX_LINES = 350;

/** The Markdown files a user or contributor reads, relative to the repository root. */
const DOCS = ['README.md', 'CONTRIBUTING.md', ...fs.readdirSync(path.join(ROOT, 'docs')).flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : []))];
const WORKFLOWS = fs.readdirSync(path.join(ROOT, '.github', 'workflows')).flatMap((f) => (/\.ya?ml$/.test(f) ? [`.github/workflows/${f}`] : []));
const read = (rel: string, root = ROOT): string => fs.readFileSync(path.join(root, rel), 'utf8');

interface Step {
  uses?: string;
  id?: string;
  if?: unknown;
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

/** An upload after a boot must run when the boot failed: that is when its log matters. */
const RUNS_AFTER_FAILURE = /always\(\)|!\s*cancelled\(\)|failure\(\)/;

/**
 * Problems of one YAML text: inputs and outputs of this action that action.yml does not declare, and
 * upload-artifact steps that a failed step before them would skip. With `guardedPaths` (what the
 * documentation shows users), an upload of a step's output must also be skipped when that output is
 * empty: upload-artifact fails on an empty `path` ("Input required and not supplied: path",
 * https://github.com/actions/upload-artifact/blob/main/action.yml), a second red step after an action
 * that stopped before it wrote a log.
 */
function problems(text: string, where: string, guardedPaths = true): { problems: string[]; uses: number } {
  const found: string[] = [];
  const docs = parseAllDocuments(text);
  for (const d of docs) if (d.errors.length) found.push(`${where}: not valid YAML: ${d.errors[0].message}`);
  const all = docs.flatMap((d) => steps(d.toJS()));
  const ours = all.filter((s) => THIS_ACTION.test(s.uses!.trim()));
  const ids = new Set<string>();
  for (const s of ours) {
    if (s.id) ids.add(s.id);
    for (const name of Object.keys(s.with ?? {})) if (!INPUTS.has(name)) found.push(`${where}: input '${name}' is not in action.yml`);
    if (!s.with || !('target' in s.with)) found.push(`${where}: a use of the action without the required input 'target'`);
  }
  for (const s of all) {
    if (!s.uses!.startsWith('actions/upload-artifact@')) continue;
    const condition = String(s.if ?? '');
    if (!RUNS_AFTER_FAILURE.test(condition)) {
      found.push(`${where}: an upload-artifact step without 'if: \${{ !cancelled() }}' (or always()): a failed boot would skip it`);
    }
    const output = /\$\{\{\s*(steps\.[\w-]+\.outputs\.[\w-]+)\s*\}\}/.exec(String(s.with?.path ?? ''))?.[1];
    if (guardedPaths && output && !condition.includes(`${output} != ''`)) {
      found.push(`${where}: an upload-artifact step of ${output} without "${output} != ''" in its 'if': an empty path fails the upload`);
    }
  }
  for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    if (ids.has(m[1]) && !OUTPUTS.has(m[2])) found.push(`${where}: output '${m[2]}' (of step '${m[1]}') is not in action.yml`);
  }
  return { problems: found, uses: ours.length };
}

/** Every token of a Markdown text, nested ones (list items, table cells, links in text) included. */
function tokens(md: string): Token[] {
  const out: Token[] = [];
  walkTokens(lexer(md), (t) => void out.push(t));
  return out;
}

/** The ```yaml blocks of a Markdown text, with their line numbers. */
function yamlBlocks(md: string): { line: number; text: string }[] {
  return tokens(md).flatMap((t) =>
    t.type === 'code' && /^ya?ml$/.test(t.lang ?? '') ? [{ line: md.slice(0, md.indexOf(t.raw)).split('\n').length, text: t.text as string }] : [],
  );
}

/** A heading's text as GitHub renders it (code spans, emphasis and links reduced to their text). */
function plain(ts: Token[] | undefined): string {
  return (ts ?? []).map((t) => ('tokens' in t && t.tokens ? plain(t.tokens) : 'text' in t ? String(t.text) : '')).join('');
}

/** The anchors GitHub gives a Markdown file's headings (repeated headings get -1, -2, ...). */
function anchors(md: string): Set<string> {
  const slugger = new GithubSlugger();
  return new Set(tokens(md).flatMap((t) => (t.type === 'heading' ? [slugger.slug(plain(t.tokens))] : [])));
}

/** Relative links of a Markdown file that lead nowhere: a missing file, or a heading the target does not have. */
function brokenLinks(rel: string, root = ROOT): string[] {
  const md = read(rel, root);
  const broken: string[] = [];
  for (const t of tokens(md)) {
    if (t.type !== 'link' && t.type !== 'image') continue;
    const href = t.href as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto: ...: not ours to check here
    const [file, anchor] = href.split('#', 2);
    const target = file ? path.join(path.dirname(rel), decodeURIComponent(file)) : rel;
    if (!fs.existsSync(path.join(root, target))) {
      broken.push(`${rel}: link to ${href}: no file ${target}`);
      continue;
    }
    if (anchor !== undefined && !(target.endsWith('.md') && anchors(read(target, root)).has(anchor))) {
      broken.push(`${rel}: link to ${href}: ${target} has no heading with the anchor #${anchor}`);
    }
  }
  return broken;
}

/** The table rows under one `## heading` of a Markdown text: the first cell of each, without backticks. */
function tableKeys(md: string, heading: string): string[] {
  const start = md.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `no '## ${heading}' section`);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]);
}

/** `owner/repo@ref` of every third-party action named in a text. */
function thirdParty(text: string): { action: string; ref: string }[] {
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*['"]?([\w.-]+\/[\w./-]+)@([\w.-]+)/gm)].flatMap((m) =>
    m[1].startsWith('<') ? [] : [{ action: m[1], ref: m[2] }],
  );
}

test('the snippets in README.md, docs/ and CONTRIBUTING.md name only declared inputs and outputs, and their uploads run after a failure', () => {
  let uses = 0;
  let blocks = 0;
  const all: string[] = [];
  for (const rel of DOCS) {
    const md = read(rel);
    for (const b of yamlBlocks(md)) {
      blocks++;
      const r = problems(b.text, `${rel}:${b.line}`);
      uses += r.uses;
      all.push(...r.problems);
    }
    // A use of the action spelled any other way would escape the check above.
    for (const m of md.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)) {
      if (/^(actions|Swatinem|actions-rust-lang)\//.test(m[1])) continue;
      assert.match(m[1], THIS_ACTION, `${rel} names the action as <owner>/<this-repo>@<version>: ${m[1]}`);
    }
  }
  assert.deepEqual(all, []);
  assert.ok(blocks >= 15, `found ${blocks} yaml blocks`);
  assert.ok(uses >= 20, `the snippets use the action ${uses} times`);
  assert.ok(yamlBlocks(read('README.md')).length >= 2, 'the README keeps its quick start and matrix example');
});

test('the workflows use the action only with declared inputs and outputs, and their uploads run after a failure', () => {
  const all: string[] = [];
  let uses = 0;
  for (const rel of WORKFLOWS) {
    // The workflows are held to the weaker rule (run after a failure): their `if: always()` uploads
    // predate the empty-path guard the documentation now shows.
    const r = problems(read(rel), rel, false);
    uses += r.uses;
    all.push(...r.problems);
  }
  assert.deepEqual(all, []);
  assert.ok(uses >= 5);
});

test('the check finds a wrong input, a wrong output and an upload that a failed boot would skip or an empty path would fail', () => {
  const bad =
    'steps:\n  - uses: <owner>/<this-repo>@v1\n    id: boot\n    with:\n      target: x\n      expected: y\n  - run: echo ${{ steps.boot.outputs.logfile }}\n  - uses: actions/upload-artifact@v7\n    with:\n      path: ${{ steps.boot.outputs.log }}\n';
  assert.deepEqual(problems(bad, 'x').problems, [
    "x: input 'expected' is not in action.yml",
    "x: an upload-artifact step without 'if: ${{ !cancelled() }}' (or always()): a failed boot would skip it",
    "x: an upload-artifact step of steps.boot.outputs.log without \"steps.boot.outputs.log != ''\" in its 'if': an empty path fails the upload",
    "x: output 'logfile' (of step 'boot') is not in action.yml",
  ]);
  const withIf = (condition: string) => bad.replace('    with:\n      path', `    if: ${condition}\n    with:\n      path`);
  assert.equal(problems(withIf('always()'), 'x').problems.length, 3);
  assert.equal(problems(withIf('always()'), 'x', false).problems.length, 2);
  assert.equal(problems(withIf("${{ !cancelled() && steps.boot.outputs.log != '' }}"), 'x').problems.length, 2);
});

test("the README's Outputs table has a row for every output of action.yml, and only those", () => {
  assert.deepEqual(tableKeys(read('README.md'), 'Outputs').sort(), [...OUTPUTS].sort());
});

test(`the README is a user's page: under ${README_MAX_LINES} lines, contributor material in CONTRIBUTING.md`, () => {
  const readme = read('README.md');
  const lines = readme.split('\n').length;
  assert.ok(lines < README_MAX_LINES, `README.md has ${lines} lines; move details to docs/ (a guide per family or topic)`);
  // The contributor's commands live in CONTRIBUTING.md, which the README links.
  assert.doesNotMatch(readme, /npm (run|test|ci)\b/);
  assert.match(readme, /\]\(CONTRIBUTING\.md\)/);
  assert.match(read('CONTRIBUTING.md'), /npm run demo/);
});

test('every relative link in README.md, docs/ and CONTRIBUTING.md leads to an existing file and heading', () => {
  assert.deepEqual(
    DOCS.flatMap((rel) => brokenLinks(rel)),
    [],
  );
  // Every guide in docs/ is reachable from the README.
  const readme = read('README.md');
  for (const rel of DOCS.filter((d) => d.startsWith('docs/'))) assert.ok(readme.includes(`](${rel}`), `README.md links ${rel}`);
});

test('the link check finds a missing file and a missing heading, and knows GitHub anchors', () => {
  const md = '# Caching: what, when\n\n## Per target\n\n## Per target\n\n## `exit-code` and *more*\n';
  assert.deepEqual([...anchors(md)], ['caching-what-when', 'per-target', 'per-target-1', 'exit-code-and-more']);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'link-test-'));
  try {
    fs.mkdirSync(path.join(root, 'docs'));
    fs.writeFileSync(path.join(root, 'docs', 'caching.md'), '# Caching\n');
    fs.writeFileSync(
      path.join(root, 'docs', 'x.md'),
      '[a](caching.md#no-such) [b](nowhere.md) [c](#here) [d](caching.md#caching) [e](https://example.com/#x)\n\n# Here\n',
    );
    assert.deepEqual(brokenLinks('docs/x.md', root), [
      'docs/x.md: link to caching.md#no-such: docs/caching.md has no heading with the anchor #no-such',
      'docs/x.md: link to nowhere.md: no file docs/nowhere.md',
    ]);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test('each third-party action is named at one version across the README, docs/, CONTRIBUTING.md, examples/ and the workflows', () => {
  const examples = fs
    .readdirSync(path.join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(md|ya?ml)$/.test(f))
    .map((f) => `examples/${f}`);
  const versions = new Map<string, Map<string, string[]>>();
  for (const rel of [...DOCS, ...examples, ...WORKFLOWS]) {
    for (const { action, ref } of thirdParty(read(rel))) {
      const refs = versions.get(action) ?? new Map<string, string[]>();
      refs.set(ref, [...(refs.get(ref) ?? []), rel]);
      versions.set(action, refs);
    }
  }
  assert.ok(versions.has('actions/checkout') && versions.has('actions/upload-artifact'), [...versions.keys()].join(', '));
  const mixed = [...versions]
    .filter(([, refs]) => refs.size > 1)
    .map(([action, refs]) => `${action}: ${[...refs].map(([ref, files]) => `@${ref} in ${[...new Set(files)].join(', ')}`).join('; ')}`);
  assert.deepEqual(mixed, []);
});

test('dependabot proposes the new versions of the workflow actions and of the npm packages every week', () => {
  const config = parse(read('.github/dependabot.yml')) as {
    version: number;
    updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string } }[];
  };
  assert.equal(config.version, 2);
  assert.deepEqual(
    config.updates.map((u) => [u['package-ecosystem'], u.directory, u.schedule.interval]),
    [
      ['github-actions', '/', 'weekly'],
      ['npm', '/', 'weekly'],
    ],
  );
});

test("package.json's repository uses the README's placeholder owner", () => {
  const pkg = JSON.parse(read('package.json')) as { repository: { url: string }; license: string };
  assert.match(pkg.repository.url, /github\.com\/<owner>\/unikernel-boot-action(\.git)?$/);
  assert.equal(pkg.license, 'MIT');
  assert.match(read('LICENSE'), /^MIT License\n\nCopyright \(c\) \d{4} the unikernel-boot-action authors$/m);
});
