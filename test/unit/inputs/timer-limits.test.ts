// Issue 22, point 9: a Node timer holds at most 2^31-1 ms; longer timeouts would fire at once, so
// every timeout input refuses them with an input error that names the input and the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/model/errors.js';
import { MAX_TIMER_SECONDS } from '../../../src/model/parse.js';
import { parseConsoleScript } from '../../../src/inputs/console-script.js';
import { parseProbes } from '../../../src/inputs/probes.js';
import { parseForwards } from '../../../src/inputs/forward.js';
import { fakeInputs } from '../../helpers/inputs.js';

const refused = (fn: () => unknown, input: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.match(e.message, input);
    assert.match(e.message, /2147484(\.5)? is longer than the 2147483 s \(24\.8 days\) a timer can wait|'2147484' is longer than the 2147483 s/);
    assert.match(e.message, /at most 2147483 seconds/);
    return true;
  });

test('the limit is what setTimeout can hold', () => {
  assert.equal(MAX_TIMER_SECONDS, 2147483);
  assert.ok(MAX_TIMER_SECONDS * 1000 <= 2 ** 31 - 1 && (MAX_TIMER_SECONDS + 1) * 1000 > 2 ** 31 - 1);
});

test('timeout and idle-timeout: 2147484 s is refused, 2147483 s is accepted', () => {
  refused(() => fakeInputs({ target: 'x86_64-unknown-none', kernel: 'README.md', timeout: '2147484' }), /^Input 'timeout'/);
  refused(() => fakeInputs({ target: 'x86_64-unknown-none', kernel: 'README.md', 'idle-timeout': '2147484' }), /^Input 'idle-timeout'/);
  assert.equal(fakeInputs({ target: 'x86_64-unknown-none', kernel: 'README.md', timeout: '2147483' }).timeout, 2147483);
});

test('console-script and probe step timeouts: the same limit', () => {
  refused(() => parseConsoleScript('- expect: login\n  timeout: 2147484'), /console-script/);
  assert.equal(parseConsoleScript('- expect: login\n  timeout: 2147483')[0].timeout, 2147483);
  const forwards = parseForwards('8080:80');
  refused(() => parseProbes('- tcp: 8080\n  timeout: 2147484.5', forwards), /probes/);
  assert.equal(parseProbes('- tcp: 8080\n  timeout: 2147483', forwards)[0].timeout, 2147483);
});
