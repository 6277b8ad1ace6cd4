/**
 * One HTTP answer's writer: every route writes its status line, body and end through it (JSON and
 * errors through respond.ts, streams through sse-writer.ts), and it reports each step to the
 * exchange's observers (exchange/observer.ts) — the headers as sent, each piece with its exact
 * text and time, the end, and the close with whether the client got everything.
 *
 * The request body reaches observers from the reader the route used (body.ts hands the bytes to
 * `requestBody`). A route that answers without reading it (an early 401, 404, 409) leaves it to
 * node:http, which discards it once the answer is sent; when someone observes, the writer reads
 * it instead, as the answer starts, and reports it whole — the same bytes node would have read.
 *
 * With nobody observing, a write is the `res` call and one boolean test.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  ExchangeTaps,
  type ExchangeObserver,
  type HeaderValue,
  type Observable,
  type WrittenPiece,
} from '../exchange/observer.js';
import type { FailureReporter } from '../logging/logger.js';
import { flatten } from '../shared/text.js';

/** Most bytes of an unread body kept for observers; the rest is read and discarded, as node:http would. */
const UNREAD_BODY_MAX_BYTES = 64 * 1024 * 1024;

export class ResponseWriter implements Observable {
  readonly taps: ExchangeTaps;
  private listening = false;
  /** The route read the body (or tried to): observers were told, nothing is left to read. */
  private bodySeen = false;

  /**
   * `report` takes observer failures: the request's logger (`reportTo(ctx.log)`). With `req`, a
   * body the route leaves unread is read for the observers when the answer starts.
   */
  constructor(
    readonly res: ServerResponse,
    report: FailureReporter,
    private readonly req?: IncomingMessage,
  ) {
    this.taps = new ExchangeTaps(report);
  }

  observe(observer: ExchangeObserver): void {
    this.taps.observe(observer);
    if (this.listening) return;
    this.listening = true;
    this.res.once('close', () => this.closed());
  }

  /** True while someone observes: callers build pieces only then. */
  get observed(): boolean {
    return this.taps.active;
  }

  /**
   * The request body as the route read it, for body.ts to call. Made when asked (a route asks while
   * it reads the body), not kept by the writer for the answer's whole life.
   */
  get requestBody(): (bytes: Buffer, complete: boolean) => void {
    return (bytes, complete) => {
      this.bodySeen = true;
      if (this.taps.active) this.taps.requestBody(bytes, complete);
    };
  }

  /** Writes the status line with `headers` (and any set on `res` before). */
  head(status: number, headers: OutgoingHttpHeaders): void {
    if (this.taps.active) {
      this.taps.head(status, this.allHeaders(headers));
      if (!this.bodySeen) this.readUnreadBody();
    }
    this.res.writeHead(status, headers);
    // node:http keeps the status line and headers it wrote as one string for the response's whole
    // life, built of some forty concatenations (1.2 KB of rope per open stream): flattened, it is
    // one copy of about 350 bytes (shared/text.ts).
    const written = (this.res as unknown as { _header?: unknown })._header;
    if (typeof written === 'string') flatten(written);
  }

  /**
   * Writes `text`, made of `pieces` (the same text cut into its units); returns `res.write`'s
   * answer. The bytes reach the socket now: node:http corks it for a chunked write and would
   * uncork it on a later tick, behind whatever this tick queued before (such as parsing the
   * backend's body).
   */
  write(text: string, pieces?: readonly WrittenPiece[]): boolean {
    const ok = this.res.write(text);
    this.res.uncork();
    if (pieces && this.taps.active) this.taps.writeAll(pieces, performance.now());
    return ok;
  }

  /** Writes `text` (if any) and ends the answer. */
  end(text?: string, pieces?: readonly WrittenPiece[]): void {
    if (text === undefined) this.res.end();
    else this.res.end(text);
    if (!this.taps.active) return;
    const at = performance.now();
    if (pieces) this.taps.writeAll(pieces, at);
    this.taps.end(at);
  }

  /**
   * Reads the body the route did not, for the observers. Started before the answer ends, so
   * node:http sees the body consumed and does not discard it (it would drop these listeners);
   * it is read to its end either way, as node:http reads an unread body off a kept-alive connection.
   */
  private readUnreadBody(): void {
    const req = this.req;
    this.bodySeen = true;
    if (!req || req.readableEnded || req.destroyed) return;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (complete: boolean): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      this.taps.requestBody(Buffer.concat(chunks), complete);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= UNREAD_BODY_MAX_BYTES) chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(true));
    req.once('close', () => finish(false));
  }

  private closed(): void {
    this.taps.close(this.res.writableFinished, this.res.statusCode);
  }

  /** What the client receives: headers set on `res` beforehand, overridden by those of the status line. */
  private allHeaders(headers: OutgoingHttpHeaders): Record<string, HeaderValue> {
    const all: Record<string, HeaderValue> = { ...this.res.getHeaders() };
    for (const [k, v] of Object.entries(headers)) all[k.toLowerCase()] = v;
    return all;
  }
}
