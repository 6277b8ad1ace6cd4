/**
 * A streaming response body as an AsyncIterator of ModelParts, push-driven: each socket read is
 * decoded synchronously into every part it holds (SSE → JSON → parts, by the wire's PartDecoder:
 * chat-completions/stream.ts, vllm-responses/stream.ts), and the consumer takes
 * queued parts from an already-resolved promise, so a read of N deltas costs one callback, not N
 * stream reads. Backpressure: the body pauses while too many parts wait.
 *
 * Framing: the decoders translate their wire's content into delta parts; this reader frames them
 * with start and end parts as it queues them (part-framing.ts), so every adapter's stream is framed.
 *
 * Endings (E1, E5): `[DONE]` ends it (the rest of the body is drained so the connection is
 * reused); a body that ends or breaks before is an `error` part; silence past the backend timeout
 * while the consumer waits is a `backend_timeout` error part; the caller's abort is a
 * `finish: abort` part; a consumer that stops early (return()) closes the upstream request.
 * The exchange (client.ts) listens to the caller's signal: its abort reaches this reader as the
 * body breaking off while the signal is aborted.
 */
import type { CancelSignal } from '../../cancel/cancel.js';
import { errors, type GatewayError } from '../../shared/protocol/errors.js';
import type { ModelPart } from '../contract.js';
import { PartFramer } from '../part-framing.js';
import { SseDataDecoder } from './sse-data.js';
import { describe, type BodyReader, type Exchange } from './client.js';

/**
 * Turns the `data:` payloads of one streaming response into ModelParts. It never throws: failures
 * become one `error` part and `ended`. `ended` is set once the wire's last event was seen.
 */
export interface PartDecoder {
  /** Parts produced since the reader last drained them. */
  parts: ModelPart[];
  ended: boolean;
  feed(data: string): void;
  /** The body ended (a stream without its last event is truncated). */
  end(): void;
  fail(error: GatewayError): void;
}

/** Parts waiting for the consumer above which the body is paused, and below which it resumes. */
const HIGH_WATER = 1024;
const LOW_WATER = 256;

const DONE: IteratorResult<ModelPart> = Object.freeze({ done: true, value: undefined });

export class PartStream implements AsyncIterableIterator<ModelPart>, BodyReader {
  private queue: ModelPart[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<ModelPart>) => void) | null = null;
  /** No part will be added any more. */
  private ended = false;
  private paused = false;
  private waitingSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sse: SseDataDecoder;
  private readonly framer = new PartFramer();

  constructor(
    private readonly exchange: Exchange,
    private readonly signal: CancelSignal,
    private readonly timeoutMs: number,
    private readonly decoder: PartDecoder,
  ) {
    this.sse = new SseDataDecoder((data) => decoder.feed(data));
    // One lazily re-armed timer per stream instead of one per read.
    this.timer = setTimeout(this.checkStall, timeoutMs);
    if (signal.aborted) this.onAbort();
    // Last: from here on the exchange pushes the body (what already arrived on the next tick).
    else exchange.read(this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelPart>> {
    // Resuming may push the body read so far at once (undici parses it synchronously).
    if (this.paused && this.queue.length - this.head <= LOW_WATER) this.resume();
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.ended) return Promise.resolve(DONE);
    this.waitingSince = Date.now();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** The consumer stopped: release the upstream request unless the stream is over. */
  return(): Promise<IteratorResult<ModelPart>> {
    this.queue = [];
    this.head = 0;
    if (!this.ended) {
      this.close();
      this.exchange.abort();
    }
    return Promise.resolve(DONE);
  }

  onBody(chunk: Buffer): void {
    if (this.ended) return;
    this.waitingSince = Date.now();
    this.decoding(() => {
      this.sse.push(chunk);
      this.collect();
    });
  }

  onBodyEnd(): void {
    if (this.ended) return;
    this.decoding(() => {
      this.sse.end();
      // Without [DONE] the decoder reports a truncated stream.
      this.decoder.end();
      this.collect();
    });
  }

  /**
   * Runs decoding inside the body callbacks: whatever the backend sends, a
   * failure ends this stream as a backend protocol error instead of escaping the listener (X7).
   */
  private decoding(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (this.ended) return;
      // Parts decoded before the failure stay queued; the error part ends the stream after them.
      this.decoder.parts = [];
      this.add({
        type: 'error',
        error: errors.backendProtocol(`The backend stream could not be decoded: ${describe(err)}`),
      });
      this.close();
      this.exchange.abort();
    }
  }

  onBodyError(error: unknown): void {
    if (this.ended) return;
    if (this.signal.aborted) return this.onAbort();
    this.fail(errors.backendProtocol(`The backend connection broke mid-stream: ${describe(error)}`));
  }

  private onAbort(): void {
    if (this.ended) return;
    this.add({ type: 'finish', reason: 'abort' });
    this.close();
    this.exchange.abort();
  }

  private readonly checkStall = (): void => {
    if (this.ended) return;
    const idle = this.waiter ? Date.now() - this.waitingSince : 0;
    if (idle < this.timeoutMs) {
      this.timer = setTimeout(this.checkStall, this.timeoutMs - idle);
      return;
    }
    this.fail(errors.backendTimeout(this.timeoutMs / 1000));
    this.exchange.abort();
  };

  private fail(error: GatewayError): void {
    this.decoder.fail(error);
    this.collect();
  }

  /** Moves the decoder's parts to the queue and wakes the consumer. */
  private collect(): void {
    const parts = this.decoder.parts;
    if (parts.length > 0) {
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      for (let i = 0; i < parts.length; i++) this.framer.push(parts[i], this.queue);
      parts.length = 0;
    }
    if (this.decoder.ended && !this.ended) this.finishBody();
    const waiter = this.waiter;
    if (waiter && this.head < this.queue.length) {
      this.waiter = null;
      const value = this.queue[this.head++];
      waiter({ done: false, value });
    } else if (waiter && this.ended) {
      this.waiter = null;
      waiter(DONE);
    }
    if (!this.ended && !this.paused && this.queue.length - this.head > HIGH_WATER) {
      this.paused = true;
      this.exchange.pause();
    }
  }

  /** All parts are known: the rest of the body (the chunked terminator) is drained for reuse. */
  private finishBody(): void {
    this.close();
    this.exchange.drain();
  }

  private add(part: ModelPart): void {
    this.framer.push(part, this.queue);
    this.ended = true;
    this.collect();
  }

  private close(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }

  private resume(): void {
    this.paused = false;
    this.exchange.resume();
  }
}
