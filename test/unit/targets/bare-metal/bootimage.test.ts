// bootimage for bootloader 0.9 kernels, held against upstream: `cargo install bootimage`
// (https://github.com/rust-osdev/bootimage#installation), `cargo bootimage` passing every argument
// to cargo build (src/args/build.rs) and writing `bootimage-<bin>.bin` next to each executable
// (src/bin/cargo-bootimage.rs). The real tool needs crates.io: test/e2e/x86_64-formats.test.ts runs a
// stand-in, .github/workflows/x86_64-formats.yml the real one on blog_os.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BOOTIMAGE,
  bootimageCrate,
  bootimageImage,
  bootimageInstallArgv,
  bootimageRunnerArgv,
  cargoBootimageArgv,
  isTestExecutable,
} from '../../../../src/targets/bare-metal/bootimage.js';
import { tempDir } from '../../../helpers/tmp.js';

test('install: cargo install bootimage, pinned, --locked, into the tool cache', () => {
  assert.deepEqual(bootimageInstallArgv('cargo', '/tc'), [
    'cargo',
    'install',
    'bootimage',
    '--version',
    BOOTIMAGE.version,
    '--locked',
    '--root',
    `/tc/bootimage/${BOOTIMAGE.version}`,
  ]);
});

test('cargo bootimage: the build command with build replaced, its --config options after bootimage (cargo hands an external subcommand only what follows it), --message-format left to bootimage', () => {
  const build = [
    '/usr/bin/cargo',
    '--config',
    'unstable.json-target-spec=true',
    'build',
    '--target',
    'x86_64-blog_os.json',
    '--message-format=json-diagnostic-rendered-ansi',
    '-Zbuild-std=core,alloc,compiler_builtins',
    '--release',
  ];
  assert.deepEqual(cargoBootimageArgv(build), [
    '/usr/bin/cargo',
    'bootimage',
    '--config',
    'unstable.json-target-spec=true',
    '--target',
    'x86_64-blog_os.json',
    '-Zbuild-std=core,alloc,compiler_builtins',
    '--release',
  ]);
  assert.throws(() => cargoBootimageArgv(['cargo', 'test']), /not a cargo build command/);
});

test('the image: bootimage-<bin>.bin next to the executable', () => {
  assert.equal(bootimageImage('/t/x86_64-blog_os/debug/blog_os'), '/t/x86_64-blog_os/debug/bootimage-blog_os.bin');
});

test('a bootimage crate: a bootloader 0.9 dependency or a [package.metadata.bootimage] table', () => {
  const dir = tempDir('bootimage-crate-');
  assert.equal(bootimageCrate(dir), undefined);
  assert.equal(bootimageCrate(undefined), undefined);
  const manifest = path.join(dir, 'Cargo.toml');
  fs.writeFileSync(manifest, '[package]\nname = "k"\nversion = "0.1.0"\n');
  assert.equal(bootimageCrate(dir), undefined);
  const dir1 = tempDir('bootimage-crate-');
  const manifest1 = path.join(dir1, 'Cargo.toml');
  fs.writeFileSync(manifest1, '[package]\nname = "k2"\nversion = "0.1.0"\n\n[package.metadata.bootimage]\nrun-args = ["-m", "128M"]\n');
  assert.equal(bootimageCrate(dir1), `no boot header; [package.metadata.bootimage] in ${manifest1}`);
  const dir2 = tempDir('bootimage-crate-');
  fs.writeFileSync(path.join(dir2, 'Cargo.toml'), '[package]\nname = "blog_os"\nversion = "0.1.0"\n\n[dependencies]\nbootloader = "0.9.23"\n');
  assert.equal(bootimageCrate(dir2), 'no boot header; the crate depends on bootloader 0.9.23');
});

test('test executables (in deps/, as the upstream runner tells them) get their image from bootimage runner, next to them', () => {
  assert.equal(isTestExecutable('/t/x86_64-blog_os/debug/deps/basic_boot-0123abcd'), true);
  assert.equal(isTestExecutable('/t/x86_64-blog_os/debug/blog_os'), false);
  assert.deepEqual(bootimageRunnerArgv('/tc', '/t/debug/deps/basic_boot-0123abcd'), [
    `/tc/bootimage/${BOOTIMAGE.version}/bin/bootimage`,
    'runner',
    '/t/debug/deps/basic_boot-0123abcd',
  ]);
  assert.equal(bootimageImage('/t/debug/deps/basic_boot-0123abcd'), '/t/debug/deps/bootimage-basic_boot-0123abcd.bin');
});

test('a crate depending on bootloader 0.9: bootimage is installed before cargo (so the tools cache entry saved after cargo holds it) and kept in that entry; other crates and forced protocols get neither', async () => {
  const { x86_64None } = await import('../../../../src/targets/bare-metal/x86_64.js');
  const { toolsEntry } = await import('../../../../src/cache/index.js');
  const crate = tempDir('bootimage-plan-');
  fs.writeFileSync(path.join(crate, 'Cargo.toml'), '[package]\nname = "k"\nversion = "0.1.0"\n\n[dependencies]\nbootloader = "0.9"\n');
  const toolCache = tempDir('bootimage-toolcache-');
  const p = x86_64None('x86_64-unknown-none', 'auto', undefined, crate, { toolCache })!;
  assert.deepEqual(p.install.builtTools, [{ name: 'bootimage', version: BOOTIMAGE.version, pin: 'cargo install --locked' }]);
  const described = await p.build.beforeCargo!.describe({ cargo: '/c/cargo', env: {}, cargoConfig: [] });
  assert.deepEqual(described, { bootimage: bootimageInstallArgv('/c/cargo', toolCache).join(' ') });
  // Installed already (a restored cache entry): nothing to run, and the dry run says where it is.
  for (const b of ['bootimage', 'cargo-bootimage']) {
    fs.mkdirSync(path.join(toolCache, 'bootimage', BOOTIMAGE.version, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(toolCache, 'bootimage', BOOTIMAGE.version, 'bin', b), '');
  }
  const logged: string[] = [];
  await p.build.beforeCargo!.run({ cargo: '/nonexistent/cargo', env: {}, cargoConfig: [] }, {}, { info: (l) => logged.push(l), warning: () => {} });
  assert.deepEqual(logged, [], 'no cargo install when the pinned bootimage is there');
  assert.match((await p.build.beforeCargo!.describe({ cargo: 'cargo', env: {}, cargoConfig: [] })).bootimage as string, /in the tool cache/);
  // The tools entry holds <tool cache>/bootimage.
  const entry = toolsEntry({ tools: p.install.builtTools!, env: { RUNNER_TOOL_CACHE: toolCache } });
  assert.deepEqual(entry?.paths, [path.join(toolCache, 'bootimage')]);
  // A crate without bootloader 0.9 (with only the metadata table, which header kernels use for their
  // test settings too), or a protocol forced by boot-protocol: no early install.
  const plain = tempDir('bootimage-plain-');
  fs.writeFileSync(path.join(plain, 'Cargo.toml'), '[package]\nname = "k"\nversion = "0.1.0"\n\n[package.metadata.bootimage]\ntest-success-exit-code = 33\n');
  for (const q of [
    x86_64None('x86_64-unknown-none', 'auto', undefined, plain, { toolCache })!,
    x86_64None('x86_64-unknown-none', 'multiboot2', undefined, crate, { toolCache })!,
  ]) {
    assert.equal(q.install.builtTools, undefined);
    assert.equal(q.build.beforeCargo, undefined);
  }
});
