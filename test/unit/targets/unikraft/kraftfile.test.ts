import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { chooseTarget, findKraftfile, parseKraftfile, withTtyStdio, TTY_STDIO } from '../../../../src/targets/unikraft/kraftfile.js';
import { ROOT } from '../../../../test/helpers/action.js';
import { tempDir } from '../../../helpers/tmp.js';

const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'unikraft', name, 'Kraftfile');

test('good: catalog-style Kraftfile, string target qemu/x86_64 named after the app, TTY stdio on', () => {
  const kf = parseKraftfile(fixture('good'));
  assert.equal(kf.name, 'helloworld');
  assert.equal(kf.ttyStdio, true);
  assert.deepEqual(chooseTarget(kf, undefined, 'unikraft-target'), { name: 'helloworld', plat: 'qemu', arch: 'x86_64', written: 'qemu/x86_64' });
  assert.equal(findKraftfile(path.dirname(fixture('good'))), fixture('good'));
});

test("no targets: the error names kraft's failure and shows the lines to add", () => {
  const kf = parseKraftfile(fixture('no-targets'));
  assert.throws(
    () => chooseTarget(kf, undefined, 'unikraft-target'),
    (e: Error) => {
      assert.match(e.message, /names no targets, so kraft build \(run by kraftld\) would fail with "no targets to build"/);
      assert.ok(e.message.endsWith('targets:\n  - qemu/x86_64'), e.message);
      return true;
    },
  );
});

test('wrong platform: lists what the Kraftfile has and the lines to add', () => {
  const kf = parseKraftfile(fixture('wrong-platform'));
  assert.throws(
    () => chooseTarget(kf, undefined, 'unikraft-target'),
    /has no qemu\/x86_64 target \(it has: fc\/x86_64, qemu\/arm64\).*\ntargets:\n {2}- qemu\/x86_64$/s,
  );
});

test('silent console: no CONFIG_LIBPOSIX_TTY_STDIO is detected, and withTtyStdio adds it quoted', () => {
  const kf = parseKraftfile(fixture('silent'));
  assert.equal(kf.ttyStdio, false);
  const patched = withTtyStdio(fs.readFileSync(fixture('silent'), 'utf8'));
  assert.match(patched, /^# An app without/, 'comments are kept');
  assert.deepEqual(parse(patched).unikraft, { version: 'stable', kconfig: { [TTY_STDIO]: 'y' } });
  assert.match(patched, /CONFIG_LIBPOSIX_TTY_STDIO: 'y'/);
  const tmp = path.join(tempDir('kf-'), 'Kraftfile');
  fs.writeFileSync(tmp, patched);
  assert.equal(parseKraftfile(tmp).ttyStdio, true);
  // A kconfig map and a kconfig list are extended in place.
  assert.deepEqual(parse(withTtyStdio('unikraft:\n  version: stable\n  kconfig:\n    CONFIG_X: y\n')).unikraft.kconfig, { CONFIG_X: 'y', [TTY_STDIO]: 'y' });
  assert.deepEqual(parse(withTtyStdio('unikraft:\n  kconfig:\n  - CONFIG_X=y\n')).unikraft.kconfig, ['CONFIG_X=y', `${TTY_STDIO}=y`]);
});

test('map targets: platform/architecture and plat/arch spellings, names, kconfig as a list', () => {
  const kf = parseKraftfile(fixture('map-targets'));
  assert.equal(kf.ttyStdio, true);
  assert.deepEqual(
    kf.targets.map((t) => `${t.name}:${t.plat}/${t.arch}`),
    ['fc-app:fc/x86_64', 'my-qemu:qemu/x86_64', 'my-qemu:qemu/x86_64'],
  );
  assert.equal(chooseTarget(kf, undefined, 'unikraft-target').name, 'my-qemu');
  assert.throws(
    () => chooseTarget(kf, 'fc-app', 'unikraft-target'),
    /Input 'unikraft-target': Kraftfile has no qemu\/x86_64 target named 'fc-app' \(qemu\/x86_64 targets: my-qemu, my-qemu\)/,
  );
});

test('several qemu/x86_64 targets with different names need the unikraft-target input', () => {
  const kf = parseKraftfile(fixture('two-targets'));
  assert.throws(() => chooseTarget(kf, undefined, 'unikraft-target'), /several qemu\/x86_64 targets \(one, two\); choose one with the unikraft-target input/);
  assert.equal(chooseTarget(kf, 'two', 'unikraft-target').name, 'two');
});

test('invalid YAML and a non-list targets are clear errors', () => {
  const dir = tempDir('kf-');
  fs.writeFileSync(path.join(dir, 'Kraftfile'), 'targets: [qemu/x86_64\n');
  assert.throws(() => parseKraftfile(path.join(dir, 'Kraftfile')), /Kraftfile is not valid YAML/);
  fs.writeFileSync(path.join(dir, 'Kraftfile'), 'name: a\ntargets: qemu/x86_64\n');
  assert.throws(() => parseKraftfile(path.join(dir, 'Kraftfile')), /targets must be a list/);
});
