// forward, probes and console-script in the plan: the network arguments per target, and the inputs
// refused before anything is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/model/errors.js';
import { bootArgv, fakeInputs as fakeInputsIn, fakePlan as fakePlanIn } from '../../../test/helpers/inputs.js';

/** A crate folder for the target (any with a Cargo.toml; Hermit's reads its features). */
const crate = (target: string) => (target.includes('hermit') ? 'examples/hermit-hello' : 'examples/x86_64-unknown-none');
const fakePlan = (i: Record<string, string>) => fakePlanIn({ 'working-directory': crate(i.target), ...i });
const fakeInputs = (i: Record<string, string>) => fakeInputsIn({ 'working-directory': crate(i.target), ...i });

const after = (argv: string[], opt: string) => argv.flatMap((a, i) => (a === opt ? [argv[i + 1]] : []));

test('x86_64-unknown-none: a forward gives virtio-net-pci on a user netdev, listening on 127.0.0.1; none, no network arguments', () => {
  const argv = bootArgv(fakePlan({ target: 'x86_64-unknown-none', forward: '8080:80\n2222:22', expect: 'x' }), 'qemu');
  assert.deepEqual(after(argv, '-netdev'), ['user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:2222-:22']);
  assert.ok(after(argv, '-device').includes('virtio-net-pci,netdev=net0'));
  const plain = bootArgv(fakePlan({ target: 'x86_64-unknown-none', expect: 'x' }), 'qemu');
  assert.deepEqual([after(plain, '-netdev'), after(plain, '-nic')], [[], []]);
});

test('UEFI keeps -nic none without forwards, and has the card instead with them', () => {
  assert.deepEqual(after(bootArgv(fakePlan({ target: 'x86_64-unknown-uefi', expect: 'x' }), 'qemu', { image: 'pe' }), '-nic'), ['none']);
  const argv = bootArgv(fakePlan({ target: 'x86_64-unknown-uefi', expect: 'x', forward: '8080:80' }), 'qemu', { image: 'pe' });
  assert.deepEqual(after(argv, '-nic'), []);
  assert.equal(after(argv, '-netdev').length, 1);
});

test('virt boards get virtio-net-device; Cortex-M boards their own controller; Hermit its CI card', () => {
  assert.ok(
    after(bootArgv(fakePlan({ target: 'aarch64-unknown-none', expect: 'x', forward: '8080:80' }), 'qemu'), '-device').includes('virtio-net-device,netdev=net0'),
  );
  assert.ok(
    after(bootArgv(fakePlan({ target: 'riscv64gc-unknown-none-elf', expect: 'x', forward: '8080:80' }), 'qemu'), '-device').includes(
      'virtio-net-device,netdev=net0',
    ),
  );
  assert.deepEqual(after(bootArgv(fakePlan({ target: 'thumbv7m-none-eabi', expect: 'x', forward: '8080:80' }), 'qemu'), '-nic'), [
    'user,hostfwd=tcp:127.0.0.1:8080-:80',
  ]);
  const hermit = bootArgv(fakePlan({ target: 'x86_64-unknown-hermit', forward: '9975:9975', probes: '- http://127.0.0.1:9975/' }), 'qemu', {
    assets: { 'hermit-loader': '/l' },
  });
  assert.ok(after(hermit, '-device').includes('virtio-net-pci,netdev=net0,disable-legacy=on'));
});

test('a Hermit server checked by probes need not print `exit status 0`; without probes it must', () => {
  assert.deepEqual(fakePlan({ target: 'x86_64-unknown-hermit', forward: '9975:9975', probes: '- http://127.0.0.1:9975/' }).verdict.rules.expect, []);
  assert.equal(fakePlan({ target: 'x86_64-unknown-hermit' }).verdict.rules.expect.length, 1);
});

test('bad forward, a probe of a port not forwarded and an invalid URL fail naming the input', () => {
  const input = (inputs: Record<string, string>) => {
    try {
      fakeInputs({ target: 'x86_64-unknown-none', expect: 'x', ...inputs });
    } catch (e) {
      assert.ok(e instanceof InputError, String(e));
      return e.message;
    }
    assert.fail('no error');
  };
  assert.match(input({ forward: '8080' }), /^Input 'forward': '8080' is not a HOST:GUEST pair/);
  assert.match(input({ forward: '8080:80', probes: '- http://127.0.0.1:9090/' }), /^Input 'probes': probe 1: port 9090 is not forwarded/);
  assert.match(input({ forward: '8080:80', probes: '- http: "http://127.0.0.1:80 80/"' }), /^Input 'probes': probe 1: .* is not a valid URL/);
  assert.match(input({ console: '', 'console-script': '- expect: [' }), /^Input 'console-script'/);
});

test("probes and console-script need the action's QEMU: a runner command is refused", () => {
  assert.throws(
    () => fakeInputs({ target: 'x86_64-unknown-none', expect: 'x', runner: 'qemu.sh', 'console-script': '- send: hi' }),
    /Input 'console-script': needs the action's own QEMU, which runner replaces/,
  );
  assert.throws(
    () => fakeInputs({ target: 'x86_64-unknown-none', expect: 'x', runner: 'cargo', forward: '8080:80', probes: '- http://127.0.0.1:8080/' }),
    /Input 'forward': needs the action's own QEMU/,
  );
});

test("boot-firmware and boot-protocol shape the action's own QEMU boot: next to runner (a command or cargo run) they are refused, not dropped", () => {
  assert.throws(
    () => fakePlan({ target: 'x86_64-unknown-none', runner: 'qemu.sh', 'boot-firmware': 'both' }),
    /^InputError: Input 'boot-firmware': is applied by the action's own QEMU, but runner boots the image with your command\. Remove runner to let the action boot the image, or remove boot-firmware/,
  );
  assert.throws(
    () => fakePlan({ target: 'x86_64-unknown-none', runner: 'cargo', 'boot-protocol': 'multiboot2' }),
    /Input 'boot-protocol': is applied by the action's own QEMU, but runner boots the image with cargo run\./,
  );
  // Unset (or auto), nothing is refused.
  assert.equal(fakePlan({ target: 'x86_64-unknown-none', runner: 'qemu.sh', 'boot-protocol': 'auto' }).launcher.name, 'runner');
});

test(
  'Uhyve (hypervisor: uhyve) is refused for probes',
  { skip: process.arch !== 'x64' || process.platform !== 'linux' ? 'Uhyve plans need an x86_64 Linux host' : false },
  () => {
    assert.throws(
      () => fakePlan({ target: 'x86_64-unknown-hermit', hypervisor: 'uhyve', forward: '9975:9975', probes: '- http://127.0.0.1:9975/' }),
      /Input 'forward': needs the action's own QEMU, but hypervisor chose Uhyve/,
    );
  },
);

test('command: test refuses forward, probes and console-script when the plan is made, naming the input', () => {
  const base = { target: 'x86_64-unknown-none', 'working-directory': 'test/kernels/x86_64-tests', command: 'test' };
  const cases: [string, Record<string, string>][] = [
    ['forward', { forward: '8080:80' }],
    ['probes', { forward: '8080:80', probes: '- tcp: 8080\n  send: ping\n  expect: pong' }],
    ['console-script', { 'console-script': '- expect: "$"' }],
  ];
  for (const [input, extra] of cases) {
    assert.throws(
      () => fakePlanIn({ ...base, ...extra }),
      (e: unknown) => e instanceof InputError && e.input === input && /command is test/.test(e.message),
      input,
    );
  }
  // wait-for-exit is not refused: a test executable always runs to its own end.
  assert.equal(fakePlanIn({ ...base, 'wait-for-exit': 'true', 'exit-code': '33' }).verdict.waitForExit, true);
});
