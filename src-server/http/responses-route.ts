/**
 * POST /v1/responses over HTTP: read and validate the request, hand it to the responses service
 * (responses/service.ts starts the run: policy, history, truncation, tier, admission, save), then
 * answer in one of three ways — the SSE stream of the run's events, the final Response object as
 * JSON, or (background) the queued Response or its resumable stream. This file owns only the HTTP
 * side: headers, SSE framing, the client leaving.
 */
import { Cancel } from '../cancel/cancel.js';
import type { GatewayConfig } from '../config/flags.js';
import type { ResponseRun } from '../engine/contract.js';
import type { CreatedResponse, ResponsesService } from '../engine/responses-service.js';
import { contained } from '../engine/contain.js';
import { withStatus } from '../engine/response-object.js';
import { reportTo } from '../logging/logger.js';
import { validateCreateRequest } from '../shared/protocol/validate-request.js';
import { OMITTED_TOOLS_HEADER } from '../shared/protocol/hosted-tools.js';
import { sessionRequested } from '../shared/protocol/session-mode.js';
import type { StateService } from '../state/service.js';
import { applyAzureBody } from './azure.js';
import { resumeStream } from './background-stream.js';
import { checkJsonContentType, parseJson, readBody } from './body.js';
import { IGNORED_FIELDS_HEADER, headerList, ignoredFieldsHeader, truncationHeaders } from './header-value.js';
import { dialectFor, extensionsFor, simulatorHeaders } from './request-headers.js';
import { sendJson, type RequestContext } from './respond.js';
import { SseWriter, sseHeaders, sseOptions, streamBackpressure } from './sse-writer.js';
import type { StreamBudget } from './stream-budget.js';
import type { Surface } from './surface.js';

/** A streaming response in flight, so that shutdown can end it cleanly. */
export interface ActiveStream {
  readonly run: ResponseRun;
  /** Its `whenClosed()` resolves when the HTTP response is over (ended or cut). */
  readonly writer: SseWriter;
}

export interface ResponsesDeps {
  config: GatewayConfig;
  /** Starts the response (responses/service.ts). */
  responses: ResponsesService;
  /** Auth, rate limits, the body `request_id` check (surface.ts). */
  surface: Surface;
  /** A background stream is read back from the run's replay buffer (background-stream.ts). */
  state: StateService;
  active: Set<ActiveStream>;
  /** Unsent bytes of all streams (E8, `--responses-stream-max-buffered-total-bytes`). */
  streamBudget: StreamBudget;
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
  deps.surface.checkBodyRequestId(ctx, body);
  applyAzureBody(ctx, body);
  const validated = validateCreateRequest(body, { compat: config.compat });
  if (validated.ignoredFields.length > 0)
    ctx.headers[IGNORED_FIELDS_HEADER] = ignoredFieldsHeader(validated.ignoredFields);
  const { stream, background } = validated.request;

  // The client may leave while the response is being prepared or the backend is still accepting it (E5).
  const controller = new Cancel();
  const onEarlyClose = contained(
    'aborting a request whose client left',
    (): void => {
      if (!res.writableFinished) controller.abort();
    },
    reportTo(ctx.log),
  );
  res.once('close', onEarlyClose);
  let created: CreatedResponse;
  try {
    created = await deps.responses.create(validated.request, {
      requestId: ctx.requestId,
      log: ctx.log,
      principal: ctx.principal,
      startedAt: ctx.startedAt,
      dialect,
      extensions,
      backendHeaders: simulatorHeaders(req),
      bodyBytes: raw.length,
      mode: background === true ? 'background' : stream === true ? 'stream' : 'json',
      session: stream === true && sessionRequested(req.headers),
      admit: (bytes, maxOutputTokens) => deps.surface.admit(ctx, bytes, maxOutputTokens),
      notices: {
        omittedTools: (labels) => {
          ctx.headers[OMITTED_TOOLS_HEADER] = headerList(labels);
        },
        truncated: (report) => {
          Object.assign(ctx.headers, truncationHeaders(report));
        },
      },
      signal: controller.signal,
    });
  } finally {
    res.off('close', onEarlyClose);
  }
  const { run } = created;
  if (controller.signal.aborted || res.destroyed) {
    run.cancel('client_disconnected');
    return;
  }

  if (background === true) {
    if (stream === true) await resumeStream(ctx, deps, run.id);
    else sendJson(ctx, 200, withStatus(run.snapshot(), 'queued'));
    return;
  }
  // Returned, not awaited: this frame is not kept for the stream's whole life.
  if (stream === true) return streamRun(ctx, deps, created, controller, dialect);

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
  const answer = await created.complete();
  res.off('close', onClose);
  if (created.budget) Object.assign(ctx.headers, created.budget.headers());
  Object.assign(ctx.headers, created.overheadHeaders());
  sendJson(ctx, 200, answer);
}

/** The run's events as SSE, at the client's pace (E8), ended by its terminal event once stored (M6). */
function streamRun(
  ctx: RequestContext,
  deps: ResponsesDeps,
  created: CreatedResponse,
  controller: Cancel,
  dialect: ReturnType<typeof dialectFor>,
): Promise<void> {
  const { run } = created;
  ctx.out.head(200, sseHeaders(ctx));
  const writer = new SseWriter(
    ctx.out,
    sseOptions(deps.config, dialect, ctx.log, {
      // L4: with extensions the keep-alive is a response.ping event, else an SSE comment.
      onIdle: () => run.ping?.() ?? false,
      onDisconnect: () => {
        ctx.log.info('client disconnected', { events: writer.events });
        controller.abort();
        run.cancel('client_disconnected');
      },
      // E8: the run reads the backend only as fast as the client reads; a client too slow for the bounds fails it.
      backpressure: streamBackpressure(deps.config, deps.streamBudget, (error) => run.fail(error)),
    }),
  );
  const entry: ActiveStream = { run, writer };
  deps.active.add(entry);
  const unsubscribe = run.onEvent(writer.write);
  const unthrottle = run.throttle(writer);
  // Subscribed: the first events leave in this tick, not after the event loop went round.
  run.start();
  writer.flushNow();
  // A reaction rather than an await: no suspended frame is kept for the stream's whole life
  // (`finished` never rejects).
  return run.finished.then(async () => {
    unsubscribe();
    unthrottle();
    deps.active.delete(entry);
    // The terminal event is still queued in the writer: stored first, then sent (M6). Could it
    // not be stored (a full disk), the client is told that instead: `error` and `response.failed`.
    const unsaved = await created.beforeEnd();
    if (unsaved) writer.failTerminal(unsaved);
    writer.end();
    created.streamEnded(writer.events);
  });
}
