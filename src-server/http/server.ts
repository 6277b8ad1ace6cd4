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
import { errors } from '../shared/protocol/errors.js';
import type { HostedToolsPolicy } from '../shared/protocol/hosted-tools.js';
import { capabilities, health, listModels } from './info-routes.js';
import { baseHeaders, requestIdFor } from './request-headers.js';
import { processingHeader, sendError, type RequestContext } from './respond.js';
import { ResponseWriter } from './response-writer.js';
import type { RecordingService } from '../recording/service.js';
import { registerRecordingRoutes } from './recording-routes.js';
import type { StateService } from '../state/service.js';
import { registerStateRoutes } from './state-routes.js';
import { registerConversationRoutes } from './conversation-routes.js';
import { compactRoute } from './compact-route.js';
import { createResponse, type ActiveStream } from './responses-route.js';
import { StreamBudget } from './stream-budget.js';
import { Surface } from './surface.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { serveStatic } from './static-files.js';
import { GatewayMetrics } from '../observability/gateway-metrics.js';
import { gatewayReport, LOGS_ENDPOINT, METRICS_ENDPOINT } from '../observability/gateway-report.js';
import type { LogTail } from '../observability/log-tail.js';
import { consoleReport, registerConsoleRoutes, streamLogs } from './console-routes.js';
import type { ConsoleServices } from '../console/services.js';
import { serveMetrics } from './metrics.js';
import { guardConnections, serverOptions } from './connections.js';
import { accessOf, type RequestOrigin } from './origin-policy.js';
import type { RerunTargetResolver } from '../recording/rerun.js';
import { contained } from '../engine/contain.js';
import { reportTo, type Logger } from '../logging/logger.js';
import { ContextWindows } from '../engine/truncation.js';
import type { ResponsesService } from '../engine/responses-service.js';
import { createResponsesService } from '../responses/service.js';
import { INSTANCE_HEADER } from '../cluster/instance.js';
import { SharedBuckets } from '../cluster/shared-buckets.js';

export interface HttpAppOptions {
  config: GatewayConfig;
  backend: BackendAdapter;
  logger: Logger;
  /** Directory of the built console; GET requests outside the API are served from it. */
  consoleDir?: string;
  /** Recorder (null with --record off) and recordings library (docs/recording.md). */
  recording: RecordingService;
  /** Store, background runs, sessions, encrypted reasoning (docs/state.md). */
  state: StateService;
  /** Rate limiter to use instead of one built from the flags (tests inject a short window). */
  rateLimiter?: RateLimiter;
  /** Recent log lines: served as GET /v1/console/logs (absent: no log stream). */
  logTail?: LogTail;
  /** This gateway's own URL, known once it listens: the "self" re-run target. */
  selfUrl?: () => string;
  /** Re-run targets the host configured (docs/recording.md); absent: only "self". */
  rerunTargets?: RerunTargetResolver;
  /** What the host offers the console it serves (profile gateways, saved requests, limit editing). */
  console?: ConsoleServices;
  /** This instance's id when it is one of several: sent as x-studio-instance (docs/deploy.md). */
  instance?: string;
}

export interface HttpApp {
  server: Server;
  /** Streams in flight (shutdown ends them). */
  active: Set<ActiveStream>;
  /** This gateway's Prometheus registry (GET /metrics). */
  metrics: GatewayMetrics;
  /** Every route registered, aliases included (what the router answers; the fuzz test sends to each). */
  routes: readonly RouteInfo[];
  /** Host, origin, auth, rate-limit rules: the WebSocket transport's upgrade applies the same ones. */
  surface: Surface;
  /** Starts responses for POST /v1/responses and the WebSocket transport's `response.create`. */
  responses: ResponsesService;
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
  const streamBudget = new StreamBudget(config.streamMaxBufferedTotalBytes);
  const router = FindMyWay({ ignoreTrailingSlash: true });
  // Host, origins and CORS, auth and owners, rate limits, tiers, Azure aliases (surface.ts).
  const { state } = options;
  const cluster = state.cluster;
  const surface = new Surface(config, {
    rateLimiter: options.rateLimiter,
    sharedBuckets: cluster
      ? new SharedBuckets(
          () => cluster.commands,
          (k) => cluster.key(k),
        )
      : undefined,
  });
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
    logger,
    streamUnsentBytes: () => streamBudget.total,
    state,
    recording: options.recording,
    instance: options.instance,
  });
  const logTail = options.logTail;
  const recorder = options.recording.recorder;
  const report = (): Record<string, unknown> =>
    Object.assign(
      {},
      surface.report(),
      gatewayReport({
        config,
        recordings: { enabled: true, recording: recorder !== null },
        logs: logTail !== undefined,
      }),
      options.console ? { console: consoleReport(options.console) } : {},
      {
        // docs/streaming.md#websocket and docs/state.md#compaction.
        transports: {
          http_sse: { endpoint: 'POST /v1/responses' },
          websocket: {
            endpoint: 'GET /v1/responses (Upgrade: websocket)',
            max_age_seconds: config.websocketMaxAgeSeconds,
            buffer_max_bytes: config.websocketBufferMaxBytes,
            connection_local_state: true,
            warmup: 'generate: false',
          },
        },
        compaction: { endpoint: 'POST /v1/responses/compact' },
      },
    );
  // Routes are classed by path for the origin rules: /v1/console/* and /v1/recordings* are the
  // console's (origin-policy.ts), everything else is the public API.
  const responses = createResponsesService({
    config,
    backend,
    state,
    metrics,
    windows: new ContextWindows(backend),
    tiers: surface.tiers,
  });
  // One object for every request (a streamed response keeps it as long as it lasts).
  const responsesDeps = { config, responses, surface, state, active, streamBudget };
  route('POST', '/v1/responses', (ctx) => createResponse(ctx, responsesDeps));
  route('GET', '/v1/models', (ctx) => listModels(ctx, backend));
  route('GET', '/healthz', (ctx) => health(ctx, backend, state, options.instance));
  route('GET', '/v1/capabilities', (ctx) =>
    capabilities(ctx, backend, report(), config.hostedTools as HostedToolsPolicy),
  );
  route('GET', METRICS_ENDPOINT, (ctx) => serveMetrics(ctx, metrics));
  if (logTail) route('GET', LOGS_ENDPOINT, (ctx) => streamLogs(ctx, logTail));
  registerRecordingRoutes(route, options.recording, {
    selfUrl: options.selfUrl ?? (() => `http://${config.host}:${config.port}`),
    targets: options.rerunTargets,
    maxDepth: config.maxRequestDepth,
  });
  if (options.console) registerConsoleRoutes(route, { services: options.console, limiter: surface.limiter });
  registerStateRoutes(route, { config, state, responses, streamBudget });
  registerConversationRoutes(route, { config, state });
  // A static path: find-my-way prefers it to GET/DELETE /v1/responses/:id (docs/state.md#compaction).
  route('POST', '/v1/responses/compact', (ctx) => compactRoute(ctx, { config, backend, state, surface }));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const startedAt = performance.now();
    const requestId = requestIdFor(req);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = (req.method ?? 'GET').toUpperCase();
    const log = logger.child({ requestId });
    // Host, origin and CORS (origin-policy.ts): judged once, before anything else.
    const origin = surface.origins.judge(req);
    const found = method === 'OPTIONS' ? null : router.find(method as HTTPMethod, path);
    let pattern = found ? (found.store as RouteEntry).pattern : '(unmatched)';
    const access = accessOf(found ? pattern : path);
    const headers = Object.assign(baseHeaders(req, requestId), surface.origins.headers(origin, access));
    if (options.instance) headers[INSTANCE_HEADER] = options.instance;
    const principal = surface.principal(req, path);
    // Every answer is written through `out`; the recorder observes it (exchange/observer.ts).
    const out = new ResponseWriter(res, reportTo(log), req);
    if (origin.hostAllowed)
      recorder?.observe(out, req.headers, { requestId, startedAt, method, path, owner: principal.owner });
    const ctx: RequestContext = {
      req,
      res,
      out,
      requestId,
      startedAt,
      path,
      params: found ? found.params : {},
      query: new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)),
      headers,
      log,
      principal,
    };
    // `on`, not `once`: a response closes once, and `once` would keep a wrapper per request.
    res.on(
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
      surface.origins.checkHost(origin, req);
      if (method === 'OPTIONS') {
        preflight(ctx, origin, methodsAt(path));
        return;
      }
      if (found) {
        surface.origins.admit(origin, req, method, access);
        surface.guard(ctx);
        const answered = (found.store as RouteEntry).handler(ctx);
        // Not awaited: a streamed answer's promise lasts as long as the stream, and an async frame
        // waiting for it would be kept (with everything in its registers) as long.
        answered?.then(undefined, (err: unknown) => failedSafely(ctx, err));
        return;
      }
      if (consoleDir && (method === 'GET' || method === 'HEAD') && !API_PREFIXES.some((p) => path.startsWith(p))) {
        pattern = '(static)';
        serveStatic(ctx, consoleDir).then(
          (served) => {
            if (served) return;
            pattern = '(unmatched)';
            notRouted(ctx, method, path);
          },
          (err: unknown) => failedSafely(ctx, err),
        );
        return;
      }
      notRouted(ctx, method, path);
    } catch (err) {
      failed(ctx, err);
    }
  };

  /** No route for this method and path: 405 with `Allow` when another method has one, else 404. */
  const notRouted = (ctx: RequestContext, method: string, path: string): void => {
    const allowed = methodsAt(path).filter((m) => m !== method);
    if (allowed.length > 0) sendError(ctx, errors.methodNotAllowed(method, path), { allow: allowed.join(', ') });
    else sendError(ctx, errors.routeNotFound(method, path));
  };

  /** The methods routed at a path (a 405's `Allow`, a preflight's). */
  const methodsAt = (path: string): HTTPMethod[] => METHODS.filter((m) => router.find(m, path) !== null);

  /** A request's failure, answered as an OpenAI-shaped error. */
  const failed = (ctx: RequestContext, err: unknown): void => {
    const code = (err as { code?: unknown }).code;
    metrics.error(code);
    // After a 413 the rest of the body is never read: close the connection instead of draining it.
    sendError(ctx, err, code === 'request_too_large' ? { connection: 'close' } : {});
  };

  /** `failed` after the handler returned, where a throw would be an unhandled rejection. */
  const failedSafely = (ctx: RequestContext, err: unknown): void => {
    try {
      failed(ctx, err);
    } catch (bug) {
      handlerBroke(ctx.res, bug);
    }
  };

  /** handle() answers every error; this only guards against a bug in that path. */
  const handlerBroke = (res: ServerResponse, err: unknown): void => {
    logger.error('request handler failed', { err });
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  };

  /** OPTIONS: a CORS preflight for a route that exists with the requested method, else 404 / 405. */
  const preflight = (ctx: RequestContext, origin: RequestOrigin, methods: HTTPMethod[]): void => {
    const wanted = String(ctx.req.headers['access-control-request-method'] ?? '').toUpperCase();
    const target = METHODS.includes(wanted as HTTPMethod) ? router.find(wanted as HTTPMethod, ctx.path) : null;
    if (!target) {
      if (methods.length === 0) throw errors.routeNotFound('OPTIONS', ctx.path);
      sendError(ctx, errors.methodNotAllowed(wanted || 'OPTIONS', ctx.path), { allow: methods.join(', ') });
      return;
    }
    const access = accessOf((target.store as RouteEntry).pattern);
    const cors = surface.origins.preflight(origin, ctx.req, access, methods);
    ctx.out.head(204, Object.assign({}, ctx.headers, cors, processingHeader(ctx)));
    ctx.out.end();
  };

  const server = createServer(serverOptions(config), (req, res) => {
    if (!connections.admit(req, res)) return;
    try {
      handle(req, res);
    } catch (err) {
      handlerBroke(res, err);
    }
  });
  const connections = guardConnections(server, config, logger);
  // Idle keep-alive connections live longer than clients' and load balancers' pools (often 60 s),
  // so the client closes first: a request sent on a connection the server is closing at that
  // moment fails with "socket hang up". The header and request timeouts (connections.ts) start at
  // a request's first byte, so they never cut an idle keep-alive connection.
  server.keepAliveTimeout = 65_000;
  return { server, active, metrics, routes, surface, responses };
}
