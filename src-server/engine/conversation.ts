/**
 * The conversation a request continues: `previous_response_id` expanded from the store's chain
 * walk (previous input + output, tool calls and outputs, reasoning; never `instructions`) or a
 * `conversation`'s stored items, `item_reference` inputs replaced by the items they name, and
 * reasoning items carrying `encrypted_content` opened for the backend (H4). Also the sealing side:
 * reasoning output items get `encrypted_content` when the request includes it.
 */
import { errors } from '../shared/protocol/errors.js';
import type { ReasoningKeyring } from '../crypto/reasoning-seal.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { ConversationStorage, ResponseStorage } from '../store/contract.js';
import type { OwnerFilter } from '../store/responses-store.js';
import type { ResponseObject } from './contract.js';
import { isTerminalEvent, type EventStage } from './events.js';
import { ANONYMOUS, ANONYMOUS_OWNER, ownerScope, type Principal } from '../tenancy/owner.js';

export const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

type Item = Record<string, unknown>;

export interface PreparedRequest {
  /** What the backend sees: the stored conversation, then this request's input (reasoning opened). */
  request: CreateResponseRequest;
  /** This request's own input as items, item references resolved (what `input_items` lists). */
  inputItems: Item[];
  /** The conversation the response belongs to (`conversation` on create). */
  conversationId?: string;
}

/** The request's `input` as a list of items (a string is one user message). */
export function inputAsItems(input: CreateResponseRequest['input']): Item[] {
  if (typeof input === 'string') {
    return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  }
  return Array.isArray(input) ? (input as unknown as Item[]) : [];
}

/** The stores a request's context comes from. */
export interface ContextStores {
  responses: Pick<ResponseStorage, 'getConversation'>;
  conversations: Pick<ConversationStorage, 'allItems' | 'findStoredItem'>;
}

/** The conversation id of `conversation` (a string or `{id}`), or undefined. */
export function conversationIdOf(request: CreateResponseRequest): string | undefined {
  const value = (request as { conversation?: unknown }).conversation;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return undefined;
}

/**
 * Tenancy: `principal` decides which stored responses the chain may walk (another owner's
 * previous response is not found), which conversations and stored items it may read, and whose
 * sealed reasoning may be opened (another owner's token is a 400, as if tampered). Without one,
 * the anonymous owner.
 *
 * Context, oldest first: the `previous_response_id` chain or the `conversation`'s items (never
 * both: a 400), then this request's input with `item_reference` items replaced by the stored item.
 */
export async function prepareConversation(
  request: CreateResponseRequest,
  stores: ContextStores,
  keyring: ReasoningKeyring,
  principal: Principal = ANONYMOUS,
  options: ConversationOptions = {},
): Promise<PreparedRequest> {
  const scope = ownerScope(principal);
  const conversationId = conversationIdOf(request);
  const previous = request.previous_response_id;
  if (conversationId !== undefined && typeof previous === 'string')
    throw errors.invalidValue(
      'conversation',
      "'conversation' and 'previous_response_id' cannot be used together: a response continues one or the other.",
    );
  const sent = inputAsItems(request.input);
  // Most requests reference nothing: their items are taken as they are, without a promise each.
  const inputItems = sent.some(isReference)
    ? await Promise.all(sent.map((item, i) => resolveReference(item, i, stores.conversations, scope)))
    : sent;
  const own = inputItems.map((item, i) => openSealed(item, i, keyring, principal.sealOwners));
  let history: Item[] = [];
  if (typeof previous === 'string') {
    if (options.history) history = options.history;
    else {
      const found = await stores.responses.getConversation(previous, scope);
      if (!found.found) throw errors.previousResponseNotFound(previous);
      history = found.items.filter(isReplayable);
    }
    checkCallIds(history, inputItems);
  } else if (conversationId !== undefined) {
    const items = await stores.conversations.allItems(conversationId, scope);
    if (!items) throw errors.conversationNotFound(conversationId, 'conversation');
    history = items.map((item, i) => openSealed(item, i, keyring, principal.sealOwners, 'conversation'));
  }
  const base = { inputItems, ...(conversationId !== undefined ? { conversationId } : {}) };
  if (history.length === 0 && own.every((item, i) => item === sent[i])) return { request, ...base };
  return {
    request: { ...request, input: [...history, ...own] as unknown as CreateResponseRequest['input'] },
    ...base,
  };
}

/** An `item_reference` input: typed so, or an item with only an id. */
function isReference(item: Item): boolean {
  return (
    item.type === 'item_reference' ||
    ((item.type === undefined || item.type === null) && item.role === undefined && item.content === undefined)
  );
}

/** An `item_reference` input (typed, or an item with only an id) becomes the stored item it names. */
export async function resolveReference(
  item: Item,
  index: number,
  conversations: Pick<ConversationStorage, 'findStoredItem'>,
  scope: OwnerFilter,
  where = 'input',
): Promise<Item> {
  if (!isReference(item)) return item;
  const id = typeof item.id === 'string' ? item.id : '';
  const found = id === '' ? null : await conversations.findStoredItem(id, scope);
  if (!found) throw errors.itemReferenceNotFound(id, `${where}[${index}].id`);
  return found;
}

/** Stored output may hold items a later turn cannot replay as context (none today but keep the filter explicit). */
function isReplayable(item: unknown): item is Item {
  return typeof item === 'object' && item !== null;
}

export interface ConversationOptions {
  /**
   * The conversation so far, held by the caller instead of the store (a WebSocket connection's
   * local state for `store: false` chains): used for `previous_response_id` instead of the store walk.
   */
  history?: Item[];
}

/**
 * A continuation's `function_call_output` must answer a function call of the conversation (the
 * previous response's chain or this input): an unknown `call_id` is a 400 naming it, never a
 * tool message the backend cannot place.
 */
function checkCallIds(history: Item[], input: Item[]): void {
  const calls = new Set<unknown>();
  for (const item of history) if (item.type === 'function_call') calls.add(item.call_id);
  for (const item of input) if (item.type === 'function_call') calls.add(item.call_id);
  input.forEach((item, i) => {
    if (item.type === 'function_call_output' && !calls.has(item.call_id))
      throw errors.unknownCallId(`input[${i}].call_id`, String(item.call_id));
  });
}

/**
 * Sealed input items are opened for the backend; a bad token is a 400 naming it. A reasoning item
 * with `encrypted_content` gets its text back; a `compaction` item (POST /v1/responses/compact)
 * becomes a developer message carrying the summary of the conversation it replaced.
 */
function openSealed(
  item: Item,
  index: number,
  keyring: ReasoningKeyring,
  owners: readonly string[],
  where = 'input',
): Item {
  if (item.type === 'compaction') return openCompaction(item, index, keyring, owners, where);
  if (item.type !== 'reasoning' || typeof item.encrypted_content !== 'string') return item;
  const param = `${where}[${index}].encrypted_content`;
  const payload = keyring.open(item.encrypted_content, param, owners);
  if (payload.kind === 'compaction')
    throw errors.invalidEncryptedContent(param, 'The encrypted content is a compaction token, not reasoning.');
  return { ...item, content: payload.content, summary: payload.summary };
}

/** Opening line of the developer message a compaction item becomes. */
export const COMPACTION_PREAMBLE = 'Summary of the earlier conversation, which was compacted:';

function openCompaction(
  item: Item,
  index: number,
  keyring: ReasoningKeyring,
  owners: readonly string[],
  where: string,
): Item {
  const param = `${where}[${index}].encrypted_content`;
  if (typeof item.encrypted_content !== 'string') throw errors.missingRequired(param);
  const payload = keyring.open(item.encrypted_content, param, owners);
  if (payload.kind !== 'compaction')
    throw errors.invalidEncryptedContent(param, 'The encrypted content is not a compaction token of this gateway.');
  const summary = payload.content.map((c) => c.text).join('\n');
  return {
    type: 'message',
    role: 'developer',
    content: [{ type: 'input_text', text: `${COMPACTION_PREAMBLE}\n${summary}` }],
  };
}

/**
 * Seals reasoning output items for `include: ["reasoning.encrypted_content"]`. One token per item
 * id, so the stream events, the final object and the stored copy carry the same token.
 */
export class ReasoningSealer {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly keyring: ReasoningKeyring,
    private readonly model: string,
    /** Owner the tokens are bound to (tenancy). */
    private readonly owner: string = ANONYMOUS_OWNER,
  ) {}

  /**
   * RunHooks.decorate, a stage of the event chain: finished reasoning items and terminal snapshots
   * come out with the token (copies; the event given is not changed).
   */
  readonly decorate: EventStage = (event) => {
    if (event.type === 'response.output_item.done') {
      const token = this.tokenOf(event.item);
      return token === undefined ? event : { ...event, item: { ...event.item, encrypted_content: token } };
    }
    if (!isTerminalEvent(event) || !event.response.output.some((item) => this.tokenOf(item) !== undefined))
      return event;
    const output = event.response.output.map((item) => {
      const token = this.tokenOf(item);
      return token === undefined ? item : { ...item, encrypted_content: token };
    });
    return { ...event, response: { ...event.response, output } };
  };

  sealResponse(response: Pick<ResponseObject, 'output'>): void {
    for (const item of response.output) {
      const token = this.tokenOf(item);
      if (token !== undefined) (item as unknown as Item).encrypted_content = token;
    }
  }

  /** The token of a finished reasoning item (made once per item id); undefined for any other item. */
  private tokenOf(value: unknown): string | undefined {
    const item = value as Item | null;
    if (!item || item.type !== 'reasoning' || item.status === 'in_progress' || typeof item.id !== 'string')
      return undefined;
    let token = this.tokens.get(item.id);
    if (!token) {
      const content = Array.isArray(item.content) ? (item.content as { text?: unknown }[]) : [];
      const summary = Array.isArray(item.summary) ? (item.summary as { text?: unknown }[]) : [];
      token = this.keyring.seal(
        {
          model: this.model,
          created_at: Math.floor(Date.now() / 1000),
          content: content.map((c) => ({ type: 'reasoning_text' as const, text: String(c.text ?? '') })),
          summary: summary.map((s) => ({ type: 'summary_text' as const, text: String(s.text ?? '') })),
        },
        this.owner,
      );
      this.tokens.set(item.id, token);
    }
    return token;
  }
}
