import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SerialWatcher, type WatchRules } from '../../../src/verdict/watcher.js';
import { cleanLine } from '../../../src/model/ansi.js';
import { literal, matches, parsePattern } from '../../../src/model/patterns.js';

const rules = (expect: string[], failOn: string[] = ['panicked at '], ordered = true): WatchRules => ({
  expect: expect.map((e) => parsePattern(e, 'expect')),
  failOn: failOn.map((f) => parsePattern(f, 'fail-on')),
  ordered,
});

function feed(r: WatchRules, ...chunks: (string | Buffer)[]): SerialWatcher & { live: string } {
  return feedWith(r, {}, ...chunks);
}

function feedWith(
  r: WatchRules,
  opts: { fastPath?: boolean; maxLineBytes?: number; tailLines?: number },
  ...chunks: (string | Buffer)[]
): SerialWatcher & { live: string } {
  // The live log as the action shows it: lines one by one, blocks as they came.
  const parts: Buffer[] = [];
  const w = new SerialWatcher(r, { ...opts, onLine: (l) => parts.push(Buffer.from(`${l}\n`)), onLines: (b) => parts.push(Buffer.from(b)) });
  for (const c of chunks) w.push(typeof c === 'string' ? Buffer.from(c, 'binary') : c);
  w.end();
  return Object.assign(w, { live: Buffer.concat(parts).toString('utf8').replace(/\r+\n/g, '\n') });
}

test('ordered expectations must come in order', () => {
  assert.equal(feed(rules(['a', 'b']), 'a\nb\n').satisfied, true);
  const w = feed(rules(['a', 'b']), 'b\na\n');
  assert.equal(w.satisfied, false);
  assert.equal(w.missing?.source, 'b');
});

test('unordered expectations accept any order', () => {
  assert.equal(feed(rules(['a', 'b'], [], false), 'b\na\n').satisfied, true);
});

test('a line meets at most one expectation, ordered and unordered (issue 22, point 5)', () => {
  for (const ordered of [true, false]) {
    const once = feed(rules(['Hello', 'Hello'], [], ordered), 'Hello\n');
    assert.equal(once.satisfied, false, `ordered: ${ordered}`);
    assert.deepEqual(once.met, [true, false]);
    assert.equal(once.metCount, 1);
    assert.equal(feed(rules(['Hello', 'Hello'], [], ordered), 'Hello\nnoise\nHello\n').satisfied, true);
    assert.equal(feed(rules(['x=1', 'y=2'], [], ordered), 'x=1 y=2\n').satisfied, false);
    assert.equal(feed(rules(['/^Hel/', 'Hello'], [], ordered), 'Hello\n').satisfied, false);
  }
});

test('unordered, a later line can free the line an earlier expectation took', () => {
  // "ab" fits both; "a" fits only the first: "ab" must end up meeting "ab".
  const w = feed(rules(['a', 'ab'], [], false), 'ab\na\n');
  assert.equal(w.satisfied, true);
  assert.deepEqual(w.metAt, [2, 1]);
  const chain = feed(rules(['x', 'xy', 'xyz'], [], false), 'xyz\nxy\nx\n');
  assert.equal(chain.satisfied, true);
  assert.deepEqual(chain.metAt, [3, 2, 1]);
});

test('ordered, where each expectation appeared is kept, in order or not (issue 27, point 2)', () => {
  const w = feed(rules(['Arguments:', 'Hello world!'], []), 'boot\nHello world!\nArguments:\n');
  assert.equal(w.satisfied, false);
  assert.deepEqual(w.metAt, [3, 0]);
  assert.deepEqual(w.seenAt, [3, 2]);
});

test('looking at an unfinished line twice does not let it meet two expectations', () => {
  const w = new SerialWatcher(rules(['Hello', 'Hello']));
  w.push(Buffer.from('Hel'));
  w.checkPartial();
  w.push(Buffer.from('lo'));
  w.checkPartial();
  w.checkPartial();
  assert.deepEqual(w.met, [true, false]);
  w.push(Buffer.from('\nHello\n'));
  assert.equal(w.satisfied, true);
  assert.deepEqual(w.metAt, [1, 2]);
});

/** The reference: how many expectations lines can meet, each line at most one (brute force). */
function bestCount(lines: string[], expect: string[], ordered: boolean): number {
  const fits = (e: string, l: string) => matches(parsePattern(e, 'expect'), cleanLine(l));
  if (ordered) {
    // The longest prefix of the expectations that the lines meet as a subsequence.
    let k = 0;
    let from = 0;
    while (k < expect.length) {
      const at = lines.findIndex((l, i) => i >= from && fits(expect[k], l));
      if (at < 0) break;
      k++;
      from = at + 1;
    }
    return k;
  }
  // Every way of giving expectations distinct lines: the most that can be met.
  const best = (e: number, used: Set<number>): number => {
    if (e === expect.length) return 0;
    let most = best(e + 1, used);
    lines.forEach((l, i) => {
      if (used.has(i) || !fits(expect[e], l)) return;
      used.add(i);
      most = Math.max(most, 1 + best(e + 1, used));
      used.delete(i);
    });
    return most;
  };
  return best(0, new Set());
}

test('as many expectations are met as distinct lines can meet, no more (property)', () => {
  const words = ['a', 'ab', 'b', 'abc', 'c', 'x'];
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...words, '/^a/', '/b$/'), { minLength: 1, maxLength: 4 }),
      fc.array(fc.constantFrom(...words, 'a b', 'ab c', 'noise'), { maxLength: 7 }),
      fc.boolean(),
      fc.boolean(),
      (expect, lines, ordered, fastPath) => {
        const w = feedWith(rules(expect, [], ordered), { fastPath }, lines.map((l) => `${l}\n`).join(''));
        const want = bestCount(lines, expect, ordered);
        assert.equal(w.metCount, want);
        assert.equal(w.satisfied, want === expect.length);
        // Every met expectation names a distinct line that matches it.
        const at = w.metAt.filter((n) => n > 0);
        assert.equal(new Set(at).size, at.length);
        w.metAt.forEach((n, i) => n > 0 && assert.ok(matches(parsePattern(expect[i], 'expect'), lines[n - 1])));
      },
    ),
    { numRuns: 3000 },
  );
});

test('a regular expression that backtracks catastrophically is stopped at the deadline, and timers still fire (issue 22, point 6)', async () => {
  let fired = 0;
  const t = setTimeout(() => fired++, 50);
  const failures: unknown[] = [];
  const w = new SerialWatcher(rules(['boot', '/^(\\w+\\s?)+!$/']), { matchDeadlineMs: 300, onFailure: (f) => failures.push(f) });
  const started = performance.now();
  w.push(Buffer.from(`boot\n${'a'.repeat(40)}?\nafter\nmore\n`));
  const took = performance.now() - started;
  assert.ok(took < 2000, `push returned after ${took} ms`);
  assert.equal(w.failure?.stalledMs, 300);
  assert.equal(w.failure?.lineNumber, 2);
  assert.equal(w.failure?.pattern.source, '/^(\\w+\\s?)+!$/');
  assert.equal(w.failure?.next, 'after');
  assert.equal(failures.length, 1);
  assert.equal(w.lineCount, 4, 'the lines after it are still counted and shown');
  // Once failed, nothing more is matched: more of the same costs nothing.
  const again = performance.now();
  w.push(Buffer.from(`${'a'.repeat(40)}?\n`));
  assert.ok(performance.now() - again < 200);
  await new Promise((r) => setTimeout(r, 100));
  clearTimeout(t);
  assert.equal(fired, 1, 'the timer fired once matching had been stopped');
  // An unfinished line too (a guest that never sends the newline).
  const p = new SerialWatcher(rules(['/^(\\w+\\s?)+!$/']), { matchDeadlineMs: 300 });
  p.push(Buffer.from(`${'b'.repeat(40)}?`));
  p.checkPartial();
  assert.equal(p.failure?.stalledMs, 300);
  assert.equal(p.failure?.lineNumber, 1);
});

test('CRLF, ANSI colour codes, NUL bytes and invalid UTF-8 do not hide a line', () => {
  const w = feed(
    rules(['Hello world', 'all tests passed']),
    Buffer.from([0xff, 0xfe, 0x00, 0x00]),
    'Hello\x00 world\r\n',
    '\x1b[1;32mall tests\x1b[0m passed\r\n',
  );
  assert.equal(w.satisfied, true);
  assert.equal(w.lastLine(), 'all tests passed');
});

test('a failure line is reported with its line number and the line after it', () => {
  let seen = 0;
  const w = new SerialWatcher(rules(['done']), { onFailure: () => seen++ });
  w.push(Buffer.from('boot\npanicked at src/main.rs:3:5:\nboom\ndone\n'));
  w.end();
  assert.equal(seen, 1);
  assert.equal(w.failure?.lineNumber, 2);
  assert.equal(w.failure?.next, 'boom');
  assert.equal(w.satisfied, false, 'lines after a failure do not count');
});

test('an unfinished line is judged at the end of the stream and on checkPartial', () => {
  assert.equal(feed(rules(['ready']), 'ready').satisfied, true);
  const w = new SerialWatcher(rules(['ready']));
  w.push(Buffer.from('read'));
  w.checkPartial();
  assert.equal(w.satisfied, false);
  w.push(Buffer.from('y'));
  w.checkPartial();
  assert.equal(w.satisfied, true);
});

test('an expectation met by a partial line is judged again when the line completes', () => {
  const w = new SerialWatcher(rules(['/^Hello$/']));
  w.push(Buffer.from('Hello'));
  w.checkPartial();
  assert.equal(w.satisfied, true);
  w.push(Buffer.from(' world\n'));
  assert.equal(w.satisfied, false);
});

test('a line split across writes matches as a whole', () => {
  assert.equal(feed(rules(['Hello from kernel']), 'Hello ', 'from ', 'kernel\n').satisfied, true);
});

test('an endless line is cut so memory stays bounded, and the tail is bounded', () => {
  const w = new SerialWatcher(rules(['never']), { maxLineBytes: 1024, tailLines: 5 });
  for (let i = 0; i < 1000; i++) w.push(Buffer.alloc(1000, 0x41));
  assert.ok(w.lineCount >= 975);
  assert.ok(w.lastLines().length <= 6);
  assert.ok(w.lastLines().every((l) => l.length <= 1024));
});

test('the verdict does not depend on how the stream is chunked (property)', () => {
  const lines = [
    'boot ok',
    '\x1b[32mstage 1\x1b[0m',
    'noise \x00\xff',
    'stage 2\r',
    'sta\rge 3',
    'sta\x07ge 3',
    'panicked at x',
    'stage 3',
    'tail',
    '',
    'x'.repeat(300),
    // for the fast path over escape codes: noise that cleans to nothing awaited, and escapes that hide a line
    '\x1b[2m[000001]\x1b[0m filler',
    '\x1b]0;title\x07filler \u00e9\u2713',
    'fil\x1b[1;31mler\r',
    'sta\x1b[1mge 3',
    'st\x1b]x\x07age 3',
    'ta\x00il',
    'pan\x1bMicked at y',
    'bro\x1b[ken \x1b[',
    'FA\x7fTAL',
  ].map((l) => Buffer.from(l, 'utf8').toString('binary'));
  const regexRules = rules(['boot ok', 'stage 1', '/stage \\d$/', 'stage 3'], ['panicked at ', 'FATAL']);
  const literalRules = rules(['boot ok', 'stage 1', 'stage 3', 'tail'], ['panicked at ', 'FATAL']);
  const unordered = rules(['tail', 'stage 3', 'boot ok'], ['FATAL'], false);
  fc.assert(
    fc.property(
      fc.constantFrom(regexRules, literalRules, unordered),
      fc.array(fc.constantFrom(...lines), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      // Small limits too, so that long lines are cut and the tail rolls over.
      fc.constantFrom({}, { maxLineBytes: 100, tailLines: 3 }),
      (r, picked, cuts, limits) => {
        const stream = Buffer.from(picked.join('\n') + '\n', 'binary');
        const whole = feedWith(r, { fastPath: false, ...limits }, stream);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const p of points) {
          chunks.push(stream.subarray(at, p));
          at = p;
        }
        chunks.push(stream.subarray(at));
        // Chunked, and line by line without the fast path: the same verdict.
        for (const split of [feedWith(r, limits, ...chunks), feedWith(r, { fastPath: false, ...limits }, ...chunks)]) {
          assert.deepEqual(split.met, whole.met);
          assert.deepEqual(split.metAt, whole.metAt);
          assert.deepEqual(split.seenAt, whole.seenAt);
          assert.deepEqual(split.failure, whole.failure);
          assert.equal(split.lineCount, whole.lineCount);
          assert.deepEqual(split.lastLines(), whole.lastLines());
          assert.equal(split.live, whole.live);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('the fast path over blocks with escape codes judges as line by line does (property)', () => {
  const pieces = [
    'a',
    'b',
    ' ',
    '1',
    ';',
    'm',
    'M',
    '@',
    '[',
    ']',
    '\\',
    '(',
    'B',
    '\x1b',
    '\x1b[',
    '\x1b(',
    '\x1b]',
    '\x1b[0m',
    '\x1b[1;32m',
    '\x07',
    '\x00',
    '\r',
    '\x7f',
    '\n',
    '\u00e9',
    '\u2713',
    '\xff',
    '\xe2\x82',
  ];
  // Literals that the pieces can spell only once their escape codes are cleaned away, or across a sequence left open.
  const r = rules(['ab', 'a b', '1;m'], ['m@', 'b\u00e9']);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (picked) => {
      const bytes = Buffer.concat(picked.map((p) => (p === '\xff' || p === '\xe2\x82' ? Buffer.from(p, 'binary') : Buffer.from(p, 'utf8'))));
      const fast = feedWith(r, {}, bytes);
      const slow = feedWith(r, { fastPath: false }, bytes);
      assert.deepEqual(fast.metAt, slow.metAt);
      assert.deepEqual(fast.seenAt, slow.seenAt);
      assert.deepEqual(fast.failure, slow.failure);
      assert.equal(fast.lineCount, slow.lineCount);
      assert.deepEqual(fast.lastLines(), slow.lastLines());
    }),
    { numRuns: 3000 },
  );
});

test('the fast path sees a line hidden by escape codes and judges it line by line', () => {
  const filler = Array.from({ length: 200 }, (_, i) => `\x1b[2m[${i}]\x1b[0m filler`).join('\n');
  const w = feed(rules(['all tests passed'], ['panicked at ']), `${filler}\nall \x1b[1mtests\x1b[0m passed\n${filler}\n`);
  assert.equal(w.satisfied, true);
  assert.equal(w.lineCount, 401);
  const f = feed(rules(['never'], ['panicked at ']), `${filler}\npan\x00icked at src/main.rs\n${filler}\n`);
  assert.equal(f.failure?.lineNumber, 201);
});

test('literal() builds a plain-text pattern', () => {
  assert.equal(literal('a/b/').literal, 'a/b/');
});
