import type { Pattern } from './patterns.js';
import { roundSeconds } from './parse.js';

/**
 * What a conversation with a running guest is made of (the forward, probes and console-script
 * inputs) and what it came to. Shared by the inputs that parse it, the boot that runs it and the
 * verdict that judges it, so it lives below all three.
 */

/** One forwarded TCP port: connections to 127.0.0.1:host on the runner reach the guest's port `guest`. */
export interface Forward {
  host: number;
  guest: number;
}

export interface ProbeBase {
  /** 1-based place in the list, for messages. */
  index: number;
  /** How the probe is named in messages and the summary: `probe 2 (GET http://127.0.0.1:8080/)`. */
  label: string;
  /** The forwarded host port it connects to (on 127.0.0.1). */
  port: number;
  /** Start only once a serial line matches this; without it, start at boot and retry. */
  after?: Pattern;
  /** Seconds from the probe's start to give up; without it, the run's timeout bounds it. */
  timeout?: number;
}

export interface HttpProbe extends ProbeBase {
  kind: 'http';
  url: URL;
  method: string;
  /** Request body. */
  data?: string;
  /** Expected status code. */
  status: number;
  /** Text (anywhere in the body) or /regex/ the body must match. */
  body?: Pattern;
}

export interface TcpProbe extends ProbeBase {
  kind: 'tcp';
  /** A line to send once connected (a newline is added unless it ends in one). */
  send?: string;
  /** What a line of the reply must match. */
  expect?: Pattern;
}

export type Probe = HttpProbe | TcpProbe;

export type ConsoleStep =
  | { kind: 'expect'; index: number; pattern: Pattern; timeout: number }
  /** `text` is sent as written; `send` steps already end in ENTER. */
  | { kind: 'send'; index: number; text: string; timeout: number };

/** What one probe came to. */
export interface ProbeOutcome {
  probe: Probe;
  ok: boolean;
  /** Milliseconds from the runner's start to the probe's start (its `after` line, or the boot). */
  startedMs?: number;
  /** Milliseconds from the probe's start to its verdict. */
  ms: number;
  attempts: number;
  /** Passed: what it saw. Failed: which probe, what came back and what was expected. */
  message: string;
}

export interface StepOutcome {
  step: ConsoleStep;
  /** Milliseconds from the step's start to its end. */
  ms: number;
}

export interface ScriptOutcome {
  ok: boolean;
  /** The steps that completed, in order. */
  steps: StepOutcome[];
  /** Passed: a summary. Failed: the step, what it waited for, and what the guest printed last. */
  message: string;
}

export interface ConversationOutcome {
  probes: ProbeOutcome[];
  /** Undefined when there was no console script. */
  script?: ScriptOutcome;
}

/** A probe in words, for the dry run and the summary. */
export function describeProbe(p: Probe): string {
  const parts = [p.label.replace(/^probe \d+ \((.*)\)$/, '$1')];
  if (p.kind === 'http') {
    parts.push(`expect status ${p.status}`);
    if (p.body) parts.push(`body ${p.body.source}`);
  } else {
    if (p.send !== undefined) parts.push(`send ${JSON.stringify(p.send.replace(/\n$/, ''))}`);
    if (p.expect) parts.push(`expect ${p.expect.source}`);
  }
  parts.push(p.after ? `after the line ${p.after.source}` : 'from boot, retried');
  if (p.timeout !== undefined) parts.push(`within ${roundSeconds(p.timeout)} s`);
  return parts.join(', ');
}

/** A console-script step in words, for messages. */
export function describeStep(s: ConsoleStep): string {
  if (s.kind === 'expect') return `step ${s.index} (expect ${JSON.stringify(s.pattern.source)})`;
  return `step ${s.index} (send ${JSON.stringify(s.text)})`;
}
