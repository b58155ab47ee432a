// The `log` output exists on every path where the run wrote anything, so a workflow's
// `upload-artifact` step with `path: ${{ steps.boot.outputs.log }}` never fails a second time:
// after an input error, a toolchain error and a build error (no boot: a file that says why), after
// a boot (the serial log), and in test mode (the folder of every executable's log, with junit).
// Through dist/index.js, as the runner runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type ActionRun } from '../helpers/action.js';
import { tempDir } from '../helpers/tmp.js';

const env = { CARGO_TARGET_DIR: tempDir('e2e-log-output-target-') };

/** The `log` output names a file that is there and says why no guest output came. */
function assertNoBootLog(r: ActionRun): void {
  assert.ok(r.outputs.log, `log is set (${r.outputs.reason})`);
  assert.ok(fs.statSync(r.outputs.log).isFile());
  assert.match(fs.readFileSync(r.outputs.log, 'utf8'), /^The action ended before any boot wrote serial output: /);
  assert.ok(fs.readFileSync(r.outputs.log, 'utf8').includes(r.outputs.reason.split('\n')[0]), 'it quotes the reason');
}

test('an input error: result error, and log names a file saying why there is no serial output', async () => {
  const r = await runAction({ target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', timeout: 'soon' });
  assert.equal(r.outputs.result, 'error');
  assert.match(r.outputs.reason, /^Input 'timeout'/);
  assertNoBootLog(r);
});

test('a toolchain error (toolchain: system with no rustc on PATH): log is set', async () => {
  const bin = tempDir('e2e-log-output-path-');
  // A PATH with the tools the action itself needs here, but no rustc or cargo.
  for (const tool of ['qemu-system-x86_64', 'sh', 'dpkg-query', 'apt-cache', 'apt-get', 'env', 'sudo']) {
    const found = ['/usr/bin', '/bin', '/usr/sbin'].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  const r = await runAction(
    { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', toolchain: 'system', expect: 'Hello', timeout: '60' },
    { env: { ...env, PATH: bin } },
  );
  assert.notEqual(r.outputs.result, 'pass');
  assert.match(r.outputs.reason, /^toolchain: system uses the cargo on PATH, but there is none/);
  assertNoBootLog(r);
});

test('a build error: log is set', async () => {
  const r = await runAction(
    { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/broken/bad-manifest', toolchain: 'distro', expect: 'x', timeout: '60' },
    { env },
  );
  assert.equal(r.outputs.result, 'fail');
  assert.match(r.outputs.reason, /^cargo build failed/);
  assertNoBootLog(r);
});
