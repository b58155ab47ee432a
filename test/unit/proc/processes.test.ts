import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { cancelMessage, killTree, liveCount, spawnTracked } from '../../../src/proc/processes.js';
import { processesWith } from '../../helpers/action.js';

test('the cancel message names the interrupted stage, and QEMU only when it ran', () => {
  assert.equal(
    cancelMessage('SIGTERM', 'build', 1),
    'Received SIGTERM: the build was cancelled; stopped the command it was running, with every process it started.',
  );
  assert.equal(
    cancelMessage('SIGINT', 'install', 2),
    'Received SIGINT: the install was cancelled; stopped 2 commands it was running, with every process they started.',
  );
  assert.equal(cancelMessage('SIGINT', undefined, 0), 'Received SIGINT: the run was cancelled.');
});

test('a tracked command leads its own process group: killing it kills its grandchildren too', async () => {
  const marker = `W11_TREE_${process.pid}_${Date.now()}`;
  // A shell that starts two background sleeps (grandchildren of this process) and waits.
  const child = spawnTracked('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { env: { ...process.env, [marker]: '1' }, stdio: 'ignore' });
  for (let i = 0; i < 100 && processesWith(marker).length < 3; i++) await sleep(20);
  assert.equal(processesWith(marker).length, 3, 'sh and two sleeps');
  assert.equal(liveCount(), 1);
  const exited = new Promise((r) => child.once('exit', r));
  killTree(child, 'SIGKILL');
  await exited;
  for (let i = 0; i < 50 && processesWith(marker).length > 0; i++) await sleep(20);
  assert.deepEqual(processesWith(marker), [], 'no sleep is left');
  assert.equal(liveCount(), 0);
});
