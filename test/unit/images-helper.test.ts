// The images suite's helper (test/helpers/images.ts): in CI a missing images folder fails the
// suite instead of skipping it; the README's sha256 table is read per section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imagesSkip, readmeSha256 } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

test('no images folder: a skip with the reason outside CI, an error in CI (CI=true)', () => {
  const missing = [path.join(tempDir('no-images-'), 'images')];
  assert.match(imagesSkip(missing, '')!, /no images folder \(looked in .*images\)/);
  assert.throws(() => imagesSkip(missing, 'true'), /CI must have \.\.\/shared\/images beside the checkout/);
});

test("the README's sha256 column, by path below the folder (the section heading is the folder)", () => {
  const dir = tempDir('images-');
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    [
      '## hermit-x86_64/',
      '| file | what | status | sha256 |',
      '| `hermit-hello` | prints | 3 | `' + '1'.repeat(64) + '` |',
      '## hermit-aarch64/ and hermit-riscv64/',
      '| `hermit-riscv64/hermit-hello` | x | 0 | `' + '2'.repeat(64) + '` |',
      '| `prefix.tar.gz` | no sha256 here | |',
    ].join('\n'),
  );
  assert.deepEqual(readmeSha256(dir), { 'hermit-x86_64/hermit-hello': '1'.repeat(64), 'hermit-riscv64/hermit-hello': '2'.repeat(64) });
  assert.equal(imagesSkip([dir], 'true'), undefined);
});
