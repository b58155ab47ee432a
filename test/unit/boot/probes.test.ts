import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { parseProbes } from '../../../src/inputs/probes.js';
import { guestAccepted, ProbeRunner, runProbe, quote } from '../../../src/boot/probes.js';

/** A free port on 127.0.0.1 (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function listen(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

function close(server: net.Server): Promise<void> {
  if ('closeAllConnections' in server) (server as http.Server).closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

/** A web server: / answers "Hello from the guest", /missing 404. */
function web(): http.Server {
  return http.createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/plain' }).end(`Hello from the guest\nmethod ${req.method} host ${req.headers.host}\n`);
    else if (req.url === '/echo') req.pipe(res);
    else res.writeHead(404).end('<h1>404 Not Found</h1>\n');
  });
}

/** One probe for `yaml`, with `port` forwarded. */
function probe(yaml: string, port: number) {
  return parseProbes(yaml.replaceAll('PORT', String(port)), [{ host: port, guest: 80 }])[0];
}

const signal = () => new AbortController().signal;

test('HTTP: the expected status and body pass; the Host header is the one written', async () => {
  const s = web();
  const port = await listen(s);
  try {
    const o = await runProbe(probe('- http: http://localhost:PORT/\n  body: /method GET host localhost:\\d+/', port), signal());
    assert.equal(o.ok, true, o.message);
    assert.equal(o.attempts, 1);
    assert.equal(o.message, `probe 1 (GET http://localhost:${port}/): status 200 (OK), body matched "/method GET host localhost:\\\\d+/"`);
    const post = await runProbe(probe('- http: http://127.0.0.1:PORT/echo\n  method: POST\n  data: ping-body\n  body: ping-body', port), signal());
    assert.equal(post.ok, true, post.message);
  } finally {
    await close(s);
  }
});

test('HTTP: a wrong status fails at once, saying what came back and what was expected', async () => {
  const s = web();
  const port = await listen(s);
  try {
    const o = await runProbe(probe('- http: http://127.0.0.1:PORT/missing\n  timeout: 30', port), signal());
    assert.equal(o.ok, false);
    assert.equal(o.attempts, 1, 'a server that answered is not asked again');
    assert.equal(
      o.message,
      `probe 1 (GET http://127.0.0.1:${port}/missing): got status 404 (Not Found) with a body beginning "<h1>404 Not Found</h1>"; expected status 200.`,
    );
  } finally {
    await close(s);
  }
});

test('HTTP: a body without the expected text fails, quoting the body', async () => {
  const s = web();
  const port = await listen(s);
  try {
    const o = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  body: Hello from Hermit', port), signal());
    assert.equal(o.ok, false);
    assert.match(
      o.message,
      /: got status 200 \(OK\) with a body beginning "Hello from the guest method GET host 127\.0\.0\.1:\d+"; expected a body matching "Hello from Hermit"\.$/,
    );
  } finally {
    await close(s);
  }
});

test('HTTP: nobody listening is tried again until the probe timeout, then fails naming the last error', async () => {
  const port = await freePort();
  const o = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  timeout: 0.5', port), signal(), { retryMs: 50 });
  assert.equal(o.ok, false);
  assert.ok(o.attempts > 2, `${o.attempts} tries`);
  assert.match(
    o.message,
    /^probe 1 \(GET http:\/\/127\.0\.0\.1:\d+\/\) did not pass within its timeout of 0\.5 s: connection refused \(QEMU is not listening.*\) \(\d+ tries\); expected status 200\.$/,
  );
});

test('HTTP: a server that comes up late is found by the retries', async () => {
  const port = await freePort();
  const s = web();
  setTimeout(() => void listen(s, port), 300);
  try {
    const o = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  timeout: 20', port), signal(), { retryMs: 50 });
    assert.equal(o.ok, true, o.message);
    assert.ok(o.attempts > 1);
  } finally {
    await close(s);
  }
});

test("QEMU's user networking: accepted, then closed at once, is not an answer (HTTP and TCP retry, then fail)", async () => {
  const s = net.createServer((c) => c.destroy());
  const port = await listen(s);
  try {
    const h = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  timeout: 0.4', port), signal(), { retryMs: 50 });
    assert.equal(h.ok, false);
    assert.match(h.message, /did not pass within its timeout of 0\.4 s: the connection was closed before any reply \(nothing listens on the guest port yet\)/);
    const t = await runProbe(probe('- tcp: PORT\n  timeout: 0.4', port), signal(), { retryMs: 50 });
    assert.equal(t.ok, false);
    assert.match(
      t.message,
      /^probe 1 \(TCP 127\.0\.0\.1:\d+\) did not pass within its timeout of 0\.4 s: the connection was closed before any reply .*; expected bytes from the guest, or QEMU reporting that the guest accepted the connection\.$/,
    );
  } finally {
    await close(s);
  }
});

test('TCP: an exchange passes on the expected reply, fails on another', async () => {
  const s = net.createServer((c) => {
    c.write('hello: ');
    c.on('data', (d) => c.write(`${d.toString().trim().toUpperCase()}\r\n`));
  });
  const port = await listen(s);
  try {
    const ok = await runProbe(probe('- tcp: PORT\n  send: ping\n  expect: PING', port), signal());
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /reply "hello: PING" matched "PING"/);
    const bad = await runProbe(probe('- tcp: PORT\n  send: ping\n  expect: /^pong$/', port), signal(), { attemptMs: 500 });
    assert.equal(bad.ok, false);
    assert.match(bad.message, /^probe 1 \(TCP 127\.0\.0\.1:\d+\): got "hello: PING"; expected a reply line matching "\/\^pong\$\/"\.$/);
    const open = await runProbe(probe('- tcp: PORT', port), signal());
    assert.equal(open.ok, true, open.message);
  } finally {
    await close(s);
  }
});

// QEMU's user network accepts a connection to a forwarded port on the host side at once and keeps it
// open while it tries to reach the guest: a silent server on 127.0.0.1 is exactly what a probe sees
// then (the stand-in here), and `view` stands in for QEMU's `info usernet` (read for real in
// test/e2e/never-fooled-host.test.ts).
test('TCP: a silent open connection is no evidence: no pass without bytes or QEMU saying the guest accepted', async () => {
  // Reads (and drops) what comes, so it sees the probe's close.
  const s = net.createServer((c) => void c.resume());
  const port = await listen(s);
  try {
    const none = await runProbe(probe('- tcp: PORT\n  timeout: 0.6', port), signal(), { attemptMs: 250 });
    assert.equal(none.ok, false, none.message);
    assert.match(
      none.message,
      /did not pass within its timeout of 0\.6 s: no bytes from the guest, and no word from QEMU on whether the guest accepted the connection/,
    );
    const asked: number[] = [];
    const waiting = await runProbe(probe('- tcp: PORT\n  timeout: 0.6', port), signal(), {
      view: async (p) => (asked.push(p), 'not-accepted'),
    });
    assert.equal(waiting.ok, false, waiting.message);
    assert.ok(waiting.attempts >= 3, `tried again at once while QEMU waits for the guest (${waiting.attempts} tries)`);
    assert.ok(asked.every((p) => p === port));
    assert.match(waiting.message, /the guest did not accept the connection \(QEMU's user network is still waiting/);
    const accepted = await runProbe(probe('- tcp: PORT\n  send: hi', port), signal(), { view: async () => 'accepted' });
    assert.equal(accepted.ok, true, accepted.message);
    assert.match(accepted.message, /connected and sent "hi"; QEMU reports that the guest accepted the connection$/);
  } finally {
    await close(s);
  }
});

test('HTTP: a connection the guest has not accepted is dropped and tried again after answerMs, not after attemptMs', async () => {
  // Reads (and drops) what comes, so it sees the probe's close.
  const s = net.createServer((c) => void c.resume());
  const port = await listen(s);
  try {
    const t0 = performance.now();
    const o = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  timeout: 1', port), signal(), { view: async () => 'not-accepted', answerMs: 100 });
    assert.equal(o.ok, false);
    assert.ok(o.attempts >= 5, `${o.attempts} tries in 1 s`);
    assert.ok(performance.now() - t0 < 1500);
    // Accepted by the guest: its answer is waited for (up to attemptMs), not cut at answerMs.
    const slow = http.createServer((_req, res) => setTimeout(() => res.end('late'), 400));
    const p2 = await listen(slow);
    try {
      const late = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  timeout: 3', p2), signal(), { view: async () => 'accepted', answerMs: 100 });
      assert.equal(late.ok, true, late.message);
      assert.equal(late.attempts, 1);
      // No view (a runner): the bound doubles from try to try, so a slow server is answered at a later try.
      const noView = await runProbe(probe('- http: http://127.0.0.1:PORT/\n  timeout: 5', p2), signal(), { answerMs: 100 });
      assert.equal(noView.ok, true, noView.message);
      assert.ok(noView.attempts >= 3, `${noView.attempts} tries`);
    } finally {
      await close(slow);
    }
  } finally {
    await close(s);
  }
});

test("guestAccepted reads QEMU 7.2's info usernet: SYN_SENT is not accepted, ESTABLISHED on the forwarded port is", () => {
  const header = 'Hub -1 (n0):\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\n';
  const fwd = '  TCP[HOST_FORWARD]   8       127.0.0.1 18931       10.0.2.15    80     0     0\n';
  // Seen from qemu-system-x86_64 7.2 with a connection to a forward whose guest drives no card.
  assert.equal(guestAccepted(`${header}  TCP[SYN_SENT]      12       127.0.0.1 18931       10.0.2.15    80     0     0\n${fwd}`, 18931), 'not-accepted');
  assert.equal(guestAccepted(`${header}${fwd}`, 18931), 'not-accepted');
  assert.equal(guestAccepted(`${header}  TCP[ESTABLISHED]   12       127.0.0.1 18931       10.0.2.15    80     0     0\n${fwd}`, 18931), 'accepted');
  assert.equal(guestAccepted(`${header}  TCP[ESTABLISHED]   12       127.0.0.1 18932       10.0.2.15    80     0     0\n${fwd}`, 18931), 'not-accepted');
  assert.equal(guestAccepted(`${header}  TCP[TIME_WAIT]     12       127.0.0.1 18931       10.0.2.15    80     0     0\n`, 18931), 'accepted');
});

test('runner: probes with `after` start on their line; stop() ends the rest, saying why', async () => {
  const s = web();
  const port = await listen(s);
  const dead = await freePort();
  const forwards = [
    { host: port, guest: 80 },
    { host: dead, guest: 81 },
  ];
  const probes = parseProbes(
    `
- http: http://127.0.0.1:${port}/
  after: listening on port 80
- http: http://127.0.0.1:${port}/
  after: never printed
- http: http://127.0.0.1:${dead}/
`,
    forwards,
  );
  try {
    const r = new ProbeRunner(probes, { retryMs: 50 });
    r.start();
    r.line('booting');
    await new Promise((res) => setTimeout(res, 100));
    r.line('httpd: listening on port 80');
    await new Promise((res) => setTimeout(res, 300));
    r.stop('QEMU exited with status 0');
    const [a, b, c] = await r.done;
    assert.equal(a.ok, true, a.message);
    assert.ok(a.startedMs! >= 100, `started at ${a.startedMs} ms`);
    assert.equal(b.ok, false);
    assert.equal(b.message, `probe 2 (GET http://127.0.0.1:${port}/) never started: the line "never printed" did not appear before QEMU exited with status 0.`);
    assert.equal(c.ok, false);
    assert.match(
      c.message,
      /^probe 3 \(GET http:\/\/127\.0\.0\.1:\d+\/\) did not pass before QEMU exited with status 0: connection refused .* \(\d+ tries\); expected status 200\.$/,
    );
    assert.equal(r.passed, false);
  } finally {
    await close(s);
  }
});

test('runner: push() finds an `after` line split over chunks, in colour, without a newline yet', { timeout: 10_000 }, async () => {
  const s = web();
  const port = await listen(s);
  try {
    const r = new ProbeRunner(parseProbes(`- http: http://127.0.0.1:${port}/\n  after: "server: ready"`, [{ host: port, guest: 80 }]));
    r.start();
    r.push(Buffer.from('boot\n\x1b[1mser'));
    r.push(Buffer.from('ver: re\x1b[0m'));
    r.push(Buffer.from('ady'));
    const [o] = await r.done;
    assert.equal(o.ok, true, o.message);
  } finally {
    await close(s);
  }
});

test('runner: no probes is done at once', async () => {
  assert.deepEqual(await new ProbeRunner([]).done, []);
});

test('quotes of guest output are cleaned and bounded', () => {
  assert.equal(quote('\x1b[31mred\x1b[0m\r\n\x07bell'), '"red bell"');
  assert.equal(quote('x'.repeat(300)), JSON.stringify(`${'x'.repeat(200)}…`));
});

test(
  'runner: an `after` regular expression that backtracks catastrophically fails its probe at the deadline (issue 22, point 6)',
  { timeout: 20_000 },
  async () => {
    const r = new ProbeRunner(parseProbes(`- tcp: 1\n  after: '/^(\\w+\\s?)+!$/'`, [{ host: 1, guest: 80 }]));
    r.start();
    const started = performance.now();
    r.push(Buffer.from(`${'a'.repeat(40)}?\n`));
    assert.ok(performance.now() - started < 10_000);
    const [o] = await r.done;
    assert.equal(o.ok, false);
    assert.match(
      o.message,
      /never started: matching "\/\^\(\\\\w\+\\\\s\?\)\+!\$\/" took longer than 2 s: the regular expression backtracks catastrophically on a serial line/,
    );
  },
);

test('an HTTP probe whose body pattern backtracks catastrophically fails, naming it', { timeout: 20_000 }, async () => {
  const s = http.createServer((_q, res) => res.end(`${'a'.repeat(40)}?`));
  const port = await listen(s);
  try {
    const o = await runProbe(probe(`- http: http://127.0.0.1:PORT/\n  body: '/^(\\w+\\s?)+!$/'`, port), new AbortController().signal, { retryMs: 50 });
    assert.equal(o.ok, false);
    assert.match(o.message, /took longer than 2 s: the regular expression backtracks catastrophically on the body/);
  } finally {
    await close(s);
  }
});
