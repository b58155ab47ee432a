// Issue 14: which package holds a QEMU binary, from apt's own answer (apt-cache showpkg), per distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseQemuPackage, parseShowPkg, resolveQemuPackage, virtualName } from '../../../src/install/qemu-package.js';
import { capture } from '../../../src/proc/run.js';
import { ROOT } from '../../helpers/action.js';
import { requireProgram } from '../../helpers/system.js';

const answer = (distro: string, name: string) => fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'apt', distro, `${name}.showpkg`), 'utf8');
const recorded = (distro: string) => async (name: string) => answer(distro, name);

test('apt-cache showpkg is read: real package or not, and the providers', () => {
  assert.deepEqual(parseShowPkg(answer('debian-12', 'qemu-system-riscv64')), { real: false, providers: ['qemu-system-misc'] });
  assert.deepEqual(parseShowPkg(answer('debian-12', 'qemu-system-arm')), { real: true, providers: [] });
  assert.deepEqual(parseShowPkg(answer('debian-12', 'qemu-system-aarch64')), { real: false, providers: ['qemu-system-arm'] });
  assert.deepEqual(parseShowPkg(''), { real: false, providers: [] });
  assert.equal(virtualName('qemu-system-x86_64'), 'qemu-system-x86-64');
});

test('riscv64 per distribution: qemu-system-misc on Debian 12 and Ubuntu 24.04, qemu-system-riscv on Ubuntu 26.04', async () => {
  assert.equal((await resolveQemuPackage('qemu-system-riscv64', 'qemu-system-misc', recorded('debian-12'))).package, 'qemu-system-misc');
  assert.equal((await resolveQemuPackage('qemu-system-riscv64', 'qemu-system-misc', recorded('ubuntu-24.04'))).package, 'qemu-system-misc');
  const u26 = await resolveQemuPackage('qemu-system-riscv64', 'qemu-system-misc', recorded('ubuntu-26.04'));
  assert.equal(u26.package, 'qemu-system-riscv');
  assert.equal(u26.why, 'apt: qemu-system-riscv64 is provided by qemu-system-riscv-hwe, qemu-system-riscv');
  // Only the HWE build offered: it is taken.
  assert.equal(
    chooseQemuPackage('qemu-system-riscv64', { real: false, providers: ['qemu-system-riscv-hwe'] }, 'qemu-system-misc').package,
    'qemu-system-riscv-hwe',
  );
});

test('x86_64 and aarch64 per distribution', async () => {
  for (const d of ['debian-12', 'ubuntu-24.04', 'ubuntu-26.04']) {
    assert.equal((await resolveQemuPackage('qemu-system-x86_64', 'qemu-system-x86', recorded(d))).package, 'qemu-system-x86', d);
  }
  assert.equal((await resolveQemuPackage('qemu-system-aarch64', 'qemu-system-arm', recorded('debian-12'))).package, 'qemu-system-arm');
  assert.equal((await resolveQemuPackage('qemu-system-arm', 'qemu-system-arm', recorded('debian-12'))).package, 'qemu-system-arm');
});

test("apt knows nothing (stale or missing lists), or asking fails: the family's usual package", async () => {
  const c = await resolveQemuPackage('qemu-system-riscv64', 'qemu-system-misc', async () => '');
  assert.deepEqual(c, { package: 'qemu-system-misc', why: 'apt knows no package that provides qemu-system-riscv64; trying qemu-system-misc' });
  const f = await resolveQemuPackage('qemu-system-riscv64', 'qemu-system-misc', async () => {
    throw new Error('no apt-cache');
  });
  assert.equal(f.package, 'qemu-system-misc');
});

test("this machine's own apt answers like the recorded Debian 12 one", async () => {
  requireProgram('apt-cache', 'apt');
  const live = async (name: string) => (await capture('apt-cache', ['showpkg', name])).stdout;
  const c = await resolveQemuPackage('qemu-system-riscv64', 'qemu-system-misc', live);
  assert.match(c.package, /^qemu-system-(misc|riscv)$/, c.why);
});
