/**
 * The upstream HTTP client of the URL adapters: undici Clients (one keep-alive connection each)
 * driven through their low-level `dispatch()` with a handler object (the Exchange below). Chosen
 * over node:http and over fetch for the per-request CPU: no ClientRequest/IncomingMessage streams,
 * no Agent socket bookkeeping, no web-stream reader or Request/Headers objects; undici parses the
 * response with llhttp and hands each socket read's body bytes to one callback as a Buffer, which
 * part-stream.ts decodes in one pass. Request headers and body go out in one write.
 *
 * The adapter keeps its own stack of idle Clients rather than an undici Pool: a Pool considers a
 * connection free only an event-loop turn after its response ended, so a request sent right after
 * another (a tool loop, a count then a stream) would open a new connection; a Client taken from
 * the stack at once queues the request on its warm socket instead. Last used, first reused.
 *
 * `send` resolves with the exchange once the response headers arrived; the body is pushed to the
 * reader the caller attaches (`Exchange.read`). Until then undici's parser waits after the
 * headers, so the caller reads, drains or aborts every exchange it is given (the connection goes
 * back to the idle stack only once the body was read). Errors before that reject: the caller's abort with
 * its reason, silence past the timeout (connecting or waiting for the headers) with 504
 * `backend_timeout`, anything else with 502 `backend_unreachable`. The wait for the headers is
 * timed by the exchange with a Node timer from the moment the request is dispatched: undici's own
 * headers timeout runs on its coarse timers (1 s resolution), which let a 504 arrive up to a
 * second after `--backend-timeout`.
 */
import type { CancelSignal } from '../../cancel/cancel.js';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { errors } from '../../shared/protocol/errors.js';

/**
 * Idle pooled sockets are closed after this long: below the 5 s keep-alive of common upstream
 * servers (uvicorn, which vLLM runs on), so a request never lands on a socket the server is
 * closing at that moment ("socket hang up"). Also the cap on a server's `Keep-Alive: timeout`.
 */
const IDLE_SOCKET_MS = 4_000;

/** Whoever reads a response body (PartStream, readText). The exchange calls it; it never throws. */
export interface BodyReader {
  /** One socket read's worth of body bytes. */
  onBody(chunk: Buffer): void;
  /** The body arrived in full. */
  onBodyEnd(): void;
  /** The body broke off: the connection failed, or the exchange was aborted. */
  onBodyError(error: unknown): void;
}

const NO_HEADERS: readonly Buffer[] = Object.freeze([]);
const WAITING = 0;
const BODY = 1;
const OVER = 2;

/**
 * One request/response, and undici's handler for it. It is also the listener on the caller's
 * signal (`handleEvent`), so a request adds no closures of its own.
 */
export class Exchange implements Dispatcher.DispatchHandlers {
  /** Response status, 0 until the headers arrived. */
  status = 0;
  /** The body arrived in full. */
  complete = false;
  private phase = WAITING;
  /**
   * Response headers as undici gives them: name, value, name, value … Released once a body reader
   * is attached: a stream reads its headers before its body, and holding them would keep a
   * dozen buffers alive per open stream for nothing.
   */
  private rawHeaders: readonly Buffer[] = NO_HEADERS;
  private reader: BodyReader | null = null;
  /** Why the body broke off, when it did before a reader was attached. */
  private failure: unknown = undefined;
  private paused = false;
  private resumeParser: (() => void) | null = null;
  private abortUpstream: ((error?: Error) => void) | null = null;
  private drainTimer: NodeJS.Timeout | undefined;
  /** The deadline for the response headers (`--backend-timeout`), cleared once they are in. */
  private headersTimer: NodeJS.Timeout | undefined;
  /** The connection went back to the idle stack. */
  private released = false;

  constructor(
    private readonly client: UpstreamClient,
    private readonly connection: Client,
    private readonly signal: CancelSignal | undefined,
    private resolve: ((exchange: Exchange) => void) | null,
    private reject: ((error: unknown) => void) | null,
  ) {
    // The deadline for the headers runs from the request's dispatch, connecting included.
    this.headersTimer = setTimeout(this.onHeadersTimeout, client.timeoutMs);
  }

  /**
   * One response header as a string (repeated headers joined); null when absent, and once a body
   * reader is attached (`read`).
   */
  header(name: string): string | null {
    let value: string | null = null;
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].toString('latin1').toLowerCase() !== name) continue;
      const v = raw[i + 1].toString('latin1');
      value = value === null ? v : `${value}, ${v}`;
    }
    return value;
  }

  /**
   * Attaches the body's reader. The parser stopped after the headers (onHeaders), so the body that
   * came with them is parsed only on the next tick: the caller first finishes what it does with the
   * headers (the gateway writes `response.created` and `response.in_progress`), then decodes the
   * body. Parsing it at once would put the decoding of a whole short answer before the client's
   * first bytes.
   */
  read(reader: BodyReader): void {
    this.reader = reader;
    this.rawHeaders = NO_HEADERS;
    process.nextTick(() => {
      // Drained or aborted meanwhile: the reader no longer listens.
      if (this.reader !== reader) return;
      if (this.failure !== undefined) reader.onBodyError(this.failure);
      else if (!this.paused) this.resume();
    });
  }

  /** The reader keeps queued data: undici stops reading the socket until `resume`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    // The parser is the socket's: once this exchange is over it may be another request's.
    if (this.phase === BODY) this.resumeParser?.();
  }

  /**
   * The reader has what it needs: the rest of the body (the chunked terminator) is read and
   * dropped so the connection goes back to the idle stack, unless it takes longer than the timeout.
   */
  drain(): void {
    this.reader = null;
    this.signal?.removeEventListener('abort', this);
    if (this.phase === OVER) return;
    this.drainTimer = setTimeout(() => this.abort(), this.client.timeoutMs);
    this.drainTimer.unref();
    this.resume();
  }

  /** Ends the exchange and closes its connection; the reader sees an error (if it still listens). */
  abort(): void {
    if (this.phase === OVER) return;
    const abort = this.abortUpstream;
    // undici calls onError synchronously. Not yet on a socket: it is aborted in onConnect.
    if (abort !== null) abort();
    else this.fail(new Error('aborted'));
  }

  /** The caller's signal. */
  handleEvent(): void {
    this.abort();
  }

  /** No headers by the deadline: the request fails with `backend_timeout`. */
  private readonly onHeadersTimeout = (): void => {
    this.headersTimer = undefined;
    if (this.phase !== WAITING) return;
    const timeout = headersTimeoutError();
    // Connected: undici ends the request with this error (onError). Still connecting: it ends here.
    if (this.abortUpstream !== null) this.abortUpstream(timeout);
    else this.fail(timeout);
  };

  onConnect(abort: (error?: Error) => void): void {
    if (this.phase === OVER) abort();
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // Informational answers (103 Early Hints) are not the response.
    if (statusCode < 200) return true;
    clearTimeout(this.headersTimer);
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    this.resumeParser = resume;
    this.phase = BODY;
    const resolve = this.resolve;
    this.resolve = this.reject = null;
    resolve?.(this);
    // The parser stops here: the body waits for a reader (read) or for drain.
    return false;
  }

  onData(chunk: Buffer): boolean {
    this.reader?.onBody(chunk);
    return !this.paused;
  }

  onComplete(): void {
    this.phase = OVER;
    this.complete = true;
    this.settle();
    this.release();
    this.reader?.onBodyEnd();
  }

  onError(error: Error): void {
    this.release();
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.phase === OVER) return;
    const before = this.phase === WAITING;
    this.phase = OVER;
    this.settle();
    if (before) {
      const reject = this.reject;
      this.resolve = this.reject = null;
      reject?.(this.client.failure(error, this.signal, true));
      return;
    }
    const failure = socketClosed(error) ? nodeError('ECONNRESET', 'aborted') : error;
    if (this.reader !== null) this.reader.onBodyError(failure);
    else if (this.drainTimer === undefined) this.failure = failure;
  }

  /** undici is done with the request: its connection may take the next one. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.client.idle.push(this.connection);
  }

  private settle(): void {
    clearTimeout(this.headersTimer);
    clearTimeout(this.drainTimer);
    this.signal?.removeEventListener('abort', this);
  }
}

export class UpstreamClient {
  /** Connections without a request, the last used on top. */
  readonly idle: Client[] = [];
  private readonly connections: Client[] = [];
  private readonly origin: string;
  private readonly options: Client.Options;
  private readonly basePath: string;

  constructor(
    /** Server root without a trailing slash, e.g. `http://127.0.0.1:8000`. */
    readonly root: string,
    readonly timeoutMs: number,
  ) {
    const url = new URL(root);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`The backend URL must be http(s): ${root}`);
    // The origin alone: undici takes no user info or path there (user info was never sent).
    this.origin = `${url.protocol}//${url.host}`;
    this.options = {
      // One connector for all connections: it also caches TLS sessions.
      connect: buildConnector({ timeout: timeoutMs }),
      // The exchange times the headers itself (from its construction), to the millisecond.
      headersTimeout: 0,
      // The readers time the body themselves: a stream stalls only while its consumer waits.
      bodyTimeout: 0,
      keepAliveTimeout: IDLE_SOCKET_MS,
      keepAliveMaxTimeout: IDLE_SOCKET_MS,
    };
    this.basePath = url.pathname === '/' ? '' : url.pathname;
  }

  send(
    method: Dispatcher.HttpMethod,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
    signal: CancelSignal | undefined,
  ): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
        return;
      }
      const connection = this.idle.pop() ?? this.connect();
      const exchange = new Exchange(this, connection, signal, resolve, reject);
      signal?.addEventListener('abort', exchange, { once: true });
      connection.dispatch(
        { method, path: this.basePath + path, headers: headerList(headers, body), body: body ?? null },
        exchange,
      );
    });
  }

  /** Reads a whole (small) body as text; silence past the timeout or a caller abort rejects. */
  readText(exchange: Exchange, signal: CancelSignal | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      exchange.read(new TextReader(this, exchange, signal, resolve, reject));
    });
  }

  /** The error a failed exchange rejects with. */
  failure(error: unknown, signal: CancelSignal | undefined, beforeHeaders: boolean): unknown {
    if (signal?.aborted) return signal.reason ?? error;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
      return errors.backendTimeout(this.timeoutMs / 1000);
    // node:http's words for a connection the server closed, which the messages have always shown.
    if (beforeHeaders && socketClosed(error)) error = nodeError('ECONNRESET', 'socket hang up');
    return errors.backendUnreachable(this.root, describe(error));
  }

  /** A new connection, opened by its first request; it closes after 4 s idle and reopens on demand. */
  private connect(): Client {
    const connection = new Client(this.origin, this.options);
    this.connections.push(connection);
    return connection;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    this.idle.length = 0;
    await Promise.all(this.connections.splice(0).map((connection) => connection.destroy()));
  }
}

/** Collects a small body; silence between its chunks longer than the timeout aborts the exchange. */
class TextReader implements BodyReader {
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private stalled = false;

  constructor(
    private readonly client: UpstreamClient,
    private readonly exchange: Exchange,
    private readonly signal: CancelSignal | undefined,
    private readonly resolve: (text: string) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.exchange.abort();
    }, client.timeoutMs);
  }

  onBody(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.timer.refresh();
  }

  onBodyEnd(): void {
    clearTimeout(this.timer);
    this.resolve(Buffer.concat(this.chunks).toString('utf8'));
  }

  onBodyError(error: unknown): void {
    clearTimeout(this.timer);
    if (this.stalled && !this.signal?.aborted) this.reject(errors.backendTimeout(this.client.timeoutMs / 1000));
    else this.reject(this.client.failure(error, this.signal, false));
  }
}

/**
 * Headers as a flat name/value list, which undici validates and writes as given. It adds `host`
 * (from the origin) and `content-length` (from the body) itself, so callers' values are dropped.
 */
function headerList(headers: Record<string, string>, body: string | undefined): string[] {
  const list: string[] = [];
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || (body !== undefined && lower === 'content-type')) continue;
    list.push(name, headers[name]);
  }
  if (body !== undefined) list.push('content-type', 'application/json');
  return list;
}

/** undici's error for a connection the other side closed (or that closed under a request). */
function socketClosed(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'UND_ERR_SOCKET';
}

function nodeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The exchange's own headers deadline passed: `failure()` answers it as undici's timeout, 504. */
function headersTimeoutError(): Error {
  return nodeError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error');
}

/** A socket error as `CODE (message)`: ECONNREFUSED, ECONNRESET … */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code} (${error.message})` : error.message;
  }
  return String(error);
}
