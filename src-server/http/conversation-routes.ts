/**
 * The Conversations API (docs/state.md): conversations and their items, in the store beside the
 * responses. Shapes follow openai-node's `conversations` resource; paging follows `input_items`
 * (`limit` 1–100, default 20; `order` asc|desc, default desc; `after` an id from the last page).
 * Every read and write is scoped to the request's owner: another key's conversation answers the
 * same 404 as one that does not exist.
 *
 * `GET /v1/conversations` (the owner's conversations) and `GET /v1/conversations/{id}/responses`
 * (the responses that added items) are this gateway's additions, used by the console.
 */
import type { GatewayConfig } from '../config/flags.js';
import { resolveReference } from '../engine/conversation.js';
import { assertSupported } from '../shared/protocol/capabilities.js';
import { errors, GatewayError } from '../shared/protocol/errors.js';
import { validateCreateRequest } from '../shared/protocol/validate-request.js';
import type { StateService } from '../state/service.js';
import type { ConversationPage } from '../store/index.js';
import { ownerScope } from '../tenancy/owner.js';
import { readJsonBody } from './body.js';
import { queryInteger } from './list-query.js';
import { sendJson, type RequestContext } from './respond.js';

export interface ConversationRouteDeps {
  config: GatewayConfig;
  state: StateService;
}

type Register = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  handler: (ctx: RequestContext) => Promise<void> | void,
) => void;

/** Items one create or items.create call may add (OpenAI's limit). */
export const MAX_ITEMS_PER_CALL = 20;

type Item = Record<string, unknown>;

export function registerConversationRoutes(route: Register, deps: ConversationRouteDeps): void {
  route('POST', '/v1/conversations', (ctx) => create(ctx, deps));
  route('GET', '/v1/conversations', (ctx) => list(ctx, deps));
  route('GET', '/v1/conversations/:id', (ctx) => retrieve(ctx, deps));
  route('POST', '/v1/conversations/:id', (ctx) => update(ctx, deps));
  route('DELETE', '/v1/conversations/:id', (ctx) => remove(ctx, deps));
  route('POST', '/v1/conversations/:id/items', (ctx) => addItems(ctx, deps));
  route('GET', '/v1/conversations/:id/items', (ctx) => listItems(ctx, deps));
  route('GET', '/v1/conversations/:id/items/:item_id', (ctx) => getItem(ctx, deps));
  route('DELETE', '/v1/conversations/:id/items/:item_id', (ctx) => deleteItem(ctx, deps));
  route('GET', '/v1/conversations/:id/responses', (ctx) => responses(ctx, deps));
}

const idOf = (ctx: RequestContext): string => ctx.params.id ?? '';

async function readObject(ctx: RequestContext, deps: ConversationRouteDeps, allowed: readonly string[]): Promise<Item> {
  const { body } = await readJsonBody(
    ctx.req,
    deps.config.maxRequestBytes,
    deps.config.maxRequestDepth,
    ctx.out.requestBody,
  );
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw errors.invalidBody(body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`);
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw errors.unknownParameter(key);
  return body as Item;
}

/** `error` with its param (and the message's mention of it) moved from `from` to `to`. */
function renamed(error: unknown, from: string, to: string): unknown {
  if (!(error instanceof GatewayError) || error.param === null || !error.param.startsWith(from)) return error;
  const param = to + error.param.slice(from.length);
  return new GatewayError(
    error.status,
    error.type,
    error.code,
    error.message.split(`'${error.param}'`).join(`'${param}'`),
    param,
    error.headers,
  );
}

/**
 * Items and metadata are checked by the same schema and capability table as a create request's
 * `input` and `metadata` (params renamed to `items[i]…`); item references become the stored item.
 */
async function checkItems(
  ctx: RequestContext,
  deps: ConversationRouteDeps,
  raw: unknown,
  required: boolean,
): Promise<Item[]> {
  if (raw === undefined || raw === null) {
    if (required) throw errors.missingRequired('items');
    return [];
  }
  if (!Array.isArray(raw)) throw errors.invalidType('items', 'an array of items');
  if (raw.length > MAX_ITEMS_PER_CALL)
    throw errors.invalidValue(
      'items',
      `Invalid 'items': at most ${MAX_ITEMS_PER_CALL} items can be added at a time, got ${raw.length}.`,
    );
  try {
    const { request } = validateCreateRequest({ model: 'conversation', input: raw }, { compat: 'strict' });
    assertSupported(request);
  } catch (error) {
    throw renamed(error, 'input', 'items');
  }
  const scope = ownerScope(ctx.principal);
  return Promise.all(
    (raw as Item[]).map((item, i) => resolveReference(item, i, deps.state.store.conversations, scope, 'items')),
  );
}

function checkMetadata(raw: unknown): Record<string, string> | null {
  if (raw === undefined || raw === null) return null;
  validateCreateRequest({ model: 'conversation', metadata: raw }, { compat: 'strict' });
  return raw as Record<string, string>;
}

function page(ctx: RequestContext): ConversationPage {
  const out: ConversationPage = {};
  const limit = queryInteger(ctx.query, 'limit', 1, 100);
  if (limit !== undefined) out.limit = limit;
  const order = ctx.query.get('order');
  if (order !== null) {
    if (order !== 'asc' && order !== 'desc')
      throw errors.invalidValue(
        'order',
        `Invalid 'order': expected 'asc' or 'desc', got ${JSON.stringify(order.slice(0, 64))}.`,
      );
    out.order = order;
  }
  const after = ctx.query.get('after');
  if (after !== null && after !== '') out.after = after;
  return out;
}

async function create(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const body = await readObject(ctx, deps, ['items', 'metadata']);
  const metadata = checkMetadata(body.metadata);
  const items = await checkItems(ctx, deps, body.items, false);
  const { conversation } = await deps.state.store.conversations.create({ owner: ctx.principal.owner, metadata, items });
  sendJson(ctx, 200, conversation);
}

async function list(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  sendJson(ctx, 200, await deps.state.store.conversations.list(page(ctx), ownerScope(ctx.principal)));
}

async function retrieve(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const found = await deps.state.store.conversations.get(idOf(ctx), ownerScope(ctx.principal));
  if (!found) throw errors.conversationNotFound(idOf(ctx));
  sendJson(ctx, 200, found.conversation);
}

async function update(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  // An unknown conversation is a 404 even when the body is also wrong.
  if (!(await deps.state.store.conversations.get(id, scope))) throw errors.conversationNotFound(id);
  const body = await readObject(ctx, deps, ['metadata']);
  if (!('metadata' in body)) throw errors.missingRequired('metadata');
  const updated = await deps.state.store.conversations.updateMetadata(id, checkMetadata(body.metadata) ?? {}, scope);
  if (!updated) throw errors.conversationNotFound(id);
  sendJson(ctx, 200, updated);
}

async function remove(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  if (!(await deps.state.store.conversations.delete(id, ownerScope(ctx.principal))))
    throw errors.conversationNotFound(id);
  sendJson(ctx, 200, { id, object: 'conversation.deleted', deleted: true });
}

async function addItems(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  if (!(await deps.state.store.conversations.get(id, scope))) throw errors.conversationNotFound(id);
  const body = await readObject(ctx, deps, ['items']);
  const items = await checkItems(ctx, deps, body.items, true);
  const added = await deps.state.store.conversations.appendItems(id, items, scope);
  if (!added) throw errors.conversationNotFound(id);
  sendJson(ctx, 200, {
    object: 'list',
    data: added,
    first_id: (added[0]?.id as string | undefined) ?? null,
    last_id: (added.at(-1)?.id as string | undefined) ?? null,
    has_more: false,
  });
}

async function listItems(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  // 404 before parameter errors, as input_items.
  if (!(await deps.state.store.conversations.get(id, scope))) throw errors.conversationNotFound(id);
  const found = await deps.state.store.conversations.listItems(id, page(ctx), scope);
  if (!found) throw errors.conversationNotFound(id);
  sendJson(ctx, 200, found);
}

async function getItem(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const itemId = ctx.params.item_id ?? '';
  const scope = ownerScope(ctx.principal);
  if (!(await deps.state.store.conversations.get(id, scope))) throw errors.conversationNotFound(id);
  const item = await deps.state.store.conversations.getItem(id, itemId, scope);
  if (!item) throw errors.conversationItemNotFound(id, itemId);
  sendJson(ctx, 200, item);
}

/** Answers the Conversation, as OpenAI does. */
async function deleteItem(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const itemId = ctx.params.item_id ?? '';
  const scope = ownerScope(ctx.principal);
  const found = await deps.state.store.conversations.get(id, scope);
  if (!found) throw errors.conversationNotFound(id);
  if (!(await deps.state.store.conversations.deleteItem(id, itemId, scope)))
    throw errors.conversationItemNotFound(id, itemId);
  sendJson(ctx, 200, found.conversation);
}

/** The responses that added items, oldest first, with the items each added and what the console shows of it. */
async function responses(ctx: RequestContext, deps: ConversationRouteDeps): Promise<void> {
  const id = idOf(ctx);
  const scope = ownerScope(ctx.principal);
  const added = await deps.state.store.conversations.responses(id, scope);
  if (!added) throw errors.conversationNotFound(id);
  const data = await Promise.all(
    added.map(async ({ responseId, itemIds }) => {
      const stored = (await deps.state.store.responses.getResponse(responseId, scope))?.response;
      return {
        id: responseId,
        item_ids: itemIds,
        object: 'conversation.response',
        stored: stored !== undefined,
        status: typeof stored?.status === 'string' ? stored.status : null,
        model: typeof stored?.model === 'string' ? stored.model : null,
        created_at: typeof stored?.created_at === 'number' ? stored.created_at : null,
      };
    }),
  );
  sendJson(ctx, 200, { object: 'list', data });
}
