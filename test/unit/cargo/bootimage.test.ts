import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ROOT } from '../../helpers/action.js';
import { bootimageDefaults, bootimageTestStatus, mergeQemuArgs, parseBootimage, readBootimage } from '../../../src/cargo/bootimage.js';

const M = '/k/Cargo.toml';
const parse = (table: string) => parseBootimage(`[package]\nname = "k"\nversion = "0.1.0"\n\n[package.metadata.bootimage]\n${table}\n`, M);

test('the bootimage-configured test kernel: every key the action uses', () => {
  const manifest = path.join(ROOT, 'test/kernels/x86_64-tests-bootimage/Cargo.toml');
  const cfg = readBootimage(manifest)!;
  assert.deepEqual(cfg, {
    manifest,
    testArgs: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-serial', 'stdio', '-display', 'none', '-m', '64M'],
    testSuccessExitCode: 65,
    testTimeout: 30,
    runArgs: ['-m', '128M'],
    unused: [],
    unknown: [],
  });
  assert.equal(readBootimage(path.join(ROOT, 'test/kernels/x86_64-tests/Cargo.toml')), undefined, 'no table, no config');
});

test('defaults for test executables and for a plain run', () => {
  const cfg = parse(
    'test-args = ["-m", "64M"]\ntest-success-exit-code = 33\ntest-timeout = 120\nrun-args = ["-m", "1G"]\nrun-command = ["qemu-system-x86_64", "-drive", "format=raw,file={}"]\nmystery = 1',
  );
  const t = bootimageDefaults(cfg, 'test');
  assert.deepEqual([t.qemuArgs, t.exitCodes, t.timeout], [['-m', '64M'], [33], 120]);
  assert.match(t.notes.join('\n'), /test-success-exit-code from \/k\/Cargo.toml: QEMU status 33/);
  assert.match(t.notes.join('\n'), /run-command in \/k\/Cargo.toml: not used/);
  assert.match(t.notes.join('\n'), /mystery in \/k\/Cargo.toml: not bootimage settings/);
  const r = bootimageDefaults(cfg, 'run');
  assert.deepEqual([r.qemuArgs, r.exitCodes, r.timeout], [['-m', '1G'], undefined, undefined], 'test-only keys do not apply to a run');
  assert.deepEqual(bootimageDefaults(undefined, 'test'), { qemuArgs: [], notes: [] });
  assert.deepEqual(bootimageDefaults(parse(''), 'test').exitCodes, undefined, 'no test-success-exit-code: the family default stays');
  assert.match(bootimageDefaults(parse('test-no-reboot = false'), 'test').notes[0], /not followed/);
});

test('bad values: an error naming the file, the key, what was found and what would be right', () => {
  assert.throws(
    () => parse('test-timeout = "30"'),
    /\/k\/Cargo.toml: \[package.metadata.bootimage\] test-timeout must be a whole number of seconds, such as test-timeout = 300; found "30"/,
  );
  assert.throws(() => parse('test-timeout = 0'), /positive number of seconds/);
  assert.throws(() => parse('test-timeout = -5'), /positive number of seconds/);
  assert.throws(() => parse('test-success-exit-code = 33.5'), /test-success-exit-code must be an integer/);
  assert.throws(() => parse('test-success-exit-code = 300'), /from 0 to 255/);
  assert.throws(() => parse('test-args = "-m 64M"'), /test-args must be a list of strings, such as test-args = \["-m", "256M"\]; found "-m 64M"/);
  assert.throws(() => parse('run-args = [1, 2]'), /run-args must be a list of strings/);
  assert.throws(() => parse('test-no-reboot = "yes"'), /test-no-reboot must be true or false/);
  assert.equal(parseBootimage('[package\nname=', M), undefined, 'not TOML: left to cargo, whose error says where');
  assert.throws(() => parseBootimage('[package]\nmetadata = { bootimage = 3 }', M), /must be a table/);
  assert.equal(parseBootimage('[workspace]\nmembers = ["a"]', M), undefined);
});

test("QEMU's exit status as bootimage hands it to cargo test (0 = pass)", () => {
  assert.equal(bootimageTestStatus(33, 33), 0);
  assert.equal(bootimageTestStatus(0, 33), 1, 'a power-off or triple fault is not success when a code is set');
  assert.equal(bootimageTestStatus(35, 33), 35);
  assert.equal(bootimageTestStatus(0, undefined), 0);
  assert.equal(bootimageTestStatus(33, undefined), 33);
});

test("test-args written for bootimage's bare QEMU command do not repeat what the family gives", () => {
  const family = [
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel',
    '/k/t',
  ];
  const blogOs = [
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-serial',
    'stdio',
    '-display',
    'none',
    '-no-reboot',
    '-nographic',
    '-m',
    '64M',
    '-device',
    'virtio-rng-pci',
  ];
  assert.deepEqual(mergeQemuArgs(family, blogOs), [...family, '-m', '64M', '-device', 'virtio-rng-pci']);
  assert.deepEqual(mergeQemuArgs(family, []), family);
  // Not headless: -nographic is the user's choice and stays.
  assert.deepEqual(mergeQemuArgs(['-kernel', '/k/t'], ['-nographic']), ['-kernel', '/k/t', '-nographic']);
});
