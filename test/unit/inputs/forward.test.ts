import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseForwards } from '../../../src/inputs/forward.js';
import { InputError } from '../../../src/model/errors.js';

function rejects(value: string, message: RegExp) {
  assert.throws(
    () => parseForwards(value),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
      assert.equal(e.input, 'forward');
      assert.match(e.message, /^Input 'forward': /);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('empty: no forwards', () => {
  assert.deepEqual(parseForwards(''), []);
  assert.deepEqual(parseForwards(' \n\n '), []);
});

test('one pair per line, several allowed; commas and spaces also separate', () => {
  assert.deepEqual(parseForwards('8080:80'), [{ host: 8080, guest: 80 }]);
  assert.deepEqual(parseForwards('8080:80\n  9975:9975 \n'), [
    { host: 8080, guest: 80 },
    { host: 9975, guest: 9975 },
  ]);
  assert.deepEqual(parseForwards('8080:80, 8443:443 6379:6379'), [
    { host: 8080, guest: 80 },
    { host: 8443, guest: 443 },
    { host: 6379, guest: 6379 },
  ]);
  // Two host ports may reach the same guest port.
  assert.deepEqual(parseForwards('8080:80\n8081:80'), [
    { host: 8080, guest: 80 },
    { host: 8081, guest: 80 },
  ]);
});

test('malformed pairs are refused, naming the entry and showing the form', () => {
  rejects('8080', /'8080' is not a HOST:GUEST pair \(a host port is required.*\)\. Write one HOST:GUEST pair of TCP ports per line, for example "8080:80"/);
  rejects('8080:80:1', /'8080:80:1' is not a HOST:GUEST pair\. /);
  rejects(':80', /':80' is not a HOST:GUEST pair/);
  rejects('8080:', /'8080:' is not a HOST:GUEST pair/);
  rejects('8080-80', /'8080-80' is not a HOST:GUEST pair/);
  rejects('http:80', /'http:80' has host port 'http', which is not a number/);
  rejects('8080:eighty', /'8080:eighty' has guest port 'eighty', which is not a number/);
  rejects('8080:-1', /has guest port '-1', which is not a number/);
});

test('ports out of range, host port 0 and privileged host ports are refused', () => {
  rejects('0:80', /'0:80' has host port 0, outside 1-65535/);
  rejects('8080:0', /guest port 0, outside 1-65535/);
  rejects('70000:80', /host port 70000, outside 1-65535/);
  rejects('80:80', /'80:80' forwards host port 80, below 1024, which only root may listen on\. Pick a host port from 1024 to 65535, for example "8080:80"\./);
  rejects('443:443', /for example "10443:443"/);
});

test('a protocol prefix is refused: only TCP', () => {
  rejects('udp:8080:80', /'udp:8080:80' names a protocol\. Only TCP is forwarded/);
  rejects('tcp:8080:80', /names a protocol/);
});

test('a host port forwarded twice is refused', () => {
  rejects('8080:80\n8080:81', /host port 8080 is forwarded twice \('8080:80' and '8080:81'\)\. Give each forward its own host port\./);
});
