import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProbes } from '../../../src/inputs/probes.js';
import { InputError } from '../../../src/model/errors.js';
import { describeProbe, type HttpProbe, type TcpProbe } from '../../../src/model/conversation.js';

const fwd = [
  { host: 8080, guest: 80 },
  { host: 8081, guest: 7 },
];

function rejects(value: string, message: RegExp, forwards = fwd) {
  assert.throws(
    () => parseProbes(value, forwards),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
      assert.equal(e.input, 'probes');
      assert.match(e.message, /^Input 'probes': /);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('empty: no probes', () => {
  assert.deepEqual(parseProbes('', fwd), []);
  assert.deepEqual(parseProbes('  \n', []), []);
});

test('a bare URL is a GET expecting 200', () => {
  const [p] = parseProbes('- http://127.0.0.1:8080/health', fwd) as HttpProbe[];
  assert.equal(p.kind, 'http');
  assert.equal(p.method, 'GET');
  assert.equal(p.status, 200);
  assert.equal(p.port, 8080);
  assert.equal(p.url.pathname, '/health');
  assert.equal(p.label, 'probe 1 (GET http://127.0.0.1:8080/health)');
  assert.equal(p.after, undefined);
  assert.equal(p.timeout, undefined);
  assert.equal(describeProbe(p), 'GET http://127.0.0.1:8080/health, expect status 200, from boot, retried');
});

test('an HTTP probe with every key; a TCP probe with an exchange', () => {
  const probes = parseProbes(
    `
- http: http://localhost:8080/echo
  method: post
  data: hi
  status: 201
  body: /^hi$/m
  after: listening on
  timeout: 12.5
- tcp: 8081
  send: ping
  expect: pong
- tcp: 127.0.0.1:8081
`,
    fwd,
  );
  const h = probes[0] as HttpProbe;
  assert.equal(h.method, 'POST');
  assert.equal(h.data, 'hi');
  assert.equal(h.status, 201);
  assert.ok(h.body?.regex?.test('hi'));
  assert.equal(h.after?.literal, 'listening on');
  assert.equal(h.timeout, 12.5);
  assert.equal(h.url.hostname, 'localhost');
  const t = probes[1] as TcpProbe;
  assert.deepEqual([t.kind, t.port, t.send, t.expect?.literal, t.label], ['tcp', 8081, 'ping\n', 'pong', 'probe 2 (TCP 127.0.0.1:8081)']);
  assert.equal(describeProbe(t), 'TCP 127.0.0.1:8081, send "ping", expect pong, from boot, retried');
  const bare = probes[2] as TcpProbe;
  assert.deepEqual([bare.send, bare.expect], [undefined, undefined]);
  assert.equal(describeProbe(h), 'POST http://localhost:8080/echo, expect status 201, body /^hi$/m, after the line listening on, within 12.5 s');
});

test('a probe for a port that is not forwarded is refused, naming the forwarded ports', () => {
  rejects(
    '- http://127.0.0.1:9090/',
    /probe 1: port 9090 is not forwarded\. Probe a forwarded host port \(8080, 8081\), or add '9090:GUEST' to the 'forward' input\./,
  );
  rejects('- tcp: 9091', /probe 1: port 9091 is not forwarded/);
  // The URL's default port is 80, which is not forwarded either.
  rejects('- http://127.0.0.1/', /probe 1: port 80 is not forwarded/);
  rejects('- http://127.0.0.1:8080/', /port 8080 is not forwarded\. Probes reach the guest through forwarded ports: add a 'forward' input/, []);
});

test('invalid URLs are refused', () => {
  rejects('- "not a url"', /probe 1: 'not a url' is not a valid URL\. Write a full URL/);
  rejects('- http: "http://127.0.0.1:99999/"', /'http:\/\/127\.0\.0\.1:99999\/' is not a valid URL/);
  rejects('- https://127.0.0.1:8080/', /uses https\. Probes speak plain HTTP/);
  rejects('- http://example.com:8080/', /names host 'example\.com'\. Forwarded ports listen on the runner's loopback/);
  rejects('- http://u:p@127.0.0.1:8080/', /carries a user name or password/);
});

test('bad fields are refused, naming the probe and the key', () => {
  rejects('- http: http://127.0.0.1:8080/\n  status: 99', /probe 1: status '99' is not an HTTP status code/);
  rejects('- http: http://127.0.0.1:8080/\n  status: ok', /status 'ok' is not an HTTP status code/);
  rejects('- http: http://127.0.0.1:8080/\n  method: FETCH', /method 'FETCH' is not one of GET/);
  rejects('- http: http://127.0.0.1:8080/\n  timeout: 0', /'timeout' is '0'\. Give the seconds/);
  rejects(
    '- http: http://127.0.0.1:8080/\n  body: "/a(/"',
    /probe 1 \(GET http:\/\/127\.0\.0\.1:8080\/\): 'body' '\/a\(\/' is not a valid regular expression .*\. Fix the expression/,
  );
  rejects(
    '- http: http://127.0.0.1:8080/\n  expect: x',
    /probe 1: unknown key 'expect'\. The keys of this kind of probe are: http, method, data, status, body, after, timeout\./,
  );
  rejects('- tcp: 8081\n  body: x', /unknown key 'body'/);
  rejects('- tcp: 8081\n  expect: [a, b]', /'expect' must be text, not a list/);
  rejects('- tcp: 8081\n  after: ""', /'after' is empty/);
  rejects('- tcp: localhost:x', /tcp 'localhost:x' is not a port/);
  rejects('- tcp: 10.0.2.15:8081', /is not a port\. Give the forwarded host port/);
  rejects('- tcp: 8081\n  http: http://127.0.0.1:8080/', /has both 'http' and 'tcp'/);
  rejects('- send: x', /probe 1: has neither 'http' nor 'tcp'/);
  rejects('- 42', /probe 1: is neither a URL nor a map/);
  rejects('- [1]', /probe 1: is neither a URL nor a map/);
});

test('not YAML, or not a list', () => {
  rejects('- http: [', /is not valid YAML \(.+\)\. Quote text that holds ': ' or starts with a special character\. Write a YAML list, for example:/);
  rejects('http: http://127.0.0.1:8080/', /is not a list\. Write a YAML list/);
});
