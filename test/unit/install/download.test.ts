import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import {
  checksumFromFile,
  fetchAsset,
  githubAssetDigest,
  githubHosts,
  githubToken,
  describeAsset,
  probeUrl,
  type Asset,
} from '../../../src/install/download.js';
import { readRunnerEnv } from '../../../src/model/runner-env.js';
import { connectProxy } from '../../helpers/connect-proxy.js';
import { freshToolCache, serve, type TestServer } from '../../helpers/http-server.js';

// Test files served by a local HTTP server on 127.0.0.1 stand in for release assets.
const GOOD = Buffer.from('test file: a stand-in for a release asset\n');
const GOOD_SHA = createHash('sha256').update(GOOD).digest('hex');
let server: TestServer;

/** The runner's environment as main.ts reads it: freshToolCache put the tool cache and RUNNER_TEMP in process.env, where @actions/tool-cache reads them too. */
const runner = () => readRunnerEnv();

before(async () => {
  freshToolCache('dl-');
  server = await serve({
    '/files/test-asset.bin': [200, GOOD],
    '/files/missing.bin': [404, 'no'],
    '/repos/test-owner/test-repo/releases/tags/v1.0.0': [
      200,
      JSON.stringify({
        assets: [
          { name: 'test-asset.bin', digest: `sha256:${GOOD_SHA}` },
          { name: 'no-digest.bin', digest: null },
        ],
      }),
    ],
    '/repos/test-owner/test-repo/releases/tags/v1.0.0-nodigest': [200, JSON.stringify({ assets: [{ name: 'no-digest.bin', digest: null }] })],
    '/repos/test-owner/test-repo/releases/tags/v403': [403, '{"message":"API rate limit exceeded"}'],
    '/repos/test-owner/test-repo/releases/tags/v503': [503, 'unavailable'],
    '/repos/test-owner/test-repo/releases/tags/v401': [401, '{"message":"Bad credentials"}'],
    '/files/test-asset.bin.sha256': [200, `${GOOD_SHA}  test-asset.bin\n`],
    '/files/garbled.sha256': [200, 'not a checksum\n'],
    '/files/no-digest.bin': [200, GOOD],
    '/files/broken.bin': [500, 'server error'],
    '/files/flaky.bin': [
      [503, 'busy'],
      [200, GOOD],
    ],
    '/files/checksums.txt': [200, `${GOOD_SHA}  test-asset.bin\n${GOOD_SHA}  no-digest.bin\n${'0'.repeat(64)}  unrelated.tar.gz\n`],
  });
});
after(() => server.close());

const asset = (over: Partial<Asset> = {}): Asset => ({
  tool: 'test-tool',
  version: '1.0.0',
  url: `${server.base}/files/test-asset.bin`,
  fileName: 'test-asset.bin',
  sha256: GOOD_SHA,
  ...over,
});

test('a good test file is downloaded, verified and cached; the second fetch is served from the tool cache', async () => {
  const file = await fetchAsset(asset(), runner());
  assert.deepEqual(fs.readFileSync(file), GOOD);
  const n = server.requests.length;
  const again = await fetchAsset(asset(), runner());
  assert.equal(again, file);
  assert.equal(server.requests.length, n, 'no second download');
  assert.equal(describeAsset(asset(), runner()).cached, file);
});

test('a wrong checksum fails closed and caches nothing', async () => {
  await assert.rejects(
    fetchAsset(asset({ version: '2.0.0', sha256: 'a'.repeat(64) }), runner()),
    /does not match its checksum \(expected sha256 a{64}, got [0-9a-f]{64}\); it was deleted and not used/,
  );
  assert.equal(describeAsset(asset({ version: '2.0.0' }), runner()).cached, undefined);
});

test('a server error is a clear message naming the URL and status', async () => {
  await assert.rejects(
    fetchAsset(asset({ version: '3.0.0', url: `${server.base}/files/missing.bin` }), runner()),
    /Could not download test-tool 3.0.0 from http:\/\/127.0.0.1:\d+\/files\/missing.bin: HTTP 404/,
  );
});

test("GitHub's published digest is read from the releases API (test server)", async () => {
  const ref = { api: server.base, owner: 'test-owner', repo: 'test-repo', tag: 'v1.0.0', asset: 'test-asset.bin' };
  assert.equal(await githubAssetDigest(ref, ''), GOOD_SHA);
  const file = await fetchAsset(asset({ version: '4.0.0', sha256: { githubRelease: ref } }), runner());
  assert.deepEqual(fs.readFileSync(file), GOOD);
  await assert.rejects(githubAssetDigest({ ...ref, asset: 'no-digest.bin' }, ''), /publishes no sha256 digest/);
  await assert.rejects(githubAssetDigest({ ...ref, asset: 'other.bin' }, ''), /has no asset named other.bin \(it has: test-asset.bin, no-digest.bin\)/);
  await assert.rejects(githubAssetDigest({ ...ref, tag: 'v9' }, ''), /answered HTTP 404/);
});

// A server error is tried again by the injected policy (three attempts, 10 ms apart), not by
// tool-cache's 10-20 s back-off.
const FAST = { attempts: 3, delayMs: () => 10 };

test('a server error (HTTP 500) is tried again, then reported with the attempts; nothing is cached', async () => {
  const before = server.requests.length;
  await assert.rejects(
    fetchAsset(asset({ version: '5.0.0', url: `${server.base}/files/broken.bin` }), runner(), FAST),
    /Could not download test-tool 5.0.0 from http:\/\/127.0.0.1:\d+\/files\/broken.bin: HTTP 500 \(after 3 attempts\)/,
  );
  assert.equal(server.requests.slice(before).filter((r) => r === '/files/broken.bin').length, 3);
  assert.equal(describeAsset(asset({ version: '5.0.0' }), runner()).cached, undefined);
});

test('a server that recovers: the second attempt succeeds', async () => {
  const file = await fetchAsset(asset({ version: '5.1.0', url: `${server.base}/files/flaky.bin` }), runner(), FAST);
  assert.deepEqual(fs.readFileSync(file), GOOD);
});

test('the token input goes to the releases API (and only there)', async () => {
  {
    const ref = { api: server.base, owner: 'test-owner', repo: 'test-repo', tag: 'v1.0.0', asset: 'test-asset.bin' };
    const before = server.requests.length;
    await fetchAsset(asset({ version: '6.0.0', sha256: { githubRelease: ref } }), runner(), FAST, 'test-token-w11');
    const seen = server.requests.slice(before).map((r, i) => [r, server.auth[before + i]]);
    assert.deepEqual(seen, [
      ['/repos/test-owner/test-repo/releases/tags/v1.0.0', 'Bearer test-token-w11'],
      ['/files/test-asset.bin', ''],
    ]);
  }
});

test("the API unreachable (rate limit, server error, no digest): the publisher's checksums file is used; without it nothing is downloaded", async () => {
  const checksums = { url: `${server.base}/files/checksums.txt` };
  for (const tag of ['v401', 'v403', 'v503', 'v1.0.0-nodigest']) {
    const ref = { api: server.base, owner: 'test-owner', repo: 'test-repo', tag, asset: tag === 'v1.0.0-nodigest' ? 'no-digest.bin' : 'test-asset.bin' };
    const file = await fetchAsset(asset({ version: `7.0.0-${tag}`, fileName: ref.asset, sha256: { githubRelease: ref, checksums } }), runner(), FAST);
    assert.deepEqual(fs.readFileSync(file), GOOD, tag);
  }
  // No connection at all to the API (a closed port).
  const closed = await serve({});
  await closed.close();
  const unreachable = { api: closed.base, owner: 'test-owner', repo: 'test-repo', tag: 'v1.0.0', asset: 'test-asset.bin' };
  assert.deepEqual(fs.readFileSync(await fetchAsset(asset({ version: '7.1.0', sha256: { githubRelease: unreachable, checksums } }), runner(), FAST)), GOOD);

  // The checksums file missing, or not listing the asset: refused before any download.
  const before = server.requests.length;
  await assert.rejects(
    fetchAsset(asset({ version: '7.2.0', sha256: { githubRelease: unreachable, checksums: { url: `${server.base}/files/missing.bin` } } }), runner(), FAST),
    /Could not reach .* The publisher's checksums file could not be had either \(HTTP 404\); nothing was downloaded/,
  );
  await assert.rejects(
    fetchAsset(
      asset({ version: '7.3.0', fileName: 'other.bin', sha256: { githubRelease: { ...unreachable, asset: 'other.bin' }, checksums } }),
      runner(),
      FAST,
    ),
    /checksums.txt lists no checksum for other.bin; nothing was downloaded/,
  );
  await assert.rejects(fetchAsset(asset({ version: '7.4.0', sha256: { githubRelease: unreachable } }), runner(), FAST), /Could not reach/);
  assert.ok(!server.requests.slice(before).includes('/files/test-asset.bin'), 'the asset was not downloaded');
  // A release that does not exist (404) is not an unreachable API: no fallback.
  await assert.rejects(
    fetchAsset(asset({ version: '7.5.0', sha256: { githubRelease: { ...unreachable, api: server.base, tag: 'v9' }, checksums } }), runner(), FAST),
    /answered HTTP 404/,
  );
});

test('checksums files: sha256sum text and binary forms; other names are not taken', () => {
  const text = `${'a'.repeat(64)}  kraft_1_linux_amd64.tar.gz\n${'B'.repeat(64)} *kraft_1_linux_arm64.tar.gz\n`;
  assert.equal(checksumFromFile(text, 'kraft_1_linux_amd64.tar.gz'), 'a'.repeat(64));
  assert.equal(checksumFromFile(text, 'kraft_1_linux_arm64.tar.gz'), 'b'.repeat(64));
  assert.equal(checksumFromFile(text, 'kraft_1_linux_amd64.tar'), undefined);
});

test('GHES-aware defaults: the API base from GITHUB_API_URL and the token only when the runner is on github.com', () => {
  assert.deepEqual(githubHosts({}), { download: 'https://github.com', api: 'https://api.github.com' });
  const dotcom = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_API_URL: 'http://api.test:8080', GITHUB_TOKEN: 'test-token-dotcom' };
  assert.deepEqual(githubHosts(dotcom), { download: 'https://github.com', api: 'http://api.test:8080' });
  assert.equal(githubToken(dotcom), 'test-token-dotcom');
  // A GHES runner: its API and token are its own server's, which has none of the upstream releases.
  const ghes = { GITHUB_SERVER_URL: 'https://ghes.test', GITHUB_API_URL: 'https://ghes.test/api/v3', GITHUB_TOKEN: 'test-token-ghes' };
  assert.deepEqual(githubHosts(ghes), { download: 'https://github.com', api: 'https://api.github.com' });
  assert.equal(githubToken(ghes), '');
});

test("a checksum published next to the file (rustup's <file>.sha256) is fetched and checked; a garbled one refuses the download", async () => {
  const file = await fetchAsset(asset({ version: '8.0.0', sha256: { sha256Url: `${server.base}/files/test-asset.bin.sha256` } }), runner(), FAST);
  assert.deepEqual(fs.readFileSync(file), GOOD);
  const before = server.requests.length;
  await assert.rejects(
    fetchAsset(asset({ version: '8.1.0', sha256: { sha256Url: `${server.base}/files/garbled.sha256` } }), runner(), FAST),
    /garbled.sha256 holds no sha256 .*nothing was downloaded/,
  );
  await assert.rejects(
    fetchAsset(asset({ version: '8.2.0', sha256: { sha256Url: `${server.base}/files/missing.bin` } }), runner(), FAST),
    /Could not download the checksum of test-tool from .*missing.bin: HTTP 404; nothing was downloaded/,
  );
  assert.ok(!server.requests.slice(before).includes('/files/test-asset.bin'), 'the asset was not downloaded');
});

test('HTTP_PROXY/HTTPS_PROXY are honoured: a host only the local CONNECT proxy resolves is reached through it (API, checksums file, asset)', async () => {
  const proxy = await connectProxy();
  const port = new URL(server.base).port;
  // @actions/http-client never proxies loopback addresses, so the test server is named by a made-up host.
  const base = `http://downloads.proxy-test.invalid:${port}`;
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
  try {
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    delete process.env.http_proxy;
    // Without the proxy the name does not resolve: the download fails.
    delete process.env.HTTP_PROXY;
    await assert.rejects(
      fetchAsset(asset({ version: '9.0.0', url: `${base}/files/test-asset.bin` }), runner(), { attempts: 1, delayMs: () => 0 }),
      /Could not download/,
    );
    // http URLs go through HTTP_PROXY (https ones through HTTPS_PROXY), tunnelled with CONNECT.
    process.env.HTTP_PROXY = proxy.url;
    const ref = { api: base, owner: 'test-owner', repo: 'test-repo', tag: 'v1.0.0', asset: 'test-asset.bin' };
    const file = await fetchAsset(asset({ version: '9.1.0', url: `${base}/files/test-asset.bin`, sha256: { githubRelease: ref } }), runner(), FAST);
    assert.deepEqual(fs.readFileSync(file), GOOD);
    const viaFile = await fetchAsset(
      asset({
        version: '9.2.0',
        url: `${base}/files/test-asset.bin`,
        sha256: { githubRelease: { ...ref, tag: 'v503' }, checksums: { url: `${base}/files/checksums.txt` } },
      }),
      runner(),
      FAST,
    );
    assert.deepEqual(fs.readFileSync(viaFile), GOOD);
    assert.ok(proxy.connects.length >= 4, `every request tunnelled: ${proxy.connects.join(', ')}`);
    assert.ok(proxy.connects.every((c) => c === `downloads.proxy-test.invalid:${port}`));
    assert.deepEqual(await probeUrl(`${base}/files/test-asset.bin`, 5000), { ok: true });
    // NO_PROXY names the host: not proxied, so not resolved.
    process.env.NO_PROXY = 'proxy-test.invalid';
    await assert.rejects(
      fetchAsset(asset({ version: '9.3.0', url: `${base}/files/test-asset.bin` }), runner(), { attempts: 1, delayMs: () => 0 }),
      /Could not download/,
    );
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await proxy.close();
  }
});
