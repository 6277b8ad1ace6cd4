/**
 * Conversations (the Conversations API, docs/state.md): a conversation object (id, created_at,
 * metadata, owner) and its ordered items. Items are copies: `items.create` adds them, and a
 * response created with `conversation` appends its input items and then its output items when it
 * completes. Deleting a conversation deletes its items; the responses that added them keep their own
 * stored input and output.
 *
 * Tenancy as in responses-store.ts: every read and write takes an owner filter and sees only that
 * owner's conversations (undefined = every owner, for admins); another owner's conversation is
 * missing (null / false), never "forbidden".
 *
 * The method set is small on purpose (a store interface has one implementation per database):
 * create, get, list, updateMetadata, delete, appendItems, listItems, allItems, getItem,
 * deleteItem, responses, findStoredItem.
 */
import { randomHex } from '../ids/ids.js';
import type { Database } from 'better-sqlite3';
import { errors } from '../shared/protocol/errors.js';
import { ANONYMOUS_OWNER } from '../tenancy/owner.js';
import {
  prepareConversationStatements,
  type ConversationItemRow,
  type ConversationRow,
  type ConversationStatements,
} from './conversations-sql.js';
import type { OwnerFilter } from './responses-store.js';

/** The Conversation object as the API returns it. */
export interface ConversationObject {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

export interface StoredConversation {
  conversation: ConversationObject;
  owner: string;
}

export interface ConversationList<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface ConversationPage {
  limit?: number;
  order?: 'asc' | 'desc';
  /** An id from the previous page: list what comes after it in the chosen order. */
  after?: string;
}

export interface ConversationsStoreOptions {
  /** Clock in ms (tests). */
  now?: () => number;
}

type Item = Record<string, unknown>;

const ITEM_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
};

export const newConversationId = (): string => `conv_${randomHex(24)}`;

/** An id for an item that came without one (the same prefixes as the model's own items). */
export function newItemId(item: Item): string {
  const type = typeof item.type === 'string' ? item.type : 'message';
  return `${ITEM_PREFIX[type] ?? 'item'}_${randomHex(24)}`;
}

/**
 * An input item as a conversation item: an id, `type`, and for messages a content list and a
 * status (the shape `ConversationItem` has when read back).
 */
export function asConversationItem(item: Item): Item {
  const out: Item = { ...item };
  if (typeof out.id !== 'string' || out.id === '') out.id = newItemId(item);
  const isMessage = out.type === 'message' || (out.type === undefined && out.role !== undefined);
  if (!isMessage) return out;
  out.type = 'message';
  if (typeof out.content === 'string') {
    const assistant = out.role === 'assistant';
    out.content = [
      assistant
        ? { type: 'output_text', text: out.content, annotations: [] }
        : { type: 'input_text', text: out.content },
    ];
  }
  if (out.status === undefined || out.status === null) out.status = 'completed';
  return out;
}

function toObject(row: ConversationRow): ConversationObject {
  return {
    id: row.id,
    object: 'conversation',
    created_at: row.created_at,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

/**
 * One page of an OpenAI list from `rows`, fetched with one row more than `limit` (that extra row
 * only says there is more).
 */
export function listPage<R, T>(
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  idOf: (row: R) => string,
): ConversationList<T> {
  const page = rows.slice(0, limit);
  return {
    object: 'list',
    data: page.map(toItem),
    first_id: page.length > 0 ? idOf(page[0]) : null,
    last_id: page.length > 0 ? idOf(page[page.length - 1]) : null,
    has_more: rows.length > limit,
  };
}

/** The items a conversation's responses added, grouped by response in the order of the rows. */
export function byResponse(
  rows: readonly { response_id: string; item_id: string }[],
): { responseId: string; itemIds: string[] }[] {
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const ids = out.get(row.response_id) ?? [];
    ids.push(row.item_id);
    out.set(row.response_id, ids);
  }
  return [...out].map(([responseId, itemIds]) => ({ responseId, itemIds }));
}

/** Paging rules of every engine: a 400 naming `limit` or `order` when out of range. */
export function checkPage(options: ConversationPage): { limit: number; order: 'asc' | 'desc' } {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw errors.invalidValue('limit', `Invalid 'limit': expected an integer from 1 to 100, got ${String(limit)}.`);
  const order = options.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw errors.invalidValue('order', `Invalid 'order': expected 'asc' or 'desc', got '${String(order)}'.`);
  return { limit, order };
}

export class ConversationsStore {
  private readonly stmt: ConversationStatements;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: ConversationsStoreOptions = {},
  ) {
    this.stmt = prepareConversationStatements(db);
    this.now = options.now ?? Date.now;
  }

  /** A new conversation with its first items (already validated), in one transaction. */
  create(input: { owner?: string; metadata?: Record<string, string> | null; items?: readonly Item[] }): {
    conversation: ConversationObject;
    items: Item[];
  } {
    return this.db
      .transaction(() => {
        const id = newConversationId();
        const createdAt = Math.floor(this.now() / 1000);
        const metadata = input.metadata ?? {};
        this.stmt.insert.run(id, input.owner ?? ANONYMOUS_OWNER, createdAt, JSON.stringify(metadata));
        const items = this.insertItems(id, input.items ?? [], null);
        return { conversation: { id, object: 'conversation' as const, created_at: createdAt, metadata }, items };
      })
      .immediate();
  }

  get(id: string, owner?: OwnerFilter): StoredConversation | null {
    const row = this.stmt.get.get({ id, owner: owner ?? null });
    return row ? { conversation: toObject(row), owner: row.owner } : null;
  }

  /** The owner's conversations, in creation order (default newest first). */
  list(options: ConversationPage = {}, owner?: OwnerFilter): ConversationList<ConversationObject> {
    const { limit, order } = checkPage(options);
    const after = options.after ?? '';
    if (after !== '' && !this.get(after, owner))
      throw errors.invalidValue('after', `No conversation with id '${after}' to list after.`);
    const stmt = order === 'asc' ? this.stmt.listAsc : this.stmt.listDesc;
    const rows = stmt.all({ owner: owner ?? null, after, limit: limit + 1 });
    return listPage(rows, limit, toObject, (r) => r.id);
  }

  /** Replaces the metadata; null when the conversation is not there for this owner. */
  updateMetadata(id: string, metadata: Record<string, string>, owner?: OwnerFilter): ConversationObject | null {
    return this.db
      .transaction(() => {
        const found = this.get(id, owner);
        if (!found) return null;
        this.stmt.setMetadata.run(JSON.stringify(metadata), id);
        return { ...found.conversation, metadata };
      })
      .immediate();
  }

  /** True when a visible conversation was deleted (its items go with it). */
  delete(id: string, owner?: OwnerFilter): boolean {
    return this.db
      .transaction(() => {
        if (!this.get(id, owner)) return false;
        this.stmt.delete.run(id);
        return true;
      })
      .immediate();
  }

  /**
   * Appends items in order (ids given where missing); null when the conversation is gone for this
   * owner. `responseId` names the response that added them (the console lists a conversation's
   * responses from it).
   */
  appendItems(
    id: string,
    items: readonly Item[],
    owner?: OwnerFilter,
    responseId: string | null = null,
  ): Item[] | null {
    return this.db
      .transaction(() => (this.get(id, owner) ? this.insertItems(id, items, responseId) : null))
      .immediate();
  }

  private insertItems(id: string, items: readonly Item[], responseId: string | null): Item[] {
    let position = this.stmt.nextPosition.get(id)?.next ?? 0;
    return items.map((raw) => {
      const item = asConversationItem(raw);
      this.stmt.insertItem.run(id, position++, item.id as string, responseId, JSON.stringify(item));
      return item;
    });
  }

  /** OpenAI list semantics (as input_items); null when the conversation is not there. */
  listItems(id: string, options: ConversationPage = {}, owner?: OwnerFilter): ConversationList<unknown> | null {
    const { limit, order } = checkPage(options);
    if (!this.get(id, owner)) return null;
    let cursor = order === 'asc' ? -1 : Number.MAX_SAFE_INTEGER;
    if (options.after !== undefined) {
      const found = this.stmt.itemPosition.get(id, options.after);
      if (!found) throw errors.invalidValue('after', `No item with id '${options.after}' in conversation '${id}'.`);
      cursor = found.position;
    }
    const rows = (order === 'asc' ? this.stmt.itemsAsc : this.stmt.itemsDesc).all(id, cursor, limit + 1);
    return listPage(
      rows,
      limit,
      (r) => JSON.parse(r.body) as unknown,
      (r) => r.item_id,
    );
  }

  /** Every item, oldest first (what a response in the conversation sees before its own input). */
  allItems(id: string, owner?: OwnerFilter): Item[] | null {
    if (!this.get(id, owner)) return null;
    return this.stmt.allItems.all(id).map((r: ConversationItemRow) => JSON.parse(r.body) as Item);
  }

  getItem(id: string, itemId: string, owner?: OwnerFilter): Item | null {
    if (!this.get(id, owner)) return null;
    const row = this.stmt.getItem.get(id, itemId);
    return row ? (JSON.parse(row.body) as Item) : null;
  }

  /** True when the item was there and is now deleted. */
  deleteItem(id: string, itemId: string, owner?: OwnerFilter): boolean {
    return this.db
      .transaction(() => this.get(id, owner) !== null && this.stmt.deleteItem.run(id, itemId).changes > 0)
      .immediate();
  }

  /** The responses that added items to the conversation, oldest first, with the ids of those items. */
  responses(id: string, owner?: OwnerFilter): { responseId: string; itemIds: string[] }[] | null {
    if (!this.get(id, owner)) return null;
    return byResponse(this.stmt.responseItems.all(id));
  }

  /**
   * The stored item with this id, for `item_reference` inputs: from the owner's conversations,
   * then the input items of the owner's stored responses, then their output items.
   */
  findStoredItem(itemId: string, owner?: OwnerFilter): Item | null {
    const o = owner ?? null;
    const now = this.now();
    const row =
      this.stmt.findConversationItem.get({ item: itemId, owner: o }) ??
      this.stmt.findInputItem.get({ item: itemId, owner: o, now }) ??
      this.stmt.findOutputItem.get({ item: itemId, quoted: JSON.stringify(itemId), owner: o, now });
    return row ? (JSON.parse(row.body) as Item) : null;
  }
}
