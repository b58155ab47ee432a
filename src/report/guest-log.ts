import { randomUUID } from 'node:crypto';

/**
 * Shows the guest's serial output live, as untrusted text: workflow commands are switched off
 * around it (::stop-commands::<token>), so a guest printing `::error::` or `::set-output` or
 * `::add-mask::` cannot talk to the runner. The token is random, so the guest cannot end the pause.
 */
export class GuestEcho {
  private readonly token = randomUUID().replace(/-/g, '');
  private paused = false;

  constructor(private readonly out: (s: string) => void = (s) => process.stdout.write(s)) {}

  start(): void {
    if (this.paused) return;
    this.out(`::stop-commands::${this.token}\n`);
    this.paused = true;
  }

  line(text: string): void {
    // Reset colours a guest left on, so they do not bleed into the action's own lines.
    this.out(text.includes('\x1b') ? `${text}\x1b[0m\n` : `${text}\n`);
  }

  /** Whole lines at once (each ending in a newline, no escape codes). */
  block(text: string): void {
    this.out(text);
  }

  stop(): void {
    if (!this.paused) return;
    this.out(`::${this.token}::\n`);
    this.paused = false;
  }
}
