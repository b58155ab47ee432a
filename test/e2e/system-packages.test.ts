// Checks of single modules that need system packages (Debian's cargo, the ovmf firmware), kept out of
// test/unit so that `npm run test:unit` runs with nothing but Node and `npm ci`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findKernelSource } from '../../src/targets/hermit/kernel.js';
import { fakePlan } from '../helpers/inputs.js';
import { ROOT } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

const FIX = path.join(ROOT, 'test', 'fixtures', 'hermit');
const distro = { cargo: '/usr/bin/cargo', env: { RUSTC: '/usr/bin/rustc' }, cargoConfig: [], offline: true };

test('kernel toolchain: found from cargo metadata -> the hermit crate -> its sibling kernel folder (fixture)', async () => {
  const src = await findKernelSource({ ...distro, workingDirectory: path.join(FIX, 'with-hermit', 'app'), target: 'x86_64-unknown-hermit' });
  assert.ok(src && !('error' in src));
  assert.equal(src.hermitCrate, path.join(FIX, 'with-hermit', 'hermit-rs', 'hermit'));
  assert.equal(src.kernelDir, path.join(FIX, 'with-hermit', 'hermit-rs', 'kernel'));
  assert.equal(src.toolchainFile?.channel, 'nightly-2026-07-01');
  assert.deepEqual(src.toolchainFile?.components, ['llvm-tools', 'rust-src', 'rustfmt']);
});

test('kernel toolchain: HERMIT_MANIFEST_DIR wins; no hermit dependency gives undefined; the hermit dependency only counts for hermit targets', async () => {
  const viaEnv = await findKernelSource({
    ...distro,
    workingDirectory: path.join(FIX, 'with-hermit', 'app'),
    target: 'x86_64-unknown-hermit',
    manifestDirEnv: path.join(FIX, 'manifest-dir-kernel'),
  });
  assert.ok(viaEnv && !('error' in viaEnv));
  assert.equal(viaEnv.toolchainFile?.channel, 'nightly-2026-05-15');
  assert.equal(await findKernelSource({ ...distro, workingDirectory: path.join(FIX, 'hello-std'), target: 'x86_64-unknown-hermit' }), undefined);
  assert.equal(await findKernelSource({ ...distro, workingDirectory: path.join(FIX, 'with-hermit', 'app'), target: 'x86_64-unknown-linux-gnu' }), undefined);
});

test('x86_64-unknown-uefi prepare() puts the app at EFI/BOOT/BOOTX64.EFI and copies the variable store', () => {
  const w = tempDir('uefi-prep-');
  const app = path.join(w, 'app.efi');
  fs.writeFileSync(app, 'MZ stand-in app');
  const profile = fakePlan({ target: 'x86_64-unknown-uefi', kernel: 'README.md', expect: 'x' }).target;
  assert.ok(fs.existsSync('/usr/share/OVMF/OVMF_VARS.fd'), 'the ovmf package is installed (scripts/setup.sh installs it)');
  profile.boot.qemu.prepare!({ kernel: app, accel: 'tcg', workDir: w, image: 'pe', assets: {} });
  assert.equal(fs.readFileSync(path.join(w, 'esp', 'EFI', 'BOOT', 'BOOTX64.EFI'), 'utf8'), 'MZ stand-in app');
  assert.ok(fs.statSync(path.join(w, 'OVMF_VARS.fd')).mode & 0o200, 'the VARS copy is writable');
});
