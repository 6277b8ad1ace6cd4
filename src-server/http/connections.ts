/**
 * Connection-level limits (X7) and answers to what never becomes a request:
 *
 * - `--http-headers-timeout` / `--http-request-timeout`: a client has that long from the first
 *   byte of a request to finish sending its headers / its whole request. Node's `headersTimeout`
 *   and `requestTimeout` measure exactly that: the clock stops when the request body is complete,
 *   so a response may then stream, or wait for tool outputs, for as long as it needs. A client
 *   that sends half a body (slowloris) gets a 408 and its connection is closed.
 * - `--http-max-connections`: a connection over the cap is answered 503 `server_overloaded` and
 *   closed before anything it sends is read.
 * - Malformed HTTP (a bad header line, headers over Node's 16 KB limit, a timeout) gets the OpenAI
 *   error envelope instead of Node's bare status line: 400 `malformed_request`, 431
 *   `request_header_fields_too_large`, 408 `request_timeout`.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayConfig } from '../config/flags.js';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import { newRequestId } from '../ids/ids.js';
import type { Logger } from '../logging/logger.js';

type Limits = Pick<GatewayConfig, 'httpHeadersTimeoutSeconds' | 'httpRequestTimeoutSeconds' | 'httpMaxConnections'>;

/** How long a socket that was answered with an error may take to close before it is cut. */
const LINGER_MS = 1000;

/** node:http options for the limits above. */
export function serverOptions(limits: Limits): ServerOptions {
  const requestTimeout = Math.round(limits.httpRequestTimeoutSeconds * 1000);
  let headersTimeout = Math.round(limits.httpHeadersTimeoutSeconds * 1000);
  // Node requires headersTimeout <= requestTimeout: the headers are part of the request.
  if (requestTimeout > 0 && (headersTimeout === 0 || headersTimeout > requestTimeout)) headersTimeout = requestTimeout;
  const shortest = Math.min(...[requestTimeout, headersTimeout].filter((t) => t > 0), 4000);
  return {
    headersTimeout,
    requestTimeout,
    // Node checks the timeouts on this period (30 s by default): a quarter of the shortest one.
    connectionsCheckingInterval: Math.max(25, Math.floor(shortest / 4)),
  };
}

export interface ConnectionGuard {
  /** Call first in the request listener: false when the request's connection is over the cap. */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Installs the connection cap and the clientError handler on a gateway's server. */
export function guardConnections(server: Server, limits: Limits, logger: Logger): ConnectionGuard {
  const refused = new WeakSet<Socket>();
  /**
   * The response in progress on each socket, so a late client error does not write over it. Only
   * while it is in progress: a finished one would stay reachable from its idle keep-alive
   * connection (with everything its listeners hold: the run, its output) until the next request,
   * and a malformed next request would find its headers sent and get no answer.
   */
  const responses = new WeakMap<Socket, ServerResponse>();
  /** One 'finish' listener for every response (`this`), not a closure per request. */
  function forget(this: ServerResponse): void {
    // The response's own socket is detached by now; its request's stays.
    const socket = this.req.socket;
    if (responses.get(socket) === this) responses.delete(socket);
  }
  let open = 0;
  const onSocketClose = (): void => {
    open--;
  };
  const max = limits.httpMaxConnections;
  if (max > 0) {
    // Before node:http's own listener: the refused socket is answered before anything is read.
    server.prependListener('connection', (socket: Socket) => {
      if (open >= max) {
        refused.add(socket);
        answer(socket, errors.tooManyConnections(max));
        return;
      }
      open++;
      // `on`, not `once`: a socket closes once, and `once` would keep a wrapper per connection.
      socket.on('close', onSocketClose);
    });
  }
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const started = responses.get(socket)?.headersSent ?? false;
    if (err.code === 'ECONNRESET' || !socket.writable || started || refused.has(socket)) {
      socket.destroy();
      return;
    }
    const error = clientErrorOf(err);
    logger.info('client error', { code: err.code, status: error.status });
    answer(socket, error);
  });
  return {
    admit(req, res) {
      if (refused.has(req.socket)) {
        req.socket.destroy();
        return false;
      }
      responses.set(req.socket, res);
      res.on('finish', forget);
      return true;
    },
  };
}

function clientErrorOf(err: NodeJS.ErrnoException): GatewayError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return errors.requestTimeout('the whole request (--http-headers-timeout, --http-request-timeout)');
    case 'HPE_HEADER_OVERFLOW':
      return errors.headersTooLarge();
    default: {
      // llhttp names the problem in its reason ("Invalid header value char"); the code says where.
      const reason = (err as { reason?: unknown }).reason;
      return errors.malformedRequest(typeof reason === 'string' ? reason : (err.code ?? 'parse error'));
    }
  }
}

/** Writes a whole error response on the raw socket, then closes it. */
function answer(socket: Socket, error: GatewayError): void {
  const body = JSON.stringify(error.toBody());
  const lines = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${newRequestId()}`,
    'connection: close',
    ...Object.entries(error.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
