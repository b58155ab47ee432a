// rust-sel4 revision -> seL4 and Microkit releases, from Cargo.lock (fixtures) or Cargo.toml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NEWEST, RELEASES, versionsFromCargoLock, versionsFromManifest } from '../../../../src/targets/sel4/versions.js';
import { ROOT } from '../../../helpers/action.js';

const FIX = path.join(ROOT, 'test/fixtures/sel4');
const lock = (name: string) => fs.readFileSync(path.join(FIX, 'locks', name), 'utf8');
const manifest = (name: string) => fs.readFileSync(path.join(FIX, 'manifests', name), 'utf8');
// The real lock of rust-root-task-demo pins rust-sel4 by commit, without a tag.
const DEMO = lock('rust-root-task-demo-9a209e1.Cargo.lock');
const DEMO_SOURCE = 'git+https://github.com/seL4/rust-sel4#2c9786744900433f37e803c25ab208835a802cf3';
const withSource = (s: string) => DEMO.split(DEMO_SOURCE).join(s);

test('the pairings are the ones the issue and upstream name', () => {
  assert.deepEqual(
    RELEASES.map((r) => [r.tag, r.sel4, r.microkit]),
    [
      ['v3.0.0', '14.0.0', '2.1.0'],
      ['v4.0.0', '15.0.0', '2.2.0'],
      ['v5.0.0', '16.0.0', '2.3.0'],
    ],
  );
  assert.equal(NEWEST.tag, 'v5.0.0');
});

test("rust-root-task-demo's real Cargo.lock: rust-sel4 at 2c97867 (no tag) is v3.0.0 -> seL4 14.0.0, Microkit 2.1.0", () => {
  assert.ok(DEMO.includes(DEMO_SOURCE), "fixture holds the demo's source line");
  const v = versionsFromCargoLock(DEMO)!;
  assert.equal(v.known, true);
  assert.equal(v.release.tag, 'v3.0.0');
  assert.equal(v.release.sel4, '14.0.0');
  assert.equal(v.release.microkit, '2.1.0');
  assert.equal(v.rev, '2c9786744900433f37e803c25ab208835a802cf3');
  assert.match(v.note, /is v3\.0\.0: seL4 14\.0\.0, Microkit 2\.1\.0/);
});

test('a tag, or a rev, names the release', () => {
  const tagged = versionsFromCargoLock(withSource('git+https://github.com/seL4/rust-sel4?tag=v5.0.0#d441a880938209f661201704dfbee7b91c5aa905'))!;
  assert.deepEqual([tagged.release.sel4, tagged.release.microkit, tagged.requested, tagged.known], ['16.0.0', '2.3.0', 'tag=v5.0.0', true]);
  const rev = versionsFromCargoLock(
    withSource('git+https://github.com/seL4/rust-sel4?rev=7a2321f2d84310ba7a09fe7f5988e6dcecde3566#7a2321f2d84310ba7a09fe7f5988e6dcecde3566'),
  )!;
  assert.deepEqual([rev.release.sel4, rev.release.microkit], ['15.0.0', '2.2.0']);
  // Only sel4-microkit in the lock: still found.
  assert.equal(versionsFromCargoLock(lock('microkit-only-v4.Cargo.lock'))!.release.tag, 'v4.0.0');
});

test('an unknown revision takes the newest pairing and says so', () => {
  const v = versionsFromCargoLock(withSource('git+https://github.com/seL4/rust-sel4?branch=main#0123456789abcdef0123456789abcdef01234567'))!;
  assert.equal(v.known, false);
  assert.equal(v.release, NEWEST);
  assert.equal(v.rev, '0123456789abcdef0123456789abcdef01234567', "the loader is still installed at the crate's own revision");
  assert.match(
    v.note,
    /branch main at 0123456789ab is not a rust-sel4 release this action knows .*using the newest pairing, v5\.0\.0: seL4 16\.0\.0, Microkit 2\.3\.0/,
  );
  const p = versionsFromCargoLock(lock('path-dependency.Cargo.lock'))!;
  assert.equal(p.known, false);
  assert.equal(p.rev, undefined);
  assert.match(p.note, /from a path or an unknown source/);
});

test('crates.io sel4/sel4-sys 0.0.x: a clear error that names the fix', () => {
  assert.throws(
    () => versionsFromCargoLock(lock('crates-io-sel4.Cargo.lock')),
    /sel4 0\.0\.28 from crates\.io: that is an older, unrelated project, not rust-sel4 .* sel4 = \{ git = "https:\/\/github\.com\/seL4\/rust-sel4", tag = "v5\.0\.0" \}/,
  );
});

test('two revisions, a moved tag, a pre-v3 release: refused with the fix', () => {
  assert.throws(() => versionsFromCargoLock(lock('two-revisions.Cargo.lock')), /from 2 revisions \(d441a8809382, 7a2321f2d843\)/);
  assert.throws(
    () => versionsFromCargoLock(withSource('git+https://github.com/seL4/rust-sel4?tag=v5.0.0#2c9786744900433f37e803c25ab208835a802cf3')),
    /names rust-sel4 tag=v5\.0\.0, but at commit 2c97867.*which is v3\.0\.0/,
  );
  assert.throws(
    () => versionsFromCargoLock(withSource('git+https://github.com/seL4/rust-sel4?tag=v2.0.0#3248eeed830a163e90cffc143d7cd173267c3bf5')),
    /predates v3\.0\.0 .* tag = "v5\.0\.0"/,
  );
  assert.throws(() => versionsFromCargoLock('[[package]\nname='), /Cargo\.lock is not valid TOML/);
});

test('no rust-sel4 in the lock: undefined (another family, or not a seL4 crate)', () => {
  assert.equal(versionsFromCargoLock(lock('no-sel4.Cargo.lock')), undefined);
});

test("without a Cargo.lock, the manifest's git dependency names the version", () => {
  const v = versionsFromManifest(manifest('tag-v5.Cargo.toml'))!;
  assert.deepEqual([v.release.tag, v.known, v.rev], ['v5.0.0', true, 'd441a880938209f661201704dfbee7b91c5aa905']);
  const w = versionsFromManifest(manifest('workspace-rev.Cargo.toml'))!;
  assert.equal(w.release.tag, 'v3.0.0');
  assert.equal(versionsFromManifest(manifest('no-sel4.Cargo.toml')), undefined);
});
