// KraftKit's release archive fetched through install/download.ts from a local HTTP test server
// (127.0.0.1) that stands in for github.com and api.github.com: verified, cached, unpacked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractTarAsset, fetchAsset, GITHUB } from '../../../../src/install/download.js';
import { readRunnerEnv } from '../../../../src/model/runner-env.js';
import { kraftkitAsset, goArch, KRAFTKIT_FILES, KRAFTKIT_TOOL } from '../../../../src/targets/unikraft/kraftkit.js';
import { freshToolCache, serve, type TestServer } from '../../../../test/helpers/http-server.js';
import { tempDir } from '../../../helpers/tmp.js';

let server: TestServer;
let archive: Buffer;
let sha: string;
const VERSION = '9.8.7';
const NAME = `kraft_${VERSION}_linux_${goArch(process.arch)}.tar.gz`;

before(async () => {
  const tmp = freshToolCache('kraftkit-dl-');
  // A test archive laid out like KraftKit's (kraft and kraftld at the top), holding stand-in scripts.
  const src = path.join(tmp, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'kraft'), '#!/bin/sh\necho "test stand-in kraft"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'kraftld'), '#!/bin/sh\necho "test stand-in kraftld"\n', { mode: 0o644 });
  fs.writeFileSync(path.join(src, 'LICENSE.md'), 'test\n');
  execFileSync('tar', ['-czf', path.join(tmp, NAME), '-C', src, 'kraft', 'kraftld', 'LICENSE.md']);
  archive = fs.readFileSync(path.join(tmp, NAME));
  sha = createHash('sha256').update(archive).digest('hex');
  execFileSync('tar', ['-czf', path.join(tmp, 'no-kraftld.tar.gz'), '-C', src, 'kraft']);
  server = await serve({
    [`/unikraft/kraftkit/releases/download/v${VERSION}/${NAME}`]: [200, archive],
    [`/repos/unikraft/kraftkit/releases/tags/v${VERSION}`]: [200, JSON.stringify({ assets: [{ name: NAME, digest: `sha256:${sha}` }] })],
    [`/unikraft/kraftkit/releases/download/v1.0.0/kraft_1.0.0_linux_${goArch(process.arch)}.tar.gz`]: [
      200,
      fs.readFileSync(path.join(tmp, 'no-kraftld.tar.gz')),
    ],
  });
});
after(() => server.close());

const bases = () => ({ api: server.base, download: server.base });

/** The runner's environment as main.ts reads it: freshToolCache put the tool cache and RUNNER_TEMP in process.env, where @actions/tool-cache reads them too. */
const runner = () => readRunnerEnv();

test("the asset names the upstream archive and URL, checked against GitHub's digest unless a sha256 is given", () => {
  const a = kraftkitAsset('0.12.15', 'x64', undefined, GITHUB);
  assert.equal(a.url, 'https://github.com/unikraft/kraftkit/releases/download/v0.12.15/kraft_0.12.15_linux_amd64.tar.gz');
  assert.deepEqual(a.sha256, {
    githubRelease: { api: 'https://api.github.com', owner: 'unikraft', repo: 'kraftkit', tag: 'v0.12.15', asset: 'kraft_0.12.15_linux_amd64.tar.gz' },
    checksums: { url: 'https://github.com/unikraft/kraftkit/releases/download/v0.12.15/kraftkit_0.12.15_checksums.txt' },
  });
  assert.equal(kraftkitAsset('0.12.15', 'arm64', 'ab'.repeat(32), GITHUB).fileName, 'kraft_0.12.15_linux_arm64.tar.gz');
  assert.throws(() => goArch('ia32'), /amd64 and arm64 only; this runner is ia32\. Install kraft and kraftld yourself and set kraftkit: system/);
});

test('test archive: downloaded, verified with the published digest, cached, unpacked with kraft and kraftld executable; the second run downloads nothing', async () => {
  const a = kraftkitAsset(VERSION, process.arch, undefined, bases());
  const file = await fetchAsset(a, runner());
  assert.deepEqual(fs.readFileSync(file), archive);
  const dir = await extractTarAsset(file, a, KRAFTKIT_TOOL, KRAFTKIT_FILES);
  for (const f of KRAFTKIT_FILES) assert.ok(fs.statSync(path.join(dir, f)).mode & 0o100, `${f} is executable`);
  assert.equal(execFileSync(path.join(dir, 'kraftld'), { encoding: 'utf8' }), 'test stand-in kraftld\n');
  const n = server.requests.length;
  const again = await fetchAsset(a, runner());
  assert.equal(await extractTarAsset(again, a, KRAFTKIT_TOOL, KRAFTKIT_FILES), dir);
  assert.equal(server.requests.length, n, 'served from the tool cache');
});

test('a wrong sha256 input fails closed; an archive without kraftld is refused', async () => {
  await assert.rejects(
    fetchAsset({ ...kraftkitAsset(VERSION, process.arch, 'f'.repeat(64), bases()), version: '9.8.8' }, runner()),
    /does not match its checksum \(expected sha256 f{64}/,
  );
  const a = kraftkitAsset('1.0.0', process.arch, undefined, bases());
  // GitHub (the test server) publishes no release 1.0.0: the digest cannot be had, nothing is downloaded.
  await assert.rejects(fetchAsset(a, runner()), /answered HTTP 404 when asked for release v1.0.0 of unikraft\/kraftkit/);
  const b = {
    ...a,
    sha256: createHash('sha256')
      .update(fs.readFileSync(await downloadRaw(a.url)))
      .digest('hex'),
  };
  const file = await fetchAsset(b, runner());
  await assert.rejects(extractTarAsset(file, b, 'kraftkit-no-ld', KRAFTKIT_FILES), /has no kraftld; check the version/);
});

async function downloadRaw(url: string): Promise<string> {
  const res = await fetch(url);
  const p = path.join(tempDir('raw-'), 'f');
  fs.writeFileSync(p, Buffer.from(await res.arrayBuffer()));
  return p;
}
