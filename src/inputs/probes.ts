import { InputError } from '../model/errors.js';
import { MAX_TIMER_SECONDS, parseYamlList, timerLimitProblem } from '../model/parse.js';
import { parsePattern, type Pattern } from '../model/patterns.js';
import { type HttpProbe, type Probe, type TcpProbe, type Forward } from '../model/conversation.js';

const INPUT = 'probes';
const EXAMPLE = `Write a YAML list, for example:
  - http: http://127.0.0.1:8080/
    status: 200
    body: Hello from Hermit
    after: listening
  - tcp: 8081
    send: ping
    expect: pong`;

const HTTP_KEYS = ['http', 'method', 'data', 'status', 'body', 'after', 'timeout'];
const TCP_KEYS = ['tcp', 'send', 'expect', 'after', 'timeout'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** The forwards listen on the runner's loopback only (see boot/network.ts). */
const LOOPBACK = ['127.0.0.1', 'localhost'];

function fail(where: string, problem: string, valid: string): never {
  throw new InputError(INPUT, `${where}: ${problem}`, valid);
}

function text(v: unknown, where: string, key: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(
    where,
    `'${key}' must be text, not ${v === null ? 'empty' : Array.isArray(v) ? 'a list' : typeof v}`,
    `Write '${key}: some text' (quote it if it starts with a special character).`,
  );
}

function pattern(v: unknown, where: string, key: string): Pattern {
  const s = text(v, where, key);
  if (s.trim() === '') fail(where, `'${key}' is empty`, `Give the text to look for, or /regex/, or leave '${key}' out.`);
  try {
    return parsePattern(s, INPUT);
  } catch (e) {
    // parsePattern says "'TEXT' is not a valid regular expression (...). Fix ...": keep both halves.
    const rest = (e as Error).message.replace(/^Input 'probes': /, '');
    const cut = rest.indexOf('. ');
    return fail(where, `'${key}' ${cut < 0 ? rest : rest.slice(0, cut)}`, cut < 0 ? '' : rest.slice(cut + 2));
  }
}

function seconds(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) fail(where, `'timeout' is '${String(v)}'`, `Give the seconds to wait as a positive number, for example 'timeout: 30'.`);
  const tooLong = timerLimitProblem(n);
  if (tooLong) fail(where, `'timeout' ${String(v)} ${tooLong}`, `Give at most ${MAX_TIMER_SECONDS} seconds, for example 'timeout: 30'.`);
  return n;
}

function checkPort(port: number, forwards: Forward[], where: string): void {
  if (forwards.some((f) => f.host === port)) return;
  const forwarded = forwards.map((f) => f.host).join(', ');
  fail(
    where,
    `port ${port} is not forwarded`,
    forwards.length === 0
      ? `Probes reach the guest through forwarded ports: add a 'forward' input, for example 'forward: ${port}:80', and probe its host port.`
      : `Probe a forwarded host port (${forwarded}), or add '${port}:GUEST' to the 'forward' input.`,
  );
}

function checkKeys(item: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(item)) {
    if (!allowed.includes(k)) fail(where, `unknown key '${k}'`, `The keys of this kind of probe are: ${allowed.join(', ')}.`);
  }
}

function httpProbe(item: Record<string, unknown>, index: number, forwards: Forward[]): HttpProbe {
  let where = `probe ${index}`;
  checkKeys(item, HTTP_KEYS, where);
  const raw = text(item.http, where, 'http').trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(where, `'${raw}' is not a valid URL`, 'Write a full URL with the forwarded host port, for example http://127.0.0.1:8080/health.');
  }
  if (url.protocol !== 'http:') {
    fail(where, `'${raw}' uses ${url.protocol.replace(/:$/, '')}`, 'Probes speak plain HTTP (http://...); for a TLS server, probe its port with a tcp probe.');
  }
  if (!LOOPBACK.includes(url.hostname)) {
    fail(
      where,
      `'${raw}' names host '${url.hostname}'`,
      `Forwarded ports listen on the runner's loopback: write http://127.0.0.1:PORT/ or http://localhost:PORT/.`,
    );
  }
  if (url.username || url.password) fail(where, `'${raw}' carries a user name or password`, 'Leave credentials out of the URL.');
  const port = url.port === '' ? 80 : Number(url.port);
  checkPort(port, forwards, where);
  const method = item.method === undefined ? 'GET' : text(item.method, where, 'method').toUpperCase();
  if (!METHODS.includes(method)) fail(where, `method '${method}' is not one of ${METHODS.join(', ')}`, 'Pick one of them, or leave method out for GET.');
  let status = 200;
  if (item.status !== undefined) {
    status = typeof item.status === 'number' ? item.status : Number(text(item.status, where, 'status'));
    if (!Number.isInteger(status) || status < 100 || status > 599)
      fail(where, `status '${String(item.status)}' is not an HTTP status code`, 'Give a number from 100 to 599, for example status: 200 (the default).');
  }
  where = `probe ${index} (${method} ${url.href})`;
  return {
    kind: 'http',
    index,
    label: where,
    port,
    url,
    method,
    status,
    data: item.data === undefined ? undefined : text(item.data, where, 'data'),
    body: item.body === undefined ? undefined : pattern(item.body, where, 'body'),
    after: item.after === undefined ? undefined : pattern(item.after, where, 'after'),
    timeout: item.timeout === undefined ? undefined : seconds(item.timeout, where),
  };
}

function tcpProbe(item: Record<string, unknown>, index: number, forwards: Forward[]): TcpProbe {
  let where = `probe ${index}`;
  checkKeys(item, TCP_KEYS, where);
  const raw = text(item.tcp, where, 'tcp').trim();
  const m = /^(?:(127\.0\.0\.1|localhost):)?(\d{1,5})$/.exec(raw);
  if (!m) fail(where, `tcp '${raw}' is not a port`, `Give the forwarded host port, as 8081 or 127.0.0.1:8081.`);
  const port = Number(m[2]);
  checkPort(port, forwards, where);
  where = `probe ${index} (TCP 127.0.0.1:${port})`;
  const send = item.send === undefined ? undefined : text(item.send, where, 'send');
  return {
    kind: 'tcp',
    index,
    label: where,
    port,
    send: send === undefined ? undefined : send.endsWith('\n') ? send : `${send}\n`,
    expect: item.expect === undefined ? undefined : pattern(item.expect, where, 'expect'),
    after: item.after === undefined ? undefined : pattern(item.after, where, 'after'),
    timeout: item.timeout === undefined ? undefined : seconds(item.timeout, where),
  };
}

/**
 * Parses the `probes` input: a YAML list of checks run against forwarded ports while the guest runs.
 * An item is an HTTP URL (GET, expects status 200), or a map with `http: URL` (and `method`, `data`,
 * `status`, `body`) or `tcp: PORT` (and `send`, `expect`); either may have `after` (a serial line to
 * wait for) and `timeout` (seconds). Every probe must name a port of `forwards`.
 */
export function parseProbes(value: string, forwards: Forward[]): Probe[] {
  const doc = parseYamlList(INPUT, value, '', EXAMPLE);
  return doc.map((item: unknown, i) => {
    const index = i + 1;
    if (typeof item === 'string') return httpProbe({ http: item }, index, forwards);
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return fail(`probe ${index}`, 'is neither a URL nor a map', EXAMPLE);
    }
    const map = item as Record<string, unknown>;
    if ('http' in map && 'tcp' in map) fail(`probe ${index}`, "has both 'http' and 'tcp'", 'Make them two probes.');
    if ('http' in map) return httpProbe(map, index, forwards);
    if ('tcp' in map) return tcpProbe(map, index, forwards);
    return fail(`probe ${index}`, "has neither 'http' nor 'tcp'", EXAMPLE);
  });
}

/** How a probe is shown in a dry-run plan. */
