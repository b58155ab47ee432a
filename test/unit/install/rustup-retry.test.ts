// Issue 23: toolchain installs tried again on the transient failures rustup reports, held against
// rustup's real output (test/fixtures/rustup: recorded here, or quoted from upstream reports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUSTUP_RETRY, rustupFailure, rustupReason, rustupWithRetry, transientRustupFailure } from '../../../src/install/rustup-retry.js';
import type { Captured } from '../../../src/proc/run.js';
import { ROOT } from '../../helpers/action.js';

const recorded = (name: string) => fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'rustup', `${name}.txt`), 'utf8');

test('transient: checksum failed (official server mid-update, and a third-party one), DNS, timeouts, HTTP 503', () => {
  assert.equal(transientRustupFailure(recorded('checksum-failed-official')), 'checksum failed (the release server may be being updated)');
  assert.equal(transientRustupFailure(recorded('checksum-failed')), 'checksum failed (the release server may be being updated)');
  assert.equal(transientRustupFailure(recorded('dns-error')), 'a DNS error');
  assert.equal(transientRustupFailure(recorded('timeout')), 'a timeout');
  assert.equal(transientRustupFailure(recorded('http-503')), 'a server error');
});

test('not transient: a release that does not exist, an invalid name', () => {
  assert.equal(transientRustupFailure(recorded('no-release')), undefined);
  assert.equal(transientRustupFailure(recorded('invalid-name')), undefined);
});

test("the reason quotes rustup's error lines and cause chain, not its backtrace", () => {
  assert.equal(
    rustupReason(recorded('dns-error')),
    "error: could not download file from 'https://static.rust-lang.org/dist/2026-06-01/channel-rust-nightly.toml.sha256' to '/tmp/h23-rh/tmp/rzz0n0n3vk9egxt6_file': error downloading file: error sending request for url (https://static.rust-lang.org/dist/2026-06-01/channel-rust-nightly.toml.sha256): client error (Connect): dns error: failed to lookup address information: Name or service not known",
  );
  assert.match(
    rustupReason(recorded('checksum-failed-official')),
    /^warn: checksum failed for .* error: toolchain 'beta-x86_64-pc-windows-msvc' is not installable$/,
  );
  assert.equal(rustupReason(recorded('no-release')), "error: no release found for 'nightly-2026-06-02'");
});

/** A stand-in for rustup: answers each call with the next recorded output. */
function scripted(outputs: string[]) {
  const calls: string[][] = [];
  const run = async (_cmd: string, args: string[]): Promise<Captured> => {
    calls.push(args);
    const out = outputs[Math.min(calls.length, outputs.length) - 1];
    return out === 'ok' ? { code: 0, stdout: '', stderr: 'info: installed\n' } : { code: 1, stdout: '', stderr: out };
  };
  return { run, calls };
}

const FAST = { attempts: 5, delayMs: () => 1 };

test('a transient failure is tried again until it passes', async () => {
  const s = scripted([recorded('checksum-failed-official'), recorded('dns-error'), 'ok']);
  const r = await rustupWithRetry(['toolchain', 'install', 'nightly'], {}, FAST, s.run);
  assert.equal(r.code, 0);
  assert.equal(r.tries, 3);
  assert.equal(s.calls.length, 3);
});

test('a lasting transient failure gives up after five attempts, quoting rustup', async () => {
  const s = scripted([recorded('checksum-failed')]);
  const r = await rustupWithRetry(['toolchain', 'install', 'nightly-2026-06-01'], {}, FAST, s.run);
  assert.equal(r.code, 1);
  assert.equal(s.calls.length, 5);
  assert.match(rustupFailure(r), /^rustup said: "warn: checksum failed for .* is not installable" \(after 5 attempts\)$/);
});

test('a permanent failure is not tried again', async () => {
  const s = scripted([recorded('no-release')]);
  const r = await rustupWithRetry(['toolchain', 'install', 'nightly-2026-06-02'], {}, FAST, s.run);
  assert.equal(s.calls.length, 1);
  assert.equal(rustupFailure(r), `rustup said: "error: no release found for 'nightly-2026-06-02'"`);
});

test('the default back-off: five attempts, 10, 20, 40, 60 s apart', () => {
  assert.equal(RUSTUP_RETRY.attempts, 5);
  assert.deepEqual([1, 2, 3, 4].map(RUSTUP_RETRY.delayMs), [10_000, 20_000, 40_000, 60_000]);
});
