import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsoleScript, DEFAULT_STEP_TIMEOUT } from '../../../src/inputs/console-script.js';
import { InputError } from '../../../src/model/errors.js';
import { describeStep } from '../../../src/model/conversation.js';

function rejects(value: string, message: RegExp) {
  assert.throws(
    () => parseConsoleScript(value),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
      assert.equal(e.input, 'console-script');
      assert.match(e.message, /^Input 'console-script': /);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('empty: no script', () => {
  assert.deepEqual(parseConsoleScript(''), []);
});

test('expect, send (with Enter) and write (exact), with per-step timeouts', () => {
  const steps = parseConsoleScript(`
- expect: "banscii>"
- send: Hello
- expect: /^[@%#x+=:. -]+$/
  timeout: 5
- write: "\\x03"
- send: 42
`);
  assert.equal(steps.length, 5);
  assert.deepEqual(
    steps.map((s) => [s.kind, s.index, s.timeout]),
    [
      ['expect', 1, DEFAULT_STEP_TIMEOUT],
      ['send', 2, DEFAULT_STEP_TIMEOUT],
      ['expect', 3, 5],
      ['send', 4, DEFAULT_STEP_TIMEOUT],
      ['send', 5, DEFAULT_STEP_TIMEOUT],
    ],
  );
  assert.equal(steps[0].kind === 'expect' && steps[0].pattern.literal, 'banscii>');
  assert.ok(steps[2].kind === 'expect' && steps[2].pattern.regex?.test('@@ ##'));
  assert.equal(steps[1].kind === 'send' && steps[1].text, 'Hello\r');
  assert.equal(steps[3].kind === 'send' && steps[3].text, '\x03');
  assert.equal(steps[4].kind === 'send' && steps[4].text, '42\r');
  assert.deepEqual(steps.map(describeStep), [
    'step 1 (expect "banscii>")',
    'step 2 (send "Hello\\r")',
    'step 3 (expect "/^[@%#x+=:. -]+$/")',
    'step 4 (send "\\u0003")',
    'step 5 (send "42\\r")',
  ]);
});

test('bad steps are refused, naming the step', () => {
  rejects('- expect: a\n  send: b', /step 1: has both expect and send\. Give each step exactly one of them/);
  rejects('- timeout: 3', /step 1: has none of expect, send or write/);
  rejects('- expect: a\n- wait: 3', /step 2: unknown key 'wait'\. A step has one of expect, send or write, and may have timeout\./);
  rejects('- expect: ""', /step 1: 'expect' is empty/);
  rejects('- write: ""', /step 1: 'write' is empty/);
  rejects('- expect: [a]', /step 1: 'expect' must be text/);
  rejects('- expect: a\n  timeout: -1', /step 1: timeout '-1' is not a positive number of seconds/);
  rejects('- expect: a\n  timeout: soon', /timeout 'soon' is not a positive number/);
  rejects('- expect: /a(/', /step 1: '\/a\(\/' is not a valid regular expression .*\. Fix the expression/);
  rejects('- hello', /step 1: is not a map/);
  rejects('expect: a', /is not a list of steps\. Write a YAML list of steps/);
  rejects('- expect: [', /is not valid YAML/);
});
