// The cache module against a STAND-IN of GitHub's cache service on 127.0.0.1
// (test/standins/cache-service.ts): the real @actions/cache library talks to it over HTTP, tars and
// compresses real folders, uploads them the way it uploads to GitHub's blob storage, and restores them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { ActionCache, cacheServiceUrl, whyNoCache, type CacheEntry } from '../../../src/cache/service.js';
import { startCacheServiceStandin, type CacheServiceStandin } from '../../standins/cache-service.js';

let standin: CacheServiceStandin;
let tmp: string;
const saved: Record<string, string | undefined> = {};
const ENV = [
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_WORKSPACE',
  'RUNNER_TEMP',
  'GITHUB_SERVER_URL',
];

before(async () => {
  for (const k of ENV) saved[k] = process.env[k];
  standin = await startCacheServiceStandin();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-service-test-'));
  delete process.env.GITHUB_SERVER_URL;
  delete process.env.ACTIONS_CACHE_URL;
  Object.assign(process.env, standin.env(), { GITHUB_WORKSPACE: path.join(tmp, 'ws'), RUNNER_TEMP: path.join(tmp, 'runner-temp') });
  fs.mkdirSync(process.env.RUNNER_TEMP!, { recursive: true });
});
after(async () => {
  await standin.close();
  for (const k of ENV)
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A target folder inside the workspace and a cargo home outside it, as on a runner. */
function makeBuild(): { entry: CacheEntry; files: Record<string, string> } {
  const ws = process.env.GITHUB_WORKSPACE!;
  const files: Record<string, string> = {
    [path.join(ws, 'target', 'x86_64-unknown-none', 'debug', 'deps', 'libcore-1234.rlib')]: 'core '.repeat(50_000),
    [path.join(ws, 'target', 'debug', 'build', 'kernel-abcd', 'output')]: 'cargo:rustc-link-arg-bins=-Tlinker.ld\n',
    [path.join(tmp, 'cargo-home', 'registry', 'cache', 'index.crates.io-x', 'foo-1.0.0.crate')]: 'crate bytes',
  };
  for (const [f, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, c);
  }
  const entry: CacheEntry = {
    name: 'build',
    key: 'unikernel-boot-v1-linux-x64-x86_64-unknown-none-1.96.0-aaaa-bbbb',
    restoreKeys: ['unikernel-boot-v1-linux-x64-x86_64-unknown-none-1.96.0-aaaa-'],
    paths: [
      path.join(ws, 'target', 'x86_64-unknown-none'),
      path.join(ws, 'target', 'debug'),
      path.join(tmp, 'cargo-home', 'registry', 'cache'),
      path.join(tmp, 'cargo-home', 'git', 'db'),
    ],
  };
  return { entry, files };
}

test('restore miss, save, restore hit (files back as they were), no second save, a near hit under the restore key', async () => {
  const lines: string[] = [];
  // The stand-in's address is in process.env, where @actions/cache itself reads it.
  const c = await ActionCache.open({ enabled: true, env: process.env, log: (l) => lines.push(l) });
  assert.equal(c.available, true);
  assert.deepEqual(lines, [], 'nothing to say when the cache works');
  const { entry, files } = makeBuild();

  const miss = await c.restore(entry);
  assert.equal(miss.hit, false);
  assert.equal(miss.matchedKey, undefined);

  const s = await c.save(miss);
  assert.equal(s.outcome, 'saved');
  assert.equal(standin.entries.filter((e) => e.committed).length, 1);
  assert.ok(standin.requests.some((r) => r.endsWith('/CreateCacheEntry')));
  assert.ok(
    standin.requests.some((r) => r.startsWith('PUT /standin/caches/')),
    'the archive was uploaded to the signed URL',
  );
  assert.ok(standin.requests.some((r) => r.endsWith('/FinalizeCacheEntryUpload')));

  // A fresh runner: nothing on disk.
  for (const f of Object.keys(files)) fs.rmSync(f);
  fs.rmSync(path.join(process.env.GITHUB_WORKSPACE!, 'target'), { recursive: true });
  const hit = await c.restore(entry);
  assert.equal(hit.hit, true);
  assert.equal(hit.matchedKey, entry.key);
  for (const [f, content] of Object.entries(files)) assert.equal(fs.readFileSync(f, 'utf8'), content, `${f} restored`);

  const creates = standin.requests.filter((r) => r.endsWith('/CreateCacheEntry')).length;
  assert.equal((await c.save(hit)).outcome, 'already-cached');
  assert.equal(standin.requests.filter((r) => r.endsWith('/CreateCacheEntry')).length, creates, 'no save attempted after an exact hit');

  // Cargo.lock changed: a new key, the old entry comes back through the restore key.
  const near = await c.restore({ ...entry, key: `${entry.restoreKeys[0]}cccc` });
  assert.equal(near.hit, false);
  assert.equal(near.matchedKey, entry.key);
});

test('paths that are all missing: nothing to save, no request', async () => {
  const c = await ActionCache.open({ enabled: true, env: process.env, log: () => {} });
  const before = standin.requests.length;
  const entry: CacheEntry = { name: 'tools', key: 'unikernel-boot-v1-tools-none', restoreKeys: [], paths: [path.join(tmp, 'no-such-dir')] };
  const r = await c.save({ entry, hit: false, seconds: 0 });
  assert.equal(r.outcome, 'nothing-to-save');
  assert.equal(standin.requests.length, before);
});

/** Captures the text @actions/core writes to stdout while f runs (the test runner's own binary messages pass through). */
async function stdoutOf(f: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await f();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('cache service unreachable: the run goes on, and says so in one line', async () => {
  // A port nothing listens on: bind one, note it, close it.
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const env = { ...process.env, ACTIONS_RESULTS_URL: `http://127.0.0.1:${port}/` };
  const lines: string[] = [];
  const { entry } = makeBuild();
  const out = await stdoutOf(async () => {
    const c = await ActionCache.open({ enabled: true, env, log: (l) => lines.push(l) });
    assert.equal(c.available, false);
    const r = await c.restore(entry);
    assert.equal(r.hit, false);
    assert.equal((await c.save(r)).outcome, 'unavailable');
  });
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`cache service at http://127\\.0\\.0\\.1:${port} cannot be reached \\(ECONNREFUSED\\); continuing without it`));
  assert.equal(out, '', 'restore and save say nothing more');
});

test('no cache service given to the step, or cache: false: one line, nothing tried', async () => {
  for (const [enabled, env, said] of [
    [true, { ACTIONS_RUNTIME_TOKEN: 'x' }, /ACTIONS_RESULTS_URL is not set/],
    [true, { ACTIONS_CACHE_SERVICE_V2: '1', ACTIONS_RESULTS_URL: standin.url }, /no ACTIONS_RUNTIME_TOKEN/],
    [false, standin.env(), /off \(cache: false\)/],
  ] as const) {
    const lines: string[] = [];
    const before = standin.requests.length;
    const c = await ActionCache.open({ enabled, env, log: (l) => lines.push(l) });
    assert.equal(c.available, false);
    assert.equal(lines.length, 1);
    assert.match(lines[0], said);
    assert.equal(standin.requests.length, before, 'not even a probe');
  }
});

test('the service URL is chosen as @actions/cache chooses it', () => {
  assert.equal(
    cacheServiceUrl({ ACTIONS_CACHE_SERVICE_V2: 'True', ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_URL: 'https://legacy/' }),
    'https://results/',
  );
  assert.equal(cacheServiceUrl({ ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_URL: 'https://legacy/' }), 'https://legacy/');
  assert.equal(cacheServiceUrl({ ACTIONS_CACHE_SERVICE_V2: 'True' }), undefined);
  assert.equal(whyNoCache(true, { ACTIONS_CACHE_SERVICE_V2: 'True', ACTIONS_RESULTS_URL: 'https://r/', ACTIONS_RUNTIME_TOKEN: 't' }), undefined);
});
