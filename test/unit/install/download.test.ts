import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { fetchAsset, githubAssetDigest, describeAsset, type Asset } from '../../../src/install/download.js';
import { freshToolCache, serve, type TestServer } from '../../../test/helpers/http-server.js';

// Test files served by a local HTTP server on 127.0.0.1 stand in for release assets.
const GOOD = Buffer.from('test file: a stand-in for a release asset\n');
const GOOD_SHA = createHash('sha256').update(GOOD).digest('hex');
let server: TestServer;

before(async () => {
  freshToolCache('dl-');
  server = await serve({
    '/files/test-asset.bin': [200, GOOD],
    '/files/missing.bin': [404, 'no'],
    '/repos/test-owner/test-repo/releases/tags/v1.0.0': [200, JSON.stringify({ assets: [{ name: 'test-asset.bin', digest: `sha256:${GOOD_SHA}` }, { name: 'no-digest.bin', digest: null }] })],
  });
});
after(() => server.close());

const asset = (over: Partial<Asset> = {}): Asset => ({ tool: 'test-tool', version: '1.0.0', url: `${server.base}/files/test-asset.bin`, fileName: 'test-asset.bin', sha256: GOOD_SHA, ...over });

test('a good test file is downloaded, verified and cached; the second fetch is served from the tool cache', async () => {
  const file = await fetchAsset(asset());
  assert.deepEqual(fs.readFileSync(file), GOOD);
  const n = server.requests.length;
  const again = await fetchAsset(asset());
  assert.equal(again, file);
  assert.equal(server.requests.length, n, 'no second download');
  assert.equal(describeAsset(asset()).cached, file);
});

test('a wrong checksum fails closed and caches nothing', async () => {
  await assert.rejects(fetchAsset(asset({ version: '2.0.0', sha256: 'a'.repeat(64) })), /does not match its checksum \(expected sha256 a{64}, got [0-9a-f]{64}\); it was deleted and not used/);
  assert.equal(describeAsset(asset({ version: '2.0.0' })).cached, undefined);
});

test('a server error is a clear message naming the URL and status', async () => {
  await assert.rejects(fetchAsset(asset({ version: '3.0.0', url: `${server.base}/files/missing.bin` })), /Could not download test-tool 3.0.0 from http:\/\/127.0.0.1:\d+\/files\/missing.bin: HTTP 404/);
});

test("GitHub's published digest is read from the releases API (test server)", async () => {
  const ref = { api: server.base, owner: 'test-owner', repo: 'test-repo', tag: 'v1.0.0', asset: 'test-asset.bin' };
  assert.equal(await githubAssetDigest(ref, ''), GOOD_SHA);
  const file = await fetchAsset(asset({ version: '4.0.0', sha256: { githubRelease: ref } }));
  assert.deepEqual(fs.readFileSync(file), GOOD);
  await assert.rejects(githubAssetDigest({ ...ref, asset: 'no-digest.bin' }, ''), /publishes no sha256 digest/);
  await assert.rejects(githubAssetDigest({ ...ref, asset: 'other.bin' }, ''), /has no asset named other.bin \(it has: test-asset.bin, no-digest.bin\)/);
  await assert.rejects(githubAssetDigest({ ...ref, tag: 'v9' }, ''), /answered HTTP 404/);
});
