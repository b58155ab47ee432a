import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The layer order of src/, written down once: a folder imports only from folders below it (and
 * from itself). The pipeline stages read top-down as the run goes, and the shared vocabulary sits
 * at the bottom. Files directly in src/ (index.ts, main.ts) are the top.
 */
export const LAYERS = [
  'pipeline', // the one pipeline: modes, stages, the dry run, the outcome
  'plan', // every decision taken from the inputs, before anything runs
  'inputs', // the action's inputs, read once
  'targets', // one folder per target family, behind targets/contract.ts
  'boot', // QEMU's command line, launchers, the boot itself, conversations
  'cargo', // cargo builds, test executables, bootimage metadata
  'cache', // @actions/cache entries and keys
  'install', // apt, downloads, toolchains, QEMU
  'report', // summary, JUnit, annotations, the guest's echo
  'verdict', // the pure verdict: watcher, policy, decide, test cases
  'proc', // child processes: the registry, capture
  'model', // shared types and parsers: errors, patterns, conversations
];

const SRC = path.join(import.meta.dirname, '..', '..', 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The src/ folder a file is in ('' for src/ itself). */
const folderOf = (file: string) => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : '';
};

test('every src/ folder is in the layer list, and the list names no folder that is gone', () => {
  const folders = fs
    .readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  assert.deepEqual(folders, [...LAYERS].sort());
});

test('no import runs upward against the layer order (folder level, no exceptions)', () => {
  const rank = (folder: string) => (folder === '' ? -1 : LAYERS.indexOf(folder));
  const wrong: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = folderOf(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(SRC + path.sep)) continue; // package.json and the like
      const to = folderOf(target);
      if (to === from) continue;
      if (to === '' || rank(to) < rank(from)) wrong.push(`${path.relative(SRC, file)} imports ${m[1]} (${from || 'src'} -> ${to || 'src'})`);
    }
  }
  assert.deepEqual(wrong, [], `imports against the layer order:\n${wrong.join('\n')}`);
});

test('target families return data: no @actions/core and no process.env under src/targets (the pipeline hands them a Log and the runner environment)', () => {
  const wrong = tsFiles(path.join(SRC, 'targets')).filter((f) =>
    /from '@actions\/core'|process\.env/.test(fs.readFileSync(f, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '')),
  );
  assert.deepEqual(
    wrong.map((f) => path.relative(SRC, f)),
    [],
  );
});

test('the pipeline reads the runner environment once (src/model/runner-env.ts), never process.env itself', () => {
  const wrong = tsFiles(path.join(SRC, 'pipeline')).filter((f) => /process\.env/.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(
    wrong.map((f) => path.relative(SRC, f)),
    [],
  );
});

/**
 * Where process.env may be read: the entry point, readRunnerEnv (the one read, passed down as the
 * RunContext's `env`), and proc/run.ts, which gives child processes the action's own environment
 * as spawn would (no decision is taken from it there).
 */
const READS_PROCESS_ENV = ['index.ts', 'main.ts', path.join('model', 'runner-env.ts'), path.join('proc', 'run.ts')];

test('the runner environment is read once: no file under src/ reads process.env but the entry point, runner-env.ts and proc/run.ts', () => {
  const wrong = tsFiles(SRC)
    .filter((f) => !READS_PROCESS_ENV.includes(path.relative(SRC, f)))
    .filter((f) => /process\.env/.test(fs.readFileSync(f, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '')));
  assert.deepEqual(
    wrong.map((f) => path.relative(SRC, f)),
    [],
    "these read process.env: take the value from the caller instead, the RunnerEnv (src/model/runner-env.ts) the pipeline passes down as ctx.env (its fields, or ctx.env.vars for any other variable), as a parameter; only main.ts reads the process's environment",
  );
});

test('no function in src/pipeline is longer than 80 lines', () => {
  const long: string[] = [];
  for (const f of tsFiles(path.join(SRC, 'pipeline'))) {
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (!/^(export )?(async )?function /.test(l)) return;
      const end = lines.findIndex((x, j) => j > i && x === '}');
      if (end - i + 1 > 80) long.push(`${path.relative(SRC, f)}:${i + 1} (${end - i + 1} lines)`);
    });
  }
  assert.deepEqual(long, []);
});
