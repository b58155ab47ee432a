// The double-annotation fix, held against the problem matchers of actions-rust-lang/setup-rust-toolchain
// and r7kamura/rust-problem-matchers (copied below) applied the way the runner applies matchers, on
// diagnostics the real rustc rendered (test/fixtures/rustc-diagnostics.json: the program, the command
// and the rustc that produced them are in the file; unit tests need only Node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shieldFromMatchers } from '../../../src/cargo/matchers.js';
import { ROOT } from '../../helpers/action.js';

// https://github.com/actions-rust-lang/setup-rust-toolchain/blob/main/rust.json, owner "clippy".
const SETUP_RUST_TOOLCHAIN = [
  String.raw`^(?:\x1b\[[\d;]+m)*(warning|warn|error)(?:\x1b\[[\d;]+m)*(\[(.*)\])?(?:\x1b\[[\d;]+m)*:(?:\x1b\[[\d;]+m)* ([^\x1b]*)(?:\x1b\[[\d;]+m)*$`,
  String.raw`^(?:\x1b\[[\d;]+m)*\s*(?:\x1b\[[\d;]+m)*\s*--> (?:\x1b\[[\d;]+m)*(.*):(\d*):(\d*)(?:\x1b\[[\d;]+m)*$`,
].map((r) => new RegExp(r));
// https://github.com/r7kamura/rust-problem-matchers/blob/main/.github/matchers.json, owner "rust-compiler".
const RUST_PROBLEM_MATCHERS = [
  String.raw`^(?:\x1B\[[0-9;]*[a-zA-Z])*(warning|warn|error)(\[(\S*)\])?(?:\x1B\[[0-9;]*[a-zA-Z])*: (.*?)(?:\x1B\[[0-9;]*[a-zA-Z])*$`,
  String.raw`^(?:\x1B\[[0-9;]*[a-zA-Z])*\s+(?:\x1B\[[0-9;]*[a-zA-Z])*-->\s(?:\x1B\[[0-9;]*[a-zA-Z])*(\S+):(\d+):(\d+)(?:\x1B\[[0-9;]*[a-zA-Z])*$`,
].map((r) => new RegExp(r));
/**
 * What the runner does with each log line (actions/runner OutputManager.cs): strip colour codes with
 * `\x1b\[[0-9;]*m?`, then try the matcher; a two-pattern matcher reports when consecutive lines match
 * pattern 1 then pattern 2.
 */
function annotations(log: string, patterns: RegExp[]): { file: string; line: string; message: string }[] {
  const found = [];
  const ESC = String.fromCharCode(0x1b);
  const lines = log.split('\n').map((l) => l.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m?`, 'g'), ''));
  for (let i = 0; i + 1 < lines.length; i++) {
    const first = patterns[0].exec(lines[i]);
    const second = first && patterns[1].exec(lines[i + 1]);
    if (first && second) found.push({ message: first[first.length - 1], file: second[1], line: second[2] });
  }
  return found;
}

/** Diagnostics of a broken file, as rustc rendered them and cargo passes them on (with colours). */
function renderedDiagnostics(): string[] {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'rustc-diagnostics.json'), 'utf8')) as { rendered: string[] }).rendered;
}

test('without the fix the matchers annotate rustc errors again; with it they find nothing', () => {
  const rendered = renderedDiagnostics();
  assert.ok(rendered.length >= 2, 'rustc reported the two errors');
  const plain = rendered.join('');
  assert.ok(plain.includes('\x1b['), 'rendered with colours, as cargo passes them on');
  for (const [name, matcher] of [
    ['setup-rust-toolchain', SETUP_RUST_TOOLCHAIN],
    ['rust-problem-matchers', RUST_PROBLEM_MATCHERS],
  ] as const) {
    const before = annotations(plain, matcher);
    assert.ok(before.length >= 2, `${name} matches the unshielded log (else this test proves nothing): ${JSON.stringify(before)}`);
    assert.ok(before.some((a) => a.file === 'main.rs' && a.line === '2'));
    assert.deepEqual(annotations(rendered.map(shieldFromMatchers).join(''), matcher), [], `${name} finds nothing in the shielded log`);
  }
});

test('shielding indents every non-empty line and keeps the text', () => {
  assert.equal(shieldFromMatchers('error: x\n --> a.rs:1:1\n\n'), '  error: x\n   --> a.rs:1:1\n\n');
  const text = renderedDiagnostics().join('');
  assert.equal(shieldFromMatchers(text).replace(/^ {2}/gm, ''), text);
});
