// npm run lint:workflows (scripts/lint-workflows.ts) catches what it is there for, in workflows planted in a temp
// folder: shellcheck's findings in run: scripts (with the real shellcheck), a ${{ }} pasted into a script, a job
// without timeout-minutes, two versions of one action; and passes a clean workflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintWorkflows, sanitizeExpressions } from '../../../scripts/lint-workflows.js';
import { tempDir } from '../../helpers/tmp.js';

const CLEAN = `name: clean
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v6
      - id: out
        run: echo "value=1" >> "$GITHUB_OUTPUT"
      - env:
          VALUE: \${{ steps.out.outputs.value }}
        run: |
          echo "value: $VALUE"
          test "$VALUE" = 1
`;

async function lint(files: Record<string, string>) {
  const dir = tempDir('lint-workflows-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return (await lintWorkflows(dir)).problems.map((p) => `${path.basename(p.path)}:${p.line}: ${p.message} [${p.kind}]`);
}

test('a clean workflow has no problems', async () => {
  assert.deepEqual(await lint({ 'clean.yml': CLEAN }), []);
});

test('shellcheck runs over run: scripts: an unquoted variable is found, at its line in the workflow', async () => {
  const planted = CLEAN.replace('test "$VALUE" = 1', 'test $VALUE = 1');
  const problems = await lint({ 'planted.yml': planted });
  const line = planted.split('\n').indexOf('          test $VALUE = 1') + 1;
  assert.deepEqual(problems, [`planted.yml:${line}: job build: SC2086 (info): Double quote to prevent globbing and word splitting [shellcheck]`]);
});

test('shellcheck reads a one-line run: and a shell: sh step with their own shell', async () => {
  const planted = CLEAN.replace('run: echo "value=1" >> "$GITHUB_OUTPUT"', 'run: echo "value=1" >> $GITHUB_OUTPUT').replace(
    '      - env:',
    '      - shell: sh\n        run: |\n          [[ -n "$HOME" ]]\n      - env:',
  );
  const problems = await lint({ 'planted.yml': planted });
  const lines = planted.split('\n');
  assert.ok(
    problems.includes(
      `planted.yml:${lines.findIndex((l) => l.includes('>> $GITHUB_OUTPUT')) + 1}: job build: SC2086 (info): Double quote to prevent globbing and word splitting [shellcheck]`,
    ),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith(`planted.yml:${lines.indexOf('          [[ -n "$HOME" ]]') + 1}: job build: SC3010`)),
    `sh has no [[ ]]: ${problems.join('\n')}`,
  );
});

test('a ${{ }} in a run: script is refused, naming env:', async () => {
  const planted = CLEAN.replace('test "$VALUE" = 1', 'test "${{ steps.out.outputs.value }}" = 1');
  const problems = await lint({ 'planted.yml': planted });
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(
    problems[0],
    /job build: "\$\{\{ steps\.out\.outputs\.value \}\}" in a run: script is pasted into the shell code: pass it through env:.*\[expression-in-run\]$/,
  );
});

test('a job without timeout-minutes is refused', async () => {
  const problems = await lint({ 'planted.yml': CLEAN.replace('    timeout-minutes: 5\n', '') });
  assert.deepEqual(problems, [
    'planted.yml:7: job build has no timeout-minutes: give it one (a hung QEMU or download would hold the runner for 6 hours). [timeout]',
  ]);
});

test('one action at two versions across workflows is refused at the older one', async () => {
  const problems = await lint({ 'a.yml': CLEAN, 'b.yml': CLEAN.replace('actions/checkout@v6', 'actions/checkout@v4') });
  assert.deepEqual(problems, [
    'b.yml:10: actions/checkout@v4, while other workflows use v6, v4: use one version everywhere (actions/checkout@v6). [action-version]',
  ]);
});

test('actionlint itself still runs (an unknown key)', async () => {
  const problems = await lint({ 'planted.yml': CLEAN.replace('on: push', 'on:\n  push:\n    branch: main') });
  assert.ok(
    problems.some((p) => /unexpected key "branch" for "push" section/.test(p)),
    problems.join('\n'),
  );
});

test('expressions become underscores of the same length, as actionlint does it', () => {
  assert.equal(sanitizeExpressions('if ${{ matrix.x }}; then echo "${{ a }}"; fi'), 'if _______________; then echo "________"; fi');
});
