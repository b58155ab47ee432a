// The x86_64 kernel conversion before the boot: made once per boot folder, and a failure is the
// action's error with the command and the fix, leaving no half-written file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureKernel32 } from '../../../../src/targets/sel4/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

test('ensureKernel32: objcopy -O elf32-i386 once; a failure names the command and removes the output', () => {
  const dir = tempDir('sel4-k32-');
  const out = path.join(dir, 'kernel32.elf');
  const seen: string[][] = [];
  ensureKernel32('/p/bin/kernel.elf', out, (argv) => {
    seen.push(argv);
    fs.writeFileSync(out, 'converted');
  });
  ensureKernel32('/p/bin/kernel.elf', out, (argv) => seen.push(argv));
  assert.deepEqual(seen, [['objcopy', '-O', 'elf32-i386', '/p/bin/kernel.elf', out]]);
  const bad = path.join(dir, 'bad.elf');
  assert.throws(
    () =>
      ensureKernel32('/p/bin/kernel.elf', bad, () => {
        fs.writeFileSync(bad, 'half');
        throw new Error('objcopy: file format not recognized');
      }),
    /could not be converted to elf32 .*objcopy -O elf32-i386 \/p\/bin\/kernel.elf .*file format not recognized.*sel4-prefix/,
  );
  assert.equal(fs.existsSync(bad), false);
});
