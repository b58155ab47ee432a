import * as http from 'node:http';
import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { cleanLine } from '../model/ansi.js';
import { matches, matchesInTime } from '../model/patterns.js';
import { MATCH_DEADLINE_MS, MatchStalled, withinDeadline } from '../model/deadline.js';
import { type HttpProbe, type Probe, type ProbeOutcome, type TcpProbe } from '../model/conversation.js';

/** One try: passed, failed for good (the server answered wrongly), or worth trying again (nobody answered yet). */
export type Attempt = { verdict: 'pass' | 'fail' | 'retry'; detail: string };

/**
 * What QEMU knows of the connections to a forwarded host port: 'accepted' when the guest answered
 * one (its TCP handshake with QEMU's user network completed), 'not-accepted' when QEMU is still
 * trying to reach the guest, undefined when there is no way to ask (no QMP: a runner command).
 */
export type ConnectionView = (hostPort: number) => Promise<'accepted' | 'not-accepted' | undefined>;

export interface ProbeOptions {
  /** Where the forwarded ports listen. */
  host?: string;
  /** Pause between tries while nobody answers. */
  retryMs?: number;
  /** Longest wait for one try's answer once the guest accepted the connection. */
  attemptMs?: number;
  /**
   * A connection with no answer this long is checked with `view`: tried again at once when the
   * guest has not accepted it. QEMU's user network accepts on the host side before the guest does,
   * then resends its SYN to the guest only after seconds, so waiting on that connection is slow.
   * Without a view, the bound doubles at each try up to attemptMs.
   */
  answerMs?: number;
  /** QEMU's view of the forwarded connections (see usernetView). */
  view?: ConnectionView;
}

const DEFAULTS: Required<Omit<ProbeOptions, 'view'>> = { host: '127.0.0.1', retryMs: 50, attemptMs: 3000, answerMs: 150 };
/** Bytes of an answer kept to judge and quote. */
const MAX_ANSWER = 64 * 1024;
/** TCP states (libslirp's tcpstates[]) that a connection reaches only after the guest answered its SYN. */
const ACCEPTED_STATES = ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK', 'FIN_WAIT_2', 'TIME_WAIT'];

/**
 * Reads QEMU's `info usernet` (HMP, through QMP human-monitor-command) for the connections to host
 * port `hostPort`. Each slirp socket is a line `TCP[STATE] FD SRC-ADDR SRC-PORT DST-ADDR DST-PORT
 * RECVQ SENDQ`; for a connection accepted on a forward the source is the host side (its local
 * address, the forwarded port) and STATE is slirp's view of the guest side: SYN_SENT until the
 * guest answers, ESTABLISHED after
 * (https://gitlab.com/qemu-project/libslirp/-/blob/master/src/misc.c, slirp_connection_info). The
 * forward's own listening socket is TCP[HOST_FORWARD].
 */
export function guestAccepted(usernet: string, hostPort: number): 'accepted' | 'not-accepted' {
  for (const line of usernet.split('\n')) {
    const m = /^\s*TCP\[([A-Z_0-9]+)\]\s+-?\d+\s+\S+\s+(\d+)\s/.exec(line);
    if (m && Number(m[2]) === hostPort && ACCEPTED_STATES.includes(m[1])) return 'accepted';
  }
  return 'not-accepted';
}

/** A ConnectionView from a function that returns QEMU's `info usernet` (undefined: QEMU did not answer). */
export function usernetView(info: () => Promise<string | undefined>): ConnectionView {
  return async (hostPort) => {
    const text = await info().catch(() => undefined);
    return text === undefined ? undefined : guestAccepted(text, hostPort);
  };
}

/** Milliseconds as seconds for a message: 0.11, 3. */
const secs = (ms: number) => Number((ms / 1000).toFixed(2));

/** Guest output quoted in a message: no escape codes or control bytes, at most 200 characters. */
export function quote(text: string): string {
  const clean = cleanLine(text)
    // eslint-disable-next-line no-control-regex -- control bytes are what it removes
    .replace(/[\x00-\x08\x0b-\x1f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return JSON.stringify(clean.length > 200 ? `${clean.slice(0, 200)}…` : clean);
}

function expected(p: Probe): string {
  if (p.kind === 'http') return `status ${p.status}${p.body ? ` and a body matching ${JSON.stringify(p.body.source)}` : ''}`;
  if (p.expect) return `a reply line matching ${JSON.stringify(p.expect.source)}`;
  return 'bytes from the guest, or QEMU reporting that the guest accepted the connection';
}

function networkError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (QEMU is not listening on the port: not started yet, or the forward failed)';
    case 'ECONNRESET':
    case 'EPIPE':
      // QEMU's user networking accepts on the host side first, then closes when the guest refuses.
      return 'the connection was closed before any reply (nothing listens on the guest port yet)';
    default:
      return e.code ? `${e.code}: ${e.message}` : e.message;
  }
}

const NOT_ACCEPTED =
  "the guest did not accept the connection (QEMU's user network is still waiting for the guest's answer to its SYN: no server listens yet, or the guest does not drive its network card)";
const NO_VIEW =
  'no bytes from the guest, and no word from QEMU on whether the guest accepted the connection (a runner command gives the action no QMP socket to ask)';

/** Watches one connection that has no answer yet: at `bound` ms asks QEMU whether the guest accepted it (undefined: no view). */
function watchAcceptance(
  bound: number,
  port: number,
  view: ConnectionView | undefined,
  onView: (v: 'accepted' | 'not-accepted' | undefined) => void,
): () => void {
  let stopped = false;
  const check = async () => {
    const v = view ? await view(port) : undefined;
    if (stopped) return;
    onView(v);
  };
  const timer = setTimeout(() => void check(), bound);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** One HTTP request. A full answer is judged; no answer is worth another try. */
export function attemptHttp(p: HttpProbe, opts: ProbeOptions = {}, tryIndex = 0): Promise<Attempt> {
  const o = { ...DEFAULTS, ...opts };
  return new Promise((resolve) => {
    let settled = false;
    let answered = false;
    let unwatch = () => {};
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
      unwatch();
      req.destroy();
      resolve(a);
    };
    const req = http.request({
      host: o.host,
      port: p.port,
      path: `${p.url.pathname}${p.url.search}`,
      method: p.method,
      // Connect to 127.0.0.1 even for "localhost" (which may resolve to ::1 first), but keep the Host the user wrote.
      headers: { Host: p.url.host, Connection: 'close', 'User-Agent': 'unikernel-boot-action-probe' },
      agent: false,
      timeout: o.attemptMs,
    });
    req.once('socket', (sock) => {
      sock.once('connect', () => {
        // A try cut short by the probe's timeout still asks QEMU before it ends.
        const bound = o.view ? Math.min(o.answerMs, o.attemptMs / 2) : Math.min(o.attemptMs, o.answerMs * 2 ** tryIndex);
        unwatch = watchAcceptance(bound, p.port, o.view, (v) => {
          if (answered) return;
          if (v === 'not-accepted') done({ verdict: 'retry', detail: NOT_ACCEPTED });
          // No view: the connection gets a bound that grows with each try (a slow server is answered at a later one).
          else if (v === undefined && !o.view && bound < o.attemptMs) done({ verdict: 'retry', detail: `no reply within ${secs(bound)} s` });
        });
      });
    });
    req.once('timeout', () => done({ verdict: 'retry', detail: `no reply within ${secs(o.attemptMs)} s` }));
    req.once('error', (e: NodeJS.ErrnoException) => done({ verdict: 'retry', detail: networkError(e) }));
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ANSWER) chunks.push(c.subarray(0, MAX_ANSWER - size));
        size += c.length;
      });
      res.once('error', (e: NodeJS.ErrnoException) => done({ verdict: 'retry', detail: `the reply broke off (${networkError(e)})` }));
      res.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        const got = `status ${status}${res.statusMessage ? ` (${res.statusMessage})` : ''}`;
        const began = body === '' ? 'an empty body' : `a body beginning ${quote(body)}`;
        if (status !== p.status) return done({ verdict: 'fail', detail: `got ${got} with ${began}; expected status ${p.status}` });
        let bodyOk: boolean;
        try {
          bodyOk = !p.body || matchesInTime(p.body, body);
        } catch (e) {
          if (!(e instanceof MatchStalled)) throw e;
          return done({
            verdict: 'fail',
            detail: `got ${got}; ${e.message} on the body. Rewrite it so that no two quantifiers can share the same characters.`,
          });
        }
        if (!bodyOk) return done({ verdict: 'fail', detail: `got ${got} with ${began}; expected a body matching ${JSON.stringify(p.body!.source)}` });
        done({ verdict: 'pass', detail: `${got}${p.body ? `, body matched ${JSON.stringify(p.body.source)}` : ''}` });
      });
    });
    req.end(p.data);
  });
}

/**
 * One TCP connection, with the optional exchange. QEMU's user networking accepts every connection
 * to a forwarded port on the host side at once and keeps it open while it tries to reach the guest,
 * so an open connection proves nothing: a probe without `expect` passes on bytes from the guest, or
 * when QEMU reports that the guest accepted the connection (see guestAccepted).
 */
export function attemptTcp(p: TcpProbe, opts: ProbeOptions = {}): Promise<Attempt> {
  const o = { ...DEFAULTS, ...opts };
  return new Promise((resolve) => {
    let settled = false;
    let received = '';
    let bytes = 0;
    let unwatch = () => {};
    const sock = net.connect({ host: o.host, port: p.port });
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      sock.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => {
      if (bytes > 0) done({ verdict: 'fail', detail: `got ${quote(received)}; expected ${expected(p)}` });
      else done({ verdict: 'retry', detail: o.view || p.expect ? `no reply within ${secs(o.attemptMs)} s` : NO_VIEW });
    }, o.attemptMs);
    const judge = (final: boolean) => {
      if (!p.expect) {
        if (bytes > 0) done({ verdict: 'pass', detail: `connected; the guest sent ${quote(received)}` });
        return;
      }
      // Every line so far, and the unfinished one (a reply need not end in a newline).
      for (const line of received.split('\n')) {
        let hit: boolean;
        try {
          hit = matchesInTime(p.expect, cleanLine(line));
        } catch (e) {
          if (!(e instanceof MatchStalled)) throw e;
          return done({
            verdict: 'fail',
            detail: `${e.message} on the reply ${quote(line)}. Rewrite it so that no two quantifiers can share the same characters.`,
          });
        }
        if (hit) return done({ verdict: 'pass', detail: `reply ${quote(line)} matched ${JSON.stringify(p.expect.source)}` });
      }
      if (final) done({ verdict: 'fail', detail: `the guest closed the connection after ${quote(received)}; expected ${expected(p)}` });
    };
    sock.once('connect', () => {
      if (p.send !== undefined) sock.write(p.send);
      const sent = p.send !== undefined ? ` and sent ${quote(p.send)}` : '';
      // A try cut short by the probe's timeout still asks QEMU before it ends.
      unwatch = watchAcceptance(Math.min(o.answerMs, o.attemptMs / 2), p.port, o.view, (v) => {
        if (bytes > 0) return;
        if (v === 'not-accepted') done({ verdict: 'retry', detail: NOT_ACCEPTED });
        else if (v === 'accepted' && !p.expect) done({ verdict: 'pass', detail: `connected${sent}; QEMU reports that the guest accepted the connection` });
      });
    });
    sock.on('data', (d: Buffer) => {
      if (bytes < MAX_ANSWER) received += d.subarray(0, MAX_ANSWER - bytes).toString('utf8');
      bytes += d.length;
      judge(false);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      if (bytes === 0) done({ verdict: 'retry', detail: networkError(e) });
      else judge(true);
    });
    sock.once('close', () => {
      if (bytes === 0) done({ verdict: 'retry', detail: 'the connection was closed before any reply (nothing listens on the guest port yet)' });
      else judge(true);
    });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one probe until it passes, the server answers wrongly, its own timeout passes, or `signal`
 * aborts (the boot ended; its reason, a string, says how). While nobody answers it tries again every
 * `retryMs`.
 */
export async function runProbe(p: Probe, signal: AbortSignal, opts: ProbeOptions = {}): Promise<ProbeOutcome> {
  const o = { ...DEFAULTS, ...opts };
  const start = performance.now();
  const deadline = p.timeout === undefined ? Infinity : start + p.timeout * 1000;
  let attempts = 0;
  let last = 'not tried';
  const outcome = (ok: boolean, message: string): ProbeOutcome => ({ probe: p, ok, ms: performance.now() - start, attempts, message });
  for (;;) {
    if (signal.aborted) {
      const why = typeof signal.reason === 'string' ? signal.reason : 'the run ended';
      return outcome(false, `${p.label} did not pass before ${why}: ${last} (${attempts} ${attempts === 1 ? 'try' : 'tries'}); expected ${expected(p)}.`);
    }
    const left = deadline - performance.now();
    attempts++;
    const tryOpts = { ...o, attemptMs: Math.max(1, Math.min(o.attemptMs, left)) };
    const a = await (p.kind === 'http' ? attemptHttp(p, tryOpts, attempts - 1) : attemptTcp(p, tryOpts));
    // A last try cut short by the probe's own timeout ("no reply within 0.01 s") says less than the
    // tries before it (a connection the guest closed, QEMU's view): the reason keeps theirs.
    const cutShort = tryOpts.attemptMs < o.attemptMs && a.verdict === 'retry' && a.detail.startsWith('no reply within');
    if (!cutShort || last === 'not tried') last = a.detail;
    if (a.verdict === 'pass') return outcome(true, `${p.label}: ${a.detail}`);
    if (a.verdict === 'fail') return outcome(false, `${p.label}: ${a.detail}.`);
    if (performance.now() + o.retryMs >= deadline) {
      return outcome(
        false,
        `${p.label} did not pass within its timeout of ${p.timeout} s: ${last} (${attempts} ${attempts === 1 ? 'try' : 'tries'}); expected ${expected(p)}.`,
      );
    }
    await sleep(o.retryMs, signal);
  }
}

/**
 * Runs a run's probes: those without `after` from start(), the others when a serial line matches
 * their `after` pattern (feed it every cleaned line, and the unfinished last line, with line()).
 * stop() ends the probes still waiting or trying; `done` resolves with every outcome, in the
 * probes' order, once each has one.
 */
export class ProbeRunner {
  readonly done: Promise<ProbeOutcome[]>;
  private readonly outcomes: (ProbeOutcome | undefined)[];
  private readonly started: boolean[];
  private readonly abort = new AbortController();
  private t0 = performance.now();
  private resolve!: (o: ProbeOutcome[]) => void;
  private pending: number;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** Called with each probe's outcome as soon as it has one (the boot stops at once on a failure). */
  onOutcome?: (o: ProbeOutcome) => void;

  constructor(
    readonly probes: readonly Probe[],
    private readonly opts: ProbeOptions = {},
  ) {
    this.outcomes = probes.map(() => undefined);
    this.started = probes.map(() => false);
    this.pending = probes.length;
    this.done = new Promise((r) => (this.resolve = r));
    if (this.pending === 0) this.resolve([]);
  }

  /** Have all probes passed? (False while any is still running.) */
  get passed(): boolean {
    return this.outcomes.every((o) => o?.ok === true);
  }

  /** The boot started: probes without `after` begin. */
  start(): void {
    this.t0 = performance.now();
    this.probes.forEach((p, i) => {
      if (!p.after) this.launch(i);
    });
  }

  /**
   * Serial output as it comes: every completed line, and the unfinished last one, is cleaned and
   * given to line(). (The watcher's fast path passes over whole blocks without splitting them, so
   * its onLine does not see every line.)
   */
  push(chunk: Buffer | string): void {
    if (!this.probes.some((p) => p.after)) return;
    const parts = (this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))).split('\n');
    this.partial = parts.pop()!;
    if (this.partial.length > MAX_ANSWER) {
      // A guest that never ends its line: look at it in pieces (bounds memory).
      parts.push(this.partial.slice(0, MAX_ANSWER));
      this.partial = this.partial.slice(MAX_ANSWER);
    }
    const look = () => {
      for (const l of parts) this.line(cleanLine(l));
      if (this.partial !== '') this.line(cleanLine(this.partial));
    };
    if (!this.probes.some((p) => p.after?.regex)) return look();
    // The `after` lines as one batch under the deadline (model/deadline.ts): a pattern that
    // backtracks catastrophically fails its probe instead of freezing the action.
    if (withinDeadline(MATCH_DEADLINE_MS, look).done) return;
    const i = this.matchingProbe;
    if (i === undefined || this.started[i]) return;
    this.started[i] = true;
    const p = this.probes[i];
    this.settle(i, {
      probe: p,
      ok: false,
      ms: 0,
      attempts: 0,
      message: `${p.label} never started: ${new MatchStalled(JSON.stringify(p.after!.source)).message} on a serial line. Rewrite it so that no two quantifiers can share the same characters.`,
    });
  }

  /** The probe whose `after` line is being matched right now. */
  private matchingProbe?: number;

  /** A cleaned serial line (or the unfinished last one). */
  line(text: string): void {
    this.probes.forEach((p, i) => {
      if (!p.after || this.started[i] || this.abort.signal.aborted) return;
      this.matchingProbe = i;
      if (matches(p.after, text)) this.launch(i);
    });
  }

  /** The boot ended (`why`: "QEMU exited with status 0", "the run timed out after 60 s"). */
  stop(why: string): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(why);
    this.probes.forEach((p, i) => {
      if (this.started[i]) return;
      this.started[i] = true;
      this.settle(i, {
        probe: p,
        ok: false,
        ms: 0,
        attempts: 0,
        message: `${p.label} never started: the line ${JSON.stringify(p.after!.source)} did not appear before ${why}.`,
      });
    });
  }

  private launch(i: number): void {
    this.started[i] = true;
    const startedMs = performance.now() - this.t0;
    void runProbe(this.probes[i], this.abort.signal, this.opts).then((o) => this.settle(i, { ...o, startedMs }));
  }

  private settle(i: number, o: ProbeOutcome): void {
    this.outcomes[i] = o;
    this.onOutcome?.(o);
    if (--this.pending === 0) this.resolve(this.outcomes as ProbeOutcome[]);
  }
}
