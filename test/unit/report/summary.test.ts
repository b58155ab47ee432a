import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestEcho } from '../../../src/report/guest-log.js';
import { parseToolchainFile, findToolchainFile } from '../../../src/install/toolchain-file.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/tmp.js';

test('guest output is echoed with workflow commands paused by a random token', () => {
  let out = '';
  const e = new GuestEcho((s) => (out += s));
  e.start();
  e.line('::error::forged');
  e.line('\x1b[31mred');
  e.block(Buffer.from('plain 1\nplain 2\n'));
  e.block(Buffer.from('\x1b[32mgreen\n'), true);
  e.stop();
  const lines = out.split('\n');
  const m = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.equal(lines[1], '::error::forged');
  assert.equal(lines[2], '\x1b[31mred\x1b[0m');
  assert.equal(lines[3], 'plain 1');
  assert.equal(lines[4], 'plain 2');
  assert.equal(lines[5], '\x1b[32mgreen\x1b[0m', 'colours are reset at the end of a block');
  assert.equal(lines[6], `::${m![1]}::`);
  const other = new GuestEcho(() => undefined) as unknown as { token: string };
  assert.notEqual(other.token, m![1]);
});

test('toolchain files: TOML, legacy one-liner, and lookup in parent folders', () => {
  const d = tempDir('tcf-');
  fs.writeFileSync(
    path.join(d, 'rust-toolchain.toml'),
    '[toolchain]\nchannel = "nightly-2026-06-01"\ncomponents = ["rust-src", "llvm-tools"]\ntargets = ["x86_64-unknown-none"]\n',
  );
  fs.mkdirSync(path.join(d, 'a', 'b'), { recursive: true });
  const f = findToolchainFile(path.join(d, 'a', 'b'))!;
  assert.equal(f.channel, 'nightly-2026-06-01');
  assert.deepEqual(f.components, ['rust-src', 'llvm-tools']);
  assert.deepEqual(f.targets, ['x86_64-unknown-none']);
  fs.writeFileSync(path.join(d, 'a', 'rust-toolchain'), 'nightly-2025-01-01\n');
  assert.equal(findToolchainFile(path.join(d, 'a', 'b'))!.channel, 'nightly-2025-01-01');
  fs.writeFileSync(path.join(d, 'a', 'rust-toolchain'), '[toolchain]\npath = "../tc"\n');
  assert.equal(parseToolchainFile(path.join(d, 'a', 'rust-toolchain')).path, path.join(d, 'tc'));
});

/** The one summary file of this process: @actions/core reads GITHUB_STEP_SUMMARY once and keeps the path. */
const SUMMARY_FILE = path.join(tempDir('summary-'), 'summary.md');

test('the job summary stays under 1 MiB with a 10 MiB line, and the target is escaped (issue 22, point 9)', async () => {
  const { writeSummary } = await import('../../../src/report/summary.js');
  const file = SUMMARY_FILE;
  fs.writeFileSync(file, '');
  const saved = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = file;
  try {
    const huge = 'A'.repeat(10 * 1024 * 1024);
    await writeSummary(
      {
        target: '<img src=x onerror=alert(1)>',
        pass: false,
        reason: `Timed out after 5s waiting for "x"; the last line was ${huge}`,
        timings: {},
        tail: Array.from({ length: 40 }, () => huge.slice(0, 64 * 1024)),
        tests: Array.from({ length: 3 }, (_, i) => ({ name: `t${i}`, passed: 0, failed: 1, ignored: 0, seconds: 1, pass: false, reason: huge })),
      },
      process.env,
    );
    const out = fs.readFileSync(file, 'utf8');
    assert.ok(Buffer.byteLength(out) < 1024 * 1024, `${Buffer.byteLength(out)} bytes`);
    assert.ok(!out.includes('<img'), 'the target input is escaped');
    assert.ok(out.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.match(out, /Timed out after 5s waiting for &quot;x&quot;/, 'the reason is still there');
    assert.match(out, /more characters\)/, 'what was clipped says so');
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  }
});

test("the summary heading is the run's name (a matrix leg's), escaped; the target when no name was read", async () => {
  const { writeSummary } = await import('../../../src/report/summary.js');
  const file = SUMMARY_FILE;
  const saved = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = file;
  const heading = async (over: { name?: string }) => {
    fs.writeFileSync(file, '');
    await writeSummary({ target: 'x86_64-unknown-none', pass: true, reason: 'ok', timings: {}, tail: [], ...over }, process.env);
    return /<h3>(.*)<\/h3>/.exec(fs.readFileSync(file, 'utf8'))?.[1];
  };
  try {
    assert.equal(
      await heading({ name: 'x86_64-unknown-none --release (nightly) [shard 1/2]' }),
      '✅ x86_64-unknown-none --release (nightly) [shard 1/2]: pass',
    );
    assert.equal(await heading({ name: '<b>leg</b> & *one*' }), '✅ &lt;b&gt;leg&lt;/b&gt; &amp; *one*: pass');
    assert.equal(await heading({}), '✅ x86_64-unknown-none: pass');
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  }
});

test('several boots (boot-firmware: both): a row per boot with its exit status, time and reason', async () => {
  const { writeSummary } = await import('../../../src/report/summary.js');
  const saved = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = SUMMARY_FILE;
  try {
    fs.writeFileSync(SUMMARY_FILE, '');
    await writeSummary(
      {
        target: 'x86_64-unknown-none',
        pass: false,
        reason: '1 of 2 boots failed.',
        timings: {},
        tail: [],
        boots: [
          { name: 'x86_64-unknown-none (bios)', pass: true, exitCode: 33, seconds: 1.25, reason: 'ok' },
          { name: 'x86_64-unknown-none (uefi)', pass: false, seconds: 60, reason: 'Timed out <after> 60 s.' },
        ],
      },
      process.env,
    );
    const html = fs.readFileSync(SUMMARY_FILE, 'utf8');
    assert.match(html, /<th>boot<\/th><th>exit status<\/th><th>time<\/th><th>reason<\/th>/);
    assert.match(html, /<td>✅ x86_64-unknown-none \(bios\)<\/td><td>33<\/td><td>1\.3 s<\/td><td>ok<\/td>/);
    assert.match(html, /<td>❌ x86_64-unknown-none \(uefi\)<\/td><td>–<\/td><td>60\.0 s<\/td><td>Timed out &lt;after&gt; 60 s\.<\/td>/);
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  }
});
