import { ConsoleScript } from './console-script.js';
import { ProbeRunner, type ConnectionView } from './probes.js';
import { type ConsoleStep, type ConversationOutcome, type Probe } from '../model/conversation.js';
import { roundSeconds } from '../model/parse.js';

/** What the boot talks to the guest with: probes against forwarded ports, and a console script. */
export interface ConversationSpec {
  probes: readonly Probe[];
  steps: readonly ConsoleStep[];
}

/** The first failure of a conversation, as the boot ends on it. */
export type ConversationFailure = { kind: 'probe-failed' | 'script-failed'; message: string };

/** How long stop() waits for probes still mid-try to give up (an attempt notices the abort between tries). */
const SETTLE_AFTER_STOP_MS = 4000;

/**
 * The probes and the console script of one boot, driven together: the boot feeds every serial
 * chunk to push(), calls start() once the guest runs (QEMU left -S) and stop() when it ends.
 * `onFailure` fires once, at the first probe or script failure (the boot stops QEMU then);
 * `onDone` fires when every probe passed and the script completed (the boot may then stop on a
 * match). Kept out of qemu.ts so the boot only wires it in.
 */
export class Conversation {
  private readonly runner: ProbeRunner;
  private readonly script?: ConsoleScript;
  private failed = false;
  private probesDone = false;
  private scriptDone: boolean;
  onFailure?: (f: ConversationFailure) => void;
  onDone?: () => void;

  /** `view`: QEMU's word on the forwarded connections (QMP), the evidence a probe without a reply needs. */
  constructor(spec: ConversationSpec, write: (text: string) => void, view?: ConnectionView) {
    this.runner = new ProbeRunner(spec.probes, { view });
    this.script = spec.steps.length > 0 ? new ConsoleScript(spec.steps, write) : undefined;
    this.scriptDone = this.script === undefined;
    this.runner.onOutcome = (o) => {
      if (!o.ok) this.fail({ kind: 'probe-failed', message: o.message });
    };
    void this.runner.done.then((all) => {
      this.probesDone = all.every((o) => o.ok);
      this.check();
    });
    void this.script?.done.then((o) => {
      if (!o.ok) return this.fail({ kind: 'script-failed', message: o.message });
      this.scriptDone = true;
      this.check();
    });
  }

  /** Does it need the guest's console input (QEMU's stdin)? */
  get writes(): boolean {
    return this.script !== undefined;
  }

  /** Every probe passed and the script completed. */
  get passed(): boolean {
    return !this.failed && this.probesDone && this.scriptDone;
  }

  start(): void {
    this.runner.start();
    this.script?.start();
  }

  push(chunk: Buffer): void {
    this.script?.push(chunk);
    this.runner.push(chunk);
  }

  /** The boot ended (`why`: "QEMU exited with status 0"); resolves with every outcome. */
  async stop(why: string): Promise<ConversationOutcome> {
    this.runner.stop(why);
    this.script?.stop(why);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), SETTLE_AFTER_STOP_MS)));
    const probes =
      (await Promise.race([this.runner.done, late])) ??
      this.runner.probes.map((probe) => ({ probe, ok: false, ms: 0, attempts: 0, message: `${probe.label} did not finish before ${why}.` }));
    clearTimeout(timer);
    return { probes, script: this.script ? await this.script.done : undefined };
  }

  private fail(f: ConversationFailure): void {
    if (this.failed) return;
    this.failed = true;
    this.onFailure?.(f);
  }

  private check(): void {
    if (this.passed) this.onDone?.();
  }
}

/** The end of a boot in words, for a probe or step that was still waiting. */
export function endInWords(end: { kind: string; status?: number | null; seconds?: number }): string {
  switch (end.kind) {
    case 'timeout':
      return `the run timed out after ${roundSeconds(end.seconds ?? 0)} s`;
    case 'idle':
      return `the guest was silent for ${roundSeconds(end.seconds ?? 0)} s (idle-timeout)`;
    case 'exited':
      return end.status === null || end.status === undefined ? 'QEMU was killed' : `QEMU exited with status ${end.status}`;
    case 'failure-line':
      return 'a failure line appeared';
    case 'satisfied':
      return 'the run ended';
    default:
      return 'QEMU stopped the guest';
  }
}
