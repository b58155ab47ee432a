// A QEMU guest started directly (not through the action), for the tests of probes and console
// scripts: serial on stdio, stdin piped, every byte of output kept. stop() kills it and waits; a
// test calls it in `finally`, so no QEMU outlives the test.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export interface Guest {
  child: ChildProcess;
  /** Everything the guest printed so far. */
  output(): string;
  /** Called with every chunk of serial output (after the ones already seen). */
  onData(cb: (chunk: Buffer) => void): void;
  /** Resolves with the milliseconds since spawn when `text` has appeared, rejects after `ms`. */
  waitFor(text: string | RegExp, ms: number): Promise<number>;
  /** Resolves when QEMU has exited, with its status. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startGuest(command: string, args: string[]): Guest {
  const t0 = performance.now();
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // A guest that exits while a test writes to it must not crash the test runner.
  child.stdin!.on('error', () => {});
  let out = '';
  let err = '';
  const listeners: ((c: Buffer) => void)[] = [];
  const waiters: { test: (s: string) => boolean; resolve: (ms: number) => void }[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString('latin1');
    for (const l of listeners) l(c);
    for (const w of [...waiters]) {
      if (w.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(performance.now() - t0);
      }
    }
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    onData: (cb) => listeners.push(cb),
    exited,
    waitFor(text, ms) {
      const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
      if (test(out)) return Promise.resolve(performance.now() - t0);
      return new Promise((resolve, reject) => {
        const fail = (why: string) => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          clearTimeout(timer);
          reject(new Error(`${JSON.stringify(String(text))} did not appear: ${why}; output:\n${out.slice(-3000)}\nstderr:\n${err}`));
        };
        const w = {
          test,
          resolve: (v: number) => {
            clearTimeout(timer);
            resolve(v);
          },
        };
        waiters.push(w);
        const timer = setTimeout(() => fail(`not within ${ms / 1000} s`), ms);
        void exited.then((code) => fail(`QEMU exited (status ${code})`));
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** True while the process exists. */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ports on 127.0.0.1 free right now (bound together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
