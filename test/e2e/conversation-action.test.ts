// forward, probes and console-script through the bundled action (dist/index.js; `npm run build`
// first), against real guests in real QEMU (TCG):
// - the stand-in for a unikernel server (test/standins/linux-httpd: Debian's Linux with a busybox
//   httpd initramfs), booted as x86_64-unknown-none from its ELF vmlinux (QEMU enters it at its PVH
//   note), with -initrd and -append in qemu-args;
// - the interactive kernel test/kernels/x86_64-echo, built by the action (toolchain distro).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { runAction, qemuProcesses, type ActionRun } from '../helpers/action.js';
import { freePorts } from '../helpers/guest.js';
import { tempDir } from '../helpers/tmp.js';
import { buildStandin, LISTENING } from '../standins/linux-httpd/standin.js';

const TARGET_DIR = tempDir('e2e-conversation-target-');
let standin: ReturnType<typeof buildStandin>;
before(() => (standin = buildStandin()));
after(() => fs.rmSync(standin.dir, { recursive: true, force: true }));

const show = (r: ActionRun) => `${r.outputs.reason}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-1500)}`;

function server(forward: string, probes: string, over: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      kernel: standin.vmlinux,
      accel: 'tcg',
      timeout: '90',
      'qemu-args': `-m 256M -initrd ${standin.initrd} -append "console=ttyS0 quiet panic=-1"`,
      forward,
      probes,
      expect: LISTENING,
      ...over,
    },
    { workspace: '/' },
  );
}

test('stand-in server through the action: HTTP and TCP probes pass; the summary lists them with timings', { timeout: 240_000 }, async () => {
  const [web, rev] = await freePorts(2);
  const r = await server(
    `${web}:80\n${rev}:7`,
    `- http: http://127.0.0.1:${web}/\n  body: Hello from the stand-in server\n  after: listening\n- tcp: ${rev}\n  send: stressed\n  expect: desserts\n`,
  );
  assert.equal(r.code, 0, show(r));
  assert.equal(r.outputs.result, 'pass');
  assert.equal(r.outputs.reason, 'All 1 expected line appeared; the guest was still running (QEMU run state: running) and was stopped. All 2 probes passed.');
  assert.match(
    r.outputs['qemu-command'],
    new RegExp(`-netdev user,id=net0,hostfwd=tcp:127.0.0.1:${web}-:80,hostfwd=tcp:127.0.0.1:${rev}-:7 -device virtio-net-pci,netdev=net0`),
  );
  assert.match(r.summary, /<td>probe 1 \(GET http:\/\/127\.0\.0\.1:\d+\/\)<\/td><td>pass<\/td><td>\d+\.\d\d s<\/td><td>\d+\.\d\d s<\/td>/);
  assert.match(r.summary, /<td>probe 2 \(TCP 127\.0\.0\.1:\d+\)<\/td><td>pass<\/td>/);
  assert.deepEqual(r.leftoverQemu, []);
});

test('stand-in server: a wrong status fails with what came back and what was expected, and stops QEMU at once', { timeout: 240_000 }, async () => {
  const [web] = await freePorts(1);
  const r = await server(`${web}:80`, `- http: http://127.0.0.1:${web}/missing\n  after: listening\n`, { timeout: '120' });
  assert.equal(r.code, 1, show(r));
  assert.equal(r.outputs.result, 'fail');
  assert.equal(
    r.outputs.reason,
    `probe 1 (GET http://127.0.0.1:${web}/missing): got status 404 (Not Found) with a body beginning "<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD> <BODY><H1>404 Not Found</H1> The requested URL was not found </BODY></HTML>"; expected status 200.`,
  );
});

test('stand-in server: a wrong body fails saying so', { timeout: 240_000 }, async () => {
  const [web] = await freePorts(1);
  const r = await server(`${web}:80`, `- http: http://127.0.0.1:${web}/\n  body: /Hello from Hermit/\n  after: listening\n`);
  assert.equal(r.outputs.result, 'fail', show(r));
  assert.match(
    r.outputs.reason,
    /^probe 1 \(GET http:\/\/127\.0\.0\.1:\d+\/\): got status 200 \(OK\) with a body beginning "<h1>Hello from the stand-in server<\/h1>"; expected a body matching "\/Hello from Hermit\/"\.$/,
  );
});

test('stand-in server: a port the guest never opens fails at the probe timeout', { timeout: 240_000 }, async () => {
  const [web, closed] = await freePorts(2);
  const r = await server(`${web}:80\n${closed}:81`, `- http: http://127.0.0.1:${closed}/\n  after: listening\n  timeout: 4\n`);
  assert.equal(r.outputs.result, 'fail', show(r));
  assert.match(
    r.outputs.reason,
    new RegExp(
      `^probe 1 \\(GET http://127\\.0\\.0\\.1:${closed}/\\) did not pass within its timeout of 4 s: the connection was closed before any reply \\(nothing listens on the guest port yet\\) \\(\\d+ tries\\); expected status 200\\.$`,
    ),
  );
});

function echo(script: string, over: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    {
      target: 'x86_64-unknown-none',
      'working-directory': 'test/kernels/x86_64-echo',
      toolchain: 'distro',
      accel: 'tcg',
      timeout: '60',
      'console-script': script,
      ...over,
    },
    { env: { CARGO_TARGET_DIR: TARGET_DIR } },
  );
}

test('echo kernel: the console script passes; quit exits QEMU with the success status', { timeout: 400_000 }, async () => {
  const r = await echo('- expect: "echo>"\n- send: Hello\n- expect: "reversed: olleH (5 bytes)"\n- expect: "echo>"\n- send: quit\n- expect: bye\n', {
    expect: 'bye',
    'wait-for-exit': 'true',
  });
  assert.equal(r.code, 0, show(r));
  assert.equal(r.outputs.result, 'pass');
  assert.match(r.outputs.reason, /^The guest printed all 1 expected line and exited with status 33\. The console script's 6 steps passed in \d+\.\d s\.$/);
  assert.match(r.summary, /console step 2 \(send &quot;Hello\\r&quot;\)/);
});

test('echo kernel: a wrong expected answer fails naming the step and quoting the guest', { timeout: 400_000 }, async () => {
  const r = await echo('- expect: "echo>"\n- send: Hello\n- expect: "reversed: Hello"\n  timeout: 3\n', { expect: 'echo>' });
  assert.equal(r.outputs.result, 'fail', show(r));
  assert.equal(
    r.outputs.reason,
    'Console script step 3 (expect "reversed: Hello") was not met within 3 s; since the step began the guest printed "echo> Hello", "reversed: olleH (5 bytes)", "echo>".',
  );
  assert.deepEqual(r.leftoverQemu, []);
});

test('echo kernel that never prompts: fails at the step timeout naming the step', { timeout: 400_000 }, async () => {
  const r = await echo('- expect: "echo>"\n  timeout: 4\n- send: Hello\n', { 'cargo-args': '--features no-prompt', expect: 'echo kernel ready' });
  assert.equal(r.outputs.result, 'fail', show(r));
  assert.equal(r.outputs.reason, 'Console script step 1 (expect "echo>") was not met within 4 s; since the step began the guest printed "echo kernel ready".');
});

test('bad input fails before anything is installed, naming the input', { timeout: 60_000 }, async () => {
  const base = { target: 'x86_64-unknown-none', 'working-directory': 'examples/x86_64-unknown-none', expect: 'x' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ forward: '80' }, /^Input 'forward': '80' is not a HOST:GUEST pair/],
    [{ forward: '8080:80', probes: '- http://127.0.0.1:9090/' }, /^Input 'probes': probe 1: port 9090 is not forwarded/],
    [{ forward: '8080:80', probes: '- http: "http://127.0.0.1:80 80/"' }, /^Input 'probes': probe 1: 'http:\/\/127\.0\.0\.1:80 80\/' is not a valid URL/],
  ];
  for (const [inputs, reason] of cases) {
    const r = await runAction({ ...base, ...inputs });
    assert.equal(r.outputs.result, 'error', show(r));
    assert.match(r.outputs.reason, reason);
    assert.doesNotMatch(r.stdout, /::group::Install/, 'nothing installed');
  }
  assert.deepEqual(
    qemuProcesses().filter((p) => p.includes('x86_64-unknown-none')),
    [],
  );
});

test('the dry run shows the network arguments, the probes and the script steps', { timeout: 60_000 }, async () => {
  const r = await runAction({
    target: 'x86_64-unknown-none',
    'working-directory': 'examples/x86_64-unknown-none',
    expect: 'x',
    'dry-run': 'true',
    forward: '8080:80',
    probes: '- http: http://127.0.0.1:8080/\n  after: listening',
    'console-script': '- expect: "login:"\n- send: root',
  });
  assert.equal(r.outputs.result, 'dry-run', show(r));
  const boot = (JSON.parse(r.outputs.plan) as { boot: Record<string, unknown> }).boot;
  assert.match(boot.command as string, / -netdev user,id=net0,hostfwd=tcp:127\.0\.0\.1:8080-:80 -device virtio-net-pci,netdev=net0 /);
  assert.deepEqual(
    [boot.forward, boot.probes, boot.consoleScript],
    [
      ['127.0.0.1:8080 -> guest port 80 (TCP)'],
      ['GET http://127.0.0.1:8080/, expect status 200, after the line listening'],
      ['step 1 (expect "login:"), within 30 s', 'step 2 (send "root\\r"), within 30 s'],
    ],
  );
});
