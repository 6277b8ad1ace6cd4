/**
 * What the transports (the HTTP route, the WebSocket connection) ask of the gateway to create a
 * response: one call that takes a validated request and returns the started run. The service
 * (responses/service.ts) does the rest in one place — hosted-tools policy, the conversation and
 * stored history (state/), `truncation`, the service tier, rate-limit admission, the start of the
 * run, its save, its session, its metrics and the settling of its budget. Transports keep only
 * what is theirs: reading the request, headers, the SSE writer or WebSocket frames, disconnects.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { BackendAdapter } from '../backends/contract.js';
import type { Logger } from '../logging/logger.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { Principal } from '../tenancy/owner.js';
import type { Dialect, ResponseObject, ResponseRun, RunRateLimits } from './contract.js';
import type { TruncationReport } from './truncation.js';
import type { GatewayError } from '../shared/protocol/errors.js';

/** How a response is served, as the metrics label it (`responses_total{mode}`). */
export type ResponseMode = 'stream' | 'json' | 'background' | 'websocket';

/** A rate-limit budget admitted for one request (http/rate-limit.ts implements it). */
export interface AdmittedBudget extends RunRateLimits {
  /** The caller's current `x-ratelimit-*` headers. */
  headers(): Record<string, string>;
}

/**
 * Rate-limit admission of one request by its transport's identity (the API key of the HTTP request
 * or of the WebSocket's upgrade): throws the 429, or returns the budget (undefined: unlimited).
 */
export type Admit = (
  bodyBytes: number,
  maxOutputTokens: number | null | undefined,
) => Promise<AdmittedBudget | undefined>;

/**
 * What the service tells the transport as soon as it knows it, so that an answer refused later
 * (a 429, a bad tier) still says it: HTTP puts it in headers, the WebSocket in its log.
 */
export interface CreateNotices {
  /** Labels of the hosted tools left out (`--responses-hosted-tools omit`). */
  omittedTools(labels: readonly string[]): void;
  /** What `truncation` measured and dropped, when the request asked for it. */
  truncated(report: TruncationReport): void;
}

/** Everything about a create request that its transport knows and the service does not. */
export interface CreateContext {
  requestId: string;
  log: Logger;
  /** Who the request acts as (tenancy): owner of the response, its session and its sealed reasoning. */
  principal: Principal;
  /** When the request arrived (`performance.now()`): event offsets and the overhead count from here. */
  startedAt: number;
  dialect: Dialect;
  extensions: boolean;
  /** Headers forwarded to the backend (`x-simulator-*`). */
  backendHeaders: Record<string, string> | undefined;
  /** Bytes of the request body (the token estimate of rate limiting). */
  bodyBytes: number;
  /** How the answer is served (metrics). */
  mode: ResponseMode;
  /** Session mode (C1) was asked for (HTTP: the `x-responses-session` header on a streaming request). */
  session: boolean;
  /** The conversation of `previous_response_id` held by the transport (a WebSocket connection's own). */
  history?: Record<string, unknown>[];
  admit: Admit;
  notices: CreateNotices;
  /** Aborted when the client leaves: the backend request is abandoned and the run cancelled (E5). */
  signal: CancelSignal;
  /** Wraps the backend for this response (the WebSocket's warm-up and its writer gate). */
  wrapBackend?: (backend: BackendAdapter) => BackendAdapter;
}

/** A started response, with what its transport needs to answer. */
export interface CreatedResponse {
  readonly run: ResponseRun;
  /** The context the backend sees: history expanded, encrypted reasoning opened, fitted to the window. */
  readonly context: CreateResponseRequest;
  /** The admitted budget (undefined: rate limits off); settled by the service when the run ends. */
  readonly budget: AdmittedBudget | undefined;
  /**
   * The final Response as the client gets it, once stored (M6): the run ended, its final save
   * written, encrypted reasoning added when asked. For JSON answers.
   */
  complete(): Promise<ResponseObject>;
  /**
   * A stream's terminal event is queued in its writer: resolves once the final state is stored, so
   * that the writer may send it (M6) — or with the error that kept it from being stored (a full
   * disk), which the client is told instead.
   */
  beforeEnd(): Promise<GatewayError | null>;
  /** The stream ended after `events` events (metrics). */
  streamEnded(events: number): void;
  /** The gateway's own share of the time so far, as a header (recorded once, right before answering). */
  overheadHeaders(): Record<string, string>;
}

export interface ResponsesService {
  /**
   * Starts a response for a request its transport validated. Throws a GatewayError (before any
   * event) for a request that cannot start: policy, history, window, tier, rate limit, store.
   */
  create(request: CreateResponseRequest, ctx: CreateContext): Promise<CreatedResponse>;
  /** `POST /v1/responses/input_tokens`: the tokens of a request's whole context, stored history included. */
  countInputTokens(request: CreateResponseRequest, principal: Principal): Promise<number>;
}
