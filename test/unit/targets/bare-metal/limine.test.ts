// Limine kernels (src/targets/bare-metal/limine.ts): limine.conf, the xorriso and bios-install
// command lines held against Limine's own template, the pinned release asset, the base revision
// check, the limine input, the plan; and the download's checksum against STAND-IN bytes served by a
// local HTTP server (127.0.0.1) in place of github.com.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fetchAsset, GITHUB } from '../../../../src/install/download.js';
import { readRunnerEnv } from '../../../../src/model/runner-env.js';
import { InputError } from '../../../../src/model/errors.js';
import { matches } from '../../../../src/model/patterns.js';
import {
  biosInstallArgv,
  checkBaseRevision,
  LIMINE_APT,
  LIMINE_MAX_BASE_REVISION,
  LIMINE_PANIC,
  LIMINE_SHA256,
  LIMINE_TOOL,
  LIMINE_VERSION,
  limineAsset,
  limineCommands,
  limineConf,
  limineSpec,
  readBaseRevision,
  xorrisoArgv,
} from '../../../../src/targets/bare-metal/limine.js';
import { x86_64None } from '../../../../src/targets/bare-metal/x86_64.js';
import { freshToolCache, serve, type TestServer } from '../../../helpers/http-server.js';
import { fakePlan } from '../../../helpers/inputs.js';
import { limineStandin } from '../../../helpers/limine-standin.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * limine-c-template's recipe for x86_64, as its GNUmakefile writes it
 * (https://github.com/limine-bootloader/limine-c-template/blob/trunk/GNUmakefile), with its folder
 * and image names.
 */
const UPSTREAM_XORRISO =
  'xorriso -as mkisofs -R -r -J -b boot/limine/limine-bios-cd.bin -no-emul-boot -boot-load-size 4 -boot-info-table -hfsplus -apm-block-size 2048 --efi-boot boot/limine/limine-uefi-cd.bin -efi-boot-part --efi-boot-image --protective-msdos-label iso_root -o image.iso';

test("the xorriso and bios-install command lines are limine-c-template's, with the work folder's paths", () => {
  const argv = xorrisoArgv('/w');
  assert.equal(argv.join(' '), UPSTREAM_XORRISO.replace('iso_root', '/w/limine-iso').replace('image.iso', '/w/limine.iso'));
  assert.deepEqual(biosInstallArgv('/r/limine', '/w'), ['/r/limine', 'bios-install', '/w/limine.iso']);
});

test('limine.conf: no menu, Limine on the serial port, one limine-protocol entry for /boot/kernel (CONFIG.md)', () => {
  assert.equal(limineConf(), 'timeout: 0\nserial: yes\nverbose: yes\n\n/kernel\n    protocol: limine\n    path: boot():/boot/kernel\n');
});

test("the pinned release: limine-binary.tar.xz of Limine-Bootloader/Limine v12.9.1 with its pinned sha256; another version against GitHub's digest; a folder downloads nothing", () => {
  const a = limineAsset({ kind: 'release', version: LIMINE_VERSION }, GITHUB)!;
  assert.equal(a.url, 'https://github.com/Limine-Bootloader/Limine/releases/download/v12.9.1/limine-binary.tar.xz');
  assert.equal(a.sha256, 'ce972a05e9d1973dc9b725f9130bd15af01add0eb3a7f90c118ac5cfe21c17b8');
  assert.equal(a.tool, LIMINE_TOOL);
  const other = limineAsset({ kind: 'release', version: '12.9.0' }, GITHUB)!;
  assert.deepEqual(other.sha256, {
    githubRelease: { api: 'https://api.github.com', owner: 'Limine-Bootloader', repo: 'Limine', tag: 'v12.9.0', asset: 'limine-binary.tar.xz' },
  });
  assert.equal(limineAsset({ kind: 'path', dir: '/x' }, GITHUB), undefined);
});

function tagged(revision: bigint, at = 16): Buffer {
  const b = Buffer.alloc(64);
  b.writeBigUInt64LE(0xf9562b2d5c95a6c8n, at);
  b.writeBigUInt64LE(0x6a7b384944536bdcn, at + 8);
  b.writeBigUInt64LE(revision, at + 16);
  return b;
}

test('the base revision is read from the tag (8-byte aligned); above 6 the pinned release is refused before QEMU, naming both numbers and the fix', () => {
  assert.equal(readBaseRevision(tagged(3n)), 3n);
  assert.equal(readBaseRevision(tagged(3n, 12)), undefined, 'not 8-byte aligned: not a tag');
  assert.equal(readBaseRevision(Buffer.alloc(64)), undefined);
  const pinned = { kind: 'release', version: LIMINE_VERSION } as const;
  checkBaseRevision('/k', tagged(BigInt(LIMINE_MAX_BASE_REVISION)), pinned);
  checkBaseRevision('/k', Buffer.alloc(64), pinned); // no tag: revision 0
  assert.throws(
    () => checkBaseRevision('/k', tagged(7n), pinned),
    /^ActionError: \/k asks for Limine base revision 7 \(its base revision tag\), but Limine 12\.9\.1, the release this action boots with, supports base revisions up to 6: build the kernel for revision 6 or lower \(the limine crate's BaseRevision::with_revision\(6\)\), or set the limine input to a release that supports revision 7\.$/,
  );
  // Another release or a folder: what it supports is not known here, the kernel decides.
  checkBaseRevision('/k', tagged(7n), { kind: 'release', version: '12.9.0' });
  checkBaseRevision('/k', tagged(7n), { kind: 'path', dir: '/x' });
});

test("Limine's panic line fails the run (at the start of a line only)", () => {
  assert.ok(matches(LIMINE_PANIC, 'PANIC: limine: Failed to open executable with path `boot():/boot/kernel`. Is the path correct?'));
  assert.ok(!matches(LIMINE_PANIC, 'KERNEL PANIC: something'));
  assert.ok(!matches(LIMINE_PANIC, 'no PANIC: here'));
});

test('the limine input: a version, or a folder holding an unpacked release; anything else names the input, the problem and what would be right', () => {
  const ws = tempDir('limine-input-');
  assert.deepEqual(limineSpec('', ws, process.env), { kind: 'release', version: LIMINE_VERSION });
  assert.deepEqual(limineSpec('v12.9.0', ws, process.env), { kind: 'release', version: '12.9.0' });
  assert.deepEqual(limineSpec('12.0.2', ws, process.env), { kind: 'release', version: '12.0.2' });
  const err = (raw: string, re: RegExp) =>
    assert.throws(
      () => limineSpec(raw, ws, process.env),
      (e: Error) => e instanceof InputError && re.test(e.message),
    );
  err('11.4.1', /^Input 'limine': 11\.4\.1 is older than 12\.0\.2, the first Limine release with a limine-binary\.tar\.xz asset\. Give 12\.0\.2 or later/);
  err(
    'https://example.com/limine.tar.xz',
    /^Input 'limine': 'https:\/\/example\.com\/limine\.tar\.xz' is neither a release version \(X\.Y\.Z\) nor a folder\. Give a Limine release version such as 12\.9\.1/,
  );
  err('12.9', /is neither a release version \(X\.Y\.Z\) nor a folder/);
  err('limine-binary', /^Input 'limine': 'limine-binary' is not a folder \(looked at \S+\/limine-binary\)\. Give .*unpacked limine-binary\.tar\.xz/);
  fs.mkdirSync(path.join(ws, 'half'));
  fs.writeFileSync(path.join(ws, 'half', 'limine-bios.sys'), '');
  err(
    'half',
    /is not an unpacked Limine binary release: it has no limine-bios-cd\.bin, limine-uefi-cd\.bin, BOOTX64\.EFI, limine \(or limine\.c and Makefile to build it\)\. Give the limine-binary folder/,
  );
  err('/etc', /^Input 'limine': '\/etc' leads outside the workspace/);
  const standin = limineStandin();
  assert.deepEqual(limineSpec(standin, path.dirname(standin), process.env), { kind: 'path', dir: standin });
  assert.deepEqual(limineSpec('limine-binary', path.dirname(standin), process.env), { kind: 'path', dir: standin });
});

const X86 = 'examples/x86_64-unknown-none';

test('the limine input is refused for other targets and with another boot-protocol', () => {
  assert.throws(
    () => fakePlan({ target: 'aarch64-unknown-none', 'working-directory': 'examples/aarch64-unknown-none', limine: '12.9.1' }),
    /^InputError: Input 'limine': is only read for x86_64-unknown-none/,
  );
  assert.throws(
    () => fakePlan({ target: 'x86_64-unknown-none', 'working-directory': X86, 'boot-protocol': 'pvh', limine: '12.9.1' }),
    /^InputError: Input 'limine': is only read for Limine kernels, and boot-protocol is pvh\. Remove it, or set boot-protocol to limine or auto\./,
  );
  assert.doesNotThrow(() => fakePlan({ target: 'x86_64-unknown-none', 'working-directory': X86, limine: '12.9.1' }));
});

test('plan: boot-protocol: limine downloads the release in the install stage; the dry run shows make, xorriso and bios-install; -cdrom, after OVMF under UEFI', () => {
  const ctx = { kernel: '/k', accel: 'tcg' as const, workDir: '/w', assets: {}, image: 'elf' as const };
  const p = x86_64None('x86_64-unknown-none', 'limine')!;
  assert.deepEqual(
    p.install.downloads.map((a) => a.url),
    ['https://github.com/Limine-Bootloader/Limine/releases/download/v12.9.1/limine-binary.tar.xz'],
  );
  assert.deepEqual(p.install.apt, LIMINE_APT);
  assert.deepEqual(p.boot.qemu.load(ctx), { cdrom: '/w/limine.iso' });
  const d = p.boot.qemu.describePrepare!(ctx) as { protocol: string; commands: string[] };
  assert.equal(d.protocol, 'Limine kernel -> Limine ISO (limine.conf, xorriso, limine bios-install) -> QEMU -cdrom');
  assert.deepEqual(d.commands, [
    'make -C <limine-binary.tar.xz 12.9.1, unpacked>/limine-binary',
    xorrisoArgv('/w').join(' '),
    '<limine-binary.tar.xz 12.9.1, unpacked>/limine-binary/limine bios-install /w/limine.iso',
  ]);
  assert.ok(p.verdict.failOn.includes(LIMINE_PANIC));
  const uefi = x86_64None('x86_64-unknown-none', 'limine', undefined, undefined, undefined, 'uefi')!;
  assert.deepEqual(uefi.boot.qemu.load(ctx), {
    cdrom: '/w/limine.iso',
    drives: ['if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd', 'if=pflash,format=raw,file=/w/OVMF_VARS.fd'],
  });
  // Under auto nothing is downloaded up front (the kernel is known after the build); other protocols download nothing.
  assert.deepEqual(x86_64None('x86_64-unknown-none', 'auto')!.install.downloads, []);
  assert.deepEqual(x86_64None('x86_64-unknown-none', 'multiboot2')!.install.downloads, []);
  assert.ok(!x86_64None('x86_64-unknown-none', 'multiboot2')!.verdict.failOn.includes(LIMINE_PANIC));
  // A folder with its own tool: no build.
  const dir = limineStandin();
  fs.writeFileSync(path.join(dir, 'limine'), '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(limineCommands({ kind: 'path', dir }, '/w'), [xorrisoArgv('/w').join(' '), `${dir}/limine bios-install /w/limine.iso`]);
  assert.equal(limineCommands({ kind: 'path', dir: limineStandin() }, '/w')[0], 'make -C /w/limine-tool');
});

let server: TestServer;
let tarball: Buffer;
let sha: string;
const BAD = '12.99.2';

before(async () => {
  freshToolCache('limine-dl-');
  // STAND-IN bytes for limine-binary.tar.xz: what is checked here is the checksum, not the content
  // (the unpacking and the ISO from a stand-in tarball: test/e2e/x86_64-formats.test.ts).
  tarball = Buffer.from('STAND-IN limine-binary.tar.xz\n');
  sha = createHash('sha256').update(tarball).digest('hex');
  const release = (digest: string) => JSON.stringify({ assets: [{ name: 'limine-binary.tar.xz', digest: `sha256:${digest}` }] });
  server = await serve({
    [`/Limine-Bootloader/Limine/releases/download/v${BAD}/limine-binary.tar.xz`]: [200, tarball],
    [`/repos/Limine-Bootloader/Limine/releases/tags/v${BAD}`]: [200, release('0'.repeat(64))],
    [`/Limine-Bootloader/Limine/releases/download/v${LIMINE_VERSION}/limine-binary.tar.xz`]: [200, tarball],
  });
});
after(() => server.close());

const hosts = () => ({ api: server.base, download: server.base });
const leftovers = () => [
  ...fs.readdirSync(process.env.RUNNER_TEMP!).filter((f) => f.startsWith('download-')),
  ...(fs.existsSync(process.env.RUNNER_TOOL_CACHE!) ? fs.readdirSync(process.env.RUNNER_TOOL_CACHE!).filter((f) => f.startsWith('limine')) : []),
];

test('a download that does not match the pinned sha256 (or the published digest) is refused, deleted and not cached; the right sha256 is accepted (STAND-IN bytes served as v12.9.1)', async () => {
  await assert.rejects(
    fetchAsset(limineAsset({ kind: 'release', version: LIMINE_VERSION }, hosts())!, readRunnerEnv(process.env)),
    new RegExp(
      `^InfraError: The download of limine 12\\.9\\.1 from ${server.base}/Limine-Bootloader/Limine/releases/download/v12\\.9\\.1/limine-binary\\.tar\\.xz does not match its checksum \\(expected sha256 ${LIMINE_SHA256}, got ${sha}\\); it was deleted and not used\\. It was needed because the kernel is a Limine kernel`,
    ),
  );
  await assert.rejects(
    fetchAsset(limineAsset({ kind: 'release', version: BAD }, hosts())!, readRunnerEnv(process.env)),
    /does not match its checksum \(expected sha256 0{64}/,
  );
  assert.deepEqual(leftovers(), [], 'nothing half-written left in RUNNER_TEMP or the tool cache');
  // The same bytes with the right sha256 (the pinned asset's code path, its value replaced) are accepted and cached.
  const ok = { ...limineAsset({ kind: 'release', version: LIMINE_VERSION }, hosts())!, sha256: sha };
  assert.deepEqual(fs.readFileSync(await fetchAsset(ok, readRunnerEnv(process.env))), tarball);
  assert.deepEqual(leftovers(), ['limine']);
});
