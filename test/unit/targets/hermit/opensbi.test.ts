// OpenSBI for riscv64 Hermit (src/targets/hermit/opensbi.ts): which fw_jump.bin a boot uses, what
// is known of its version before the boot (the package) and after it (the banner), and the reasons.
// The real boots: test/images/hermit.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GITHUB } from '../../../../src/install/download.js';
import { InputError } from '../../../../src/model/errors.js';
import {
  atLeast,
  bannerVersion,
  chooseOpensbi,
  describeOpensbi,
  dpkgOwner,
  explainSilentOpensbi,
  OPENSBI_FW_JUMP,
  opensbiSpec,
  systemOpensbi,
  upstreamVersion,
} from '../../../../src/targets/hermit/opensbi.js';
import { tempDir } from '../../../helpers/tmp.js';

const SHA = 'a'.repeat(64);
const DEBIAN12 = { file: OPENSBI_FW_JUMP[0], version: '1.1', source: 'package opensbi 1.1-2' };
const UBUNTU2404 = { file: OPENSBI_FW_JUMP[0], version: '1.3.1', source: 'package opensbi 1.3.1-2ubuntu1' };

test('hermit-opensbi: auto (empty), system, a version (1.3+ only), a file, a URL with its sha256; the rest refused naming the input', () => {
  const dir = tempDir('opensbi-');
  const fw = path.join(dir, 'fw_jump.bin');
  fs.writeFileSync(fw, 'x');
  assert.deepEqual(opensbiSpec('', undefined, dir), { kind: 'auto' });
  assert.deepEqual(opensbiSpec('system', undefined, dir), { kind: 'system' });
  assert.deepEqual(opensbiSpec('v1.5.1', undefined, dir), { kind: 'version', version: '1.5.1' });
  assert.deepEqual(opensbiSpec('fw_jump.bin', undefined, dir), { kind: 'path', path: fw });
  assert.deepEqual(opensbiSpec('https://e.org/fw_jump.bin', SHA, dir), { kind: 'url', url: 'https://e.org/fw_jump.bin', sha256: SHA });
  const bad = (raw: string, sha: string | undefined, input: string, re: RegExp) =>
    assert.throws(
      () => opensbiSpec(raw, sha, dir),
      (e: Error) => e instanceof InputError && e.input === input && re.test(e.message),
    );
  bad('1.2', undefined, 'hermit-opensbi', /older than OpenSBI 1\.3: .*SBI Debug Console/);
  bad('https://e.org/fw_jump.bin', undefined, 'hermit-opensbi-sha256', /is required/);
  bad('1.9', SHA, 'hermit-opensbi-sha256', /only for a URL/);
  bad('nope.bin', undefined, 'hermit-opensbi', /neither auto, system, a version/);
  bad('ftp://e.org/x', SHA, 'hermit-opensbi', /not an http\(s\) URL/);
});

test('versions: Debian/Ubuntu package versions to upstream ones; 1.3 and newer pass', () => {
  assert.equal(upstreamVersion('1.1-2'), '1.1');
  assert.equal(upstreamVersion('1.3.1-2ubuntu1'), '1.3.1');
  assert.equal(upstreamVersion('1:1.9-1'), '1.9');
  assert.ok(atLeast('1.3', [1, 3]) && atLeast('1.10', [1, 3]) && atLeast('2.0', [1, 3]));
  assert.ok(!atLeast('1.1', [1, 3]) && !atLeast('0.9', [1, 3]));
});

test('the system OpenSBI: the first fw_jump.bin found, its version from the package that owns it (dpkg)', () => {
  const owner = () => ({ pkg: 'opensbi', version: '1.1-2' });
  assert.deepEqual(
    systemOpensbi((f) => f === OPENSBI_FW_JUMP[1], owner),
    { file: OPENSBI_FW_JUMP[1], version: '1.1', source: 'package opensbi 1.1-2' },
  );
  assert.deepEqual(
    systemOpensbi(
      (f) => f === OPENSBI_FW_JUMP[0],
      () => undefined,
    ),
    { file: OPENSBI_FW_JUMP[0] },
  );
  assert.equal(
    systemOpensbi(() => false, owner),
    undefined,
  );
  const calls: string[][] = [];
  const run = (cmd: string, args: string[]) => (calls.push([cmd, ...args]), cmd === 'dpkg' ? 'opensbi: /usr/lib/x/fw_jump.bin\n' : '1.1-2');
  const dir = tempDir('opensbi-');
  fs.writeFileSync(path.join(dir, 'fw'), '');
  assert.deepEqual(dpkgOwner(path.join(dir, 'fw'), run), { pkg: 'opensbi', version: '1.1-2' });
  assert.deepEqual(calls[1], ['dpkg-query', '-W', '-f', '${Version}', 'opensbi']);
  assert.equal(
    dpkgOwner(path.join(dir, 'fw'), () => {
      throw new Error('not owned');
    }),
    undefined,
  );
});

test("auto: the system's 1.3+ is used; Debian 12's 1.1 (or none) means release 1.9's fw_jump.bin, the download saying why", () => {
  const use = chooseOpensbi({ kind: 'auto' }, UBUNTU2404, GITHUB);
  assert.deepEqual(use, {
    kind: 'file',
    file: OPENSBI_FW_JUMP[0],
    note: `the system's OpenSBI is 1.3.1 (package opensbi 1.3.1-2ubuntu1, ${OPENSBI_FW_JUMP[0]})`,
  });
  const dl = chooseOpensbi({ kind: 'auto' }, DEBIAN12, GITHUB);
  assert.equal(dl.kind, 'download');
  if (dl.kind !== 'download') return;
  assert.equal(dl.asset.url, 'https://github.com/riscv-software-src/opensbi/releases/download/v1.9/opensbi-1.9-rv-bin.tar.xz');
  assert.deepEqual(dl.asset.sha256, {
    githubRelease: { api: 'https://api.github.com', owner: 'riscv-software-src', repo: 'opensbi', tag: 'v1.9', asset: 'opensbi-1.9-rv-bin.tar.xz' },
  });
  assert.equal(dl.member, 'opensbi-1.9-rv-bin/share/opensbi/lp64/generic/firmware/fw_jump.bin');
  assert.match(dl.asset.why!, /^the system's OpenSBI is 1\.1 \(package opensbi 1\.1-2, .*\); Hermit's riscv64 kernel .* from 1\.3 on/);
  const none = chooseOpensbi({ kind: 'auto' }, undefined, GITHUB);
  assert.match(none.kind === 'download' ? none.asset.why! : '', /^no system OpenSBI is installed/);
  // A version of unknown origin is not trusted to be new enough either.
  assert.equal(chooseOpensbi({ kind: 'auto' }, { file: '/x/fw_jump.bin' }, GITHUB).kind, 'download');
});

test('system: refused before anything runs when the package is older than 1.3, naming the version found, the one needed and why', () => {
  assert.throws(
    () => chooseOpensbi({ kind: 'system' }, DEBIAN12, GITHUB),
    (e: Error) =>
      e instanceof InputError &&
      /Input 'hermit-opensbi': is system, and the system's OpenSBI is 1\.1 \(package opensbi 1\.1-2, .*\), older than the 1\.3 Hermit needs: .*SBI Debug Console.*\. Use auto/.test(
        e.message,
      ),
  );
  assert.throws(() => chooseOpensbi({ kind: 'system' }, undefined, GITHUB), /no system OpenSBI is installed/);
  assert.equal(chooseOpensbi({ kind: 'system' }, UBUNTU2404, GITHUB).kind, 'file');
});

test('a URL is a verified download of the fw_jump.bin itself; a version is that release', () => {
  const u = chooseOpensbi({ kind: 'url', url: 'http://127.0.0.1:9/fw_jump.bin', sha256: SHA }, DEBIAN12, GITHUB);
  assert.ok(u.kind === 'download' && u.asset.sha256 === SHA && u.member === undefined && u.asset.fileName === 'fw_jump.bin');
  const v = chooseOpensbi({ kind: 'version', version: '1.5.1' }, DEBIAN12, GITHUB);
  assert.ok(v.kind === 'download' && v.asset.url.endsWith('/v1.5.1/opensbi-1.5.1-rv-bin.tar.xz') && v.asset.why === undefined);
});

test("the banner: OpenSBI v1.1 followed by nothing of Hermit's explains a silent run; 1.3+ or a loader line does not", () => {
  const silent = ['', 'OpenSBI v1.1', '   ____                    _____ ____ _____', 'Boot HART MEDELEG         : 0x000000000000b109'];
  assert.equal(bannerVersion(silent), '1.1');
  assert.match(explainSilentOpensbi(silent)!, /^OpenSBI's banner says v1\.1, older than 1\.3: .*SBI Debug Console.*hermit-opensbi auto/);
  assert.equal(explainSilentOpensbi(['OpenSBI v1.3']), undefined);
  assert.equal(explainSilentOpensbi([...silent, '[LOADER][INFO] Loader: [0x80200000 - 0x80222018]']), undefined);
  assert.equal(explainSilentOpensbi(['nothing']), undefined);
  // What a failed run's reason gets: the explanation, else which OpenSBI ran, else that none did.
  assert.equal(describeOpensbi(silent), explainSilentOpensbi(silent));
  assert.equal(describeOpensbi(['OpenSBI v1.9', '[LOADER][INFO] ...']), "OpenSBI's banner says v1.9.");
  assert.match(describeOpensbi([]), /^OpenSBI printed no banner/);
});
