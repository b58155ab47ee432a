import * as http from 'node:http';
import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { cleanLine } from '../verdict/watcher.js';
import { matches, matchesInTime } from '../model/patterns.js';
import { MATCH_DEADLINE_MS, MatchStalled, withinDeadline } from '../model/deadline.js';
import { type HttpProbe, type Probe, type ProbeOutcome, type TcpProbe } from '../model/conversation.js';

/** One try: passed, failed for good (the server answered wrongly), or worth trying again (nobody answered yet). */
export type Attempt = { verdict: 'pass' | 'fail' | 'retry'; detail: string };

export interface ProbeOptions {
  /** Where the forwarded ports listen. */
  host?: string;
  /** Pause between tries while nobody answers. */
  retryMs?: number;
  /** Longest wait for one try's answer. */
  attemptMs?: number;
  /** A bare TCP connection counts once it stayed open this long (see attemptTcp). */
  settleMs?: number;
}

const DEFAULTS: Required<ProbeOptions> = { host: '127.0.0.1', retryMs: 100, attemptMs: 3000, settleMs: 300 };
/** Bytes of an answer kept to judge and quote. */
const MAX_ANSWER = 64 * 1024;

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
  return 'an open connection';
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

/** One HTTP request. A full answer is judged; no answer is worth another try. */
export function attemptHttp(p: HttpProbe, opts: ProbeOptions = {}): Promise<Attempt> {
  const o = { ...DEFAULTS, ...opts };
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
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
    req.once('timeout', () => done({ verdict: 'retry', detail: `no reply within ${o.attemptMs / 1000} s` }));
    req.once('error', (e: NodeJS.ErrnoException) => done({ verdict: 'retry', detail: networkError(e) }));
    req.once('response', (res) => {
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
 * to a forwarded port on the host side, then closes it when the guest does not accept: so an open
 * connection alone proves nothing until it stayed open `settleMs` or the guest sent something.
 */
export function attemptTcp(p: TcpProbe, opts: ProbeOptions = {}): Promise<Attempt> {
  const o = { ...DEFAULTS, ...opts };
  return new Promise((resolve) => {
    let settled = false;
    let received = '';
    let bytes = 0;
    let settleTimer: NodeJS.Timeout | undefined;
    const sock = net.connect({ host: o.host, port: p.port });
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settleTimer);
      sock.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => {
      if (bytes === 0) done({ verdict: 'retry', detail: `no reply within ${o.attemptMs / 1000} s` });
      else done({ verdict: 'fail', detail: `got ${quote(received)}; expected ${expected(p)}` });
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
      if (!p.expect)
        settleTimer = setTimeout(
          () => done({ verdict: 'pass', detail: `connected${p.send !== undefined ? ` and sent ${quote(p.send)}` : ''}; the connection stayed open` }),
          o.settleMs,
        );
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
    const a = await (p.kind === 'http' ? attemptHttp(p, tryOpts) : attemptTcp(p, tryOpts));
    last = a.detail;
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
