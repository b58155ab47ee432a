// The x86_64 bare-metal plan for each boot protocol: the QEMU line, the packages, the prepare step
// the dry run shows, the boot-protocol input's reach, and custom JSON target specs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../../src/model/errors.js';
import { bootArgv, bootContext, fakePlan } from '../../../helpers/inputs.js';
import { tempDir } from '../../../helpers/tmp.js';

const base = { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-multiboot', expect: 'ok' };
const plan = (over: Record<string, string> = {}) => fakePlan({ ...base, ...over });
const argv = (over: Record<string, string>, kernel = '/does/not/exist') => bootArgv(plan(over), 'qemu', { kernel, workDir: '/w' }).join(' ');

test('the image decides: -kernel, a GRUB ISO with -cdrom, an ISO with -cdrom, a disk with -drive', () => {
  // Before the build (a dry run) the image is not there: PVH's -kernel unless boot-protocol says otherwise.
  assert.match(argv({}), / -kernel \/does\/not\/exist$/);
  assert.match(argv({ 'boot-protocol': 'multiboot2' }), / -cdrom \/w\/grub\.iso$/);
  assert.match(argv({ 'boot-protocol': 'iso' }), / -cdrom \/does\/not\/exist$/);
  assert.match(argv({ 'boot-protocol': 'disk' }), / -drive format=raw,file=\/does\/not\/exist,snapshot=on$/);
  // A real ISO on disk is read: CD001 at 0x8001.
  const dir = tempDir('x86-plan-');
  const iso = path.join(dir, 'os.iso');
  const bytes = Buffer.alloc(0x9000);
  bytes.write('\x01CD001', 0x8000, 'latin1');
  fs.writeFileSync(iso, bytes);
  assert.match(argv({}, iso), new RegExp(` -cdrom ${iso}$`));
});

test('GRUB packages are installed up front only for boot-protocol: multiboot2 (under auto, once a multiboot2 kernel is found); the dry run names the grub-mkrescue line', () => {
  assert.deepEqual(plan({ 'boot-protocol': 'multiboot2' }).target.install.apt, ['grub-pc-bin', 'grub-efi-amd64-bin', 'xorriso', 'mtools']);
  assert.deepEqual(plan().target.install.apt, []);
  assert.deepEqual(plan({ 'boot-protocol': 'pvh' }).target.install.apt, []);
  const q = plan({ 'boot-protocol': 'multiboot2' }).target.boot.qemu;
  assert.deepEqual(q.describePrepare!(bootContext({ kernel: '/k', workDir: '/w' })), {
    protocol: 'multiboot2 kernel -> GRUB ISO (grub-mkrescue) -> QEMU -cdrom',
    commands: ['grub-mkrescue -o /w/grub.iso /w/grub-iso'],
  });
  assert.deepEqual(plan().target.boot.qemu.describePrepare!(bootContext({ kernel: '/nothing/yet' })), {
    protocol: 'detected from the image after the build (boot-protocol: auto)',
  });
});

test('boot-protocol is for x86_64 kernels only', () => {
  assert.throws(
    () => plan({ target: 'aarch64-unknown-none', 'boot-protocol': 'multiboot' }),
    (e: Error) => e instanceof InputError && /boot-protocol.*only read for x86_64-unknown-none and x86_64 target specs/.test(e.message),
  );
  assert.throws(() => plan({ 'boot-protocol': 'grub' }), /boot-protocol.*'grub' is not a boot protocol/);
});

test('a JSON target spec: x86_64 accepted (cargo gets -Zjson-target-spec through [unstable]), others and missing files refused', () => {
  const p = plan({ target: 'x86_64-blog_os.json' });
  assert.equal(p.target.boot.qemu.arch, 'x86_64');
  assert.deepEqual(p.target.build.cargoConfig, ['--config', 'unstable.json-target-spec=true']);
  assert.deepEqual(p.target.build.buildStd.crates, ['core', 'alloc', 'compiler_builtins']);
  assert.throws(() => plan({ target: 'nope.json' }), /'nope\.json' names a custom target spec, but \S+nope\.json does not exist/);
  const dir = tempDir('spec-');
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "k"\nversion = "0.1.0"\n');
  fs.writeFileSync(path.join(dir, 'aarch64-os.json'), JSON.stringify({ 'llvm-target': 'aarch64-unknown-none', arch: 'aarch64' }));
  assert.throws(() => plan({ target: 'aarch64-os.json', 'working-directory': dir }), /is a target spec for aarch64 .*x86_64 only/);
  fs.writeFileSync(path.join(dir, 'llvm-only.json'), JSON.stringify({ 'llvm-target': 'x86_64-unknown-none' }));
  assert.equal(plan({ target: 'llvm-only.json', 'working-directory': dir }).target.boot.qemu.arch, 'x86_64');
});
