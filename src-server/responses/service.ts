/**
 * The responses service (engine/responses-service.ts): the one place where a validated create
 * request becomes a running response, for the HTTP route and the WebSocket connection alike.
 * In order: hosted-tools policy and capability check, the plan (stored history, conversation,
 * encrypted reasoning, session: state/), `truncation` against the model's window, the service tier
 * (L8, 400) and rate-limit admission (H5, 429), the run (engine/response-run.ts) on the metered
 * backend, its save and wiring (the plan's attach), the metrics of the run, and the settling of its
 * budget once it ends. Every dependency is required: the gateway always has a store, metrics and
 * tiers.
 *
 * What stays in the transports: reading and validating the request, HTTP headers, the SSE writer
 * and WebSocket frames, and noticing that the client left (the `signal` they pass in).
 */
import type { BackendAdapter } from '../backends/contract.js';
import type { GatewayConfig } from '../config/flags.js';
import { detached } from '../engine/contain.js';
import type { ResponseObject, ResponseRun, RunOptions } from '../engine/contract.js';
import { startResponseRun } from '../engine/response-run.js';
import type { AdmittedBudget, CreateContext, CreatedResponse, ResponsesService } from '../engine/responses-service.js';
import { ContextWindows, countInputTokens, fitContext } from '../engine/truncation.js';
import { prepareConversation } from '../engine/conversation.js';
import { reportTo } from '../logging/logger.js';
import type { GatewayMetrics, RequestObservation } from '../observability/gateway-metrics.js';
import { assertSupported } from '../shared/protocol/capabilities.js';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import { applyHostedToolsPolicy, capabilitiesFor, type HostedToolsPolicy } from '../shared/protocol/hosted-tools.js';
import { resolveServiceTier, type TierPolicy } from '../shared/protocol/service-tier.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { RunPlan, StateService } from '../state/service.js';
import type { Principal } from '../tenancy/owner.js';

export interface ResponsesServiceDeps {
  config: GatewayConfig;
  backend: BackendAdapter;
  /** Store, chaining, background runs, sessions, encrypted reasoning (docs/state.md). */
  state: StateService;
  /** Metrics (docs/observability.md): times the backend, counts the run, the overhead header. */
  metrics: GatewayMetrics;
  /** Context windows of the backend's models, for `truncation` (engine/truncation.ts). */
  windows: ContextWindows;
  /** The service tiers the gateway allows (L8). */
  tiers: TierPolicy;
}

export function createResponsesService(deps: ResponsesServiceDeps): ResponsesService {
  const policy = deps.config.hostedTools as HostedToolsPolicy;

  const create = async (validated: CreateResponseRequest, ctx: CreateContext): Promise<CreatedResponse> => {
    const { config, backend, state, metrics } = deps;
    const { request, omitted } = applyHostedToolsPolicy(validated, policy);
    if (omitted.length > 0) {
      const labels = omitted.map((o) => o.label);
      ctx.notices.omittedTools(labels);
      ctx.log.warn('hosted tools omitted: the gateway does not run them', { tools: labels });
      metrics.countOmittedTools(omitted.map((o) => o.type));
    }
    assertSupported(request, capabilitiesFor(policy));
    // Client ids (Codex's session/thread/turn): kept in the log and the recording, never forwarded.
    if (request.client_metadata) ctx.log.info('client metadata', { client_metadata: request.client_metadata });
    const plan = await state.plan(request, {
      requestId: ctx.requestId,
      session: ctx.session,
      log: ctx.log,
      principal: ctx.principal,
      history: ctx.history,
    });
    // `truncation`: the whole context measured against the model's window (400 or older turns dropped).
    const fitted = await fitContext(plan.request, backend, deps.windows, {
      ...(ctx.backendHeaders ? { backendHeaders: ctx.backendHeaders } : {}),
    });
    if (fitted.report) ctx.notices.truncated(fitted.report);
    // L8: resolve the tier (400 when not allowed), then H5: admit against the budgets (429).
    const tier = resolveServiceTier(request.service_tier, deps.tiers);
    request.service_tier = tier.tier;
    const budget = await ctx.admit(ctx.bodyBytes, request.max_output_tokens);

    const observation = metrics.begin(backend, ctx.startedAt, ctx.mode);
    const options: RunOptions = {
      requestId: ctx.requestId,
      logger: ctx.log,
      dialect: ctx.dialect,
      extensions: ctx.extensions,
      signal: ctx.signal,
      config,
      startedAt: ctx.startedAt,
      onBackendError: metrics.backendError,
      streamed: ctx.mode === 'stream' || ctx.mode === 'websocket',
    };
    // Set one by one: a spread followed by other fields costs microseconds per request (docs/layers.md).
    if (ctx.backendHeaders) options.backendHeaders = ctx.backendHeaders;
    if (tier.priority !== undefined) options.priority = tier.priority;
    if (budget) options.rateLimits = budget;
    const runBackend = ctx.wrapBackend ? ctx.wrapBackend(observation.backend) : observation.backend;
    let run: ResponseRun;
    try {
      run = await startResponseRun(fitted.request, runBackend, options, plan.hooks);
    } catch (error) {
      budget?.settle(0);
      throw error;
    }
    // Settled once with the real usage, whoever gets there first (the run's own rate-limit event).
    if (budget)
      detached(
        run.finished.then((r) => budget.settle(r.usage?.total_tokens ?? 0)),
        'settling a rate-limit budget',
        reportTo(ctx.log),
      );
    // Saved before its first event; a full store fails the request and the run never starts.
    await plan.attach(run);
    observation.started(run);
    return new Created(run, fitted.request, budget, plan, observation, state);
  };

  const countTokens = async (validated: CreateResponseRequest, principal: Principal): Promise<number> => {
    const { backend, state } = deps;
    const { request } = applyHostedToolsPolicy(validated, policy);
    if (!backend.countTokens) throw errors.tokenCountUnsupported(backend.kind);
    const prepared = await prepareConversation(request, state.store, state.keyring, principal);
    return countInputTokens(prepared.request, backend);
  };

  return { create, countInputTokens: countTokens };
}

class Created implements CreatedResponse {
  constructor(
    readonly run: ResponseRun,
    readonly context: CreateResponseRequest,
    readonly budget: AdmittedBudget | undefined,
    private readonly plan: RunPlan,
    private readonly observation: RequestObservation,
    private readonly state: StateService,
  ) {}

  async complete(): Promise<ResponseObject> {
    const final = await this.run.finished;
    // Stored before the client is told (M6): its final state was queued by the run's end.
    const unsaved = await this.beforeEnd();
    if (unsaved) throw unsaved;
    return this.plan.present(final);
  }

  async beforeEnd(): Promise<GatewayError | null> {
    await this.state.flushFinalSaves();
    return this.plan.saveError;
  }

  streamEnded(events: number): void {
    this.observation.streamEnded(events);
  }

  overheadHeaders(): Record<string, string> {
    return this.observation.overheadHeaders();
  }
}
