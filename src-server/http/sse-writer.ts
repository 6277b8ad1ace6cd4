/**
 * Writes a response's WireEvents as Server-Sent Events (L2, L4, L5, E5).
 *
 * Hot path: one JSON.stringify and one string concatenation per event, no await. Events produced
 * in the same tick are joined and written with one `res.write` at the end of the tick
 * (setImmediate), or earlier when the buffer reaches `bufferMaxBytes`, so coalescing never holds an
 * event back longer than the current turn of the event loop.
 */
import type { ServerResponse } from 'node:http';
import type { WireEvent } from '../engine/contract.js';
import type { Logger } from './logger.js';

export interface SseWriterOptions {
  /** Write the terminal `data: [DONE]` line (L5). */
  doneSentinel: boolean;
  /** Coalescing limit for one socket write (`--responses-stream-buffer-max-bytes`). */
  bufferMaxBytes: number;
  /** Events larger than this are logged (`--responses-sse-event-max-bytes`); the engine splits deltas. */
  eventMaxBytes: number;
  /** Silence after which `: keep-alive` is written (`--responses-ping-interval-seconds`); 0 disables. */
  pingIntervalMs: number;
  logger: Logger;
  /** Keep-alive hook: returns true when it wrote something itself (a `response.ping` event, L4). */
  onIdle?: () => boolean;
  /** Called once when the client goes away before the stream ended (E5). */
  onDisconnect: () => void;
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
};

export const KEEP_ALIVE = ': keep-alive\n\n';
/**
 * Events that end a response. Never written in the call that queues them, whatever their size:
 * the response's final state is stored in the same turn of the event loop (sessions/final-saves),
 * and the client must not see the end before it is stored.
 */
const TERMINAL_EVENT = /^response\.(completed|failed|incomplete)$/;
export const DONE_LINE = 'data: [DONE]\n\n';

export class SseWriter {
  private pending = '';
  private flushScheduled = false;
  private ended = false;
  private lastWriteAt = Date.now();
  private pingTimer: NodeJS.Timeout | undefined;
  private eventCount = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseWriterOptions,
  ) {
    res.on('close', this.onClose);
    if (options.pingIntervalMs > 0) this.schedulePing(options.pingIntervalMs);
  }

  /** Number of events written so far (for the request log line). */
  get events(): number {
    return this.eventCount;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The EventTap: queue one event for the current tick's write. */
  readonly write = (event: WireEvent): void => {
    if (this.ended) return;
    const chunk = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    this.eventCount++;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only measure when the bound could be exceeded.
    if (chunk.length * 3 > this.options.eventMaxBytes) {
      const bytes = Buffer.byteLength(chunk);
      if (bytes > this.options.eventMaxBytes) {
        this.options.logger.warn('sse event exceeds --responses-sse-event-max-bytes', {
          eventType: event.type,
          sequenceNumber: event.sequence_number,
          bytes,
          limit: this.options.eventMaxBytes,
        });
      }
    }
    if (this.pending.length + chunk.length > this.options.bufferMaxBytes) {
      this.flush();
      if (chunk.length >= this.options.bufferMaxBytes && !TERMINAL_EVENT.test(event.type)) {
        this.writeNow(chunk);
        return;
      }
    }
    this.pending += chunk;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushFromTick);
    }
  };

  /** Writes what is queued, the `[DONE]` line if enabled, and ends the response. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopPing();
    const tail = this.pending + (this.options.doneSentinel ? DONE_LINE : '');
    this.pending = '';
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end(tail);
  }

  private readonly flushFromTick = (): void => {
    this.flushScheduled = false;
    this.guard('writing queued events', () => this.flush());
  };

  /** For callbacks the event loop calls (immediate, timer, 'close'): a throw is logged, not fatal. */
  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger.error(`${where} failed`, { err });
    }
  }

  private flush(): void {
    if (this.pending === '') return;
    const data = this.pending;
    this.pending = '';
    this.writeNow(data);
  }

  private writeNow(data: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.lastWriteAt = Date.now();
    this.res.write(data);
  }

  private schedulePing(delayMs: number): void {
    this.pingTimer = setTimeout(this.onPingTimer, delayMs);
    this.pingTimer.unref();
  }

  private readonly onPingTimer = (): void => {
    if (this.ended) return;
    const interval = this.options.pingIntervalMs;
    const idle = Date.now() - this.lastWriteAt;
    if (idle >= interval && this.pending === '') {
      this.guard('writing a keep-alive', () => {
        if (!this.options.onIdle?.()) this.writeNow(KEEP_ALIVE);
      });
      this.schedulePing(interval);
    } else {
      this.schedulePing(Math.max(1, interval - idle));
    }
  };

  private stopPing(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }

  private readonly onClose = (): void => {
    this.stopPing();
    if (this.ended) return;
    // The socket closed before the terminal event: the client went away.
    this.ended = true;
    this.pending = '';
    this.guard('handling a client disconnect', () => this.options.onDisconnect());
  };
}
