import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCacheKeys, keyEnvironment, keyFiles, rustcLabel, toolsCacheKeys, type BuildKeyParts } from '../../../src/cache/key.js';

const RUSTC = `rustc 1.96.0-nightly (0123456789ab 2026-06-01)
binary: rustc
commit-hash: 0123456789abcdef0123456789abcdef01234567
commit-date: 2026-06-01
host: x86_64-unknown-linux-gnu
release: 1.96.0-nightly
LLVM version: 20.1.5
`;

const parts = (over: Partial<BuildKeyParts> = {}): BuildKeyParts => ({
  target: 'x86_64-unknown-none',
  rustcVerbose: RUSTC,
  files: [{ name: 'Cargo.lock', content: 'lock v1' }, { name: 'rust-toolchain.toml' }, { name: '.cargo/config.toml', content: '[build]\n' }],
  inputs: { target: 'x86_64-unknown-none', 'cargo-args': '--release', toolchain: '' },
  env: {},
  actionVersion: '1.0.0',
  platform: 'linux',
  arch: 'x64',
  ...over,
});

test('the build key: readable prefix, one restore key for the same runner, target and toolchain', () => {
  const k = buildCacheKeys(parts());
  assert.match(k.key, /^unikernel-boot-v2-linux-x64-x86_64-unknown-none-1\.96\.0-nightly-2026-06-01-[0-9a-f]{12}-[0-9a-f]{20}$/);
  assert.equal(k.restoreKeys.length, 1);
  assert.ok(k.key.startsWith(k.restoreKeys[0]));
  assert.ok(!k.key.includes(',') && k.key.length <= 512, 'a key @actions/cache accepts');
  assert.deepEqual(buildCacheKeys(parts()), k, 'the same parts give the same key');
  // File order does not matter.
  assert.equal(buildCacheKeys(parts({ files: [...parts().files].reverse() })).key, k.key);
});

test('every part changes the key; only the toolchain, target and runner change the restore key', () => {
  const base = buildCacheKeys(parts());
  const changed: [string, Partial<BuildKeyParts>, boolean][] = [
    [
      'Cargo.lock',
      { files: [{ name: 'Cargo.lock', content: 'lock v2' }, { name: 'rust-toolchain.toml' }, { name: '.cargo/config.toml', content: '[build]\n' }] },
      false,
    ],
    [
      'a toolchain file appears',
      {
        files: [
          { name: 'Cargo.lock', content: 'lock v1' },
          { name: 'rust-toolchain.toml', content: '[toolchain]\nchannel = "nightly"' },
          { name: '.cargo/config.toml', content: '[build]\n' },
        ],
      },
      false,
    ],
    [
      'cargo config',
      {
        files: [
          { name: 'Cargo.lock', content: 'lock v1' },
          { name: 'rust-toolchain.toml' },
          { name: '.cargo/config.toml', content: '[build]\nrustflags = ["-Cforce-frame-pointers"]' },
        ],
      },
      false,
    ],
    ['an input', { inputs: { ...parts().inputs, 'cargo-args': '' } }, false],
    ['RUSTFLAGS', { env: { RUSTFLAGS: '-D warnings' } }, false],
    ['the action version', { actionVersion: '1.1.0' }, false],
    ['rustc', { rustcVerbose: RUSTC.replace('0123456789abcdef', 'fedcba9876543210') }, true],
    ['target', { target: 'aarch64-unknown-none' }, true],
    ['arch', { arch: 'arm64' }, true],
  ];
  for (const [what, over, newRestoreKey] of changed) {
    const k = buildCacheKeys(parts(over));
    assert.notEqual(k.key, base.key, `${what} changes the key`);
    assert.equal(k.restoreKeys[0] !== base.restoreKeys[0], newRestoreKey, `${what} ${newRestoreKey ? 'changes' : 'keeps'} the restore key`);
  }
});

test('rustcLabel', () => {
  assert.equal(rustcLabel(RUSTC), '1.96.0-nightly-2026-06-01');
  assert.equal(rustcLabel('rustc 1.96.0 (abc 2026-05-01)\nrelease: 1.96.0\ncommit-date: 2026-05-01\n'), '1.96.0');
  assert.equal(rustcLabel('rustc 1.85.0\n'), '1.85.0');
});

test('keyEnvironment: what changes the build, not where things are', () => {
  const env = keyEnvironment({
    RUSTFLAGS: '-Dwarnings',
    CARGO_PROFILE_RELEASE_LTO: 'true',
    CC: 'clang',
    CARGO_HOME: '/h',
    CARGO_TARGET_DIR: '/t',
    CARGO_TERM_COLOR: 'always',
    RUSTUP_TOOLCHAIN: 'x',
    PATH: '/bin',
    HOME: '/root',
    CARGO_REGISTRY_TOKEN: 'secret',
  });
  assert.deepEqual(env, { CARGO_PROFILE_RELEASE_LTO: 'true', CC: 'clang', RUSTFLAGS: '-Dwarnings' });
});

test('tools key: exact only, changes with a version or checksum', () => {
  const t = (v: string, pin?: string) =>
    toolsCacheKeys({ tools: [{ name: 'hermit-loader-x86_64', version: v, pin }], actionVersion: '1', platform: 'linux', arch: 'x64' });
  assert.match(t('0.5.7').key, /^unikernel-boot-v2-tools-linux-x64-hermit-loader-x86_64-[0-9a-f]{20}$/);
  assert.deepEqual(t('0.5.7').restoreKeys, []);
  assert.notEqual(t('0.5.7').key, t('0.5.6').key);
  assert.notEqual(t('0.5.7', 'aa').key, t('0.5.7', 'bb').key);
});

test('keyFiles finds Cargo.lock, the toolchain file and cargo configs where cargo and rustup look', () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'keyfiles-'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'keyfiles-home-'));
  const crate = path.join(ws, 'kernels', 'hello');
  fs.mkdirSync(path.join(crate, '.cargo'), { recursive: true });
  fs.mkdirSync(path.join(ws, '.cargo'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'Cargo.lock'), 'workspace lock');
  fs.writeFileSync(path.join(ws, 'rust-toolchain.toml'), '[toolchain]\nchannel = "nightly"\n');
  fs.writeFileSync(path.join(crate, '.cargo', 'config.toml'), '[build]\ntarget-dir = "out"\n');
  fs.writeFileSync(path.join(ws, '.cargo', 'config'), '[net]\n');
  fs.writeFileSync(path.join(home, 'config.toml'), '[registries]\n');
  const files = keyFiles({ workingDirectory: crate, workspace: ws, cargoHome: home });
  const names = files.map((f) => f.name);
  for (const n of [
    'Cargo.lock',
    'rust-toolchain.toml',
    path.join('kernels', 'hello', '.cargo', 'config.toml'),
    path.join('.cargo', 'config'),
    path.join(home, 'config.toml'),
  ])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.equal(String(files.find((f) => f.name === 'Cargo.lock')!.content), 'workspace lock');
  fs.rmSync(ws, { recursive: true });
  fs.rmSync(home, { recursive: true });
});

test('cache-key goes before every key and restore key, and only there', () => {
  const plain = buildCacheKeys(parts());
  const mine = buildCacheKeys(parts({ prefix: 'pr-42' }));
  assert.equal(mine.key, `pr-42-${plain.key}`);
  assert.deepEqual(mine.restoreKeys, [`pr-42-${plain.restoreKeys[0]}`]);
  const tools = (prefix?: string) =>
    toolsCacheKeys({ tools: [{ name: 'hermit-loader-x86_64', version: '0.5.7' }], actionVersion: '1', platform: 'linux', arch: 'x64', prefix }).key;
  assert.equal(tools('pr-42'), `pr-42-${tools()}`);
  // Another prefix never restores this one's entries: a restore key is a prefix match.
  assert.ok(!buildCacheKeys(parts({ prefix: 'pr-4' })).restoreKeys.some((r) => mine.key.startsWith(r)));
});
