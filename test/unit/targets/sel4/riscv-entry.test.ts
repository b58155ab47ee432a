// The riscv64 entry stub (src/targets/sel4/riscv-entry.ts): QEMU's virt board starts a -kernel at
// its lowest loaded address, so images whose entry lies higher boot through a 24-byte jump. The
// stub's bytes are checked here instruction by instruction; that it really boots the real image on
// QEMU 7.2 is test/images/sel4.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jumpCode, needsEntryStub, planEntry, prepareEntry, readElfLoad, stubElf, STUB_ADDR } from '../../../../src/targets/sel4/riscv-entry.js';
import { tempDir } from '../../../helpers/tmp.js';

/** An ELF64 RISC-V with PT_LOAD segments [paddr, memsz] and the given entry, as the stub writer writes one (then extended). */
function elf(entry: bigint, segments: [bigint, number][]): Buffer {
  const one = stubElf(segments[0][0], Buffer.alloc(segments[0][1]));
  const b = Buffer.alloc(64 + 56 * segments.length);
  one.copy(b, 0, 0, 64);
  b.writeBigUInt64LE(entry, 24);
  b.writeUInt16LE(segments.length, 56);
  segments.forEach(([addr, size], i) => {
    const p = 64 + 56 * i;
    one.copy(b, p, 64, 120);
    b.writeBigUInt64LE(addr, p + 24);
    b.writeBigUInt64LE(BigInt(size), p + 40);
  });
  return b;
}

test('the jump: auipc t0,0; ld t0,16(t0); jr t0; nop; then the 8-byte target (little endian)', () => {
  const code = jumpCode(0x80266d24n);
  assert.equal(code.length, 24);
  assert.deepEqual(
    [0, 4, 8, 12].map((o) => code.readUInt32LE(o).toString(16)),
    ['297', '102b283', '28067', '13'],
  );
  assert.equal(code.readBigUInt64LE(16), 0x80266d24n);
});

test('the stub ELF: one R+X PT_LOAD at its entry, which is its lowest address (what QEMU starts)', () => {
  const b = stubElf(STUB_ADDR, jumpCode(0x80266d24n));
  assert.deepEqual(readElfLoad(b), { entry: STUB_ADDR, low: STUB_ADDR, high: STUB_ADDR + 24n });
  assert.equal(b.readUInt16LE(18), 243, 'EM_RISCV');
});

test("planEntry: add-payload's shape (ELF header lowest, entry above) gets the stub; entry at the lowest address boots as is; the rest fails with the reason", () => {
  // The real upstream image: loaded from 0x80261000, entry 0x80266d24.
  assert.deepEqual(
    planEntry(
      'img',
      elf(0x80266d24n, [
        [0x80261000n, 0x5da6],
        [0x80271000n, 0x2000],
      ]),
    ),
    {
      kind: 'stub',
      entry: 0x80266d24n,
      stubAddr: STUB_ADDR,
    },
  );
  assert.deepEqual(planEntry('img', elf(0x80261000n, [[0x80261000n, 0x100]])), { kind: 'as-is' });
  assert.throws(() => planEntry('img', Buffer.from('not an elf')), /img is not a 64-bit RISC-V ELF executable/);
  assert.throws(() => planEntry('img', elf(0x90000000n, [[0x80261000n, 0x100]])), /entry point 0x90000000 is outside its loaded segments/);
  assert.throws(
    () => planEntry('img', elf(0x80200100n, [[0x80200000n, 0x1000]])),
    /starts a -kernel at its lowest address .* through a jump at 0x80200000, which this image covers/,
  );
});

test('prepareEntry writes the stub next to the boot; needsEntryStub reads the image (a missing one, as in a dry run: yes)', () => {
  const dir = tempDir('riscv-entry-');
  const img = path.join(dir, 'image.elf');
  fs.writeFileSync(img, elf(0x80266d24n, [[0x80261000n, 0x5da6]]));
  const stub = path.join(dir, 'stub.elf');
  assert.equal(prepareEntry(img, stub).kind, 'stub');
  assert.equal(readElfLoad(fs.readFileSync(stub))!.entry, STUB_ADDR);
  assert.equal(fs.readFileSync(stub).readBigUInt64LE(64 + 56 + 16), 0x80266d24n);
  assert.equal(needsEntryStub(img), true);
  assert.equal(needsEntryStub(path.join(dir, 'missing.elf')), true);
  fs.writeFileSync(img, elf(0x80261000n, [[0x80261000n, 0x100]]));
  assert.equal(needsEntryStub(img), false);
});
