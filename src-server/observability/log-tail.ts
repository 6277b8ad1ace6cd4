/**
 * The gateway's recent log lines for the console's live log tail (GET /v1/console/logs): a ring
 * buffer of the last N lines plus subscribers that get each new line. Memory is bounded by the
 * ring size; subscribers are removed when their client goes away (console-routes.ts).
 */
import {
  formatLogLine,
  LevelLogger,
  levelEnabled,
  type LogFields,
  type Logger,
  type LogLevel,
} from '../logging/logger.js';

export type LogTailListener = (line: string) => void;

/** Lines kept for clients that connect later. */
export const DEFAULT_LOG_TAIL_LINES = 500;

export class LogTail {
  private readonly ring: (string | undefined)[];
  /** Index of the next slot to write. */
  private head = 0;
  private count = 0;
  private readonly listeners = new Set<LogTailListener>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  constructor(readonly capacity: number = DEFAULT_LOG_TAIL_LINES) {
    this.ring = new Array<string | undefined>(Math.max(1, capacity));
  }

  /** One JSON line (no trailing newline). */
  push(line: string): void {
    if (this.closed) return;
    this.ring[this.head] = line;
    this.head = (this.head + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
    for (const l of this.listeners) {
      try {
        l(line);
      } catch {
        // A broken subscriber (its stream failed) stops receiving; the code that logged goes on.
        // Not logged: that would call back into push().
        this.listeners.delete(l);
      }
    }
  }

  /** The kept lines, oldest first. */
  backlog(): string[] {
    const out: string[] = [];
    const start = (this.head - this.count + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.ring.length] as string);
    return out;
  }

  /** Number of live subscribers (each is one open log stream). */
  get subscribers(): number {
    return this.listeners.size;
  }

  /**
   * Calls `listener` with every new line and `onClose` when the tail closes (gateway shutdown).
   * Returns the unsubscribe function.
   */
  subscribe(listener: LogTailListener, onClose?: () => void): () => void {
    if (this.closed) {
      onClose?.();
      return () => undefined;
    }
    this.listeners.add(listener);
    if (onClose) this.closeListeners.add(onClose);
    return () => {
      this.listeners.delete(listener);
      if (onClose) this.closeListeners.delete(onClose);
    };
  }

  /** Ends every subscription (so that open log streams do not hold the server open). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const ends = [...this.closeListeners];
    this.listeners.clear();
    this.closeListeners.clear();
    for (const end of ends) end();
  }
}

/**
 * A logger that writes through `base` and also keeps each line (at `level` or above) in `tail`.
 * The caller's logger may have any sink (stderr, a test collector), so the tail is fed here.
 */
export function tailLogger(base: Logger, tail: LogTail, level: LogLevel, bound: LogFields = {}): Logger {
  return new TailLogger(base, tail, level, bound);
}

/** Forwards each line to the caller's logger, then keeps it in the tail. */
class TailLogger extends LevelLogger {
  constructor(
    private readonly base: Logger,
    private readonly tail: LogTail,
    private readonly level: LogLevel,
    private readonly bound: LogFields,
  ) {
    super();
  }

  child(fields: LogFields): Logger {
    return new TailLogger(this.base.child(fields), this.tail, this.level, Object.assign({}, this.bound, fields));
  }

  protected write(lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void {
    this.base[lvl](msg, fields);
    if (levelEnabled(this.level, lvl)) this.tail.push(formatLogLine(lvl, msg, this.bound, fields));
  }
}
