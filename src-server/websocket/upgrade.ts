/**
 * The WebSocket transport of the Responses API (X2, docs/streaming.md#websocket): an `upgrade`
 * listener on the gateway's HTTP server that accepts `GET /v1/responses` with
 * `Upgrade: websocket`, using the `ws` library in `noServer` mode (framing, masking, ping/pong,
 * permessage-deflate and close handshakes are the library's).
 *
 * The upgrade request passes the same checks as an HTTP request, in the same order, before the
 * handshake: the Host allow-list (403 `host_not_allowed`), the origin (a browser page may open a
 * socket only from an origin allowed to use the API — WebSockets are not covered by CORS, so the
 * check is explicit: 403 `origin_not_allowed`), the API key (401) and the request's owner. A
 * refused upgrade gets an HTTP error response with the OpenAI envelope and the socket is closed;
 * it never becomes a WebSocket. Any other upgrade (another path, another protocol) is refused the
 * same way (404 / 400). The connection cap (`--http-max-connections`) applies as to any connection.
 */
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logging/logger.js';
import { baseHeaders, dialectFor, extensionsFor, requestIdFor } from '../http/request-headers.js';
import type { RequestContext } from '../http/respond.js';
import { toGatewayError } from '../http/respond.js';
import { errors } from '../shared/protocol/errors.js';
import { ResponsesConnection, type ConnectionDeps } from './connection.js';

/** Paths that accept a Responses WebSocket. */
export const WEBSOCKET_PATHS: ReadonlySet<string> = new Set(['/v1/responses', '/v1/responses/']);

/** Query parameters accepted in place of headers a browser cannot send on an upgrade. */
const QUERY_HEADERS = [
  ['dialect', 'x-responses-dialect'],
  ['extensions', 'x-responses-extensions'],
] as const;

export interface WebSocketTransport {
  /** Open connections. */
  readonly connections: number;
  /** Shutdown: every connection's response in flight ends, then the sockets close (1001). */
  closeAll(): Promise<void>;
}

export function attachWebSocketTransport(server: Server, deps: ConnectionDeps, logger: Logger): WebSocketTransport {
  const { config, surface } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    // A message is a request body: the same limit (a larger one closes the socket with 1009).
    maxPayload: config.maxRequestBytes,
    clientTracking: false,
  });
  const open = new Set<ResponsesConnection>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const startedAt = performance.now();
    const requestId = requestIdFor(req);
    const log = logger.child({ requestId });
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const headers = baseHeaders(req, requestId);
    socket.on('error', (err) => log.info('websocket upgrade socket error', { message: err.message }));
    try {
      const origin = surface.origins.judge(req);
      surface.origins.checkHost(origin, req);
      if (!WEBSOCKET_PATHS.has(path)) throw errors.routeNotFound('GET (WebSocket)', path);
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || req.method !== 'GET')
        throw errors.invalidHeader('Upgrade', "only 'websocket' upgrades of GET /v1/responses are accepted");
      if (origin.origin !== undefined && !origin.api)
        throw errors.originNotAllowed(origin.origin, 'open WebSocket connections to this gateway (see --cors-origin)');
      const principal = surface.principal(req, path);
      surface.guard({ req, path, headers, requestId, log } as unknown as RequestContext);
      // Browsers cannot set headers on an upgrade: `?dialect=` and `?extensions=` stand in for them.
      const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
      for (const [param, header] of QUERY_HEADERS) {
        const value = query.get(param);
        if (value !== null && req.headers[header] === undefined) req.headers[header] = value;
      }
      const dialect = dialectFor(req, config.dialect);
      const extensions = extensionsFor(req, config.extensions);
      wss.handleUpgrade(req, socket, head, (ws) => {
        log.info('websocket open', { path, durationMs: Math.round((performance.now() - startedAt) * 10) / 10 });
        const connection = new ResponsesConnection(
          ws,
          { req, requestId, path, principal, dialect, extensions, log },
          deps,
        );
        open.add(connection);
        void connection.closed.then(() => open.delete(connection));
      });
    } catch (err) {
      const e = toGatewayError(err, log);
      log.info('websocket upgrade refused', { path, status: e.status, code: e.code });
      deps.metrics.request('GET', '(websocket)', e.status);
      refuse(socket, e.status, { ...headers, ...e.headers }, JSON.stringify(e.toBody()));
    }
  });

  return {
    get connections() {
      return open.size;
    },
    async closeAll() {
      await Promise.all([...open].map((c) => c.shutdown()));
    },
  };
}

/** Answers a refused upgrade with a plain HTTP response, then ends the socket. */
function refuse(socket: Duplex, status: number, headers: Record<string, string>, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close');
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
