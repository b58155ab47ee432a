import * as net from 'node:net';

/** A QMP event as QEMU sends it (https://www.qemu.org/docs/master/interop/qemu-qmp-ref.html). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

/** QEMU's answer to query-status: `status` is a RunState (running, paused, internal-error, ...). */
export interface QmpStatus {
  status: string;
  running: boolean;
}

/**
 * A minimal QMP client over a Unix socket: the greeting, qmp_capabilities, commands answered by
 * id, and every event handed to `onEvent`. QMP is newline-delimited JSON
 * (https://www.qemu.org/docs/master/interop/qmp-spec.html).
 */
export class QmpClient {
  private sock?: net.Socket;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** QEMU's version as its greeting gives it (`QEMU emulator version 7.2.22 (Debian ...)`, as --version prints it). */
  version?: string;

  constructor(private readonly onEvent: (e: QmpEvent) => void) {}

  /**
   * Listens on `path` for QEMU started with `-qmp unix:PATH`: QEMU is then the client and connects
   * while it starts, before the machine runs (-S), so nothing has to poll for a socket QEMU has
   * yet to create (https://www.qemu.org/docs/master/system/invocation.html, `-chardev socket`).
   */
  static async listen(path: string): Promise<net.Server> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    return server;
  }

  /**
   * Takes QEMU's connection on `server` (waiting up to `ms`, while `alive()`), closes the server
   * and leaves capabilities-negotiation mode. Resolves false when QEMU did not connect (it is gone).
   */
  async accept(server: net.Server, ms: number, alive: () => boolean): Promise<boolean> {
    let deadline: NodeJS.Timeout | undefined;
    let gone: NodeJS.Timeout | undefined;
    const s = await new Promise<net.Socket | undefined>((resolve) => {
      deadline = setTimeout(() => resolve(undefined), ms);
      // QEMU that exits before it connects (bad arguments) is noticed within a tenth of a second.
      gone = setInterval(() => (alive() && !this.closed ? undefined : resolve(undefined)), 100);
      server.once('connection', resolve);
    });
    clearTimeout(deadline);
    clearInterval(gone);
    server.close();
    if (!s) return false;
    if (this.closed) {
      s.destroy();
      return false;
    }
    this.attach(s);
    try {
      await this.execute('qmp_capabilities');
      return true;
    } catch {
      return false;
    }
  }

  private attach(s: net.Socket): void {
    this.sock = s;
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: {
          QMP?: { version?: { qemu?: { major: number; minor: number; micro: number }; package?: string } };
          event?: string;
          data?: Record<string, unknown>;
          id?: number;
          return?: unknown;
          error?: { desc?: string };
        };
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        const v = msg.QMP?.version;
        if (v?.qemu) {
          // The greeting; QEMU's --version prints the same: "QEMU emulator version" QEMU_FULL_VERSION.
          const q = v.qemu;
          this.version = `QEMU emulator version ${q.major}.${q.minor}.${q.micro}${v.package ? ` (${v.package.trim()})` : ''}`;
        } else if (typeof msg.event === 'string') {
          this.onEvent({ event: msg.event, data: msg.data });
        } else if (typeof msg.id === 'number' && this.pending.has(msg.id)) {
          const p = this.pending.get(msg.id)!;
          this.pending.delete(msg.id);
          if (msg.error) p.reject(new Error(msg.error.desc ?? 'QMP error'));
          else p.resolve(msg.return);
        }
      }
    });
    const fail = () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error('QMP connection closed'));
      this.pending.clear();
    };
    s.on('close', fail);
    s.on('error', fail);
  }

  /** Runs a QMP command; rejects when QEMU answers with an error or goes away. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.sock || this.closed) return Promise.reject(new Error('QMP is not connected'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.sock!.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  /** query-status, or undefined when QEMU does not answer within `ms` (or is gone). */
  async status(ms: number): Promise<QmpStatus | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.execute<QmpStatus>('query-status'),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
      ]);
    } catch {
      return undefined;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  close(): void {
    this.closed = true;
    this.sock?.destroy();
  }
}
