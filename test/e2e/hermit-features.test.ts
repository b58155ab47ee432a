// Runs the real cargo (system packages): an e2e test.
// Issue 14 (Hermit): the loader/uhyve features from cargo metadata on fixture crates, Uhyve's command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkHermitFeatures, featureArgs, type CargoMetadata } from '../../src/targets/hermit/features.js';
import { uhyveCommand, uhyveInstallArgs } from '../../src/targets/hermit/uhyve-command.js';
import { capture } from '../../src/proc/run.js';
import { ROOT } from '../helpers/action.js';

/** Real `cargo metadata` of a fixture app (path dependencies only: offline). */
async function metadata(app: string, extra: string[] = []): Promise<CargoMetadata> {
  const dir = path.join(ROOT, 'test', 'fixtures', 'hermit', 'features', app);
  const r = await capture('cargo', ['metadata', '--offline', '--format-version', '1', '--filter-platform', 'x86_64-unknown-hermit', ...extra], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a hermit crate without default features, and an app that does not enable loader: what to add', async () => {
  const meta = await metadata('app-bare');
  const q = checkHermitFeatures(meta, 'loader')!;
  assert.deepEqual(q.missing, ['loader']);
  assert.equal(q.version, '0.13.3');
  assert.match(
    q.fix!,
    /The hermit crate 0\.13\.3 has no default features: its kernel needs the loader feature to boot through Hermit's loader in QEMU.*Add "loader" to the hermit dependency's features in Cargo\.toml, e\.g\. hermit = \{ \.\.\., features = \["loader"\] \} \(or pass --features hermit\/loader in cargo-args\)/,
  );
  const u = checkHermitFeatures(meta, 'uhyve')!;
  assert.deepEqual(u.missing, ['uhyve']);
  assert.match(u.fix!, /needs the uhyve feature to boot with Uhyve/);
});

test('loader enabled in Cargo.toml, or through cargo-args given to cargo metadata: nothing missing', async () => {
  assert.deepEqual(checkHermitFeatures(await metadata('app-loader'), 'loader'), { version: '0.13.3', missing: [] });
  assert.deepEqual(checkHermitFeatures(await metadata('app-loader'), 'uhyve')!.missing, ['uhyve']);
  const args = featureArgs(['--release', '--features', 'hermit/uhyve', '-Fhermit/loader']);
  assert.deepEqual(args, ['--features', 'hermit/uhyve', '--features', 'hermit/loader']);
  const meta = await metadata('app-bare', args);
  assert.deepEqual(checkHermitFeatures(meta, 'loader')!.missing, []);
  assert.deepEqual(checkHermitFeatures(meta, 'uhyve')!.missing, []);
  assert.deepEqual(featureArgs(['--all-features', '--features=a,b', '--no-default-features', '-F', 'c']), [
    '--all-features',
    '--features',
    'a,b',
    '--no-default-features',
    '--features',
    'c',
  ]);
});

test('hermit 0.13.x (default features, no loader/uhyve feature): both boots work, nothing to add', async () => {
  const meta = await metadata('app-old');
  assert.deepEqual(checkHermitFeatures(meta, 'loader'), { version: '0.13.0', missing: [] });
  assert.deepEqual(checkHermitFeatures(meta, 'uhyve'), { version: '0.13.0', missing: [] });
  assert.equal(checkHermitFeatures({ packages: meta.packages, resolve: null }, 'loader'), undefined, 'no resolve graph: nothing can be told');
  assert.equal(checkHermitFeatures({ packages: [], resolve: { nodes: [] } }, 'loader'), undefined, 'no hermit dependency');
});

test("Uhyve v0.9.1 command line: image, then `--` and the hermit-args words, so that clap keeps the app's `--`", () => {
  assert.deepEqual(uhyveCommand('uhyve', '/k/app', []), ['uhyve', '/k/app']);
  assert.deepEqual(uhyveCommand('uhyve', '/k/app', ['--', 'one', 'two']), ['uhyve', '/k/app', '--', '--', 'one', 'two']);
  assert.deepEqual(uhyveCommand('uhyve', '/k/app', ['-freq', '100', '--', 'x']), ['uhyve', '/k/app', '--', '-freq', '100', '--', 'x']);
  assert.deepEqual(uhyveInstallArgs(), ['install', '--locked', 'uhyve', '--version', '0.9.1']);
});
