import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../../helpers/action.js';
import {
  cargoTestCommand,
  packageName,
  requireTestExecutables,
  suiteNames,
  TestExecutableCollector,
  testExecutables,
} from '../../../src/cargo/test-executables.js';
import { cargoCommand, profilesAbortOnPanic } from '../../../src/cargo/cargo.js';

// What `cargo test --no-run --message-format=json-diagnostic-rendered-ansi` printed for
// test/kernels/x86_64-tests (paths rewritten to a runner's).
const MESSAGES = fs.readFileSync(path.join(ROOT, 'test/fixtures/cargo-test/x86_64-tests.jsonl'), 'utf8');
const DEPS = '/home/runner/work/kernel/target/x86_64-unknown-none/debug/deps';

test('the test executables of a real cargo test --no-run: the library unit tests, then the integration tests by name', () => {
  const list = testExecutables(MESSAGES);
  assert.deepEqual(
    list.map((t) => [t.package, t.name, t.kind, t.label, t.executable]),
    [
      ['tested-kernel', 'tested_kernel', 'lib', 'unittests src/lib.rs', `${DEPS}/tested_kernel-da8ff6f4cf3124fe`],
      ['tested-kernel', 'basic_boot', 'test', 'tests/basic_boot.rs', `${DEPS}/basic_boot-fd972c76c40f5815`],
      ['tested-kernel', 'failing', 'test', 'tests/failing.rs', `${DEPS}/failing-1ecebb348465f17e`],
      ['tested-kernel', 'should_panic', 'test', 'tests/should_panic.rs', `${DEPS}/should_panic-7a1544aaa6ab1b97`],
    ],
  );
  assert.equal(list[0].manifestPath, '/home/runner/work/kernel/Cargo.toml');
  assert.equal(list[1].srcPath, '/home/runner/work/kernel/tests/basic_boot.rs');
});

test('binaries cargo test builds for integration tests (test profile off), rlibs, and non-JSON lines are not test executables', () => {
  const c = new TestExecutableCollector();
  const bin = {
    reason: 'compiler-artifact',
    package_id: 'path+file:///k#kern@0.1.0',
    manifest_path: '/k/Cargo.toml',
    target: { kind: ['bin'], name: 'kern', src_path: '/k/src/main.rs' },
    profile: { test: false },
    executable: '/t/debug/kern',
  };
  assert.equal(c.line(JSON.stringify(bin)), false);
  assert.equal(c.line(JSON.stringify({ ...bin, executable: null, profile: { test: true } })), false);
  assert.equal(c.line('   Compiling kern v0.1.0'), false);
  assert.equal(c.line('{not json'), false);
  assert.equal(c.line(JSON.stringify({ reason: 'compiler-message', message: {} })), false);
  // The binary's own unit tests are a test executable.
  assert.equal(c.line(JSON.stringify({ ...bin, profile: { test: true }, executable: '/t/debug/deps/kern-1234' })), true);
  // The same artifact twice (a fresh and a rebuilt message) is one executable.
  assert.equal(c.line(JSON.stringify({ ...bin, profile: { test: true }, executable: '/t/debug/deps/kern-1234' })), true);
  assert.deepEqual(
    c.executables.map((t) => [t.name, t.kind, t.label]),
    [['kern', 'bin', 'unittests src/main.rs']],
  );
});

test('package names from every package id form cargo prints', () => {
  assert.equal(packageName('path+file:///work/x86_64-tests#tested-kernel@0.1.0'), 'tested-kernel');
  assert.equal(packageName('path+file:///work/tested-kernel#0.1.0'), 'tested-kernel');
  assert.equal(packageName('registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0'), 'serde');
  assert.equal(packageName('tested-kernel 0.1.0 (path+file:///work/x86_64-tests)'), 'tested-kernel');
});

test('suite names are unique: the crate name, qualified by package and kind only when needed', () => {
  const t = (pkg: string, name: string, kind: 'lib' | 'bin' | 'test') => ({
    package: pkg,
    name,
    kind,
    executable: `/${pkg}/${name}/${kind}`,
    srcPath: '',
    manifestPath: '',
    label: '',
  });
  assert.deepEqual(suiteNames([t('a', 'kern', 'lib'), t('a', 'kern', 'bin'), t('b', 'kern', 'lib'), t('a', 'smoke', 'test')]), [
    'a::kern (lib)',
    'a::kern (bin)',
    'b::kern',
    'smoke',
  ]);
});

test('cargo test --no-run: the build command line with test --no-run in place of build', () => {
  const tc = { cargo: 'cargo', cargoConfig: ['--config', 'x=1'], buildStd: true };
  const req = {
    target: 'x86_64-unknown-none',
    buildStd: { crates: ['core', 'compiler_builtins'], features: ['compiler-builtins-mem'] },
    cargoArgs: ['--release', '-p', 'kern'],
  };
  const cmd = cargoTestCommand(tc, req);
  assert.deepEqual(cmd, [
    'cargo',
    '--config',
    'x=1',
    'test',
    '--no-run',
    '--target',
    'x86_64-unknown-none',
    '--message-format=json-diagnostic-rendered-ansi',
    '-Zbuild-std=core,compiler_builtins',
    '-Zbuild-std-features=compiler-builtins-mem',
    '--release',
    '-p',
    'kern',
  ]);
  const build = cargoCommand(tc, req);
  assert.deepEqual(
    cmd.filter((a) => a !== '--no-run').map((a) => (a === 'test' ? 'build' : a)),
    build,
    'everything else as the build has it',
  );
  assert.ok(!cargoTestCommand({ ...tc, buildStd: false }, req).some((a) => a.startsWith('-Zbuild-std')));
});

test('no test executable: an error that says why and what to do', () => {
  assert.throws(
    () => requireTestExecutables([], 'x86_64-unknown-none'),
    /cargo test --no-run built no test executable for x86_64-unknown-none.*Add #\[test_case\]/,
  );
});

test('panic = "abort" in a profile: cargo test under build-std gets -Zpanic-abort-tests (read from the workspace root manifest)', () => {
  const tc = { cargo: 'cargo', cargoConfig: [], buildStd: true };
  const req = (workingDirectory: string) => ({ target: 'x86_64-unknown-none', buildStd: { crates: ['core'], features: [] }, cargoArgs: [], workingDirectory });
  const abort = path.join(ROOT, 'test/kernels/x86_64-tests-abort');
  const plain = path.join(ROOT, 'test/kernels/x86_64-tests');
  assert.equal(profilesAbortOnPanic(abort), true);
  assert.equal(profilesAbortOnPanic(plain), false);
  assert.ok(cargoTestCommand(tc, req(abort)).includes('-Zpanic-abort-tests'));
  assert.ok(!cargoTestCommand(tc, req(plain)).includes('-Zpanic-abort-tests'));
  assert.ok(!cargoCommand(tc, req(abort), 'build').includes('-Zpanic-abort-tests'), 'only for tests');
  assert.ok(!cargoTestCommand({ ...tc, buildStd: false }, req(abort)).includes('-Zpanic-abort-tests'), 'only under build-std');
  // A member of a workspace: the root's profiles count, not the member's own.
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'abort-ws-'));
  try {
    fs.mkdirSync(path.join(ws, 'kernel'));
    fs.writeFileSync(path.join(ws, 'Cargo.toml'), '[workspace]\nmembers = ["kernel"]\n\n[profile.release]\npanic = "abort"\n');
    fs.writeFileSync(path.join(ws, 'kernel', 'Cargo.toml'), '[package]\nname = "k"\nversion = "0.1.0"\n');
    assert.equal(profilesAbortOnPanic(path.join(ws, 'kernel')), true);
    fs.writeFileSync(path.join(ws, 'Cargo.toml'), '[workspace]\nmembers = ["kernel"]\n');
    fs.writeFileSync(path.join(ws, 'kernel', 'Cargo.toml'), '[package]\nname = "k"\nversion = "0.1.0"\n[profile.dev]\npanic = "abort"\n');
    assert.equal(profilesAbortOnPanic(path.join(ws, 'kernel')), false, "a member's profiles are ignored by cargo");
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
