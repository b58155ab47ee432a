import { onCancel } from '../proc/processes.js';
import { randomUUID } from 'node:crypto';

const RESET = '\x1b[0m';
const RESET_NL = `${RESET}\n`;
const FLUSH_SIZE = 1 << 20;

/**
 * Shows the guest's serial output live, as untrusted text: workflow commands are switched off
 * around it (::stop-commands::<token>), so a guest printing `::error::` or `::set-output` or
 * `::add-mask::` cannot talk to the runner. The token is random, so the guest cannot end the pause.
 */
export class GuestEcho {
  private readonly token = randomUUID().replace(/-/g, '');
  private paused = false;
  /** Output gathered since the last write: lines as text, blocks as the guest's own bytes (not copied). */
  private pieces: (string | Uint8Array)[] = [];
  private lines = '';
  private size = 0;
  private flushScheduled = false;
  private unhook?: () => void;

  constructor(private readonly out: (s: string | Uint8Array) => void = (s) => process.stdout.write(s)) {}

  start(): void {
    if (this.paused) return;
    this.flush();
    this.out(`::stop-commands::${this.token}\n`);
    this.paused = true;
    // A cancellation's error annotation is written while a boot runs: it must not land inside the pause.
    this.unhook = onCancel(() => this.stop());
  }

  line(text: string): void {
    // Reset colours a guest left on, so they do not bleed into the action's own lines.
    this.lines += text.includes('\x1b') ? `${text}${RESET}\n` : `${text}\n`;
    this.size += text.length;
    this.scheduleFlush();
  }

  /**
   * Whole lines at once, as the guest sent them (each ending in a newline); with `escapes`, the
   * colours are reset at the end of the block. The bytes are kept until the next write, not
   * copied: the caller must not reuse them (chunks from a child's stdout are never reused).
   */
  block(bytes: Uint8Array, escapes = false): void {
    this.endLines();
    if (!escapes) this.pieces.push(bytes);
    else this.pieces.push(bytes.subarray(0, bytes.length - 1), RESET_NL);
    this.size += bytes.length;
    this.scheduleFlush();
  }

  private endLines(): void {
    if (this.lines === '') return;
    this.pieces.push(this.lines);
    this.lines = '';
  }

  /** Written once per turn of the event loop (or per megabyte): a few writes per chunk, not one per line. */
  private scheduleFlush(): void {
    if (this.size >= FLUSH_SIZE) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    this.endLines();
    const pieces = this.pieces;
    this.pieces = [];
    this.size = 0;
    for (const p of pieces) this.out(p);
  }

  stop(): void {
    this.flush();
    if (!this.paused) return;
    this.out(`::${this.token}::\n`);
    this.paused = false;
    this.unhook?.();
  }
}

/**
 * Text that came from QEMU or the guest on another stream than the serial console (QEMU's stderr:
 * its own messages, and whatever a guest makes it print there), shown under `title` inside a pause
 * of workflow commands, so that no byte of it is read as `::error::`, `::add-mask::`,
 * `::stop-commands::` or any other command
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#stopping-and-starting-workflow-commands).
 * Nothing is printed for empty text.
 */
export function showUntrusted(title: string, text: string, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  const body = text.trimEnd();
  if (body.trim() === '') return;
  out(`${title}\n`);
  const echo = new GuestEcho((t) => out(typeof t === 'string' ? t : Buffer.from(t).toString('utf8')));
  echo.start();
  for (const line of body.split('\n')) echo.line(line.replace(/\r$/, ''));
  echo.stop();
}
