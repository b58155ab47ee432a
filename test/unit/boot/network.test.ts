import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkArgs, NICS } from '../../../src/boot/network.js';

const fwd = [
  { host: 8080, guest: 80 },
  { host: 9975, guest: 9975 },
];

test('no forwards: no arguments (the target keeps its default, such as -nic none)', () => {
  for (const nic of Object.values(NICS)) assert.deepEqual(networkArgs([], nic), []);
});

test('virtio-net on PCI for x86 PCs and Unikraft, one user netdev with every forward on 127.0.0.1', () => {
  assert.deepEqual(networkArgs(fwd, NICS.virtioPci), [
    '-netdev',
    'user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:9975-:9975',
    '-device',
    'virtio-net-pci,netdev=net0',
  ]);
});

test("a card's properties follow its netdev link (Hermit's virtio-net-pci with disable-legacy=on, as Hermit's CI)", () => {
  assert.deepEqual(networkArgs([fwd[1]], { kind: 'device', device: 'virtio-net-pci', props: ['disable-legacy=on'] }), [
    '-netdev',
    'user,id=net0,hostfwd=tcp:127.0.0.1:9975-:9975',
    '-device',
    'virtio-net-pci,netdev=net0,disable-legacy=on',
  ]);
});

test('virt boards: virtio-net-device on virtio-mmio', () => {
  assert.deepEqual(networkArgs([fwd[0]], NICS.virtioMmio), [
    '-netdev',
    'user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80',
    '-device',
    'virtio-net-device,netdev=net0',
  ]);
});

test('boards with an on-board controller: -nic user, optionally naming the model', () => {
  assert.deepEqual(networkArgs([fwd[0]], NICS.onboard), ['-nic', 'user,hostfwd=tcp:127.0.0.1:8080-:80']);
  assert.deepEqual(networkArgs([fwd[0]], { kind: 'onboard', model: 'cadence_gem' }), ['-nic', 'user,hostfwd=tcp:127.0.0.1:8080-:80,model=cadence_gem']);
});
