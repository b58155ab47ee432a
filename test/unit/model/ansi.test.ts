import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanLine } from '../../../src/model/ansi.js';

// One case per kind of sequence a guest's console or cargo prints: what of it is text.

test('SGR colours and styles are removed, with and without parameters', () => {
  assert.equal(cleanLine('\x1b[1;32mall tests\x1b[0m passed\x1b[m'), 'all tests passed');
  assert.equal(cleanLine('\x1b[38;5;196mred\x1b[38:2:1:2:3mrgb'), 'redrgb');
});

test('other CSI sequences are removed: cursor, erase, private modes, intermediates', () => {
  assert.equal(cleanLine('\x1b[2J\x1b[Hhello\x1b[K'), 'hello');
  assert.equal(cleanLine('\x1b[?25lhidden cursor\x1b[?25h'), 'hidden cursor');
  assert.equal(cleanLine('a\x1b[2 qb'), 'ab', 'DECSCUSR has an intermediate byte');
});

test('an unfinished CSI at the end of a line leaves its text, not its ESC', () => {
  assert.equal(cleanLine('broken \x1b['), 'broken [');
});

test('OSC sequences end at BEL or ST and are removed; an unterminated one to the end of its line', () => {
  assert.equal(cleanLine('\x1b]0;title\x07text'), 'text');
  assert.equal(cleanLine('\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\'), 'link');
  assert.equal(cleanLine('before\x1b]0;a title that never ends'), 'before');
  assert.equal(cleanLine('\x1b]0;open\x1b[31mred'), 'red', 'a new escape ends the open OSC, as in a terminal');
});

test('charset selection (ncurses sgr0 is ESC ( B ESC [ m) is removed', () => {
  assert.equal(cleanLine('\x1b(B\x1b[mplain'), 'plain');
  assert.equal(cleanLine('\x1b)0line\x1b(0drawing'), 'linedrawing');
});

test('two-byte escapes (reverse index, save and restore cursor, reset) are removed', () => {
  assert.equal(cleanLine('pan\x1bMicked at'), 'panicked at');
  assert.equal(cleanLine('\x1b7saved\x1b8'), 'saved');
  assert.equal(cleanLine('\x1bcreset'), 'reset');
});

test('DCS and APC strings up to ST are removed', () => {
  assert.equal(cleanLine('a\x1bP1$r0m\x1b\\b'), 'ab');
  assert.equal(cleanLine('a\x1b_payload\x1b\\b'), 'ab');
});

test('a lone ESC is removed and the text after it kept', () => {
  assert.equal(cleanLine('end\x1b'), 'end');
  assert.equal(cleanLine('a\x1b\u00e9b'), 'a\u00e9b');
  assert.equal(cleanLine('\x1b\x1b[0mtext'), 'text');
});

test('CR, NUL and DEL are removed and the text on both sides of a CR kept (a failure overwritten by a progress bar still counts)', () => {
  assert.equal(cleanLine('panicked at x\r10%'), 'panicked at x10%');
  assert.equal(cleanLine('Hello\x00 world\r'), 'Hello world');
  assert.equal(cleanLine('FA\x7fTAL'), 'FATAL');
});

test('other text and other control characters stay: tabs, BEL, non-ASCII', () => {
  assert.equal(cleanLine('a\tb\x07 \u00e9\u2713'), 'a\tb\x07 \u00e9\u2713');
  assert.equal(cleanLine('[ 0.000] [PANIC] x'), '[ 0.000] [PANIC] x');
});
