import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, parsePattern, parsePatternLines } from '../../../src/model/patterns.js';
import { InputError } from '../../../src/model/errors.js';

test('plain text matches anywhere in a line, and regex characters in it are literal', () => {
  const p = parsePattern('tests passed (3/3)', 'expect');
  assert.equal(matches(p, 'all tests passed (3/3) ok'), true);
  assert.equal(matches(p, 'all tests passed 3/3'), false);
});

test('/regex/flags is a regular expression', () => {
  const p = parsePattern('/^exit status [0-9]+$/i', 'expect');
  assert.equal(matches(p, 'EXIT STATUS 42'), true);
  assert.equal(matches(p, 'the exit status 42'), false);
});

test('a lone slash or an empty // stays plain text', () => {
  assert.equal(parsePattern('/', 'expect').literal, '/');
  assert.equal(parsePattern('//', 'expect').literal, '//');
  assert.equal(parsePattern('/usr/bin is ok', 'expect').literal, '/usr/bin is ok');
});

test('a malformed regular expression is an input error naming the input', () => {
  assert.throws(
    () => parsePattern('/fo(o/', 'fail-on'),
    (e: Error) => e instanceof InputError && /Input 'fail-on'.*'\/fo\(o\/' is not a valid regular expression/.test(e.message),
  );
  assert.throws(
    () => parsePattern('/foo/g', 'expect'),
    (e: Error) => e instanceof InputError && /flags 'g'/.test(e.message),
  );
});

test('pattern lines: blank lines dropped, whitespace trimmed, CRLF accepted', () => {
  const ps = parsePatternLines('  one \r\n\r\n/two/\n', 'expect');
  assert.deepEqual(
    ps.map((p) => p.source),
    ['one', '/two/'],
  );
  assert.ok(ps[1].regex);
});
