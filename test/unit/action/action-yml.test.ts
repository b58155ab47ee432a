// action.yml declares exactly the common inputs plus every family's, and the README lists them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { FAMILIES } from '../../../src/targets/registry.js';
import { ROOT } from '../../../test/helpers/action.js';

const COMMON = [
  'target',
  'working-directory',
  'toolchain',
  'cargo-args',
  'kernel',
  'expect',
  'ordered',
  'fail-on',
  'default-fail-on',
  'exit-code',
  'command',
  'timeout',
  'idle-timeout',
  'qemu-args',
  'accel',
  'dry-run',
  'machine',
  'cpu',
  'memory',
  'runner',
  'token',
  'wait-for-exit',
  'cache',
  'cache-on-failure',
  'cache-save',
  'cache-key',
  'forward',
  'probes',
  'console-script',
  'name',
  'shard',
  'annotations',
];
const declared = Object.keys((parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: object }).inputs);
const families = FAMILIES.flatMap((f) => f.inputs.map((i) => i.name));

test("action.yml declares exactly the common inputs and every family's", () => {
  assert.deepEqual([...declared].sort(), [...COMMON, ...families].sort());
});

test("every input of action.yml has a table row: the common ones in the README's Inputs table, a family's there or in its guide in docs/", () => {
  const row = (md: string, name: string) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(md);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const inputsTable = readme.slice(readme.indexOf('\n## Inputs\n'), readme.indexOf('\n## Outputs\n'));
  assert.deepEqual(
    COMMON.filter((name) => !row(inputsTable, name)),
    [],
  );
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).map((f) => fs.readFileSync(path.join(ROOT, 'docs', f), 'utf8'));
  assert.deepEqual(
    families.filter((name) => !row(inputsTable, name) && !docs.some((md) => row(md, name))),
    [],
  );
  // The README names each family input too, next to the link to its guide, so that none is hidden.
  assert.deepEqual(
    families.filter((name) => !inputsTable.includes(`\`${name}\``)),
    [],
  );
});
