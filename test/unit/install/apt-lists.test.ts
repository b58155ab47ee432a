// The refresh decision, from recorded facts: list ages and `apt-cache policy` output as apt 2.6
// (Debian 12) prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listsAgeMs, parsePolicy, refreshDecision, upgradable, type ListFile } from '../../../src/install/apt-lists.js';

// Recorded on this project's Debian 12 machine after `apt-get update` (1.96 from bookworm-security installed).
const FRESH = `rustc-web:
  Installed: 1.96.0+dfsg1-1~deb12u2
  Candidate: 1.96.0+dfsg1-1~deb12u2
  Version table:
 *** 1.96.0+dfsg1-1~deb12u2 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
        100 /var/lib/dpkg/status
     1.85.0+dfsg3-1~deb12u3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
lld:
  Installed: 1:14.0-55.7~deb12u1
  Candidate: 1:14.0-55.7~deb12u1
  Version table:
 *** 1:14.0-55.7~deb12u1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
`;
// A fresh machine whose lists predate bookworm-security's rust-web: 1.85 installed from main, nothing newer known.
const STALE_INSTALLED = `rust-web-src:
  Installed: 1.85.0+dfsg3-1~deb12u3
  Candidate: 1.85.0+dfsg3-1~deb12u3
  Version table:
 *** 1.85.0+dfsg3-1~deb12u3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
`;
// The same machine after apt-get update: 1.96 is the candidate.
const REFRESHED_INSTALLED = `rust-web-src:
  Installed: 1.85.0+dfsg3-1~deb12u3
  Candidate: 1.96.0+dfsg1-1~deb12u2
  Version table:
     1.96.0+dfsg1-1~deb12u2 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 1.85.0+dfsg3-1~deb12u3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
qemu-system-foo:
  Installed: (none)
  Candidate: (none)
  Version table:
`;

const H = 3600_000;
const NOW = Date.parse('2026-11-22T06:00:00Z');
const entries = (hoursAgo: Record<string, number>): ListFile[] =>
  Object.entries(hoursAgo).map(([name, h]) => ({ name, mtimeMs: NOW - h * H, isFile: name !== 'partial' && name !== 'auxfiles' }));

test('apt-cache policy: installed, candidate and every version; "(none)" and unknown packages have no candidate', () => {
  const p = parsePolicy(FRESH);
  assert.deepEqual(p['rustc-web'], {
    installed: '1.96.0+dfsg1-1~deb12u2',
    candidate: '1.96.0+dfsg1-1~deb12u2',
    versions: ['1.96.0+dfsg1-1~deb12u2', '1.85.0+dfsg3-1~deb12u3'],
  });
  assert.deepEqual(p.lld.versions, ['1:14.0-55.7~deb12u1']);
  const r = parsePolicy(REFRESHED_INSTALLED);
  assert.deepEqual(r['qemu-system-foo'], { versions: [] });
  assert.equal(r['no-such-package'], undefined);
  assert.equal(upgradable(r['rust-web-src']), true);
  assert.equal(upgradable(parsePolicy(STALE_INSTALLED)['rust-web-src']), false);
  assert.equal(upgradable(p['rustc-web']), false);
  assert.equal(upgradable(r['qemu-system-foo']), false);
});

test('lists age: the newest list file or partial folder; none at all is undefined', () => {
  // The stale lists this machine came with: bookworm main only, months old.
  assert.equal(
    listsAgeMs(
      entries({
        'deb.debian.org_debian_dists_bookworm_InRelease': 3197,
        'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4': 3197,
        lock: 1,
        partial: 4500,
        auxfiles: 1,
      }),
      NOW,
    ),
    3197 * H,
  );
  // An update that found every list unchanged still moved partial.
  assert.equal(listsAgeMs(entries({ 'deb.debian.org_debian_dists_bookworm_InRelease': 900, partial: 2 }), NOW), 2 * H);
  // A container whose image deleted the lists: only the lock and partial are left.
  assert.equal(listsAgeMs(entries({ lock: 1, partial: 1 }), NOW), undefined);
});

test('refresh: no lists, lists older than a day, or a package without a candidate; else not', () => {
  const fresh = parsePolicy(FRESH);
  assert.deepEqual(refreshDecision({ ageMs: undefined, policy: {}, packages: ['lld'] }), { refresh: true, why: 'there are no package lists yet' });
  assert.deepEqual(refreshDecision({ ageMs: 133 * 24 * H, policy: fresh, packages: ['lld'] }), { refresh: true, why: 'they are 133 days old' });
  assert.deepEqual(refreshDecision({ ageMs: 25 * H, policy: fresh, packages: ['lld'] }), { refresh: true, why: 'they are 25 hours old' });
  assert.deepEqual(refreshDecision({ ageMs: 3 * H, policy: fresh, packages: ['lld', 'qemu-system-foo', 'rustc-web'] }), {
    refresh: true,
    why: 'they offer no qemu-system-foo',
  });
  assert.deepEqual(refreshDecision({ ageMs: 3 * H, policy: parsePolicy(REFRESHED_INSTALLED), packages: ['qemu-system-foo'] }), {
    refresh: true,
    why: 'they offer no qemu-system-foo',
  });
  assert.deepEqual(refreshDecision({ ageMs: 3 * H, policy: fresh, packages: ['lld', 'rustc-web'] }), {
    refresh: false,
    why: 'they are 3 hours old and offer every package',
  });
  assert.deepEqual(refreshDecision({ ageMs: 20 * 60_000, policy: fresh, packages: ['lld'] }), {
    refresh: false,
    why: 'they are 20 minutes old and offer every package',
  });
});
