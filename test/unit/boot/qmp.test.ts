import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { QmpClient } from '../../../src/boot/qmp.js';
import { tempDir } from '../../helpers/tmp.js';

// A stand-in for QEMU's side of QMP (QEMU itself connects the same way in test/e2e): it connects as
// `-qmp unix:PATH` does, sends the greeting QEMU 7.2 sends, and answers qmp_capabilities.
const GREETING = { QMP: { version: { qemu: { micro: 22, minor: 2, major: 7 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' }, capabilities: ['oob'] } };

function fakeQemu(socket: string): net.Socket {
  const c = net.connect(socket, () => c.write(JSON.stringify(GREETING) + '\r\n'));
  c.on('data', (d) => {
    for (const line of d.toString().split('\n').filter(Boolean)) {
      const { execute, id } = JSON.parse(line) as { execute: string; id: number };
      c.write(JSON.stringify(execute === 'qmp_capabilities' ? { return: {}, id } : { error: { class: 'CommandNotFound', desc: execute }, id }) + '\r\n');
    }
  });
  return c;
}

test('QEMU connects to the listening client; its greeting gives the version as --version prints it', async () => {
  const socket = path.join(tempDir('qmp-'), 'qmp.sock');
  const server = await QmpClient.listen(socket);
  const client = new QmpClient(() => {});
  const qemu = fakeQemu(socket);
  assert.equal(await client.accept(server, 5000, () => true), true);
  assert.equal(client.version, 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)');
  await assert.rejects(client.execute('no-such-command'), /no-such-command/);
  client.close();
  qemu.destroy();
  assert.equal(server.listening, false, 'the server is closed once QEMU is connected');
});

test('accept gives up when QEMU is gone before it connects, and when the wait runs out', async () => {
  const dir = tempDir('qmp-');
  const gone = await QmpClient.listen(path.join(dir, 'a.sock'));
  assert.equal(await new QmpClient(() => {}).accept(gone, 5000, () => false), false);
  assert.equal(gone.listening, false);
  const slow = await QmpClient.listen(path.join(dir, 'b.sock'));
  assert.equal(await new QmpClient(() => {}).accept(slow, 50, () => true), false);
});
