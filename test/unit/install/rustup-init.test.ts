import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureRustup, findOnPath, rustupHomes, rustupHostTriple, rustupInitAsset } from '../../../src/install/rustup-init.js';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import { tempDir } from '../../helpers/tmp.js';

test("rustup-init's URL and published sha256, as rustup-init.sh builds them; RUSTUP_UPDATE_ROOT overrides the server", () => {
  const a = rustupInitAsset({}, 'x86_64-unknown-linux-gnu', new Date('2026-12-02T10:00:00Z'));
  assert.equal(a.url, 'https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu/rustup-init');
  assert.deepEqual(a.sha256, { sha256Url: 'https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu/rustup-init.sha256' });
  assert.equal(a.version, '2026.12.2', 'tool-cached for a day');
  assert.equal(
    rustupInitAsset({ RUSTUP_UPDATE_ROOT: 'http://mirror.test/rustup/' }, 'aarch64-unknown-linux-musl').url,
    'http://mirror.test/rustup/dist/aarch64-unknown-linux-musl/rustup-init',
  );
});

test('host triples: x64 and arm64, glibc or musl (Alpine containers)', () => {
  assert.equal(rustupHostTriple('x64', true), 'x86_64-unknown-linux-gnu');
  assert.equal(rustupHostTriple('arm64', true), 'aarch64-unknown-linux-gnu');
  assert.equal(rustupHostTriple('x64', false), 'x86_64-unknown-linux-musl');
  assert.equal(rustupHostTriple(), process.arch === 'arm64' ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu', 'this machine: Debian, glibc');
});

test("CARGO_HOME and RUSTUP_HOME: the environment's, else under HOME, as rustup decides", () => {
  assert.deepEqual(rustupHomes({ HOME: '/home/u' }), { cargoHome: '/home/u/.cargo', rustupHome: '/home/u/.rustup' });
  assert.deepEqual(rustupHomes({ HOME: '/home/u', CARGO_HOME: '/c', RUSTUP_HOME: '/r' }), { cargoHome: '/c', rustupHome: '/r' });
});

test('rustup on PATH is used as it is; one in CARGO_HOME/bin but not on PATH is put on PATH, nothing downloaded', async () => {
  const dir = tempDir('rustup-init-unit-');
  const onPath = path.join(dir, 'path');
  fs.mkdirSync(onPath);
  fs.writeFileSync(path.join(onPath, 'rustup'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(findOnPath('rustup', { PATH: `/nonexistent:${onPath}` }), path.join(onPath, 'rustup'));
  assert.deepEqual(await ensureRustup(readRunnerEnv({ PATH: onPath })), { rustup: path.join(onPath, 'rustup'), installed: false });

  const cargoBin = path.join(dir, 'cargo', 'bin');
  fs.mkdirSync(cargoBin, { recursive: true });
  fs.writeFileSync(path.join(cargoBin, 'rustup'), '#!/bin/sh\n', { mode: 0o755 });
  const savedPath = process.env.PATH;
  const githubPath = path.join(dir, 'github_path');
  fs.writeFileSync(githubPath, '');
  const savedGithubPath = process.env.GITHUB_PATH;
  process.env.GITHUB_PATH = githubPath;
  try {
    // No update root that could answer: a download would fail the test.
    const r = await ensureRustup(
      readRunnerEnv({ PATH: '/nonexistent', CARGO_HOME: path.join(dir, 'cargo'), HOME: dir, RUSTUP_UPDATE_ROOT: 'http://127.0.0.1:1/none' }),
    );
    assert.deepEqual(r, { rustup: path.join(cargoBin, 'rustup'), addedToPath: cargoBin, installed: false });
    assert.equal(fs.readFileSync(githubPath, 'utf8').trim(), cargoBin, 'exported for later steps');
    assert.ok(process.env.PATH!.startsWith(`${cargoBin}${path.delimiter}`), 'and on PATH for this step');
  } finally {
    process.env.PATH = savedPath;
    if (savedGithubPath === undefined) delete process.env.GITHUB_PATH;
    else process.env.GITHUB_PATH = savedGithubPath;
  }
});

test('no rustup and no server to install it from: a toolchain error that says what to do instead', async () => {
  const dir = tempDir('rustup-init-unit-');
  await assert.rejects(
    ensureRustup(readRunnerEnv({ PATH: '/nonexistent', HOME: dir, RUSTUP_UPDATE_ROOT: 'http://127.0.0.1:1/none' }), { attempts: 1, delayMs: () => 0 }),
    /rustup is not installed and could not be installed: Could not download the checksum of rustup-init-\S+ from http:\/\/127\.0\.0\.1:1\/none\/dist\/\S+\/rustup-init\.sha256: .*nothing was downloaded\. Install rustup before this step, or use toolchain: distro/,
  );
  assert.equal(fs.existsSync(path.join(dir, '.cargo', 'bin', 'rustup')), false);
});
