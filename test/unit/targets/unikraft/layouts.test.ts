// Issue 14: the Kraftfile layouts kraft accepts (names, aliases, `kernel:`), the -append line as
// `kraft run` writes it, the stale .config, the host check, the boot banner and uktest failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseTarget, findKraftfile, parseKraftfile } from '../../../../src/targets/unikraft/kraftfile.js';
import { KRAFTFILE_NAMES, canonicalPlatform, kraftfilesIn } from '../../../../src/targets/unikraft/kraftfile-names.js';
import { unikraftAppend } from '../../../../src/targets/unikraft/append.js';
import { removeStaleConfig, staleConfigName } from '../../../../src/targets/unikraft/stale-config.js';
import { unikraftHostPackages } from '../../../../src/targets/unikraft/host.js';
import { describeUnikraftVersion, movingVersionWarning, parseUnikraftBanner } from '../../../../src/targets/unikraft/banner.js';
import { UKTEST_FAILED } from '../../../../src/targets/unikraft/uktest.js';
import { matches } from '../../../../src/model/patterns.js';
import { cleanLine } from '../../../../src/model/ansi.js';
import { ROOT } from '../../../helpers/action.js';
import { fakePlan } from '../../../helpers/inputs.js';
import { tempDir } from '../../../helpers/tmp.js';

const fixtureDir = (name: string) => path.join(ROOT, 'test', 'fixtures', 'unikraft', name);
const tmp = () => tempDir('uk-layout-');

test('every file name kraft accepts is found; two of them in one folder are refused as kraft refuses them', () => {
  assert.deepEqual([...KRAFTFILE_NAMES], ['kraft.yaml', 'kraft.yml', 'Kraftfile.yml', 'Kraftfile.yaml', 'Kraftfile']);
  for (const name of KRAFTFILE_NAMES) {
    const d = tmp();
    fs.writeFileSync(path.join(d, name), 'spec: v0.6\nname: app\ntargets:\n- qemu/x86_64\n');
    assert.equal(findKraftfile(d), path.join(d, name), name);
    assert.equal(chooseTarget(parseKraftfile(path.join(d, name)), undefined, 'unikraft-target').name, 'app');
  }
  assert.equal(findKraftfile(tmp()), undefined);
  const d = fixtureDir('yaml-and-kraftfile');
  assert.deepEqual(
    kraftfilesIn(d).map((f) => path.basename(f)),
    ['Kraftfile.yaml', 'Kraftfile'],
  );
  assert.throws(
    () => findKraftfile(d),
    /has 2 Kraftfiles \(Kraftfile\.yaml, Kraftfile\); kraft refuses that \("found multiple config files with supported names"\)\. Keep one/,
  );
});

test('the kvm platform alias is qemu, as kraft rewrites it; `kernel:` names a target', () => {
  assert.equal(canonicalPlatform('kvm'), 'qemu');
  assert.equal(canonicalPlatform('firecracker'), 'fc');
  const alias = parseKraftfile(path.join(fixtureDir('kvm-alias'), 'Kraftfile'));
  assert.deepEqual(chooseTarget(alias, undefined, 'unikraft-target'), { name: 'helloworld', plat: 'qemu', arch: 'x86_64', written: 'kvm/x86_64' });
  const kernel = parseKraftfile(path.join(fixtureDir('kernel-key'), 'Kraftfile.yml'));
  const t = chooseTarget(kernel, undefined, 'unikraft-target');
  assert.equal(t.name, 'hello-kernel');
  assert.equal(t.plat, 'qemu');
  const d = tmp();
  fs.writeFileSync(path.join(d, 'Kraftfile'), 'name: app\ntargets:\n- name: a\n  kernel: b\n  platform: qemu/x86_64\n');
  assert.throws(() => parseKraftfile(path.join(d, 'Kraftfile')), /sets both name: a and kernel: b; kraft reads both into the target's name/);
});

test('the Unikraft version the Kraftfile asks for is read, and a moving one is warned about', () => {
  assert.equal(parseKraftfile(path.join(fixtureDir('kvm-alias'), 'Kraftfile')).unikraftVersion, 'stable');
  assert.equal(parseKraftfile(path.join(fixtureDir('good'), 'Kraftfile')).unikraftVersion, 'stable');
  assert.match(movingVersionWarning('stable', 'Kraftfile')!, /asks for unikraft: stable, which moves with every Unikraft release.*output unikraft-version/);
  assert.match(movingVersionWarning('staging', 'K')!, /unikraft: staging/);
  assert.match(movingVersionWarning(undefined, 'K')!, /asks for no Unikraft version/);
  assert.equal(movingVersionWarning('v0.17.0', 'K'), undefined);
});

test('-append: `--` only when there are kernel arguments, as kraft run writes it', () => {
  assert.deepEqual(unikraftAppend('', ''), []);
  assert.deepEqual(unikraftAppend('', 'one two'), ['-append', 'one two']);
  assert.deepEqual(unikraftAppend('netdev.ip=10.0.0.2/24', 'one two'), ['-append', 'netdev.ip=10.0.0.2/24 -- one two']);
  assert.deepEqual(unikraftAppend('vfs.fstab=[]', ''), ['-append', 'vfs.fstab=[] --']);
  assert.deepEqual(unikraftAppend('  ', '  x '), ['-append', 'x']);
});

test('the stale .config.<target>_<plat>-<arch> is removed, and only that file', () => {
  const d = tmp();
  assert.equal(staleConfigName('helloworld', 'qemu', 'x86_64'), '.config.helloworld_qemu-x86_64');
  fs.writeFileSync(path.join(d, '.config.helloworld_qemu-x86_64'), 'CONFIG_UK_NAME="helloworld"\n');
  fs.writeFileSync(path.join(d, '.config.other_qemu-x86_64'), 'x');
  assert.equal(removeStaleConfig(d, 'helloworld', 'qemu', 'x86_64'), path.join(d, '.config.helloworld_qemu-x86_64'));
  assert.deepEqual(fs.readdirSync(d), ['.config.other_qemu-x86_64']);
  assert.equal(removeStaleConfig(d, 'helloworld', 'qemu', 'x86_64'), undefined);
});

test('the example ignores what kraft writes beside the Kraftfile', () => {
  for (const ex of ['unikraft-hello', 'unikraft-workspace']) {
    const lines = fs.readFileSync(path.join(ROOT, 'examples', ex, '.gitignore'), 'utf8').split('\n');
    assert.ok(lines.includes('/.config.*') || lines.some((l) => l.startsWith('/app/.config')), `${ex}: ${lines}`);
  }
});

test('host: nothing extra on x86_64, the x86_64 cross gcc on arm64, a clear refusal elsewhere', () => {
  assert.deepEqual(unikraftHostPackages('x64', 'linux'), []);
  assert.deepEqual(unikraftHostPackages('arm64', 'linux'), ['gcc-x86-64-linux-gnu']);
  assert.throws(
    () => unikraftHostPackages('riscv64', 'linux'),
    /on a riscv64 runner is not supported: KraftKit publishes Linux archives for amd64 and arm64 only/,
  );
  assert.throws(() => unikraftHostPackages('x64', 'darwin'), /needs a Linux runner \(this one is darwin\/x64\)/);
});

test('boot banner: the one-liner, the default logo (with ANSI colours) and the classic logo give codename and version', () => {
  assert.deepEqual(parseUnikraftBanner(['SeaBIOS', 'Booting from ROM..Powered by Unikraft Calypso (0.17.0~5d38d108)', 'Hello']), {
    codename: 'Calypso',
    version: '0.17.0~5d38d108',
  });
  const logo = [
    '\x1b[0mPowered by',
    'o.   .o       _ _               __ _',
    "Oo   Oo  ___ (_) | __ __  __ _ ' _) :_",
    "oO   oO ' _ `| | |/ /  _)' _` | |_|  _)",
    'oOo oOO| | | | |   (| | | (_) |  _) :_',
    ' OoOoO ._, ._:_:_,\\_._,  .__,_:_, \\___)',
    '\x1b[1m                   Helene 0.20.0~a1b2c3d\x1b[0m',
    'Hello, world!',
  ];
  const v = parseUnikraftBanner(logo)!;
  assert.deepEqual(v, { codename: 'Helene', version: '0.20.0~a1b2c3d' });
  assert.equal(describeUnikraftVersion(v), 'Helene 0.20.0~a1b2c3d');
  const classic = [
    'Welcome to  _ __             _____',
    ' __ _____  (_) /__ _______ _/ _/ /_',
    "/ // / _ \\/ /  '_// __/ _ `/ _/ __/",
    '\\_,_/_//_/_/_/\\_\\/_/  \\_,_/_/ \\__/',
    '                Tethys 0.5.0',
  ];
  assert.deepEqual(parseUnikraftBanner(classic), { codename: 'Tethys', version: '0.5.0' });
  assert.equal(parseUnikraftBanner(['Hello, world!', 'Powered by', 'nothing else']), undefined);
});

test('uktest failures fail the run, with and without ANSI colours; passes do not', () => {
  const plain = '\tuk_test_ok_1 ..................................................... [ FAILED ]';
  const coloured = cleanLine('\tuk_test_ok_1 ..................................................... \x1b[1m\x1b[37m\x1b[41m FAILED \x1b[0m');
  assert.ok(matches(UKTEST_FAILED, plain));
  assert.ok(matches(UKTEST_FAILED, coloured), coloured);
  assert.ok(!matches(UKTEST_FAILED, '\tuk_test_ok_1 ..................................................... [ PASSED ]'));
  assert.ok(!matches(UKTEST_FAILED, 'nothing FAILED here, it said'));
});

test('the KraftKit default is written in one constant; the Unikraft guide and action.yml repeat the same version', async () => {
  const { KRAFTKIT_DEFAULT_VERSION } = await import('../../../../src/targets/unikraft/kraftkit.js');
  assert.equal(KRAFTKIT_DEFAULT_VERSION, '0.12.16');
  const readme = fs.readFileSync(path.join(ROOT, 'docs', 'unikraft.md'), 'utf8');
  assert.match(readme, new RegExp(`\\| \`kraftkit\` \\| \`${KRAFTKIT_DEFAULT_VERSION.replace(/\./g, '\\.')}\` \\|`));
  const action = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
  assert.ok(action.includes(`Empty: ${KRAFTKIT_DEFAULT_VERSION}.`), 'action.yml names the default');
  assert.doesNotMatch(readme + action, /0\.12\.15/);
});

test('after the boot, the banner in the serial log becomes the unikraft-version output (returned as data, no output written by the family)', async () => {
  const { reportBanner } = await import('../../../../src/targets/unikraft/family.js');
  const d = tmp();
  const log = path.join(d, 'serial.log');
  fs.writeFileSync(
    log,
    'SeaBIOS\r\nBooting from ROM..\x1b[0mPowered by\r\no.   .o       _ _\r\n\x1b[1m                   Calypso 0.17.0~5d38d108\x1b[0m\r\nHello, world!\r\n',
  );
  assert.deepEqual(reportBanner(log), {
    lines: ['Unikraft version (boot banner): Calypso 0.17.0~5d38d108'],
    outputs: { 'unikraft-version': 'Calypso 0.17.0~5d38d108' },
  });
  assert.deepEqual(reportBanner(path.join(d, 'missing.log')), {}, 'no log: nothing, no throw');
  assert.equal(fakePlan({ target: 'x86_64-unikraft-linux-musl', kernel: 'README.md', expect: 'x' }).target.boot.afterBoot, reportBanner);
});
