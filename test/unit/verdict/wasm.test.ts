import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { cleanBlock, cleanBlockJs, countByIndexOf, countNewlines, scanKind } from '../../../src/verdict/scan.js';
// @ts-expect-error: a plain .mjs script without types
import { assemble } from '../../../scripts/build-wasm.mjs';

const dir = path.join(import.meta.dirname, '..', '..', '..', 'src', 'verdict', 'wasm');

test('the WebAssembly bytes in src/verdict/wasm are assembled from the .wat beside them (npm run build:wasm)', async () => {
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    const generated = fs.readFileSync(path.join(dir, f.replace(/\.wat$/, '.ts')), 'utf8');
    assert.equal(generated, await assemble(path.join(dir, f)), `${f} changed: run npm run build:wasm`);
  }
});

test('Node runs the WebAssembly SIMD scans (the JavaScript ones are the fallback for runtimes without it)', () => {
  assert.equal(scanKind, 'wasm-simd');
});

test('the WebAssembly newline counter agrees with indexOf on any bytes and length (property)', () => {
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

test('the WebAssembly cleaner agrees with the JavaScript one on any bytes, short and long (property)', () => {
  // Bytes drawn mostly from those the cleaner acts on, so that sequences form, break and nest,
  // at every offset from the 16-byte steps; sometimes repeated past the module's first memory size.
  const alphabet = [0x1b, 0x5b, 0x5d, 0x5c, 0x07, 0x00, 0x0d, 0x7f, 0x0a, 0x30, 0x3b, 0x3f, 0x20, 0x2f, 0x40, 0x6d, 0x7e, 0x41, 0x5f, 0x61, 0xc3, 0xa9, 0xff];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 200 }), fc.nat(4), (picked, repeat) => {
      const b = Buffer.from(picked);
      const big = repeat === 4 ? Buffer.concat(Array.from({ length: 1500 }, () => b)) : b;
      const js = Buffer.from(cleanBlockJs(big)); // copied: both return a shared buffer
      const cleaned = cleanBlock(big);
      assert.deepEqual(cleaned, js);
      assert.equal(countNewlines(cleaned), countByIndexOf(big), 'counted in place, the cleaned block has every newline of the block');
    }),
    { numRuns: 3000 },
  );
});
