// bootloader 0.11's image builder as the action generates it, held against the crate's README
// usage (https://github.com/rust-osdev/bootloader/blob/main/README.md, "Usage"): a program
// depending on `bootloader` that calls BiosBoot::new(&kernel).create_disk_image(&out). The real
// crate needs crates.io: test/e2e/x86_64-formats.test.ts runs the builder against a stand-in,
// .github/workflows/x86_64-formats.yml against the real crate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootloaderVersion, builderArgv, builderFiles } from '../../../../src/targets/bare-metal/bootloader.js';
import { tempDir } from '../../../helpers/tmp.js';

test('the builder crate: one dependency on bootloader, a workspace of its own, BiosBoot as upstream calls it', () => {
  const f = builderFiles('=0.11.7');
  assert.match(f['Cargo.toml'], /\[dependencies\]\nbootloader = "=0\.11\.7"\n/);
  assert.match(f['Cargo.toml'], /\n\[workspace\]\n/);
  assert.match(f['src/main.rs'], /bootloader::BiosBoot::new\(&kernel\)\.create_disk_image\(&out\)/);
});

test('the builder command: cargo run --release of the generated crate, the kernel and the image as arguments', () => {
  assert.deepEqual(builderArgv('/w', '/k/kernel', '/usr/bin/cargo'), [
    '/usr/bin/cargo',
    'run',
    '--release',
    '--manifest-path',
    '/w/bootloader-builder/Cargo.toml',
    '--',
    '/k/kernel',
    '/w/bootloader-bios.img',
  ]);
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
