/**
 * Writes a response's WireEvents to a WebSocket, one JSON text frame per event — the same objects
 * the SSE writer frames as `event:`/`data:` (no `[DONE]`: the spec leaves it to SSE) — and error
 * envelopes `{"type":"error","status":…,"error":{…}}` for failures before a response starts.
 *
 * Backpressure (E8): `ready()` resolves while the client keeps up; once `ws.bufferedAmount` is
 * above `bufferMaxBytes` it waits until the client has read down to half of it, and the gated
 * backend (backpressure.ts) awaits it before pulling the next part, so a slow reader slows the
 * backend instead of growing the gateway's memory.
 *
 * Terminal events are held until `release()`: the response's final state is stored first (M6),
 * exactly as the SSE writer holds them until its end().
 */
import type { WebSocket } from 'ws';
import type { WireEvent } from '../engine/contract.js';
import { performance } from 'node:perf_hooks';
import type { GatewayError } from '../shared/protocol/errors.js';
import type { ExchangeTaps } from '../exchange/observer.js';
import { eventJson } from '../http/sse-event-json.js';
import { isTerminalEventType } from '../shared/protocol/events.js';
import { unstoredEnding } from '../engine/response-object.js';

export interface FrameWriterOptions {
  /** `--responses-websocket-buffer-max-bytes`. */
  bufferMaxBytes: number;
  /** The turn's observers (the recorder): each frame as sent, its type and exact text. */
  taps?: ExchangeTaps;
}

/** The error frame of the spec's WebSocketErrorEvent. */
export interface ErrorFrame {
  type: 'error';
  status: number;
  error: { type: string; code: string; message: string; param: string | null };
}

/** The error event of a WebSocket message: the status it would have over HTTP, and the envelope. */
export function errorFrame(e: GatewayError): ErrorFrame {
  return { type: 'error', status: e.status, error: { type: e.type, code: e.code, message: e.message, param: e.param } };
}

export class FrameWriter {
  private held: { event: WireEvent; text: string } | null = null;
  private waiters: (() => void)[] = [];
  private frames = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: FrameWriterOptions,
  ) {
    ws.once('close', this.onClose);
  }

  /** The turn is over: stop listening to the connection, which lives on for the next turns. */
  finish(): void {
    this.ws.off('close', this.onClose);
    this.wake();
  }

  /** Frames sent so far (metrics). */
  get count(): number {
    return this.frames;
  }

  /** The EventTap: one frame per event, terminal events held until `release()`. */
  readonly event = (event: WireEvent): void => {
    // The SSE writer's serializer: JSON.stringify's bytes, with its fast paths (deltas, lifecycle events).
    const text = eventJson(event);
    if (isTerminalEventType(event.type)) this.held = { event, text };
    else this.send(event.type, text);
  };

  /**
   * Sends the held terminal event, if any; when the response could not be stored (`unstored`, a
   * full disk), `error` and `response.failed` with that error instead.
   */
  release(unstored: GatewayError | null = null): void {
    const held = this.held;
    this.held = null;
    if (!held) return;
    if (!unstored) return this.send(held.event.type, held.text);
    for (const event of unstoredEnding(held.event, unstored)) this.send(event.type, eventJson(event));
  }

  error(e: GatewayError): void {
    this.send('error', JSON.stringify(errorFrame(e)));
  }

  /** Resolves when the client has room for more (at once unless it is behind by more than the bound). */
  readonly ready = (): Promise<void> => {
    if (!this.behind()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  };

  private behind(): boolean {
    return this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > this.options.bufferMaxBytes;
  }

  private send(type: string, text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.frames++;
    const taps = this.options.taps;
    if (taps?.active) taps.write({ type, text }, performance.now());
    this.ws.send(text, this.onSent);
  }

  /** A frame reached the socket: wake the backend once the client has read down to half the bound. */
  private readonly onSent = (): void => {
    if (this.waiters.length === 0) return;
    if (this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount <= this.options.bufferMaxBytes / 2) this.wake();
  };

  private readonly onClose = (): void => this.wake();

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
