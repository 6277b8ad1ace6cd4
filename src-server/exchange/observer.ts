/**
 * What the writers of an answer report as they write it, for whoever watches an exchange (one
 * HTTP request, or one message on a WebSocket): the request body as the route read it, the status
 * line and headers, every piece of the answer exactly as written with the time, the end, the
 * close. The SSE and JSON writers (http/response-writer.ts, http/sse-writer.ts) and the WebSocket
 * frame writer (websocket/frame-writer.ts) all report here; the recorder (recording/recorder.ts)
 * is an observer. Nobody patches a socket or parses what was written back.
 *
 * Containment (X7): observers run inside a request's writes and listeners. ExchangeTaps calls
 * each hook so that a throw never reaches the request: it is reported through the reporter the
 * taps were made with (the request's logger), and that observer is told nothing more except the
 * close, so that what it keeps is closed rather than left open. The client gets its whole answer.
 */
import type { FailureReporter } from '../logging/logger.js';

/** Header values as node:http takes them. */
export type HeaderValue = string | number | readonly string[] | undefined;

/** One unit of an answer as written: an SSE event or comment, a WebSocket frame, a whole body. */
export interface WrittenPiece {
  /**
   * The event type (`response.created`, …) or a pseudo type of shared/recording-format/format.ts
   * (`http.body`, `[DONE]`, `sse.comment`).
   */
  readonly type: string;
  /** The exact text written, framing included. */
  readonly text: string;
}

export interface ExchangeObserver {
  /** The request body as the route read it: whole (`complete`), or as far as reading got before it stopped. */
  requestBody?(bytes: Buffer, complete: boolean): void;
  /** The status line, with every header sent (lower-case names). */
  head?(status: number, headers: Readonly<Record<string, HeaderValue>>): void;
  /** A piece of the answer handed to the socket; `at` is performance.now() at the write. */
  write?(piece: WrittenPiece, at: number): void;
  /** The writer ended the answer (everything is written). */
  end?(at: number): void;
  /**
   * The exchange is over: `finished` when the client got the whole answer, false when it was cut
   * first; `status` is the HTTP status (a WebSocket turn: 101, or its error frame's status).
   */
  close?(finished: boolean, status: number): void;
}

/** Something an observer can subscribe to (the recorder takes this, whatever writes the answer). */
export interface Observable {
  observe(observer: ExchangeObserver): void;
}

interface Entry {
  readonly observer: ExchangeObserver;
  failed: boolean;
}

/** The observers of one exchange; the writers call these methods, which never throw. */
export class ExchangeTaps implements Observable {
  private entries: Entry[] = [];
  private closed = false;

  constructor(private readonly report: FailureReporter) {}

  observe(observer: ExchangeObserver): void {
    this.entries.push({ observer, failed: false });
  }

  /** True while some observer still listens: writers skip building pieces when nobody does. */
  get active(): boolean {
    for (const e of this.entries) if (!e.failed) return true;
    return false;
  }

  requestBody(bytes: Buffer, complete: boolean): void {
    for (const e of this.entries) {
      if (e.failed || !e.observer.requestBody) continue;
      try {
        e.observer.requestBody(bytes, complete);
      } catch (err) {
        this.fail(e, err, 'reading the request body');
      }
    }
  }

  head(status: number, headers: Readonly<Record<string, HeaderValue>>): void {
    for (const e of this.entries) {
      if (e.failed || !e.observer.head) continue;
      try {
        e.observer.head(status, headers);
      } catch (err) {
        this.fail(e, err, 'the status line');
      }
    }
  }

  /** Hot path: one call per observer, no allocation. */
  write(piece: WrittenPiece, at: number): void {
    for (const e of this.entries) {
      if (e.failed || !e.observer.write) continue;
      try {
        e.observer.write(piece, at);
      } catch (err) {
        this.fail(e, err, 'a written piece');
      }
    }
  }

  /** Several pieces written at once (one socket write), each reported at the same time. */
  writeAll(pieces: readonly WrittenPiece[], at: number): void {
    for (const piece of pieces) this.write(piece, at);
  }

  end(at: number): void {
    for (const e of this.entries) {
      if (e.failed || !e.observer.end) continue;
      try {
        e.observer.end(at);
      } catch (err) {
        this.fail(e, err, 'the end of the answer');
      }
    }
  }

  /** Told once, to every observer, failed ones included. */
  close(finished: boolean, status: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.entries) {
      if (!e.observer.close) continue;
      try {
        e.observer.close(finished, status);
      } catch (err) {
        this.fail(e, err, 'closing the exchange');
      }
    }
  }

  private fail(entry: Entry, err: unknown, where: string): void {
    entry.failed = true;
    try {
      this.report(err, `an exchange observer at ${where}`);
    } catch {
      // A failing reporter must not take the request down either.
    }
  }
}
