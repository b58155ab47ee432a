// The Microkit SDK archive fetched through install/download.ts from a local HTTP test server
// (127.0.0.1) standing in for github.com and api.github.com: verified, cached, unpacked; a bad
// digest and a server error fail closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractTarAsset, fetchAsset, GITHUB } from '../../../../src/install/download.js';
import { readRunnerEnv } from '../../../../src/model/runner-env.js';
import { MICROKIT_SDK_DIR_TOOL, microkitSdkAsset, sdkArchiveName, sdkHost, sdkRequiredFiles, sdkRoot } from '../../../../src/targets/sel4/microkit-sdk.js';
import { freshToolCache, serve, type TestServer } from '../../../helpers/http-server.js';

let server: TestServer;
let archive: Buffer;
let sha: string;
const GOOD = '9.9.1';
const BAD_DIGEST = '9.9.2';
const SERVER_ERROR = '9.9.3';
const name = (v: string) => sdkArchiveName(v, process.arch);

before(async () => {
  const tmp = freshToolCache('microkit-sdk-dl-');
  // A test archive laid out like an SDK: one top folder microkit-sdk-<version>/ with bin/microkit
  // (a stand-in script) and a board folder.
  const top = path.join(tmp, 'src', `microkit-sdk-${GOOD}`);
  fs.mkdirSync(path.join(top, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(top, 'board/qemu_virt_aarch64/debug/include'), { recursive: true });
  fs.writeFileSync(path.join(top, 'bin', 'microkit'), '#!/bin/sh\necho "test stand-in microkit $*"\n', { mode: 0o644 });
  execFileSync('tar', ['-czf', path.join(tmp, 'sdk.tar.gz'), '-C', path.join(tmp, 'src'), `microkit-sdk-${GOOD}`]);
  archive = fs.readFileSync(path.join(tmp, 'sdk.tar.gz'));
  sha = createHash('sha256').update(archive).digest('hex');
  const release = (v: string, digest: string) => JSON.stringify({ assets: [{ name: name(v), digest: `sha256:${digest}` }] });
  server = await serve({
    // Microkit's tags have no "v".
    [`/seL4/microkit/releases/download/${GOOD}/${name(GOOD)}`]: [200, archive],
    [`/repos/seL4/microkit/releases/tags/${GOOD}`]: [200, release(GOOD, sha)],
    [`/seL4/microkit/releases/download/${BAD_DIGEST}/${name(BAD_DIGEST)}`]: [200, archive],
    [`/repos/seL4/microkit/releases/tags/${BAD_DIGEST}`]: [200, release(BAD_DIGEST, '0'.repeat(64))],
    [`/seL4/microkit/releases/download/${SERVER_ERROR}/${name(SERVER_ERROR)}`]: [500, 'internal error'],
    [`/repos/seL4/microkit/releases/tags/${SERVER_ERROR}`]: [200, release(SERVER_ERROR, sha)],
  });
});
after(() => server.close());

const hosts = () => ({ api: server.base, download: server.base });

/** The runner's environment as main.ts reads it: freshToolCache put the tool cache and RUNNER_TEMP in process.env, where @actions/tool-cache reads them too. */
const runner = () => readRunnerEnv();

test('the asset names Microkit\'s release archive and URL (tag without "v"), checked against GitHub\'s digest unless a sha256 is given', () => {
  const a = microkitSdkAsset('2.3.0', 'x64', undefined, GITHUB);
  assert.equal(a.url, 'https://github.com/seL4/microkit/releases/download/2.3.0/microkit-sdk-2.3.0-linux-x86-64.tar.gz');
  assert.deepEqual(a.sha256, {
    githubRelease: { api: 'https://api.github.com', owner: 'seL4', repo: 'microkit', tag: '2.3.0', asset: 'microkit-sdk-2.3.0-linux-x86-64.tar.gz' },
  });
  assert.equal(microkitSdkAsset('2.1.0', 'arm64', 'ab'.repeat(32), GITHUB).fileName, 'microkit-sdk-2.1.0-linux-aarch64.tar.gz');
  assert.equal(microkitSdkAsset('2.1.0', 'arm64', 'ab'.repeat(32), GITHUB).sha256, 'ab'.repeat(32));
  assert.equal(sdkHost('x64'), 'linux-x86-64');
  assert.throws(() => sdkHost('ia32'), /x86-64 and aarch64 Linux hosts only; this runner is ia32/);
});

test('test archive: downloaded, verified with the published digest, cached, unpacked with bin/microkit executable; the second run downloads nothing', async () => {
  const a = microkitSdkAsset(GOOD, process.arch, undefined, hosts());
  const file = await fetchAsset(a, runner());
  assert.deepEqual(fs.readFileSync(file), archive);
  const dir = await extractTarAsset(file, a, MICROKIT_SDK_DIR_TOOL, sdkRequiredFiles(GOOD));
  const sdk = sdkRoot(dir, GOOD);
  assert.ok(fs.existsSync(path.join(sdk, 'board/qemu_virt_aarch64/debug/include')));
  assert.equal(execFileSync(path.join(sdk, 'bin', 'microkit'), ['x.system'], { encoding: 'utf8' }), 'test stand-in microkit x.system\n');
  const n = server.requests.length;
  assert.equal(await extractTarAsset(await fetchAsset(a, runner()), a, MICROKIT_SDK_DIR_TOOL, sdkRequiredFiles(GOOD)), dir);
  assert.equal(server.requests.length, n, 'served from the tool cache');
});

test('a published digest that does not match fails closed; so does a wrong sha256 input', async () => {
  await assert.rejects(
    fetchAsset(microkitSdkAsset(BAD_DIGEST, process.arch, undefined, hosts()), runner()),
    /does not match its checksum \(expected sha256 0{64}.*deleted and not used/,
  );
  await assert.rejects(fetchAsset({ ...microkitSdkAsset(GOOD, process.arch, 'f'.repeat(64), hosts()), version: '9.9.4' }, runner()), /expected sha256 f{64}/);
});

test('a server error is reported with the status and the fix', async () => {
  await assert.rejects(
    fetchAsset(microkitSdkAsset(SERVER_ERROR, process.arch, undefined, hosts()), runner()),
    /Could not download microkit-sdk 9\.9\.3 from .*: HTTP 500/,
  );
});
