import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explainUnikraftNoVerdict, hwrngFailure, MAIN_RETURNED_NONZERO, needsRdseed, unikraftCpuNeeds } from '../../../../src/targets/unikraft/verdict.js';
import { matches } from '../../../../src/model/patterns.js';
import { tempDir } from '../../../helpers/tmp.js';

// Lines as Unikraft 0.17.0 prints them (../shared/images/unikraft, booted by hand on QEMU 7.2).
const HWRNG_017 = '[    0.112224] ERR:  [libukrandom] <random.c @   65> Could not initialize the HWRNG (-95)';
const INIT_ERR = '[    0.116803] ERR:  [libukboot] <boot.c @  427> Init function at 0x1246f0 returned error -95';
// Newer Unikraft (drivers/ukrandom/lcpu/init.c) warns and boots on.
const HWRNG_WARN = '[    0.000000] Warn: [libukrandom_lcpu] <init.c @   28> Could not initialize the HWRNG (-95)';

test('"main returned N" fails for every N but 0', () => {
  for (const n of ['1', '3', '42', '-1', '255']) assert.ok(matches(MAIN_RETURNED_NONZERO, `Info: [libukboot] <boot.c @  544> main returned ${n}`), n);
  assert.ok(!matches(MAIN_RETURNED_NONZERO, 'Info: [libukboot] <boot.c @  544> main returned 0'));
});

test('the fatal HWRNG line is found; the newer warning is not a cause', () => {
  assert.deepEqual(hwrngFailure(['Booting', HWRNG_017, INIT_ERR]), { line: HWRNG_017, code: -95 });
  assert.equal(hwrngFailure([HWRNG_WARN, 'Hello world!']), undefined);
});

test('the reason after the HWRNG line names RDSEED, LIBUKRANDOM, QEMU 8.1 and the fixes', () => {
  const r = explainUnikraftNoVerdict([HWRNG_017, INIT_ERR], { kind: 'exited', status: 85, signal: null });
  assert.match(r, /Unikraft's LIBUKRANDOM \(0\.17 and older\) needs a CPU with RDRAND and RDSEED/);
  assert.match(r, /-95 is EOPNOTSUPP/);
  assert.match(r, /TCG doesn't support requested feature: CPUID\.07H:EBX\.rdseed/);
  assert.match(r, /Fixes: boot with QEMU 8\.1 or newer/);
  assert.match(r, /CONFIG_LIBUKRANDOM: 'n'/);
});

test('a halt without the expected lines says the status does not tell what main returned; other ends add nothing', () => {
  for (const status of [83, 0]) assert.match(explainUnikraftNoVerdict(['Hello world!'], { kind: 'exited', status, signal: null }), /whatever main returned/);
  assert.equal(explainUnikraftNoVerdict(['Hello'], { kind: 'timeout', seconds: 5 }), '');
  assert.equal(explainUnikraftNoVerdict(['Hello'], { kind: 'exited', status: 85, signal: null }), '');
  assert.equal(explainUnikraftNoVerdict(['Hello']), '');
});

test('an image needs RDSEED when it holds 0.17 HWRNG message and not the newer fallback', () => {
  const dir = tempDir('uk-image-');
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, Buffer.concat([Buffer.from('\x7fELF\x01'), Buffer.from(text), Buffer.alloc(16)]));
    return f;
  };
  const old = write('old', 'libukrandom\0Could not initialize the HWRNG (%d)\n\0');
  assert.equal(needsRdseed(old), true);
  assert.deepEqual(unikraftCpuNeeds(old), [{ flag: 'rdseed', by: "Unikraft's LIBUKRANDOM" }]);
  assert.equal(needsRdseed(write('new', 'Could not initialize the HWRNG (%d)\n\0The CPU does not implement RDSEED\0')), false);
  assert.equal(needsRdseed(write('none', 'Hello world!\0')), false);
  assert.equal(needsRdseed(path.join(dir, 'missing')), false);
});
