/**
 * The conversation a request continues: `previous_response_id` expanded from the store's chain
 * walk (previous input + output, tool calls and outputs, reasoning; never `instructions`), and
 * reasoning items carrying `encrypted_content` opened for the backend (H4). Also the sealing side:
 * reasoning output items get `encrypted_content` when the request includes it.
 */
import { errors } from '../protocol/errors.js';
import type { ReasoningKeyring } from '../crypto/reasoning-seal.js';
import type { CreateResponseRequest } from '../protocol/types.js';
import type { ConversationResult } from '../store/responses-store.js';
import type { ResponseObject } from './contract.js';
import type { CanonicalEvent } from './response-builder.js';
import { ANONYMOUS, ANONYMOUS_OWNER, ownerScope, type Principal } from '../tenancy/owner.js';

export const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

type Item = Record<string, unknown>;

export interface PreparedRequest {
  /** What the backend sees: the stored conversation, then this request's input (reasoning opened). */
  request: CreateResponseRequest;
  /** This request's own input as items, as sent (what `input_items` lists). */
  inputItems: Item[];
}

/** The request's `input` as a list of items (a string is one user message). */
export function inputAsItems(input: CreateResponseRequest['input']): Item[] {
  if (typeof input === 'string') {
    return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  }
  return Array.isArray(input) ? (input as unknown as Item[]) : [];
}

/**
 * Tenancy: `principal` decides which stored responses the chain may walk (another owner's
 * previous response is not found) and whose sealed reasoning may be opened (another owner's
 * token is a 400, as if tampered). Without one, the anonymous owner.
 */
export async function prepareConversation(
  request: CreateResponseRequest,
  store: { getConversation(id: string, owner?: string): ConversationResult | Promise<ConversationResult> },
  keyring: ReasoningKeyring,
  principal: Principal = ANONYMOUS,
): Promise<PreparedRequest> {
  const inputItems = inputAsItems(request.input);
  const own = inputItems.map((item, i) => openReasoning(item, i, keyring, principal.sealOwners));
  let history: Item[] = [];
  const previous = request.previous_response_id;
  if (typeof previous === 'string') {
    const found = await store.getConversation(previous, ownerScope(principal));
    if (!found.found) throw errors.previousResponseNotFound(previous);
    history = found.items.filter(isReplayable);
  }
  if (history.length === 0 && own.every((item, i) => item === inputItems[i])) return { request, inputItems };
  return {
    request: { ...request, input: [...history, ...own] as unknown as CreateResponseRequest['input'] },
    inputItems,
  };
}

/** Stored output may hold items a later turn cannot replay as context (none today but keep the filter explicit). */
function isReplayable(item: unknown): item is Item {
  return typeof item === 'object' && item !== null;
}

/** A reasoning input item with `encrypted_content` gets its sealed text back; a bad token is a 400 naming it. */
function openReasoning(item: Item, index: number, keyring: ReasoningKeyring, owners: readonly string[]): Item {
  if (item.type !== 'reasoning' || typeof item.encrypted_content !== 'string') return item;
  const payload = keyring.open(item.encrypted_content, `input[${index}].encrypted_content`, owners);
  return { ...item, content: payload.content, summary: payload.summary };
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

  /** RunHooks.decorate: adds the token to finished reasoning items and to terminal snapshots. */
  readonly decorate = (event: CanonicalEvent): void => {
    if (event.type === 'response.output_item.done') this.sealItem(event.item);
    const response = event.response as ResponseObject | undefined;
    if (
      response &&
      (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed')
    )
      this.sealResponse(response);
  };

  sealResponse(response: Pick<ResponseObject, 'output'>): void {
    for (const item of response.output) this.sealItem(item);
  }

  private sealItem(value: unknown): void {
    const item = value as Item | null;
    if (!item || item.type !== 'reasoning' || item.status === 'in_progress' || typeof item.id !== 'string') return;
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
    item.encrypted_content = token;
  }
}
