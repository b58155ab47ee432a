import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { bootTimings, factOutputs } from '../../../src/report/outputs.js';
import { ROOT } from '../../helpers/action.js';

test('bootTimings: seconds from the start of the boot to the first byte, the last expected line, the end', () => {
  assert.deepEqual(bootTimings({ started: 1000, firstByte: 1150, expectedDone: 1400, ended: 1500 }), {
    bootSeconds: 0.5,
    firstLineSeconds: 0.15,
    expectedSeconds: 0.4,
  });
  assert.deepEqual(bootTimings({ started: 1000, ended: 61000 }), { bootSeconds: 60 }, 'a silent guest has no first line');
  assert.deepEqual(bootTimings({ started: 1000, firstByte: 999, ended: 1000 }), { bootSeconds: 0, firstLineSeconds: 0 });
});

test('factOutputs: values as strings, unknown facts left out', () => {
  assert.deepEqual(
    factOutputs({
      rustc: 'rustc 1.96.0-nightly (0123456789 2026-06-01)\nbinary: rustc\n',
      toolchain: 'nightly-2026-06-01',
      cacheHit: false,
      timings: { bootSeconds: 0.2154, firstLineSeconds: 0.0712 },
    }),
    {
      'rustc-version': 'rustc 1.96.0-nightly (0123456789 2026-06-01)',
      toolchain: 'nightly-2026-06-01',
      'cache-hit': 'false',
      'boot-seconds': '0.215',
      'first-line-seconds': '0.071',
    },
  );
  assert.deepEqual(factOutputs({}), {});
});

test('every output factOutputs can give is declared in action.yml', () => {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { outputs: Record<string, unknown> };
  const all = factOutputs({ rustc: 'rustc 1', toolchain: 't', cacheHit: true, timings: { bootSeconds: 1, firstLineSeconds: 1, expectedSeconds: 1 } });
  for (const name of Object.keys(all)) assert.ok(name in action.outputs, `${name} is declared in action.yml`);
});
