// Issue 22, point 9: a comma in a path inside a QEMU option value (a workspace, TMPDIR or
// RUNNER_TEMP with one) is doubled, as QEMU reads option values. Real QEMU reads them in
// test/e2e/never-fooled-verdict.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuOptionValue } from '../../../src/boot/qemu-args.js';
import { bootArgv, fakePlan } from '../../helpers/inputs.js';

const optionAfter = (argv: string[], name: string, includes: string) => argv.filter((a, i) => argv[i - 1] === name && a.includes(includes));

test('qemuOptionValue doubles every comma', () => {
  assert.equal(qemuOptionValue('/w/a,b,,c/disk.img'), '/w/a,,b,,,,c/disk.img');
  assert.equal(qemuOptionValue('/plain/path'), '/plain/path');
});

test('x86_64 raw disk images and UEFI drives: commas in the paths are doubled', () => {
  const x86 = bootArgv(fakePlan({ target: 'x86_64-unknown-none', kernel: 'README.md', expect: 'x' }), 'qemu-system-x86_64', {
    kernel: '/w/a,b/disk.img',
    image: 'raw',
  });
  assert.deepEqual(optionAfter(x86, '-drive', 'disk.img'), ['format=raw,file=/w/a,,b/disk.img,snapshot=on']);
  const uefi = bootArgv(fakePlan({ target: 'x86_64-unknown-uefi', kernel: 'README.md', expect: 'x' }), 'qemu-system-x86_64', {
    kernel: '/w/a,b/app.efi',
    image: 'pe',
    workDir: '/t/x,y',
  });
  assert.deepEqual(optionAfter(uefi, '-drive', 'OVMF_VARS'), ['if=pflash,format=raw,file=/t/x,,y/OVMF_VARS.fd']);
  assert.deepEqual(optionAfter(uefi, '-drive', 'fat:rw:'), ['format=raw,file=fat:rw:/t/x,,y/esp']);
});
