import { randomUUID } from 'node:crypto';

/**
 * Shows the guest's serial output live, as untrusted text: workflow commands are switched off
 * around it (::stop-commands::<token>), so a guest printing `::error::` or `::set-output` or
 * `::add-mask::` cannot talk to the runner. The token is random, so the guest cannot end the pause.
 */
export class GuestEcho {
  private readonly token = randomUUID().replace(/-/g, '');
  private paused = false;
  private pending: string[] = [];
  private pendingChars = 0;
  private flushScheduled = false;

  constructor(private readonly out: (s: string) => void = (s) => process.stdout.write(s)) {}

  start(): void {
    if (this.paused) return;
    this.out(`::stop-commands::${this.token}\n`);
    this.paused = true;
  }

  line(text: string): void {
    // Reset colours a guest left on, so they do not bleed into the action's own lines.
    this.write(text.includes('\x1b') ? `${text}\x1b[0m\n` : `${text}\n`);
  }

  /** Output is gathered and written once per turn of the event loop: one write per chunk, not per line. */
  private write(s: string): void {
    this.pending.push(s);
    this.pendingChars += s.length;
    if (this.pendingChars > 1 << 20) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const s = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.out(s);
  }

  /** Whole lines at once (each ending in a newline, no escape codes). */
  block(text: string): void {
    this.write(text);
  }

  stop(): void {
    this.flush();
    if (!this.paused) return;
    this.out(`::${this.token}::\n`);
    this.paused = false;
  }
}
