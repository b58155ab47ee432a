// apt-get and apt-cache for real, against a copy of stale package lists (-o Dir::State::Lists=...,
// -o Dir::Cache=...) with installs simulated: the machine's own lists and packages are not touched.
// Needs apt and Debian's archive (deb.debian.org); stale lists: STALE_APT_LISTS, else a copy of the
// machine's own lists whose times are set back 100 days.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aptInstall, aptPolicy, configureApt, refreshLists } from '../../src/install/apt.js';
import { listsAgeMs } from '../../src/install/apt-lists.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'apt-e2e-'));
const lists = path.join(tmp, 'lists');
const cache = path.join(tmp, 'cache');
const DAY = 24 * 3600 * 1000;

before(() => {
  fs.chmodSync(tmp, 0o755); // apt downloads as the _apt user
  const from = process.env.STALE_APT_LISTS && fs.existsSync(process.env.STALE_APT_LISTS) ? process.env.STALE_APT_LISTS : '/var/lib/apt/lists';
  fs.cpSync(from, lists, { recursive: true, preserveTimestamps: true, filter: (s) => !s.endsWith('/lock') });
  // Make them stale for certain (a copy of the machine's own lists may be fresh).
  const old = new Date(Date.now() - 100 * DAY);
  for (const f of fs.readdirSync(lists)) fs.utimesSync(path.join(lists, f), old, old);
  fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
  fs.mkdirSync(path.join(cache, 'archives', 'partial'), { recursive: true });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const config = () => ({ options: [`Dir::State::Lists=${lists}`, `Dir::Cache=${cache}`], listsDir: lists, simulate: true });

/** What the action printed (as text: @actions/core writes strings) while f ran; the test runner's own messages (buffers) pass. */
async function printed(f: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === 'string' ? ((out += chunk), true) : write(chunk, ...rest)) as typeof process.stdout.write;
  try {
    await f();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('stale lists are refreshed before the install, once, and the line says why', async () => {
  configureApt(config());
  const out = await printed(() => aptInstall(['lld'], 'a test'));
  assert.match(out, /^Package lists: refreshing with apt-get update \(they are 100 days old\)\.$/m);
  assert.match(out, /-o DPkg::Lock::Timeout=300 -o Dir::State::Lists=/);
  assert.match(out, /Installing lld \(a test\) with apt-get/);
  const listed = fs
    .readdirSync(lists)
    .map((name) => ({ name, mtimeMs: fs.statSync(path.join(lists, name)).mtimeMs, isFile: fs.statSync(path.join(lists, name)).isFile() }));
  assert.ok(listsAgeMs(listed, Date.now())! < 3600_000, 'the copy of the lists was refreshed');
  // The copy now has bookworm-security (where rust-web 1.96 is) as the machine's sources list it.
  const p = await aptPolicy(['rust-web-src']);
  assert.ok(p['rust-web-src']?.candidate, 'rust-web-src has a candidate');
  const again = await printed(() => aptInstall(['lld'], 'a test'));
  assert.doesNotMatch(again, /Package lists:/, 'no second refresh in one run');
});

test('fresh lists are not refreshed; a package they do not offer makes them refresh, then the install fails naming it', async () => {
  configureApt(config());
  const out = await printed(() => refreshLists(['lld'], 'a test'));
  assert.match(out, /^Package lists: not refreshed \(they are \d+ minutes old and offer every package\)\.$/m);
  configureApt(config());
  let err: Error | undefined;
  const out2 = await printed(() => aptInstall(['no-such-package-w11'], 'a test').catch((e) => (err = e)));
  assert.match(out2, /^Package lists: refreshing with apt-get update \(they offer no no-such-package-w11\)\.$/m);
  assert.match(String(err), /apt-get could not install no-such-package-w11 \(a test\): E: Unable to locate package no-such-package-w11\./);
});
