import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCachePaths, cargoFlag, cargoTargetDir, configTargetDirs, profileDir, toolCachePaths } from '../../../src/cache/paths.js';

test('cargoTargetDir follows cargo: --target-dir, CARGO_TARGET_DIR, CARGO_BUILD_TARGET_DIR, build.target-dir, then <workspace>/target', () => {
  const base = { workingDirectory: '/ws/crate', workspaceRoot: '/ws', cargoArgs: [], env: {} };
  assert.equal(cargoTargetDir(base), '/ws/target');
  assert.equal(cargoTargetDir({ ...base, configTargetDirs: [{ dir: '/ws/crate', targetDir: 'out' }] }), '/ws/crate/out');
  assert.equal(cargoTargetDir({ ...base, env: { CARGO_BUILD_TARGET_DIR: 'b' }, configTargetDirs: [{ dir: '/ws', targetDir: 'out' }] }), '/ws/crate/b');
  assert.equal(cargoTargetDir({ ...base, env: { CARGO_TARGET_DIR: '/tmp/t', CARGO_BUILD_TARGET_DIR: 'b' } }), '/tmp/t');
  assert.equal(cargoTargetDir({ ...base, env: { CARGO_TARGET_DIR: 'rel' } }), '/ws/crate/rel');
  assert.equal(cargoTargetDir({ ...base, cargoArgs: ['--release', '--target-dir', 'x'], env: { CARGO_TARGET_DIR: '/tmp/t' } }), '/ws/crate/x');
  assert.equal(cargoTargetDir({ ...base, cargoArgs: ['--target-dir=/abs'] }), '/abs');
});

test('profileDir and cargoFlag', () => {
  assert.equal(profileDir([]), 'debug');
  assert.equal(profileDir(['--release']), 'release');
  assert.equal(profileDir(['-r']), 'release');
  assert.equal(profileDir(['--profile', 'dist']), 'dist');
  assert.equal(profileDir(['--profile=dev']), 'debug');
  assert.equal(cargoFlag(['--features', 'a', '--features=b'], '--features'), 'b');
  assert.equal(cargoFlag(['--features'], '--features'), undefined);
});

test('configTargetDirs reads build.target-dir of each config, nearest first; config.toml wins over config', () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const crate = path.join(ws, 'crate');
  fs.mkdirSync(path.join(crate, '.cargo'), { recursive: true });
  fs.mkdirSync(path.join(ws, '.cargo'), { recursive: true });
  fs.writeFileSync(path.join(crate, '.cargo', 'config.toml'), '[build]\ntarget-dir = "near"\n');
  fs.writeFileSync(path.join(crate, '.cargo', 'config'), '[build]\ntarget-dir = "ignored"\n');
  fs.writeFileSync(path.join(ws, '.cargo', 'config.toml'), '[build]\ntarget-dir = "far"\n');
  assert.deepEqual(configTargetDirs(crate).slice(0, 2), [
    { dir: crate, targetDir: 'near' },
    { dir: ws, targetDir: 'far' },
  ]);
  fs.rmSync(ws, { recursive: true });
});

test('the build entry: the target folder (build-std inside), host artifacts of the profile, the registry and git checkouts', () => {
  assert.deepEqual(buildCachePaths({ targetDir: '/t', target: 'x86_64-unknown-none', cargoArgs: ['--release'], cargoHome: '/h' }), [
    '/t/x86_64-unknown-none',
    '/t/release',
    '/h/registry/index',
    '/h/registry/cache',
    '/h/git/db',
    '/h/git/checkouts',
  ]);
  assert.deepEqual(toolCachePaths({ toolCache: '/tc', tools: ['kraftkit'], builtFiles: ['/h/bin/uhyve'] }), ['/tc/kraftkit', '/h/bin/uhyve']);
});
