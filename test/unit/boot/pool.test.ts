import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { runPool, type PoolJob } from '../../../src/boot/pool.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Jobs that log `n` lines with pauses, recording how many run at once. */
function counted(n: number, lines: number, pause: (i: number) => number) {
  let running = 0;
  let most = 0;
  const jobs: PoolJob<number>[] = Array.from({ length: n }, (_, i) => ({
    name: `job ${i}`,
    async run(log) {
      running++;
      most = Math.max(most, running);
      for (let l = 0; l < lines; l++) {
        log.line(`job ${i} line ${l}`);
        await tick(pause(i));
      }
      running--;
      return i * 10;
    },
  }));
  return { jobs, most: () => most };
}

test('at most `concurrency` jobs at once, by default the cores; results in job order', async () => {
  const a = counted(7, 2, () => 5);
  const r = await runPool(a.jobs, { concurrency: 3, write: () => undefined });
  assert.equal(a.most(), 3);
  assert.deepEqual(
    r.map((x) => (x.status === 'done' ? x.value : x.status)),
    [0, 10, 20, 30, 40, 50, 60],
  );
  const n = os.availableParallelism() + 2;
  const b = counted(n, 1, () => 5);
  await runPool(b.jobs, { write: () => undefined });
  assert.equal(b.most(), os.availableParallelism());
});

test("each job's lines stay together, in job order, in its own group; the summary line follows each group", async () => {
  let out = '';
  // Job 0 is slow, job 1 finishes first: its lines wait for job 0's group to end.
  const { jobs } = counted(3, 3, (i) => (i === 0 ? 20 : 1));
  const r = await runPool(jobs, { concurrency: 3, write: (c) => (out += c), summary: (x) => `${x.name}: ${x.status}` });
  assert.equal(r.length, 3);
  const expected = [0, 1, 2].map((i) => `::group::job ${i}\njob ${i} line 0\njob ${i} line 1\njob ${i} line 2\n::endgroup::\njob ${i}: done\n`).join('');
  assert.equal(out, expected);
});

test("a job that throws is that job's error; the others run on", async () => {
  const jobs: PoolJob<string>[] = [
    { name: 'bad', run: async () => Promise.reject(new Error('QEMU would not start')) },
    { name: 'good', run: async () => 'ok' },
  ];
  const r = await runPool(jobs, { concurrency: 1, write: () => undefined });
  assert.equal(r[0].status, 'error');
  assert.equal((r[0] as { error: Error }).error.message, 'QEMU would not start');
  assert.deepEqual([r[1].status, (r[1] as { value: string }).value], ['done', 'ok']);
});

test('cancellation: running jobs are told to stop (their processes end), jobs not started never start', async () => {
  const pids: number[] = [];
  const jobs: PoolJob<string>[] = Array.from({ length: 5 }, (_, i) => ({
    name: `sleeper ${i}`,
    run: (log, signal) =>
      new Promise<string>((resolve) => {
        const child = spawn('sleep', ['60'], { stdio: 'ignore' });
        pids.push(child.pid!);
        log.line(`sleeper ${i} started`);
        const stop = () => child.kill('SIGTERM');
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
        child.once('exit', (code, sig) => resolve(`ended by ${sig ?? code}`));
      }),
  }));
  const ctl = new AbortController();
  let out = '';
  const pool = runPool(jobs, { concurrency: 2, signal: ctl.signal, write: (c) => (out += c), summary: (x) => `${x.name}: ${x.status}` });
  while (pids.length < 2) await tick(10);
  ctl.abort();
  const r = await pool;
  assert.deepEqual(
    r.map((x) => x.status),
    ['done', 'done', 'cancelled', 'cancelled', 'cancelled'],
  );
  assert.deepEqual(
    r.slice(0, 2).map((x) => (x as { value: string }).value),
    ['ended by SIGTERM', 'ended by SIGTERM'],
  );
  assert.equal(pids.length, 2, 'no job started after the cancellation');
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `sleep ${pid} is gone`);
  assert.match(
    out,
    /::group::sleeper 0\nsleeper 0 started\n::endgroup::\nsleeper 0: done\n::group::sleeper 1\nsleeper 1 started\n::endgroup::\nsleeper 1: done\nsleeper 2: cancelled\n/,
  );
});

test('a held-back job past the byte limit: the rest is left out with a note, the workflow-command pause lines are kept', async () => {
  let out = '';
  const jobs: PoolJob<void>[] = [
    { name: 'slow', run: async () => void (await tick(30)) },
    {
      name: 'chatty',
      async run(log) {
        log.write('::stop-commands::abc\n');
        log.write(Buffer.from('x'.repeat(100) + '\n'));
        log.write('y'.repeat(100) + '\n');
        log.write('::abc::\n');
      },
    },
  ];
  await runPool(jobs, { concurrency: 2, write: (c) => (out += typeof c === 'string' ? c : Buffer.from(c).toString()), maxBufferBytes: 150 });
  assert.equal(
    out,
    `::group::slow\n::endgroup::\n::group::chatty\n::stop-commands::abc\n${'x'.repeat(100)}\n::abc::\n\n(101 bytes of this output were left out here; the serial log file has them all)\n::endgroup::\n`,
  );
});
