import { InputError } from '../model/errors.js';
import { type Forward } from '../model/conversation.js';

const INPUT = 'forward';
const EXAMPLE = 'Write one HOST:GUEST pair of TCP ports per line, for example "8080:80" (the runner\'s 127.0.0.1:8080 reaches the guest\'s port 80).';

function port(text: string, which: 'host' | 'guest', entry: string): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw new InputError(INPUT, `'${entry}' has ${which} port '${text}', which is not a number`, EXAMPLE);
  }
  const n = Number(text);
  if (n < 1 || n > 65535) {
    throw new InputError(INPUT, `'${entry}' has ${which} port ${n}, outside 1-65535`, EXAMPLE);
  }
  return n;
}

/**
 * Parses the `forward` input: `HOST:GUEST` pairs of TCP ports, one per line (commas and spaces also
 * separate them). Empty means no network.
 *
 * The host port is required and fixed, never "0 = any free port": probes name the port they connect
 * to, and a fixed port keeps the probe URLs, the QEMU command line and the report the same from run
 * to run. It must be 1024 or above: the runner's user may not bind lower ports. The forwards listen
 * on 127.0.0.1 only, so nothing outside the runner reaches the guest.
 */
export function parseForwards(value: string): Forward[] {
  const entries = value
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const forwards: Forward[] = [];
  for (const entry of entries) {
    if (/^(udp|tcp):/i.test(entry)) {
      throw new InputError(INPUT, `'${entry}' names a protocol`, `Only TCP is forwarded and the protocol is not written. ${EXAMPLE}`);
    }
    const parts = entry.split(':');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      const hint = parts.length === 1 ? ` (a host port is required: a probe connects to it, so it is never picked at random)` : '';
      throw new InputError(INPUT, `'${entry}' is not a HOST:GUEST pair${hint}`, EXAMPLE);
    }
    const host = port(parts[0], 'host', entry);
    const guest = port(parts[1], 'guest', entry);
    if (host < 1024) {
      throw new InputError(
        INPUT,
        `'${entry}' forwards host port ${host}, below 1024, which only root may listen on`,
        `Pick a host port from 1024 to 65535, for example "${host === 80 ? 8080 : 10000 + host}:${guest}".`,
      );
    }
    const twice = forwards.find((f) => f.host === host);
    if (twice) {
      throw new InputError(
        INPUT,
        `host port ${host} is forwarded twice ('${twice.host}:${twice.guest}' and '${entry}')`,
        'Give each forward its own host port.',
      );
    }
    forwards.push({ host, guest });
  }
  return forwards;
}
