import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { countByIndexOf, countNewlines, newlineCounterKind } from '../../src/verdict/newlines.js';
// @ts-expect-error: a plain .mjs script without types
import { assemble } from '../../scripts/build-wasm.mjs';

const dir = path.join(import.meta.dirname, '..', '..', 'src', 'verdict', 'wasm');

test('the WebAssembly bytes in src/verdict/wasm are assembled from the .wat beside them (npm run build:wasm)', async () => {
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    const generated = fs.readFileSync(path.join(dir, f.replace(/\.wat$/, '.ts')), 'utf8');
    assert.equal(generated, await assemble(path.join(dir, f)), `${f} changed: run npm run build:wasm`);
  }
});

test('Node runs the SIMD newline counter (the indexOf fallback is for runtimes without WebAssembly SIMD)', () => {
  assert.equal(newlineCounterKind, 'wasm-simd');
});

test('the SIMD newline counter agrees with indexOf on any bytes and length (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(3), (bytes, repeat) => {
      // Mostly newlines and text; lengths across 16-byte steps; sometimes longer than the module's memory.
      const b = Buffer.from(bytes.map((x) => (x % 4 === 0 ? 0x0a : x)));
      const big = repeat === 3 ? Buffer.concat(Array.from({ length: 600 }, () => b)) : b;
      assert.equal(countNewlines(big), countByIndexOf(big));
    }),
    { numRuns: 500 },
  );
  assert.equal(countNewlines(Buffer.alloc(200_000, 0x0a)), 200_000);
  assert.equal(countNewlines(Buffer.alloc(0)), 0);
});
