/**
 * POST /v1/responses: read and validate the request, start a ResponseRun, then either stream its
 * events as SSE or answer with the final Response object. The engine owns event contents; this
 * file owns only the HTTP side (headers, SSE framing, disconnects).
 */
import type { BackendAdapter } from '../backends/contract.js';
import type { GatewayConfig } from '../config/flags.js';
import type { ResponseRun, RunOptions } from '../engine/contract.js';
import { startResponseRun } from '../engine/response-run.js';
import { assertSupported } from '../protocol/capabilities.js';
import { validateCreateRequest } from '../protocol/validate-request.js';
import { checkJsonContentType, parseJson, readBody } from './body.js';
import { dialectFor, extensionsFor, simulatorHeaders } from './request-headers.js';
import { processingHeader, sendJson, type RequestContext } from './respond.js';
import { SSE_HEADERS, SseWriter, sseOptionsFrom, streamBackpressure } from './sse-writer.js';
import type { StreamBudget } from './stream-budget.js';
import { resolveServiceTier } from '../protocol/service-tier.js';
import { applyAzureBody } from './azure.js';
import type { Surface } from './surface.js';
import type { StateService } from '../sessions/state.js';
import { respondBackground, sessionRequested } from './state-routes.js';
import type { GatewayMetrics, RequestObservation } from '../observability/gateway-metrics.js';
import { contained, detached } from '../engine/contain.js';
import { IGNORED_FIELDS_HEADER, headerList, ignoredFieldsHeader } from './header-value.js';
import {
  OMITTED_TOOLS_HEADER,
  applyHostedToolsPolicy,
  capabilitiesFor,
  type HostedToolsPolicy,
} from '../protocol/hosted-tools.js';
import { reportTo } from '../logging/logger.js';
import { ContextWindows, fitContext } from '../engine/truncation.js';
import { toModelRequest } from '../engine/translate-request.js';
import { truncationHeaders } from './header-value.js';

/** A streaming response in flight, so that shutdown can end it cleanly. */
export interface ActiveStream {
  readonly run: ResponseRun;
  readonly writer: SseWriter;
  /** Resolves when the HTTP response is over (ended or cut). */
  readonly closed: Promise<void>;
}

export interface ResponsesDeps {
  config: GatewayConfig;
  backend: BackendAdapter;
  active: Set<ActiveStream>;
  /** Auth, rate limits, tiers, Azure (surface.ts); absent in callers that need none of it. */
  surface?: Surface;
  /** Store, chaining, background runs, sessions, encrypted reasoning (docs/state.md). */
  state?: StateService;
  /** Metrics (docs/observability.md): times the backend, counts the run, adds the overhead header. */
  observe?: GatewayMetrics;
  /** Unsent bytes of all streams (E8, `--responses-stream-max-buffered-total-bytes`). */
  streamBudget?: StreamBudget;
  /** Context windows of the backend's models, for `truncation` (engine/truncation.ts). */
  windows: ContextWindows;
}

export async function createResponse(ctx: RequestContext, deps: ResponsesDeps): Promise<void> {
  const { config } = deps;
  const { req, res } = ctx;
  const badType = checkJsonContentType(req);
  if (badType) throw badType;
  const dialect = dialectFor(req, config.dialect);
  const extensions = extensionsFor(req, config.extensions);
  const raw = await readBody(req, config.maxRequestBytes, ctx.out.requestBody);
  const body = parseJson(raw, config.maxRequestDepth);
  deps.surface?.checkBodyRequestId(ctx, body);
  applyAzureBody(ctx, body);
  const validated = validateCreateRequest(body, { compat: config.compat });
  if (validated.ignoredFields.length > 0)
    ctx.headers[IGNORED_FIELDS_HEADER] = ignoredFieldsHeader(validated.ignoredFields);
  const policy = config.hostedTools as HostedToolsPolicy;
  const { request, omitted } = applyHostedToolsPolicy(validated.request, policy);
  if (omitted.length > 0) {
    const labels = omitted.map((o) => o.label);
    ctx.headers[OMITTED_TOOLS_HEADER] = headerList(labels);
    ctx.log.warn('hosted tools omitted: the gateway does not run them', { tools: labels });
    deps.observe?.countOmittedTools(omitted.map((o) => o.type));
  }
  assertSupported(request, capabilitiesFor(policy));
  // Client ids (Codex's session/thread/turn): kept in the log and the recording, never forwarded.
  if (request.client_metadata) ctx.log.info('client metadata', { client_metadata: request.client_metadata });
  const plan = await deps.state?.plan(request, {
    requestId: ctx.requestId,
    session: request.stream === true && sessionRequested(req.headers),
    backendHeaders: simulatorHeaders(req),
    log: ctx.log,
    principal: ctx.principal,
  });
  // `truncation`: the whole context measured against the model's window (400 or older turns dropped).
  const fitted = await fitContext(plan?.request ?? request, deps.backend, deps.windows, {
    toModelRequest: (r) => toModelRequest(r, { headers: simulatorHeaders(req) }),
  });
  if (fitted.report) Object.assign(ctx.headers, truncationHeaders(fitted.report));
  plan?.useRequest(fitted.request);
  // L8: resolve the tier (400 when not allowed), then H5: admit against the budgets (429).
  const tier = deps.surface ? resolveServiceTier(request.service_tier, deps.surface.tiers) : undefined;
  if (tier) request.service_tier = tier.tier;
  const budget = await deps.surface?.admit(ctx, raw.length, request.max_output_tokens);

  // The client may leave while the backend is still accepting the request (E5).
  const controller = new AbortController();
  const onEarlyClose = contained(
    'aborting a request whose client left',
    (): void => {
      if (!res.writableFinished) controller.abort();
    },
    reportTo(ctx.log),
  );
  res.once('close', onEarlyClose);

  const observation = deps.observe?.begin(deps.backend, ctx.startedAt);
  const options: RunOptions = {
    requestId: ctx.requestId,
    logger: ctx.log,
    dialect,
    extensions,
    backendHeaders: simulatorHeaders(req),
    signal: controller.signal,
    config,
    startedAt: ctx.startedAt,
    ...(tier?.priority !== undefined ? { priority: tier.priority } : {}),
    ...(budget ? { rateLimits: budget } : {}),
  };
  let run: ResponseRun;
  try {
    run = await startResponseRun(fitted.request, observation?.backend ?? deps.backend, options, plan?.hooks);
  } catch (error) {
    budget?.settle(0);
    throw error;
  }
  if (budget)
    detached(
      run.finished.then((r) => budget.settle(r.usage?.total_tokens ?? 0)),
      'settling a rate-limit budget',
      reportTo(ctx.log),
    );
  await plan?.attach(run);
  observation?.started(run, request.background === true ? 'background' : request.stream === true ? 'stream' : 'json');
  res.off('close', onEarlyClose);
  if (controller.signal.aborted || res.destroyed) {
    run.cancel('client_disconnected');
    return;
  }

  if (request.background === true && deps.state) {
    await respondBackground(ctx, { config, backend: deps.backend, state: deps.state }, run, request.stream === true);
    return;
  }
  if (request.stream === true) {
    await streamRun(ctx, deps, run, controller, dialect, observation);
    return;
  }

  const onClose = contained(
    'cancelling a response whose client left',
    (): void => {
      if (res.writableFinished) return;
      controller.abort();
      run.cancel('client_disconnected');
    },
    reportTo(ctx.log),
  );
  res.once('close', onClose);
  const final = await run.finished;
  res.off('close', onClose);
  // Stored before the client is told (M6): its final state was queued by the run's end.
  await deps.state?.flushFinalSaves();
  if (budget) Object.assign(ctx.headers, budget.headers());
  const answer = plan ? plan.present(final) : final;
  if (observation) Object.assign(ctx.headers, observation.overheadHeaders());
  sendJson(ctx, 200, answer);
}

async function streamRun(
  ctx: RequestContext,
  deps: ResponsesDeps,
  run: ResponseRun,
  controller: AbortController,
  dialect: RunOptions['dialect'],
  observation: RequestObservation | undefined,
): Promise<void> {
  const { res } = ctx;
  const { config } = deps;
  ctx.out.head(200, { ...ctx.headers, ...processingHeader(ctx), ...SSE_HEADERS });
  const writer = new SseWriter(ctx.out, {
    ...sseOptionsFrom(config, dialect, ctx.log),
    // L4: with extensions the keep-alive is a response.ping event, else an SSE comment.
    onIdle: () => run.ping?.() ?? false,
    onDisconnect: () => {
      ctx.log.info('client disconnected', { events: writer.events });
      controller.abort();
      run.cancel('client_disconnected');
    },
    // E8: the run reads the backend only as fast as the client reads; a client too slow for the bounds fails it.
    backpressure: streamBackpressure(config, deps.streamBudget, (error) => run.fail(error)),
  });
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  const entry: ActiveStream = { run, writer, closed };
  deps.active.add(entry);
  const unsubscribe = run.onEvent(writer.write);
  const unthrottle = run.throttle(writer);
  try {
    await run.finished;
  } finally {
    unsubscribe();
    unthrottle();
    deps.active.delete(entry);
    // The terminal event is still queued in the writer: stored first, then sent (M6).
    await deps.state?.flushFinalSaves();
    writer.end();
    observation?.streamEnded(writer.events);
  }
}
