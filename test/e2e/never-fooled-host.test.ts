// Issue 22 ("never fooled, part two"), points 1, 2, 3, 4, 7 and 10, and issue 26 point 4, through the
// bundled action (dist/index.js; `npm run build` first), each against a guest, runner or input that
// does exactly what the issue found:
// - 1: a guest that never drives its network card (test/kernels/x86_64-echo) with a forward and a
//   bare TCP probe; the stand-in server (test/standins/linux-httpd: Debian's Linux with busybox
//   httpd, standing in for a unikernel server that cannot be built offline) with probes from boot;
// - 2 and 4: a runner shell script that starts QEMU as a child (no exec) and writes workflow
//   commands to its stderr, as QEMU does with a guest's semihosting console there;
// - 3: a Cortex-M guest that runs a host command through semihosting SYS_SYSTEM
//   (test/kernels/thumbv7m-semihosting-system);
// - 7: a raw disk image whose boot sector writes to its own disk (test/kernels/raw-disk-writer),
//   and kernel paths that lead out of the workspace;
// - 10: `command: test` on a crate whose profiles set panic = "abort" (test/kernels/x86_64-tests-abort).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, processesWith, type ActionRun } from '../helpers/action.js';
import { freePorts } from '../helpers/guest.js';
import { tempDir } from '../helpers/tmp.js';
import { buildStandin, LISTENING } from '../standins/linux-httpd/standin.js';

const TARGET_DIR = tempDir('e2e-never-fooled-target-');
const env = { CARGO_TARGET_DIR: TARGET_DIR };
const show = (r: ActionRun) => `${r.outputs.reason}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-1500)}`;

let standin: ReturnType<typeof buildStandin>;
before(() => (standin = buildStandin()));
after(() => fs.rmSync(standin.dir, { recursive: true, force: true }));

/** Workflow-command lines (`::name...::`) the runner would act on: those outside every `::stop-commands::TOKEN` ... `::TOKEN::` pause. */
function activeCommands(stdout: string): string[] {
  const active: string[] = [];
  let token: string | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (token !== undefined) {
      if (line === `::${token}::`) token = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) token = stop[1];
    else if (line.startsWith('::')) active.push(line);
  }
  return active;
}

/** A probe's row in the job summary: when it started and how long it took, in seconds from the boot's start. */
function probeRow(summary: string, n: number): { started: number; took: number } {
  const m = new RegExp(`<td>probe ${n} [^<]*</td><td>pass</td><td>([\\d.]+) s</td><td>([\\d.]+) s</td>`).exec(summary);
  assert.ok(m, `probe ${n} passed, with timings, in the summary:\n${summary}`);
  return { started: Number(m[1]), took: Number(m[2]) };
}

test(
  '1: a bare TCP probe against a guest that never drives its network card fails: QEMU accepting on the host side is no evidence',
  { timeout: 400_000 },
  async () => {
    const [port] = await freePorts(1);
    const r = await runAction(
      {
        target: 'x86_64-unknown-none',
        'working-directory': 'test/kernels/x86_64-echo',
        toolchain: 'distro',
        accel: 'tcg',
        expect: 'echo kernel ready',
        forward: `${port}:80`,
        probes: `- tcp: ${port}\n  timeout: 3`,
        timeout: '60',
      },
      { env, qemuMarker: TARGET_DIR },
    );
    assert.equal(r.outputs.result, 'fail', show(r));
    assert.match(
      r.outputs.reason,
      /^probe 1 \(TCP 127\.0\.0\.1:\d+\) did not pass within its timeout of 3 s: the guest did not accept the connection \(QEMU's user network is still waiting for the guest's answer to its SYN: no server listens yet, or the guest does not drive its network card\) \(\d+ tries\); expected bytes from the guest, or QEMU reporting that the guest accepted the connection\.$/,
    );
    assert.deepEqual(r.leftoverQemu, []);
  },
);

test('1 and issue 26.4: probes from boot pass only once the server listens, and within 0.5 s of it', { timeout: 300_000 }, async () => {
  const [web] = await freePorts(1);
  const r = await runAction(
    {
      target: 'x86_64-unknown-none',
      kernel: standin.vmlinux,
      accel: 'tcg',
      timeout: '120',
      'qemu-args': `-m 256M -initrd ${standin.initrd} -append "console=ttyS0 quiet panic=-1"`,
      forward: `${web}:80`,
      probes: `- tcp: ${web}\n- http: http://127.0.0.1:${web}/\n  body: Hello from the stand-in server\n`,
      expect: LISTENING,
    },
    { workspace: '/' },
  );
  assert.equal(r.outputs.result, 'pass', show(r));
  const listening = Number(r.outputs['expected-seconds']);
  const tcp = probeRow(r.summary, 1);
  const web80 = probeRow(r.summary, 2);
  // Linux boots for seconds under TCG before httpd listens (its init prints the line right after);
  // QEMU's user network accepted the connection on the host side from the start, and the old probe
  // passed 0.3 s after it. Now only the guest's own accept counts: at the end of the boot, a moment
  // before the line is printed.
  assert.ok(listening > 1, `the server listened ${listening} s after the boot began`);
  assert.ok(tcp.started + tcp.took > listening * 0.75, `the bare TCP probe passed at ${tcp.started + tcp.took} s, the server listened at ${listening} s`);
  assert.match(r.summary, /probe 1 \(TCP [^)]*\): connected; (QEMU reports that the guest accepted the connection|the guest sent)/);
  // Issue 26.4: a connection the guest has not accepted is tried again at once, not after QEMU's SYN retry.
  for (const [name, p] of [
    ['tcp', tcp],
    ['http', web80],
  ] as const)
    assert.ok(p.started + p.took < listening + 0.5, `${name} probe's verdict at ${p.started + p.took} s, the server listened at ${listening} s`);
});

test(
  '2 and 4: a runner script that starts QEMU as a child is stopped with it; its stderr reaches the log only inside a pause',
  { timeout: 400_000 },
  async () => {
    const dir = tempDir('e2e-never-fooled-runner-');
    const script = path.join(dir, 'runner.sh');
    fs.writeFileSync(
      script,
      [
        '#!/bin/sh',
        '# A runner that starts QEMU as its child (no exec) and waits for it, writing workflow commands to',
        "# its stderr as QEMU does with a guest's semihosting console there.",
        'echo "::stop-commands::guessed" >&2',
        'echo "::warning::forged by a guest on stderr" >&2',
        'echo "::add-mask::Serial" >&2',
        `qemu-system-x86_64 -accel tcg -display none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$1"`,
        'echo "runner: QEMU ended"',
        '',
      ].join('\n'),
    );
    const r = await runAction(
      {
        target: 'x86_64-unknown-none',
        'working-directory': 'test/kernels/x86_64-echo',
        toolchain: 'distro',
        expect: 'echo kernel ready',
        runner: `sh ${script} {kernel}`,
        timeout: '40',
      },
      { env, qemuMarker: TARGET_DIR, timeoutMs: 120_000 },
    );
    // Were the action to leave QEMU behind (the failure this test catches), it must not outlive the test.
    for (const p of r.leftoverQemu) {
      try {
        process.kill(Number(p.split(' ')[0]), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    assert.equal(r.outputs.result, 'pass', show(r));
    assert.ok(r.seconds < 35, `the action ended once the line appeared, not at its timeout (${r.seconds} s)`);
    assert.deepEqual(r.leftoverQemu, [], "QEMU, the runner's child, was stopped with it");
    assert.deepEqual(processesWith(script), []);
    assert.match(r.stdout, /::warning::forged by a guest on stderr/, "the runner's stderr is shown");
    const active = activeCommands(r.stdout);
    for (const forged of ['::stop-commands::guessed', '::warning::forged by a guest on stderr', '::add-mask::Serial'])
      assert.ok(!active.includes(forged), `${forged} reached the runner outside a pause:\n${active.join('\n')}`);
  },
);

test(
  '3: a guest running a host command through semihosting sees no runner file, token or secret, and works in a scratch folder',
  { timeout: 400_000 },
  async () => {
    const ws = tempDir('e2e-never-fooled-ws-');
    const githubEnv = path.join(ws, 'github-env');
    fs.writeFileSync(githubEnv, '');
    const r = await runAction(
      {
        target: 'thumbv7m-none-eabi',
        'working-directory': 'test/kernels/thumbv7m-semihosting-system',
        toolchain: 'distro',
        expect: 'host command status: 0',
        token: 'ghp_not_a_real_token_but_secret',
        timeout: '60',
      },
      { env: { ...env, GITHUB_ENV: githubEnv, MY_DEPLOY_SECRET: 'hunter2' } },
    );
    assert.equal(r.outputs.result, 'pass', show(r));
    const log = fs.readFileSync(r.outputs.log, 'utf8');
    const m = /--- env\n([\s\S]*?)--- pwd\n(.*)\n--- end/.exec(log);
    assert.ok(m, `the host command ran and printed its environment:\n${log}`);
    const vars = Object.fromEntries(
      m[1]
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]),
    );
    for (const name of Object.keys(vars)) assert.doesNotMatch(name, /^(GITHUB_|ACTIONS_|RUNNER_|INPUT_)|SECRET|TOKEN/, `the guest's host command saw ${name}`);
    assert.doesNotMatch(m[1], /ghp_not_a_real_token|hunter2/);
    assert.notEqual(vars.HOME, process.env.HOME);
    assert.notEqual(m[2], process.cwd(), 'not in the workspace');
    assert.equal(r.outputs.forged, undefined);
    assert.equal(fs.readFileSync(githubEnv, 'utf8'), '', 'GITHUB_ENV untouched');
  },
);

test(
  "7: a raw disk image is booted as a snapshot (the guest's writes never reach the file); paths out of the workspace are refused",
  { timeout: 120_000 },
  async () => {
    const ws = tempDir('e2e-never-fooled-raw-');
    // test/kernels/raw-disk-writer/boot.S, assembled: writes "W" x 512 to sector 2 of its disk, exits with 0x10.
    const bootSector = Buffer.from(
      'fa31c08ed88ec08ed0bc007cfb8816417cbf0080b057b90002f3aab80103b9020030f68a16417cbb0080cd13be427cac84c07406baf803eeebf5b010e6f4f4ebfd00626f6f7420736563746f723a2077726f746520736563746f722032206f6620697473206469736b0a',
      'hex',
    );
    const image = Buffer.alloc(4096);
    bootSector.copy(image);
    image.writeUInt16LE(0xaa55, 510);
    fs.writeFileSync(path.join(ws, 'disk.img'), image);
    const r = await runAction(
      { target: 'x86_64-unknown-none', kernel: 'disk.img', accel: 'tcg', expect: 'boot sector: wrote sector 2 of its disk', timeout: '30' },
      { workspace: ws },
    );
    assert.equal(r.outputs.result, 'pass', show(r));
    assert.match(r.outputs['qemu-command'], /-drive format=raw,file=\S*disk\.img,snapshot=on/);
    assert.ok(fs.readFileSync(path.join(ws, 'disk.img')).equals(image), 'the image is byte for byte what it was');

    fs.symlinkSync('/etc/passwd', path.join(ws, 'passwd.img'));
    for (const [kernel, why] of [
      ['/etc/passwd', /^Input 'kernel': '\/etc\/passwd' leads outside the workspace \(\/etc\/passwd\)\. /],
      ['../../../../../../../etc/passwd', /^Input 'kernel': '(\.\.\/)+etc\/passwd' leads outside the workspace \(\/etc\/passwd\)\. /],
      ['passwd.img', /^Input 'kernel': 'passwd\.img' leads outside the workspace through a symbolic link \(\S+passwd\.img -> \/etc\/passwd\)\. /],
    ] as const) {
      const bad = await runAction({ target: 'x86_64-unknown-none', kernel, expect: 'x', timeout: '10' }, { workspace: ws });
      assert.equal(bad.code, 1);
      assert.match(bad.outputs.reason ?? bad.stdout, why, show(bad));
      assert.doesNotMatch(bad.stdout, /qemu-system/, 'refused before anything ran');
    }
  },
);

test('10: command: test on a crate whose profiles set panic = "abort" builds with -Zpanic-abort-tests and runs every test', { timeout: 900_000 }, async () => {
  const r = await runAction(
    { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests-abort', toolchain: 'distro', accel: 'tcg', command: 'test' },
    { env, qemuMarker: TARGET_DIR },
  );
  assert.doesNotMatch(r.stdout, /duplicate lang item/);
  assert.match(r.stdout, /\[command\].*\/cargo .*test --no-run --target x86_64-unknown-none .*-Zpanic-abort-tests/);
  assert.equal(r.outputs.result, 'fail', show(r));
  assert.match(r.outputs.reason, /^1 of 4 test executables failed: failing: 1 test case failed \(failing::arithmetic_is_wrong\)/);
  assert.deepEqual([r.outputs['tests-passed'], r.outputs['tests-failed']], ['6', '1']);
});
