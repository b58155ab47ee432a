// bootloader 0.11's image builder as the action generates it, held against the crate's README
// usage (https://github.com/rust-osdev/bootloader/blob/main/README.md, "Usage"): a program
// depending on `bootloader` that calls BiosBoot::new(&kernel).create_disk_image(&out) or
// UefiBoot::new(&kernel).create_disk_image(&out), as its argument says. The real
// crate needs crates.io: test/e2e/x86_64-formats.test.ts runs the builder against a stand-in,
// .github/workflows/x86_64-formats.yml against the real crate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootloader09, bootloaderVersion, builderArgv, builderFiles } from '../../../../src/targets/bare-metal/bootloader.js';
import { x86_64None } from '../../../../src/targets/bare-metal/x86_64.js';
import { tempDir } from '../../../helpers/tmp.js';

test('the builder crate: one dependency on bootloader (default features: bios and uefi), a workspace of its own, BiosBoot and UefiBoot as upstream calls them', () => {
  const f = builderFiles('=0.11.7');
  assert.match(f['Cargo.toml'], /\[dependencies\]\nbootloader = "=0\.11\.7"\n/);
  assert.match(f['Cargo.toml'], /\n\[workspace\]\n/);
  assert.match(f['src/main.rs'], /Some\("bios"\) => bootloader::BiosBoot::new\(&kernel\)\.create_disk_image\(&out\)/);
  assert.match(f['src/main.rs'], /Some\("uefi"\) => bootloader::UefiBoot::new\(&kernel\)\.create_disk_image\(&out\)/);
});

test('the builder command: cargo run --release of the generated crate, the kernel, the firmware and the image as arguments', () => {
  assert.deepEqual(builderArgv({ workDir: '/w', kernel: '/k/kernel', cargo: { cargo: '/usr/bin/cargo', env: {} } }, 'uefi').slice(-3), [
    '/k/kernel',
    'uefi',
    '/w/bootloader-uefi.img',
  ]);
  assert.deepEqual(builderArgv({ workDir: '/w', kernel: '/k/kernel', cargo: { cargo: '/usr/bin/cargo', env: {} } }, 'bios'), [
    '/usr/bin/cargo',
    'run',
    '--release',
    '--manifest-path',
    '/w/bootloader-builder/Cargo.toml',
    '--',
    '/k/kernel',
    'bios',
    '/w/bootloader-bios.img',
  ]);
  // boot-firmware: both: the builder crate in the image's shared folder (built once), each image in its boot's own.
  const both = builderArgv({ imageDir: '/img', workDir: '/img/uefi', kernel: '/k/kernel' }, 'uefi');
  assert.deepEqual(both.slice(4), ['/img/bootloader-builder/Cargo.toml', '--', '/k/kernel', 'uefi', '/img/uefi/bootloader-uefi.img']);
});

test('the bootloader version follows bootloader_api in the Cargo.lock (found upwards), else 0.11', () => {
  const dir = tempDir('bootloader-version-');
  fs.mkdirSync(path.join(dir, 'kernel'));
  assert.equal(bootloaderVersion(path.join(dir, 'kernel')), '0.11');
  fs.writeFileSync(
    path.join(dir, 'Cargo.lock'),
    'version = 4\n\n[[package]]\nname = "bootloader_api"\nversion = "0.11.7"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n',
  );
  assert.equal(bootloaderVersion(path.join(dir, 'kernel')), '=0.11.7');
});

test('bootloader 0.9 (bootimage) kernels: found from the Cargo.toml dependency, the error names cargo bootimage', () => {
  const dir = tempDir('bootloader09-');
  assert.equal(bootloader09(dir), undefined);
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "blog_os"\nversion = "0.1.0"\n\n[dependencies]\nbootloader = "0.9"\n');
  assert.equal(bootloader09(dir), '0.9');
  fs.writeFileSync(
    path.join(dir, 'Cargo.toml'),
    '[package]\nname = "k"\nversion = "0.1.0"\n\n[dependencies]\nbootloader = { version = "0.9.23", features = ["map_physical_memory"] }\n',
  );
  assert.equal(bootloader09(dir), '0.9.23');
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "k"\nversion = "0.1.0"\n\n[dependencies]\nbootloader_api = "0.11"\n');
  assert.equal(bootloader09(dir), undefined);
});

test('an unknown ELF in a bootloader 0.9 crate, given prebuilt, fails in prepare with the cargo bootimage fix; other crates with the formats', async () => {
  const dir = tempDir('bootloader09-prepare-');
  const kernel = path.join(dir, 'kernel');
  const elf = Buffer.alloc(64);
  elf.write('\x7fELF', 0, 'latin1');
  elf[4] = 2;
  elf[5] = 1;
  fs.writeFileSync(kernel, elf);
  const ctx = { kernel, accel: 'tcg' as const, workDir: dir, assets: {}, image: 'elf' as const };
  await assert.rejects(async () => x86_64None('x86_64-unknown-none', 'auto', undefined, dir)!.boot.qemu.prepare!(ctx), /no boot header this action knows/);
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "blog_os"\nversion = "0.1.0"\n\n[dependencies]\nbootloader = "0.9"\n');
  await assert.rejects(
    async () => x86_64None('x86_64-unknown-none', 'auto', undefined, dir)!.boot.qemu.prepare!(ctx),
    /is a bootloader 0\.9 kernel, whose disk image cargo bootimage makes .*give target\/<target>\/debug\/bootimage-<crate>\.bin as the kernel input/,
  );
});
