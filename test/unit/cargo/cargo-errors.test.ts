// The reason of a failed build, from what cargo printed. The texts are cargo 1.96's and rustc 1.96's
// own (recorded from test/kernels/broken/*; the e2e test runs them for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFailureReason, cargoErrorExcerpt } from '../../../src/cargo/cargo-errors.js';

const C = (s: string) => `\x1b[1m\x1b[91m${s}\x1b[0m`;
const BAD_MANIFEST = `${C('error')}\x1b[1m: unclosed table, expected \`]\`\x1b[0m\n --> Cargo.toml:5:14\n  |\n5 | [dependencies\n  |              ^\n`;
const NO_NETWORK = `    Updating git repository \`https://github.com/rust-lang/x\`
error: failed to get \`some-lib\` as a dependency of package \`no-network v0.1.0 (/w/no-network)\`

Caused by:
  failed to load source for dependency \`some-lib\`

Caused by:
  unable to update https://github.com/rust-lang/x

Caused by:
  failed to clone into: /root/.cargo/git/db/x-d5581d0f48f9f43e

Caused by:
  failed to resolve address for github.com: Name or service not known; class=Net (12)
`;
// The case: std's own dependencies fetched from crates.io, offline.
const DLMALLOC = `error: failed to get \`dlmalloc\` as a dependency of package \`std v0.0.0 (/usr/lib/rustlib/src/rust/library/std)\`

Caused by:
  failed to load source for dependency \`dlmalloc\`

Caused by:
  Unable to update registry \`crates-io\`

Caused by:
  failed to fetch \`https://index.crates.io/config.json\`

Caused by:
  [6] Couldn't resolve host name (Could not resolve host: index.crates.io)
`;
const LINK_RENDERED = `${C('error')}\x1b[1m: linking with \`rust-lld\` failed: exit status: 1\x1b[0m
  |
  = note:  "rust-lld" "-flavor" "gnu" "/t/x86_64-unknown-none/debug/deps/rustcgNpt27/symbols.o" "<1 object files omitted>" "--as-needed"
  = note: some arguments are omitted. use \`--verbose\` to show all linker arguments
  = note: rust-lld: error: undefined symbol: w11_function_nothing_defines
          >>> referenced by main.rs:11 (src/main.rs:11)
          >>>               /t/link_fail.o:(_start)


`;

test("cargo's own error line and the lines after it, escape codes removed, Caused by joined to its line", () => {
  assert.deepEqual(cargoErrorExcerpt(BAD_MANIFEST), [
    'error: unclosed table, expected `]`',
    '--> Cargo.toml:5:14',
    '|',
    '5 | [dependencies',
    '|              ^',
  ]);
  assert.deepEqual(cargoErrorExcerpt(DLMALLOC), [
    'error: failed to get `dlmalloc` as a dependency of package `std v0.0.0 (/usr/lib/rustlib/src/rust/library/std)`',
    'Caused by: failed to load source for dependency `dlmalloc`',
    'Caused by: Unable to update registry `crates-io`',
    'Caused by: failed to fetch `https://index.crates.io/config.json`',
    "Caused by: [6] Couldn't resolve host name (Could not resolve host: index.crates.io)",
  ]);
  assert.equal(cargoErrorExcerpt('   Compiling x v0.1.0\n'), undefined);
  // At most the error line and 6 more.
  assert.equal(cargoErrorExcerpt('error: a\n' + Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n'))!.length, 7);
});

test('no rustc error: the reason quotes cargo, never "with 0 errors ... annotated"', () => {
  for (const stderr of [BAD_MANIFEST, NO_NETWORK, DLMALLOC, 'some tool crashed\nSegmentation fault\n', '']) {
    const r = buildFailureReason({ status: 101, errors: [], stderr });
    assert.doesNotMatch(r, /0 errors|annotated/);
    assert.match(r, /^cargo build failed \(exit status 101\)/);
  }
  assert.equal(
    buildFailureReason({ status: 101, errors: [], stderr: NO_NETWORK }),
    [
      'cargo build failed (exit status 101); cargo said:',
      'error: failed to get `some-lib` as a dependency of package `no-network v0.1.0 (/w/no-network)`',
      'Caused by: failed to load source for dependency `some-lib`',
      'Caused by: unable to update https://github.com/rust-lang/x',
      'Caused by: failed to clone into: /root/.cargo/git/db/x-d5581d0f48f9f43e',
      'Caused by: failed to resolve address for github.com: Name or service not known; class=Net (12)',
    ].join('\n'),
  );
  assert.equal(
    buildFailureReason({ status: 101, errors: [], stderr: 'some tool crashed\nSegmentation fault\n' }),
    'cargo build failed (exit status 101) without an error message; its last lines:\nsome tool crashed\nSegmentation fault',
  );
  assert.match(buildFailureReason({ status: null, signal: 'SIGKILL', errors: [], stderr: '' }), /^cargo build was stopped by SIGKILL and printed nothing/);
});

test('rustc errors: counted and annotated; a link failure quotes the linker, not its command line', () => {
  assert.equal(
    buildFailureReason({
      status: 101,
      errors: ['cannot find value `x` in this scope'],
      firstRendered: 'error[E0425]: cannot find value `x` in this scope\n --> src/main.rs:3:5\n',
      stderr: 'error: could not compile',
    }),
    'cargo build failed (exit status 101) with 1 error: cannot find value `x` in this scope. The errors are annotated on the source and shown in the build log.',
  );
  const link = buildFailureReason({ status: 101, errors: ['linking with `rust-lld` failed: exit status: 1'], firstRendered: LINK_RENDERED, stderr: '' });
  assert.equal(
    link,
    [
      'cargo build failed (exit status 101) with 1 error: linking with `rust-lld` failed: exit status: 1.',
      'note: rust-lld: error: undefined symbol: w11_function_nothing_defines',
      '>>> referenced by main.rs:11 (src/main.rs:11)',
      '>>>               /t/link_fail.o:(_start)',
    ].join('\n'),
  );
});
