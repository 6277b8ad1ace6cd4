/**
 * The upstream HTTP client of the URL adapters: node:http(s) with one keep-alive agent per
 * adapter, request headers and body sent in one write. Chosen over global fetch so that a stream
 * needs no web-stream reader, Request/Headers objects or body iterable, and its body arrives as
 * Buffers that part-stream.ts decodes in one pass per socket read.
 *
 * `send` resolves with the response once its headers arrived; the body is the caller's. Errors
 * before that reject: the caller's abort with its reason, silence past the timeout with 504
 * `backend_timeout`, anything else with 502 `backend_unreachable`.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { errors } from '../../protocol/errors.js';

/**
 * Idle pooled sockets are closed after this long: below the 5 s keep-alive of common upstream
 * servers (uvicorn, which vLLM runs on), so a request never lands on a socket the server is
 * closing at that moment ("socket hang up").
 */
const FREE_SOCKET_MS = 4_000;

/** Why a request was aborted by us rather than by the caller. */
export type AbortCause = 'none' | 'headers-timeout' | 'stall';

export interface Exchange {
  req: ClientRequest;
  res: IncomingMessage;
  state: { cause: AbortCause };
}

function pooledAgent<T extends HttpAgent>(agent: T): T {
  // Runs after the agent's own 'free' handler, which resets the socket timeout.
  agent.on('free', (socket: Socket) => {
    if (!socket.destroyed) socket.setTimeout(FREE_SOCKET_MS);
  });
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, request) => {
    (socket as Socket).setTimeout(0);
    reuse(socket, request);
  };
  return agent;
}

export class UpstreamClient {
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  private readonly hostname: string;
  private readonly port: number | undefined;
  private readonly basePath: string;
  /** `Host` as Node would derive it (IPv6 bracketed, default port left out). */
  private readonly hostHeader: string;

  constructor(
    /** Server root without a trailing slash, e.g. `http://127.0.0.1:8000`. */
    readonly root: string,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(root);
    const tls = url.protocol === 'https:';
    if (!tls && url.protocol !== 'http:') throw new Error(`The backend URL must be http(s): ${root}`);
    const options = { keepAlive: true, scheduling: 'lifo' as const, maxFreeSockets: 512 };
    this.agent = pooledAgent(tls ? new HttpsAgent(options) : new HttpAgent(options));
    this.request = tls ? httpsRequest : httpRequest;
    // URL keeps IPv6 hosts bracketed; the socket API wants them bare.
    this.hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port ? Number(url.port) : undefined;
    this.basePath = url.pathname === '/' ? '' : url.pathname;
    this.hostHeader = url.host;
  }

  send(
    method: string,
    path: string,
    body: string | undefined,
    headers: OutgoingHttpHeaders,
    signal: AbortSignal | undefined,
  ): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
        return;
      }
      const state: { cause: AbortCause } = { cause: 'none' };
      const req = this.request({
        agent: this.agent,
        hostname: this.hostname,
        port: this.port,
        method,
        path: this.basePath + path,
        headers: this.headerList(headers, body),
      });
      let answered = false;
      const onAbort = (): void => {
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        state.cause = 'headers-timeout';
        req.destroy();
      }, this.timeoutMs);
      req.on('response', (res) => {
        answered = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ req, res, state });
      });
      req.on('error', (error) => {
        // After the headers the body reader sees the failure on the response.
        if (answered) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) reject(signal.reason ?? error);
        else if (state.cause === 'headers-timeout') reject(errors.backendTimeout(this.timeoutMs / 1000));
        else reject(errors.backendUnreachable(this.root, describe(error)));
      });
      // A string body joins the header block in one socket write.
      req.end(body);
    });
  }

  /**
   * Headers as a flat name/value list: Node then writes them as given (still validating each)
   * instead of a setHeader call per header, which halves the cost of building the request.
   */
  private headerList(headers: OutgoingHttpHeaders, body: string | undefined): string[] {
    const list = ['host', this.hostHeader];
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (lower === 'host' || (body !== undefined && (lower === 'content-type' || lower === 'content-length')))
        continue;
      if (Array.isArray(value)) for (const v of value) list.push(name, v);
      else list.push(name, String(value));
    }
    if (body !== undefined)
      list.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)));
    return list;
  }

  /** Reads a whole (small) body as text; silence past the timeout or a caller abort rejects. */
  readText(exchange: Exchange, signal: AbortSignal | undefined): Promise<string> {
    const { req, res } = exchange;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          exchange.state.cause = 'stall';
          req.destroy();
        }, this.timeoutMs);
      };
      const onAbort = (): void => {
        req.destroy();
      };
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        arm();
      });
      res.on('end', () => {
        settle();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      const fail = (error: unknown): void => {
        settle();
        if (signal?.aborted) reject(signal.reason ?? error);
        else if (exchange.state.cause === 'stall') reject(errors.backendTimeout(this.timeoutMs / 1000));
        else reject(errors.backendUnreachable(this.root, describe(error)));
      };
      res.on('error', fail);
      // Settled promises ignore the second call; this covers a close without an 'error'.
      res.on('close', () => {
        if (!res.complete) fail(new Error('The connection closed before the body was complete.'));
      });
    });
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** A socket error as `CODE (message)`: ECONNREFUSED, ECONNRESET … */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code} (${error.message})` : error.message;
  }
  return String(error);
}

/** One response header as a string (repeated headers joined). */
export function headerOf(res: IncomingMessage, name: string): string | null {
  const value = res.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
