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
];
const declared = Object.keys((parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: object }).inputs);
const families = FAMILIES.flatMap((f) => f.inputs.map((i) => i.name));

test("action.yml declares exactly the common inputs and every family's", () => {
  assert.deepEqual([...declared].sort(), [...COMMON, ...families].sort());
});

test('the README names every input of action.yml in a table row', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const missing = declared.filter((name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(readme));
  assert.deepEqual(missing, []);
});
