/**
 * Writes a response's WireEvents as Server-Sent Events (L2, L4, L5, E5).
 *
 * Hot path: one serialization (sse-event-json.ts) and one string concatenation per event, no await.
 * Events are joined and written with one `res.write`, or earlier when the buffer reaches
 * `bufferMaxBytes`: the opening events, the first output (the time to first token) and an event
 * after a pause (a paced delta) leave when the work of their tick is done (process.nextTick), so
 * they never wait behind other streams' I/O; while a stream is busy, what it produces in one turn
 * of the event loop is written at the end of that turn (setImmediate).
 *
 * Backpressure (E8): the writer is the run's ClientFlow. Once the client has not taken
 * `highWaterBytes` of what was written (`res.write()` returned false and the unsent bytes reach
 * the mark), `whenWritable()` hands the run a promise that resolves on 'drain', and the run stops
 * reading the backend until then. Unsent bytes are bounded per stream (`maxBufferedBytes`) and,
 * through a shared StreamBudget, for the whole gateway: past either bound the writer calls
 * `onOverflow` once with a `stream_buffer_exceeded` error, and the caller ends the response.
 */
import type { ServerResponse } from 'node:http';
import type { WrittenPiece } from '../exchange/observer.js';
import type { GatewayConfig } from '../config/flags.js';
import type { ClientFlow, Dialect, WireEvent } from '../engine/contract.js';
import { doneSentinel, isTerminalEventType } from '../shared/protocol/events.js';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import { unstoredEnding } from '../engine/response-object.js';
import type { Logger } from '../logging/logger.js';
import type { StreamBudget } from './stream-budget.js';
import { eventJson } from './sse-event-json.js';
import type { ResponseWriter } from './response-writer.js';
import { processingHeader, type RequestContext } from './respond.js';
import { COMMENT_TYPE, DONE_TYPE } from '../shared/recording-format/format.js';

/** Flow control and memory bounds of one stream (E8). */
export interface SseBackpressure {
  /** Unsent bytes at which `whenWritable()` makes the producer wait (`--responses-stream-high-water-bytes`). */
  highWaterBytes: number;
  /** Unsent bytes past which the stream overflows (`--responses-stream-max-buffered-bytes`). */
  maxBufferedBytes: number;
  /** The gateway-wide count of unsent bytes (`--responses-stream-max-buffered-total-bytes`). */
  budget?: StreamBudget;
  /** Called once, outside the write that overflowed, when a bound is exceeded. */
  onOverflow: (error: GatewayError) => void;
}

/** Flow control and bounds of a stream (E8) from the flags; `onOverflow` ends the response. */
export function streamBackpressure(
  config: Pick<GatewayConfig, 'streamHighWaterBytes' | 'streamMaxBufferedBytes'>,
  budget: StreamBudget,
  onOverflow: SseBackpressure['onOverflow'],
): SseBackpressure {
  return {
    highWaterBytes: config.streamHighWaterBytes,
    maxBufferedBytes: config.streamMaxBufferedBytes,
    budget,
    onOverflow,
  };
}

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
  /** Waiting for slow clients and bounding what they leave unsent (E8); absent: neither. */
  backpressure?: SseBackpressure;
}

/**
 * A writer's options: what every SSE answer takes from the flags and the dialect, and the
 * caller's own hooks. Built field by field: an object literal that spreads one object and adds
 * others costs microseconds per request in V8 (docs/benchmark.md, "Object spreads").
 */
export function sseOptions(
  config: Pick<
    GatewayConfig,
    'streamDoneSentinel' | 'streamBufferMaxBytes' | 'sseEventMaxBytes' | 'pingIntervalSeconds'
  >,
  dialect: Dialect,
  logger: Logger,
  hooks: Pick<SseWriterOptions, 'onIdle' | 'onDisconnect' | 'backpressure'>,
): SseWriterOptions {
  return {
    doneSentinel: doneSentinel(dialect, config.streamDoneSentinel),
    bufferMaxBytes: config.streamBufferMaxBytes,
    eventMaxBytes: config.sseEventMaxBytes,
    pingIntervalMs: config.pingIntervalSeconds * 1000,
    logger,
    onIdle: hooks.onIdle,
    onDisconnect: hooks.onDisconnect,
    backpressure: hooks.backpressure,
  };
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * The head of an SSE answer: the request's headers, `openai-processing-ms`, then the stream's own.
 * A client that asked to close (`Connection: close`, HTTP/1.0 without keep-alive) is told so, and
 * the connection ends with the stream instead of waiting for its next request.
 */
export function sseHeaders(ctx: RequestContext): Record<string, string> {
  const head = Object.assign({}, ctx.headers, processingHeader(ctx), SSE_HEADERS);
  if (!ctx.res.shouldKeepAlive) head.connection = 'close';
  return head;
}

export const KEEP_ALIVE = ': keep-alive\n\n';
/** A stream that wrote within this many milliseconds is busy: its events are joined per loop turn. */
const BUSY_MS = 1;
/**
 * A stream's first writes — its opening events, then its first output (the time to first token) —
 * are never held for being busy.
 */
const PROMPT_WRITES = 2;
export const DONE_LINE = 'data: [DONE]\n\n';
const KEEP_ALIVE_PIECE: WrittenPiece = { type: COMMENT_TYPE, text: KEEP_ALIVE };
const DONE_PIECE: WrittenPiece = { type: DONE_TYPE, text: DONE_LINE };

export class SseWriter implements ClientFlow {
  private pending = '';
  /** `pending` cut into its events, kept only while the exchange is observed (the recorder). */
  private pendingPieces: WrittenPiece[] = [];
  private readonly res: ServerResponse;
  /** Unsent bytes last reported to the budget (queued text counts one byte per UTF-16 unit). */
  private accounted = 0;
  private overflowed = false;
  /** Resolves when the client took what was waiting ('drain') or went away. */
  private writable: Promise<void> | undefined;
  private resolveWritable: (() => void) | undefined;
  private flushScheduled = false;
  /** The scheduled flush runs at the end of this tick (process.nextTick), not of the loop turn. */
  private flushInTick = false;
  /** A flush is queued for the end of this turn of the event loop (setImmediate). */
  private turnEndScheduled = false;
  private ended = false;
  /** Time of the last socket write; 0 before the first. */
  private lastWriteAt = 0;
  /** Socket writes so far (PROMPT_WRITES). */
  private writes = 0;
  private readonly createdAt = Date.now();
  private pingTimer: NodeJS.Timeout | undefined;
  private eventCount = 0;
  /** Resolves `whenClosed()`'s promise, made only when someone waits (a gateway shutting down). */
  private resolveClosed: (() => void) | undefined;
  private closedPromise: Promise<void> | undefined;
  /** The queued terminal event, and where it begins in `pending` and `pendingPieces`. */
  private terminalAt: { text: number; piece: number; event: WireEvent } | null = null;

  /** Writes through `out` (whose observers see each event as written); the status line is the caller's. */
  constructor(
    private readonly out: ResponseWriter,
    private readonly options: SseWriterOptions,
  ) {
    const res = out.res;
    this.res = res;
    res.on('close', this.onClose);
    if (options.backpressure) res.on('drain', this.onDrain);
    if (options.pingIntervalMs > 0) this.schedulePing(options.pingIntervalMs);
  }

  /** Number of events written so far (for the request log line). */
  get events(): number {
    return this.eventCount;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Resolves once the response's connection is done with it (ended or cut). */
  whenClosed(): Promise<void> {
    if (this.res.closed) return Promise.resolve();
    return (this.closedPromise ??= new Promise<void>((resolve) => (this.resolveClosed = resolve)));
  }

  /** Bytes written or queued that the client has not taken yet. */
  get unsentBytes(): number {
    return this.pending.length + (this.res.destroyed ? 0 : this.res.writableLength);
  }

  /** ClientFlow (E8): undefined while the client keeps up, else a promise resolved by 'drain' or close. */
  whenWritable(): Promise<void> | undefined {
    const bp = this.options.backpressure;
    if (!bp || this.ended || this.res.destroyed) return undefined;
    if (!this.res.writableNeedDrain || this.res.writableLength < bp.highWaterBytes) return undefined;
    this.writable ??= new Promise<void>((resolve) => (this.resolveWritable = resolve));
    return this.writable;
  }

  /** The EventTap: queue one event for the current tick's write. */
  readonly write = (event: WireEvent): void => {
    if (this.ended) return;
    const chunk = `event: ${event.type}\ndata: ${eventJson(event)}\n\n`;
    // An event that ends the response is never written before end(), whatever its size: the route
    // calls it once the response's final state is stored (store/final-saves.ts; a save over the
    // network takes longer than a turn of the event loop); the client must not see the end first.
    const terminal = isTerminalEventType(event.type);
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
      if (chunk.length >= this.options.bufferMaxBytes && !terminal) {
        this.writeNow(chunk, this.out.observed ? [{ type: event.type, text: chunk }] : undefined);
        return;
      }
    }
    if (terminal) this.terminalAt = { text: this.pending.length, piece: this.pendingPieces.length, event };
    this.pending += chunk;
    if (this.out.observed) this.pendingPieces.push({ type: event.type, text: chunk });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // The first write (the status line, `response.created`), the second (the first output: the
      // time to first token, however soon it follows) and a write after a pause (a paced delta)
      // leave as soon as this tick's work is done, before the event loop reads any other socket.
      // While the stream is busy (it wrote within BUSY_MS) the events of this turn of the event
      // loop are joined and written at its end.
      const first = this.writes === 0;
      this.flushInTick = this.writes < PROMPT_WRITES || Date.now() - this.lastWriteAt > BUSY_MS;
      if (this.flushInTick) process.nextTick(flushFromTick, this);
      else this.flushAtEndOfTurn();
      // Should a terminal event join this first tick, it still leaves at the end of this turn.
      if (first) this.flushAtEndOfTurn();
    }
    // A terminal event waits for the end of the turn at least: its response is stored first.
    if (this.flushInTick && terminal) this.flushInTick = false;
    if (this.options.backpressure && !this.overflowed) this.checkBounds(this.options.backpressure);
  };

  /**
   * Writes what this tick queued now instead of at its end: the route calls it right after it
   * started the run, so `response.created` leaves before any other callback of this tick runs. A
   * terminal event still waits for end() (it is stored first).
   */
  flushNow(): void {
    if (this.flushScheduled && this.flushInTick) this.flushFromTick();
  }

  /**
   * The response could not be stored (a full disk): its terminal event, still queued, becomes
   * `error` and `response.failed` with this error, as a run that fails ends. False when the
   * terminal event was already written.
   */
  failTerminal(error: GatewayError): boolean {
    const at = this.terminalAt;
    if (at === null || this.ended) return false;
    this.terminalAt = null;
    this.pending = this.pending.slice(0, at.text);
    this.pendingPieces.length = Math.min(this.pendingPieces.length, at.piece);
    this.eventCount--;
    for (const event of unstoredEnding(at.event, error)) this.write(event);
    return true;
  }

  /** Writes what is queued, the `[DONE]` line if enabled, and ends the response. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopPing();
    this.terminalAt = null;
    const tail = this.pending + (this.options.doneSentinel ? DONE_LINE : '');
    const pieces = this.takePieces();
    if (this.options.doneSentinel) pieces.push(DONE_PIECE);
    this.pending = '';
    if (!this.res.writableEnded && !this.res.destroyed) this.out.end(tail, pieces);
    // What the client has not taken stays counted until the connection is done with it.
    this.account();
    this.wake();
  }

  /** Reports the change of this stream's unsent bytes to the budget; returns them. */
  private account(): number {
    if (!this.options.backpressure) return 0;
    const now = this.res.destroyed ? 0 : this.unsentBytes;
    this.options.backpressure.budget?.change(now - this.accounted);
    this.accounted = now;
    return now;
  }

  private checkBounds(bp: SseBackpressure): void {
    const unsent = this.unsentBytes;
    const delta = unsent - this.accounted;
    this.accounted = unsent;
    const withinGateway = bp.budget ? bp.budget.change(delta) : true;
    if (unsent <= bp.maxBufferedBytes && withinGateway) return;
    this.overflowed = true;
    const error =
      unsent > bp.maxBufferedBytes
        ? errors.streamBufferExceeded('stream', bp.maxBufferedBytes)
        : errors.streamBufferExceeded('gateway', bp.budget?.limitBytes ?? 0);
    this.options.logger.warn('stream buffer exceeded; the response ends', {
      code: error.code,
      unsentBytes: unsent,
      streamLimit: bp.maxBufferedBytes,
      gatewayBytes: bp.budget?.total,
      gatewayLimit: bp.budget?.limitBytes,
    });
    // Not inside this write: the caller ends the run, whose last events come back through write().
    queueMicrotask(() => this.guard('ending an overflowing stream', () => bp.onOverflow(error)));
  }

  private readonly onDrain = (): void => {
    this.account();
    this.wake();
  };

  private wake(): void {
    const resolve = this.resolveWritable;
    this.writable = undefined;
    this.resolveWritable = undefined;
    resolve?.();
  }

  private flushAtEndOfTurn(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(flushAtTurnEnd, this);
  }

  /** @internal The end of the tick (flushFromTick below), or flushNow. */
  flushFromTick(): void {
    if (!this.flushInTick) return this.flushAtEndOfTurn();
    this.flushScheduled = false;
    this.flushInTick = false;
    this.guard('writing queued events', this.flush);
  }

  /** @internal The end of the turn (flushAtTurnEnd below). */
  flushAtTurnEnd(): void {
    this.turnEndScheduled = false;
    this.flushScheduled = false;
    this.flushInTick = false;
    this.guard('writing queued events', this.flush);
  }

  /**
   * For callbacks the event loop calls (tick, immediate, timer, 'close'): a throw is logged, not
   * fatal. `fn` runs with this writer as `this`, so a method passes itself (no closure per flush).
   */
  private guard(where: string, fn: (this: SseWriter) => void): void {
    try {
      fn.call(this);
    } catch (err) {
      this.options.logger.error(`${where} failed`, { err });
    }
  }

  private flush(): void {
    if (this.pending === '') return;
    const at = this.terminalAt;
    if (at !== null) {
      // The terminal event waits for end(): its response is stored first (M6), also by a store
      // whose save takes longer than this turn of the event loop (PostgreSQL).
      if (at.text === 0) return;
      const data = this.pending.slice(0, at.text);
      const pieces = this.pendingPieces.splice(0, at.piece);
      this.pending = this.pending.slice(at.text);
      this.terminalAt = { text: 0, piece: 0, event: at.event };
      this.writeNow(data, pieces);
      return;
    }
    const data = this.pending;
    this.pending = '';
    this.writeNow(data, this.takePieces());
  }

  private takePieces(): WrittenPiece[] {
    if (this.pendingPieces.length === 0) return [];
    const pieces = this.pendingPieces;
    this.pendingPieces = [];
    return pieces;
  }

  private writeNow(data: string, pieces: readonly WrittenPiece[] | undefined): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.lastWriteAt = Date.now();
    this.writes++;
    this.out.write(data, pieces);
    if (this.options.backpressure) this.account();
  }

  private schedulePing(delayMs: number): void {
    this.pingTimer = setTimeout(onPingTimer, delayMs, this);
    this.pingTimer.unref();
  }

  /** @internal The keep-alive timer (onPingTimer below). */
  pingDue(): void {
    if (this.ended) return;
    const interval = this.options.pingIntervalMs;
    const idle = Date.now() - (this.lastWriteAt || this.createdAt);
    // A client that has not taken what was sent needs no keep-alive.
    if (idle >= interval && this.pending === '' && !this.res.writableNeedDrain) {
      this.guard('writing a keep-alive', () => {
        if (!this.options.onIdle?.()) this.writeNow(KEEP_ALIVE, [KEEP_ALIVE_PIECE]);
      });
      this.schedulePing(interval);
    } else {
      this.schedulePing(Math.max(1, interval - idle));
    }
  }

  private stopPing(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }

  private readonly onClose = (): void => {
    this.resolveClosed?.();
    this.stopPing();
    // The connection is gone: nothing of this stream is held any more.
    this.options.backpressure?.budget?.change(-this.accounted);
    this.accounted = 0;
    this.wake();
    if (this.ended) return;
    // The socket closed before the terminal event: the client went away.
    this.ended = true;
    this.pending = '';
    this.pendingPieces = [];
    this.guard('handling a client disconnect', () => this.options.onDisconnect());
  };
}

/** Scheduled with the writer as argument: a writer keeps no bound callbacks for its timers. */
function flushFromTick(writer: SseWriter): void {
  writer.flushFromTick();
}

function flushAtTurnEnd(writer: SseWriter): void {
  writer.flushAtTurnEnd();
}

function onPingTimer(writer: SseWriter): void {
  writer.pingDue();
}
