/**
 * Routes of the stateful gateway: stored responses (GET, DELETE, input items), cancel, stream
 * resume of background responses, input token counting, session-mode tool outputs and session
 * state, and the console's encrypted-content inspector (loopback only). docs/state.md describes
 * each one. Every read and action is scoped to the request's owner (tenancy): another key's
 * response, run or session answers the same 404 as one that does not exist.
 */
import type { GatewayConfig } from '../config/flags.js';
import type { ResponseObject } from '../engine/contract.js';
import { ENCRYPTED_REASONING } from '../engine/conversation.js';
import type { ResponsesService } from '../engine/responses-service.js';
import { RUNNING_STATUSES } from '../store/responses-store.js';
import { errors } from '../shared/protocol/errors.js';
import { validateCreateRequest } from '../shared/protocol/validate-request.js';
import type { StateService } from '../state/service.js';
import { resumeStream } from './background-stream.js';
import { readJsonBody } from './body.js';
import { sendJson, type RequestContext } from './respond.js';
import type { StreamBudget } from './stream-budget.js';
import { assertLoopbackClient } from './loopback.js';
import { ownerScope } from '../tenancy/owner.js';

export interface StateRouteDeps {
  config: GatewayConfig;
  state: StateService;
  /** Input token counting goes through the responses service (policy, stored history). */
  responses: ResponsesService;
  /** Unsent bytes of all streams (E8, `--responses-stream-max-buffered-total-bytes`). */
  streamBudget: StreamBudget;
}

type Register = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  handler: (ctx: RequestContext) => Promise<void> | void,
) => void;

export function registerStateRoutes(route: Register, deps: StateRouteDeps): void {
  route('POST', '/v1/responses/input_tokens', (ctx) => inputTokens(ctx, deps));
  route('GET', '/v1/responses/:id', (ctx) => getResponse(ctx, deps));
  route('DELETE', '/v1/responses/:id', (ctx) => deleteResponse(ctx, deps));
  route('GET', '/v1/responses/:id/input_items', (ctx) => inputItems(ctx, deps));
  route('POST', '/v1/responses/:id/cancel', (ctx) => cancel(ctx, deps));
  route('POST', '/v1/responses/:id/tool_outputs', (ctx) => toolOutputs(ctx, deps));
  route('GET', '/v1/responses/:id/session', (ctx) => sessionState(ctx, deps));
  route('POST', '/v1/console/encrypted-content/inspect', (ctx) => inspect(ctx, deps));
}

const idOf = (ctx: RequestContext): string => ctx.params.id ?? '';

function includes(ctx: RequestContext): string[] {
  return [...ctx.query.getAll('include[]'), ...ctx.query.getAll('include')];
}

async function getResponse(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const stream = ctx.query.get('stream');
  if (stream !== null && stream !== 'true' && stream !== 'false')
    throw errors.invalidValue('stream', `Invalid 'stream': expected true or false, got '${stream}'.`);
  if (stream === 'true') return resumeStream(ctx, deps, id);
  const scope = ownerScope(ctx.principal);
  const live = deps.state.background.get(id, scope);
  let response: ResponseObject | undefined;
  if (live && !live.final) response = live.run.snapshot();
  // A live session's copy, unless it asked not to be stored (then it cannot be fetched at all).
  else response = deps.state.sessions.snapshot(id, scope) ?? undefined;
  if (response?.store === false) response = undefined;
  // Running on another instance: its live copy (a Redis that is away falls back to the store).
  if (!response) response = (await remoteSnapshot(deps, id, scope).catch(() => null)) ?? undefined;
  if (!response) response = (await deps.state.store.responses.getResponse<ResponseObject>(id, scope))?.response;
  if (!response) throw errors.responseNotFound(id);
  // Sealed for the key that asks (tenancy): only it (or an admin) can send the tokens back.
  if (includes(ctx).includes(ENCRYPTED_REASONING)) deps.state.sealStored(response, ctx.principal.owner);
  sendJson(ctx, 200, response);
}

async function deleteResponse(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  const live = deps.state.background.get(id, scope);
  if (live && !live.final) live.run.cancel('cancelled');
  if (!(await deps.state.store.responses.deleteResponse(id, scope))) throw errors.responseNotFound(id);
  sendJson(ctx, 200, { id, object: 'response', deleted: true });
}

function intParam(ctx: RequestContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n))
    throw errors.invalidValue(name, `Invalid '${name}': expected an integer from 1 to 100, got '${raw}'.`);
  return n;
}

async function inputItems(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const order = ctx.query.get('order');
  if (order !== null && order !== 'asc' && order !== 'desc')
    throw errors.invalidValue('order', `Invalid 'order': expected 'asc' or 'desc', got '${order}'.`);
  const options: { limit?: number; order?: 'asc' | 'desc'; after?: string } = {};
  const limit = intParam(ctx, 'limit');
  if (limit !== undefined) options.limit = limit;
  if (order) options.order = order;
  const after = ctx.query.get('after');
  if (after !== null) options.after = after;
  // An unknown response (or another owner's) is a 404 even when the paging parameters are fine.
  const scope = ownerScope(ctx.principal);
  if (!(await deps.state.store.responses.has(id, scope))) throw errors.responseNotFound(id);
  const list = await deps.state.store.responses.listInputItems(id, options, scope);
  if (!list) throw errors.responseNotFound(id);
  sendJson(ctx, 200, list);
}

async function cancel(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  const live = deps.state.background.get(id, scope);
  if (live) {
    live.run.cancel('cancelled');
    sendJson(ctx, 200, await live.run.finished);
    return;
  }
  const stored = await deps.state.store.responses.getResponse<ResponseObject>(id, scope);
  if (!stored) throw errors.responseNotFound(id);
  if (!stored.response.background) throw errors.notBackground(id);
  // Running on another instance: cancelled there (Redis away: 503, the run cannot be reached).
  if (deps.state.cluster && RUNNING_STATUSES.includes(stored.response.status ?? '')) {
    const holder = await remoteHolder(deps, id);
    const answer = holder ? await deps.state.cluster.forward(holder, { op: 'cancel', id, scope }) : undefined;
    // No answer: its instance is gone (the lease will mark it failed); it is returned as stored.
    if (answer !== undefined) {
      sendJson(ctx, 200, answer);
      return;
    }
  }
  // Already finished (or left over by an earlier process): cancelling returns it as it is.
  sendJson(ctx, 200, stored.response);
}

function readJson(ctx: RequestContext, limit: number, maxDepth: number): Promise<{ body: unknown; bytes: number }> {
  return readJsonBody(ctx.req, limit, maxDepth, ctx.out.requestBody);
}

async function inputTokens(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const { body } = await readJson(ctx, deps.config.maxRequestBytes, deps.config.maxRequestDepth);
  const { request } = validateCreateRequest(body, { compat: deps.config.compat });
  const tokens = await deps.responses.countInputTokens(request, ctx.principal);
  sendJson(ctx, 200, { object: 'response.input_tokens', input_tokens: tokens });
}

async function toolOutputs(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const { sessions, store, background } = deps.state;
  const scope = ownerScope(ctx.principal);
  const holder = sessions.has(id, scope) ? null : await remoteHolder(deps, id);
  if (holder && deps.state.cluster) {
    // Held by another instance: the same body limits here, the decision there (first submission wins).
    const { body, bytes } = await readJson(ctx, deps.config.toolOutputsMaxBytes, deps.config.maxRequestDepth);
    const answer = await deps.state.cluster.forward(holder, { op: 'tool_outputs', id, scope, body, bytes });
    // No answer: the instance holding the stream is gone; the response cannot go on.
    if (answer === undefined)
      throw errors.conflict('response_not_waiting', `Response '${id}' is not waiting for tool outputs.`);
    sendJson(ctx, 200, answer);
    return;
  }
  if (!sessions.has(id, scope)) {
    if (background.get(id, scope) || (await store.responses.has(id, scope)))
      throw errors.conflict('response_not_waiting', `Response '${id}' is not waiting for tool outputs.`);
    throw errors.responseNotFound(id);
  }
  const { body, bytes } = await readJson(ctx, deps.config.toolOutputsMaxBytes, deps.config.maxRequestDepth);
  sendJson(ctx, 200, sessions.submit(id, body, bytes, scope));
}

async function sessionState(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  const state = deps.state.sessions.state(id, scope);
  if (state) return sendJson(ctx, 200, state);
  const holder = await remoteHolder(deps, id);
  const answer = holder ? await deps.state.cluster?.forward(holder, { op: 'session_state', id, scope }) : undefined;
  if (answer === undefined) throw errors.responseNotFound(id);
  sendJson(ctx, 200, answer);
}

/** The other instance holding a live response (session or background run), or null. */
async function remoteHolder(deps: StateRouteDeps, id: string): Promise<string | null> {
  const cluster = deps.state.cluster;
  if (!cluster) return null;
  const holder = await cluster.holder(id);
  return holder && holder !== cluster.instanceId ? holder : null;
}

async function remoteSnapshot(
  deps: StateRouteDeps,
  id: string,
  scope: string | undefined,
): Promise<ResponseObject | null> {
  const holder = await remoteHolder(deps, id);
  if (!holder || !deps.state.cluster) return null;
  return ((await deps.state.cluster.forward(holder, { op: 'snapshot', id, scope })) as ResponseObject | null) ?? null;
}

async function inspect(ctx: RequestContext, deps: StateRouteDeps): Promise<void> {
  assertLoopbackClient(ctx);
  const { body } = await readJson(ctx, deps.config.maxRequestBytes, deps.config.maxRequestDepth);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalidBody(typeof body);
  const { encrypted_content: token, reveal } = body as { encrypted_content?: unknown; reveal?: unknown };
  if (token === undefined) throw errors.missingRequired('encrypted_content');
  if (typeof token !== 'string') throw errors.invalidType('encrypted_content', 'a string');
  if (reveal !== undefined && typeof reveal !== 'boolean') throw errors.invalidType('reveal', 'a boolean');
  // Tenancy: another owner's token inspects as tampered and is never revealed.
  const owners = ctx.principal.sealOwners;
  const result = deps.state.keyring.inspect(token, owners);
  const out: Record<string, unknown> = {
    object: 'encrypted_content.inspection',
    version: result.version,
    key_id: result.keyId,
    bytes: result.bytes,
    integrity: result.integrity,
  };
  if (reveal === true && result.integrity === 'valid')
    out.payload = deps.state.keyring.open(token, 'encrypted_content', owners);
  sendJson(ctx, 200, out);
}
