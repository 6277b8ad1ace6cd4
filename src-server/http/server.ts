/**
 * The gateway's HTTP server: node:http plus the find-my-way router. Every request gets a request
 * id, the OpenAI headers, one log line, and — whatever happens — an answer: unknown paths 404,
 * known paths with the wrong method 405, thrown GatewayErrors their status, anything else a
 * logged 500 internal_error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { BackendAdapter } from '../backends/contract.js';
import type { GatewayConfig } from '../config/flags.js';
import { errors } from '../protocol/errors.js';
import { capabilities, health, listModels } from './info-routes.js';
import type { Logger } from './logger.js';
import { baseHeaders, requestIdFor } from './request-headers.js';
import { processingHeader, sendError, type RequestContext } from './respond.js';
import type { RecordingService } from '../recording/service.js';
import { registerRecordingRoutes } from './recording-routes.js';
import type { StateService } from '../sessions/state.js';
import { registerStateRoutes } from './state-routes.js';
import { createResponse, type ActiveStream } from './responses-route.js';
import { Surface } from './surface.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { serveStatic } from './static-files.js';
import { GatewayMetrics } from '../observability/gateway-metrics.js';
import { gatewayReport, LOGS_ENDPOINT, METRICS_ENDPOINT } from '../observability/gateway-report.js';
import type { LogTail } from '../observability/log-tail.js';
import { streamLogs } from './console-routes.js';
import { serveMetrics } from './metrics.js';
import { contained } from '../engine/contain.js';
import { reportTo } from './report-failure.js';

export interface HttpAppOptions {
  config: GatewayConfig;
  backend: BackendAdapter;
  logger: Logger;
  /** Directory of the built console; GET requests outside the API are served from it. */
  consoleDir?: string;
  /** Recorder and recordings library (docs/recording.md); absent: nothing recorded, no /v1/recordings. */
  recording?: RecordingService | null;
  /** Store, background runs, sessions, encrypted reasoning (docs/state.md); absent: stateless. */
  state?: StateService;
  /** Rate limiter to use instead of one built from the flags (tests inject a short window). */
  rateLimiter?: RateLimiter;
  /** Recent log lines: served as GET /v1/console/logs (absent: no log stream). */
  logTail?: LogTail;
}

export interface HttpApp {
  server: Server;
  /** Streams in flight (shutdown ends them). */
  active: Set<ActiveStream>;
  /** This gateway's Prometheus registry (GET /metrics). */
  metrics: GatewayMetrics;
  /** Every route registered, aliases included (what the router answers; the fuzz test sends to each). */
  routes: readonly RouteInfo[];
}

export interface RouteInfo {
  method: HTTPMethod;
  /** The router pattern, e.g. `/v1/responses/:id`. */
  pattern: string;
}

type Route = (ctx: RequestContext) => Promise<void> | void;
/** Router store: the handler and the pattern it was registered under (the metrics' route label). */
interface RouteEntry {
  handler: Route;
  pattern: string;
}

const METHODS: HTTPMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];
/** Paths that belong to the API, never to the console's static files. */
const API_PREFIXES = ['/v1/', '/healthz', '/openai/', METRICS_ENDPOINT];

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { config, backend, logger, consoleDir } = options;
  const active = new Set<ActiveStream>();
  const router = FindMyWay({ ignoreTrailingSlash: true });
  // CORS, auth, rate limits, tiers, Azure aliases (surface.ts).
  const surface = new Surface(config, { rateLimiter: options.rateLimiter });
  const routes: RouteInfo[] = [];
  const route = (method: HTTPMethod, path: string, handler: Route): void => {
    router.on(method, path, () => undefined, { handler, pattern: path } satisfies RouteEntry);
    routes.push({ method, pattern: path });
    for (const alias of surface.aliases(path, handler)) {
      router.on(method, alias.path, () => undefined, {
        handler: alias.handler,
        pattern: alias.path,
      } satisfies RouteEntry);
      routes.push({ method, pattern: alias.path });
    }
  };
  const metrics = new GatewayMetrics({
    activeStreams: () => active.size,
    state: options.state,
    recording: options.recording,
  });
  const logTail = options.logTail;
  const recorder = options.recording?.recorder ?? null;
  const report = (): Record<string, unknown> => ({
    ...surface.report(),
    ...gatewayReport({
      config,
      state: options.state !== undefined,
      recordings: { enabled: options.recording != null, recording: recorder !== null },
      logs: logTail !== undefined,
    }),
  });
  route('POST', '/v1/responses', (ctx) =>
    createResponse(ctx, { config, backend, active, surface, state: options.state, observe: metrics }),
  );
  route('GET', '/v1/models', (ctx) => listModels(ctx, backend));
  route('GET', '/healthz', (ctx) => health(ctx, backend));
  route('GET', '/v1/capabilities', (ctx) => capabilities(ctx, backend, report()));
  route('GET', METRICS_ENDPOINT, (ctx) => serveMetrics(ctx, metrics));
  if (logTail) route('GET', LOGS_ENDPOINT, (ctx) => streamLogs(ctx, logTail));
  if (options.recording) registerRecordingRoutes(route, options.recording, { maxDepth: config.maxRequestDepth });
  if (options.state) registerStateRoutes(route, { config, backend, state: options.state });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = performance.now();
    const requestId = requestIdFor(req);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = (req.method ?? 'GET').toUpperCase();
    const log = logger.child({ requestId });
    const headers = { ...baseHeaders(req, requestId), ...surface.cors.headers(req) };
    recorder?.observe(req, res, { requestId, startedAt, method, path });
    let pattern = '(unmatched)';
    let ctx: RequestContext = {
      req,
      res,
      requestId,
      startedAt,
      path,
      params: {},
      query: new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)),
      headers,
      log,
    };
    res.once(
      'close',
      contained(
        'logging a request',
        () => {
          const fields = {
            method,
            path,
            status: res.statusCode,
            durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
            ...(res.writableFinished ? {} : { aborted: true }),
          };
          if (res.statusCode >= 500) log.warn('request', fields);
          else log.info('request', fields);
          metrics.request(method, pattern, res.statusCode);
        },
        reportTo(log),
      ),
    );
    try {
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          ...headers,
          ...processingHeader(ctx),
          'access-control-allow-methods': METHODS.join(', '),
          'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      const found = router.find(method as HTTPMethod, path);
      if (found) {
        const entry = found.store as RouteEntry;
        pattern = entry.pattern;
        ctx = { ...ctx, params: found.params };
        surface.guard(ctx);
        await entry.handler(ctx);
        return;
      }
      if (consoleDir && (method === 'GET' || method === 'HEAD') && !API_PREFIXES.some((p) => path.startsWith(p))) {
        pattern = '(static)';
        if (await serveStatic(ctx, consoleDir)) return;
        pattern = '(unmatched)';
      }
      const allowed = METHODS.filter((m) => m !== method && router.find(m, path) !== null);
      if (allowed.length > 0) sendError(ctx, errors.methodNotAllowed(method, path), { allow: allowed.join(', ') });
      else sendError(ctx, errors.routeNotFound(method, path));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      metrics.error(code);
      // After a 413 the rest of the body is never read: close the connection instead of draining it.
      sendError(ctx, err, code === 'request_too_large' ? { connection: 'close' } : {});
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // handle() already answers every error; this only guards against a bug in that path.
      logger.error('request handler failed', { err });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // Streams may be silent for a long time (tool waits, slow models): only bound header arrival.
  server.requestTimeout = 0;
  // Idle keep-alive connections live longer than clients' and load balancers' pools (often 60 s),
  // so the client closes first: a request sent on a connection the server is closing at that
  // moment fails with "socket hang up". headersTimeout must stay above keepAliveTimeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return { server, active, metrics, routes };
}
