// Probes against a real server guest in real QEMU (TCG), through the forwards of boot/network.ts.
// The guest is a stand-in for a unikernel server: Debian's Linux kernel with a busybox initramfs
// running httpd on port 80 and a line-reversing service on port 7 (test/standins/linux-httpd),
// since a Hermit or Unikraft server cannot be fetched or built without the internet. QEMU is
// started directly (test/helpers/guest.ts), not through the action's pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseForwards } from '../../src/inputs/forward.js';
import { parseProbes } from '../../src/inputs/probes.js';
import { ProbeRunner, usernetView } from '../../src/boot/probes.js';
import { QmpClient } from '../../src/boot/qmp.js';
import { alive, freePorts, startGuest } from '../helpers/guest.js';
import { buildStandin, LISTENING, standinArgs } from '../standins/linux-httpd/standin.js';

test(
  'stand-in for a unikernel server: probes pass; a wrong status, a wrong body, a closed port and a wrong reply fail, each saying why',
  { timeout: 240_000 },
  async () => {
    const { kernel, initrd, dir } = buildStandin();
    const [web, rev, closed] = await freePorts(3);
    // The guest never listens on port 81.
    const forward = `${web}:80\n${rev}:7\n${closed}:81`;
    const forwards = parseForwards(forward);
    const probes = parseProbes(
      `
- http: http://127.0.0.1:${web}/
  body: Hello from the stand-in server
  after: "${LISTENING}"
- http://localhost:${web}/index.html
- tcp: ${rev}
  send: stressed
  expect: desserts
  after: listening
- tcp: ${web}
- http: http://127.0.0.1:${web}/missing
  after: listening
- http: http://127.0.0.1:${web}/
  body: /Hello from Hermit/
  after: listening
- http: http://127.0.0.1:${closed}/
  after: listening
  timeout: 4
- tcp: ${closed}
  after: listening
  timeout: 3
- tcp: ${rev}
  send: abc
  expect: abc
  after: listening
  timeout: 20
`,
      forwards,
    );
    const args = standinArgs(kernel, initrd, forward);
    assert.ok(args.includes(`user,id=net0,hostfwd=tcp:127.0.0.1:${web}-:80,hostfwd=tcp:127.0.0.1:${rev}-:7,hostfwd=tcp:127.0.0.1:${closed}-:81`));
    // QMP, as the action's own boots have it: a bare TCP probe passes on QEMU's word that the guest accepted.
    const qmpSocket = path.join(dir, 'qmp.sock');
    const qmpServer = await QmpClient.listen(qmpSocket);
    const guest = startGuest('qemu-system-x86_64', [...args, '-qmp', `unix:${qmpSocket}`]);
    const qmp = new QmpClient(() => {});
    const runner = new ProbeRunner(probes, {
      view: usernetView(() => qmp.execute<string>('human-monitor-command', { 'command-line': 'info usernet' })),
    });
    try {
      assert.ok(await qmp.accept(qmpServer, 10_000, () => alive(guest.child.pid)), 'QMP connected');
      guest.onData((c) => runner.push(c));
      runner.start();
      await guest.waitFor(LISTENING, 180_000);
      // Every probe has a verdict well before this: the slowest waits 4 s after the line.
      const timer = setTimeout(() => runner.stop('the test gave up after 60 s'), 60_000);
      const out = await runner.done;
      clearTimeout(timer);
      const msg = (i: number) => out[i].message;

      assert.equal(out[0].ok, true, msg(0));
      assert.equal(msg(0), `probe 1 (GET http://127.0.0.1:${web}/): status 200 (OK), body matched "Hello from the stand-in server"`);
      assert.equal(out[0].attempts, 1, 'started on its line, the probe is answered at the first try');
      assert.equal(out[1].ok, true, msg(1));
      assert.ok(out[1].attempts > 1, `probe 2 retried from boot until the server was up (${out[1].attempts} tries)`);
      assert.equal(out[2].ok, true, msg(2));
      assert.equal(msg(2), `probe 3 (TCP 127.0.0.1:${rev}): reply "desserts" matched "desserts"`);
      assert.equal(out[3].ok, true, msg(3));
      assert.match(msg(3), /^probe 4 \(TCP 127\.0\.0\.1:\d+\): connected; QEMU reports that the guest accepted the connection$/);

      assert.equal(out[4].ok, false);
      assert.match(
        msg(4),
        new RegExp(
          `^probe 5 \\(GET http://127\\.0\\.0\\.1:${web}/missing\\): got status 404 \\(Not Found\\) with a body beginning ".*404.*"; expected status 200\\.$`,
        ),
      );
      assert.equal(out[5].ok, false);
      assert.equal(
        msg(5),
        `probe 6 (GET http://127.0.0.1:${web}/): got status 200 (OK) with a body beginning "<h1>Hello from the stand-in server</h1>"; expected a body matching "/Hello from Hermit/".`,
      );
      assert.equal(out[6].ok, false);
      assert.match(
        msg(6),
        new RegExp(
          `^probe 7 \\(GET http://127\\.0\\.0\\.1:${closed}/\\) did not pass within its timeout of 4 s: the connection was closed before any reply \\(nothing listens on the guest port yet\\) \\(\\d+ tries\\); expected status 200\\.$`,
        ),
      );
      assert.ok(out[6].ms >= 4000 - 150, `failed at its timeout, not before (${out[6].ms} ms)`);
      assert.equal(out[7].ok, false, 'a bare TCP connect to a port the guest never opens must not pass (QEMU accepts it on the host side)');
      assert.match(
        msg(7),
        /^probe 8 \(TCP 127\.0\.0\.1:\d+\) did not pass within its timeout of 3 s: .*; expected bytes from the guest, or QEMU reporting that the guest accepted the connection\.$/,
      );
      assert.equal(out[8].ok, false);
      assert.match(msg(8), /^probe 9 \(TCP 127\.0\.0\.1:\d+\): got "cba"; expected a reply line matching "abc"\.$/);
      for (const o of out) assert.ok(o.startedMs !== undefined && o.ms >= 0);
    } finally {
      qmp.close();
      runner.stop('the test ended');
      await guest.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(alive(guest.child.pid), false, 'no QEMU outlives the test');
    assert.equal(fs.existsSync(dir), false);
  },
);
