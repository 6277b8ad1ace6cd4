/**
 * Read-only routes: GET /v1/models (the backend's list in the OpenAI shape), GET /healthz
 * (backend reachability) and GET /v1/capabilities (what the gateway supports, so nothing is
 * dropped silently).
 */
import type { BackendAdapter } from '../backends/contract.js';
import { capabilityReport } from '../shared/protocol/capabilities.js';
import { OMITTED_TOOLS_HEADER, capabilitiesFor, type HostedToolsPolicy } from '../shared/protocol/hosted-tools.js';
import { isGatewayError, retryHeaders } from '../shared/protocol/errors.js';
import { sendJson, type RequestContext } from './respond.js';
import type { StateService } from '../state/service.js';

/** How long /healthz waits for the backend before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 3000;

export async function listModels(ctx: RequestContext, backend: BackendAdapter): Promise<void> {
  const models = await backend.listModels();
  const now = Math.floor(Date.now() / 1000);
  sendJson(ctx, 200, {
    object: 'list',
    data: models.map((m) => ({
      id: m.id,
      object: 'model',
      created: m.created ?? now,
      owned_by: m.owned_by ?? backend.kind,
      ...(m.max_model_len === undefined ? {} : { max_model_len: m.max_model_len }),
    })),
  });
}

/**
 * The backend decides the status (503 when it cannot be reached: nothing works). A shared store
 * or Redis that is away makes it `degraded` with 200: requests that do not need them still work.
 */
export async function health(
  ctx: RequestContext,
  backend: BackendAdapter,
  state: StateService,
  instance?: string,
): Promise<void> {
  const backendInfo = { kind: backend.kind, url: backend.baseUrl };
  try {
    const [models, store, redis] = await Promise.all([
      backend.listModels(AbortSignal.timeout(HEALTH_TIMEOUT_MS)),
      state.store.health(),
      state.cluster?.health(),
    ]);
    const degraded = !store.ok || (redis && !redis.ok);
    sendJson(ctx, 200, {
      status: degraded ? 'degraded' : 'ok',
      backend: { ...backendInfo, models: models.length },
      store,
      ...(redis ? { redis } : {}),
      ...(instance ? { instance } : {}),
    });
  } catch (err) {
    const error = isGatewayError(err)
      ? { code: err.code, message: err.message }
      : { code: 'backend_unreachable', message: err instanceof Error ? err.message : String(err) };
    ctx.log.warn('health check failed', { error });
    sendJson(ctx, 503, { status: 'unavailable', backend: backendInfo, error }, retryHeaders(1000));
  }
}

/** `gateway`: what the protocol surface is configured to do (extensions, summaries, limits, tiers, Azure). */
export function capabilities(
  ctx: RequestContext,
  backend: BackendAdapter,
  gateway: Record<string, unknown> = {},
  hostedTools: HostedToolsPolicy = 'omit',
): void {
  sendJson(ctx, 200, {
    ...capabilityReport(capabilitiesFor(hostedTools)),
    // Hosted tools the gateway cannot run: left out (named in a header) or refused.
    hosted_tools: { policy: hostedTools, header: OMITTED_TOOLS_HEADER },
    // Custom tools are offered as a one-string function: a grammar format is not enforced.
    custom_tool_grammar: { enforced: false },
    gateway,
    backend: { kind: backend.kind, url: backend.baseUrl },
  });
}
