import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { panicAnnotation, parsePanic } from '../../../src/report/panic-location.js';
import { tempDir } from '../../helpers/tmp.js';

test('panic lines: the 1.73+ form (message on the next line), the old form, prefixes, no column', () => {
  assert.deepEqual(parsePanic('panicked at src/main.rs:246:5:', 'boom'), { file: 'src/main.rs', line: 246, column: 5, message: 'boom' });
  assert.deepEqual(parsePanic("thread 'main' panicked at src/bin/app.rs:3:9:"), { file: 'src/bin/app.rs', line: 3, column: 9, message: undefined });
  assert.deepEqual(parsePanic("panicked at 'index out of bounds', src/lib.rs:12:7"), {
    file: 'src/lib.rs',
    line: 12,
    column: 7,
    message: 'index out of bounds',
  });
  assert.deepEqual(parsePanic('[0.1][0][PANIC] panicked at /rustc/abc/library/core/src/option.rs:2006:5: called `Option::unwrap()`'), {
    file: '/rustc/abc/library/core/src/option.rs',
    line: 2006,
    column: 5,
    message: 'called `Option::unwrap()`',
  });
  assert.deepEqual(parsePanic('PANIC: panicked at kernel/src/main.rs:7'), { file: 'kernel/src/main.rs', line: 7, column: undefined, message: undefined });
  assert.equal(parsePanic('panicked at nothing'), undefined);
  assert.equal(parsePanic('Hello, world!'), undefined);
});

const ws = tempDir('panic-loc-');
after(() => fs.rmSync(ws, { recursive: true, force: true }));
fs.mkdirSync(path.join(ws, 'examples', 'k', 'src'), { recursive: true });
fs.writeFileSync(path.join(ws, 'examples', 'k', 'src', 'main.rs'), '');
fs.mkdirSync(path.join(ws, 'member', 'src'), { recursive: true });
fs.writeFileSync(path.join(ws, 'member', 'src', 'lib.rs'), '');

test('annotation: the file found from the crate folder, named relative to the workspace, with the message', () => {
  const crate = path.join(ws, 'examples', 'k');
  assert.deepEqual(panicAnnotation(['Hello', 'panicked at src/main.rs:246:5:', 'assertion failed'], crate, ws), {
    file: 'examples/k/src/main.rs',
    line: 246,
    column: 5,
    message: 'panicked: assertion failed',
  });
  // rustc names a workspace member's files relative to the workspace root, above the crate.
  assert.deepEqual(panicAnnotation(['panicked at member/src/lib.rs:2:1:'], path.join(ws, 'member'), ws), {
    file: 'member/src/lib.rs',
    line: 2,
    column: 1,
    message: 'panicked here',
  });
  assert.deepEqual(panicAnnotation([`panicked at ${path.join(crate, 'src/main.rs')}:9:1:`, 'x'], crate, ws)?.file, 'examples/k/src/main.rs');
});

test("no annotation when the file is not the crate's: std, a dependency, a file that does not exist, a path leaving the workspace", () => {
  const crate = path.join(ws, 'examples', 'k');
  assert.equal(panicAnnotation(['panicked at /rustc/abc/library/core/src/option.rs:2006:5:'], crate, ws), undefined);
  assert.equal(panicAnnotation(['panicked at /root/.cargo/registry/src/x/lib.rs:1:1:'], crate, ws), undefined);
  assert.equal(panicAnnotation(['panicked at src/gone.rs:1:1:'], crate, ws), undefined);
  assert.equal(panicAnnotation(['panicked at ../../../etc/passwd.rs:1:1:'], crate, ws), undefined);
  // The first panic whose file exists wins.
  assert.equal(panicAnnotation(['panicked at src/gone.rs:1:1:', 'panicked at src/main.rs:4:2:'], crate, ws)?.line, 4);
});
