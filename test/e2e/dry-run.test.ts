// The dry run tells the truth: the plan's cargo and boot commands are the ones the real run
// executes and logs, for the same inputs (toolchain: distro, so source replacement and
// RUSTC_BOOTSTRAP are in both; the image path comes from cargo metadata).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../helpers/action.js';

const TARGET_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-dry-run-target-'));

test('x86_64-unknown-none: the dry-run plan lists the very commands the real run logs', async () => {
  const inputs = {
    target: 'x86_64-unknown-none',
    'working-directory': 'examples/x86_64-unknown-none',
    toolchain: 'distro',
    accel: 'tcg',
    expect: 'all tests passed',
    timeout: '120',
  };
  const env = { CARGO_TARGET_DIR: TARGET_DIR };
  const dry = await runAction({ ...inputs, 'dry-run': 'true' }, { env });
  assert.equal(dry.code, 0, dry.stdout.slice(-2000));
  const plan = JSON.parse(dry.outputs.plan);
  assert.match(plan.build.command, /RUSTC=\/usr\/bin\/rustc .*\/usr\/bin\/cargo /);
  assert.equal(plan.build.image, path.join(TARGET_DIR, 'x86_64-unknown-none', 'debug', 'hello-kernel'));
  const real = await runAction(inputs, { env });
  assert.equal(real.outputs.result, 'pass', real.outputs.reason);
  const logged = real.stdout
    .split('\n')
    .filter((l) => l.startsWith('[command]'))
    .map((l) => l.slice('[command]'.length));
  assert.deepEqual(logged, [plan.build.command, plan.boot.command]);
  assert.equal(real.outputs['qemu-command'], dry.outputs['qemu-command']);
  fs.rmSync(TARGET_DIR, { recursive: true, force: true });
});
