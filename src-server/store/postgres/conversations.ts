/**
 * Conversations (X4) on PostgreSQL: the rules of ../conversations-store.ts (ids, ordering, paging,
 * tenancy, item ids) on the shared database, so that every instance sees the same conversations.
 *
 * Order: conversations by `seq` (a sequence, the insertion order SQLite gets from rowid), items by
 * `position`. An append locks its conversation's row (SELECT … FOR UPDATE) before taking
 * MAX(position) + 1, so concurrent appends from several instances queue instead of colliding.
 */
import type { Pool, PoolClient } from 'pg';
import { errors } from '../../shared/protocol/errors.js';
import { ANONYMOUS_OWNER } from '../../tenancy/owner.js';
import type { ConversationStorage } from '../contract.js';
import {
  asConversationItem,
  byResponse,
  checkPage,
  listPage,
  newConversationId,
  type ConversationList,
  type ConversationObject,
  type ConversationPage,
  type StoredConversation,
} from '../conversations-store.js';
import type { OwnerFilter } from '../responses-store.js';
import { inTransaction, queryRows } from './pool.js';

type Item = Record<string, unknown>;

interface ConversationRow {
  id: string;
  owner: string;
  created_at: string;
  metadata: string;
}

interface ItemRow {
  position: number;
  item_id: string;
  response_id: string | null;
  body: string;
}

const OWNED = '($2::text IS NULL OR owner = $2)';
const COLUMNS = 'id, owner, created_at, metadata';

function toObject(row: ConversationRow): ConversationObject {
  return {
    id: row.id,
    object: 'conversation',
    created_at: Number(row.created_at),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

export class PostgresConversations implements ConversationStorage {
  private readonly now: () => number;

  constructor(
    private readonly pool: Pool,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  private query<R extends object>(sql: string, params: unknown[], client?: PoolClient): Promise<R[]> {
    return queryRows<R>(client ?? this.pool, sql, params);
  }

  private async row(
    id: string,
    owner: OwnerFilter,
    client?: PoolClient,
    lock = false,
  ): Promise<ConversationRow | null> {
    const rows = await this.query<ConversationRow>(
      `SELECT ${COLUMNS} FROM conversations WHERE id = $1 AND ${OWNED}${lock ? ' FOR UPDATE' : ''}`,
      [id, owner ?? null],
      client,
    );
    return rows[0] ?? null;
  }

  create(input: {
    owner?: string;
    metadata?: Record<string, string> | null;
    items?: readonly Item[];
  }): Promise<{ conversation: ConversationObject; items: Item[] }> {
    return this.transaction(async (client) => {
      const id = newConversationId();
      const createdAt = Math.floor(this.now() / 1000);
      const metadata = input.metadata ?? {};
      await client.query('INSERT INTO conversations (id, owner, created_at, metadata) VALUES ($1, $2, $3, $4)', [
        id,
        input.owner ?? ANONYMOUS_OWNER,
        createdAt,
        JSON.stringify(metadata),
      ]);
      const items = await this.insertItems(client, id, input.items ?? [], null);
      return { conversation: { id, object: 'conversation' as const, created_at: createdAt, metadata }, items };
    });
  }

  async get(id: string, owner?: OwnerFilter): Promise<StoredConversation | null> {
    const row = await this.row(id, owner);
    return row ? { conversation: toObject(row), owner: row.owner } : null;
  }

  async list(options: ConversationPage = {}, owner?: OwnerFilter): Promise<ConversationList<ConversationObject>> {
    const { limit, order } = checkPage(options);
    const after = options.after ?? '';
    if (after !== '' && !(await this.get(after, owner)))
      throw errors.invalidValue('after', `No conversation with id '${after}' to list after.`);
    const params: unknown[] = [owner ?? null];
    let cursor = '';
    if (after !== '') {
      params.push(after);
      cursor = `AND seq ${order === 'asc' ? '>' : '<'} (SELECT seq FROM conversations WHERE id = $2)`;
    }
    const rows = await this.query<ConversationRow>(
      `SELECT ${COLUMNS} FROM conversations WHERE ($1::text IS NULL OR owner = $1) ${cursor}
       ORDER BY seq ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT ${limit + 1}`,
      params,
    );
    return listPage(rows, limit, toObject, (r) => r.id);
  }

  updateMetadata(
    id: string,
    metadata: Record<string, string>,
    owner?: OwnerFilter,
  ): Promise<ConversationObject | null> {
    return this.transaction(async (client) => {
      const row = await this.row(id, owner, client, true);
      if (!row) return null;
      await client.query('UPDATE conversations SET metadata = $1 WHERE id = $2', [JSON.stringify(metadata), id]);
      return { ...toObject(row), metadata };
    });
  }

  async delete(id: string, owner?: OwnerFilter): Promise<boolean> {
    const rows = await this.query<{ id: string }>(`DELETE FROM conversations WHERE id = $1 AND ${OWNED} RETURNING id`, [
      id,
      owner ?? null,
    ]);
    return rows.length > 0;
  }

  appendItems(
    id: string,
    items: readonly Item[],
    owner?: OwnerFilter,
    responseId: string | null = null,
  ): Promise<Item[] | null> {
    return this.transaction(async (client) =>
      (await this.row(id, owner, client, true)) ? this.insertItems(client, id, items, responseId) : null,
    );
  }

  /** Inside a transaction that holds the conversation's row (or created it). */
  private async insertItems(
    client: PoolClient,
    id: string,
    items: readonly Item[],
    responseId: string | null,
  ): Promise<Item[]> {
    if (items.length === 0) return [];
    const { rows } = await client.query<{ next: number; added: boolean | null }>(
      `SELECT COALESCE(MAX(position), -1) + 1 AS next, bool_or(response_id = $2) AS added
        FROM conversation_items WHERE conversation_id = $1`,
      [id, responseId],
    );
    // A response's items go in once: an append tried again after a failure whose commit went
    // through (the answer was lost) finds them there.
    if (rows[0]?.added === true) return [];
    let position = Number(rows[0]?.next ?? 0);
    const stored = items.map(asConversationItem);
    // One statement for the whole batch: a response's input and output items land together.
    const values: unknown[] = [];
    const tuples = stored.map((item) => {
      values.push(id, position++, item.id as string, responseId, JSON.stringify(item));
      const n = values.length;
      return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await client.query(
      `INSERT INTO conversation_items (conversation_id, position, item_id, response_id, body) VALUES ${tuples.join(', ')}`,
      values,
    );
    return stored;
  }

  async listItems(
    id: string,
    options: ConversationPage = {},
    owner?: OwnerFilter,
  ): Promise<ConversationList<unknown> | null> {
    const { limit, order } = checkPage(options);
    if (!(await this.row(id, owner))) return null;
    let cursor = order === 'asc' ? -1 : Number.MAX_SAFE_INTEGER;
    if (options.after !== undefined) {
      const found = await this.query<{ position: number }>(
        'SELECT position FROM conversation_items WHERE conversation_id = $1 AND item_id = $2 ORDER BY position LIMIT 1',
        [id, options.after],
      );
      if (!found[0]) throw errors.invalidValue('after', `No item with id '${options.after}' in conversation '${id}'.`);
      cursor = found[0].position;
    }
    const rows = await this.query<ItemRow>(
      `SELECT position, item_id, response_id, body FROM conversation_items
       WHERE conversation_id = $1 AND position ${order === 'asc' ? '>' : '<'} $2::bigint
       ORDER BY position ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT $3`,
      [id, cursor, limit + 1],
    );
    return listPage(
      rows,
      limit,
      (r) => JSON.parse(r.body) as unknown,
      (r) => r.item_id,
    );
  }

  async allItems(id: string, owner?: OwnerFilter): Promise<Item[] | null> {
    if (!(await this.row(id, owner))) return null;
    const rows = await this.query<ItemRow>(
      'SELECT body FROM conversation_items WHERE conversation_id = $1 ORDER BY position',
      [id],
    );
    return rows.map((r) => JSON.parse(r.body) as Item);
  }

  async getItem(id: string, itemId: string, owner?: OwnerFilter): Promise<Item | null> {
    if (!(await this.row(id, owner))) return null;
    const rows = await this.query<ItemRow>(
      'SELECT body FROM conversation_items WHERE conversation_id = $1 AND item_id = $2 ORDER BY position LIMIT 1',
      [id, itemId],
    );
    return rows[0] ? (JSON.parse(rows[0].body) as Item) : null;
  }

  deleteItem(id: string, itemId: string, owner?: OwnerFilter): Promise<boolean> {
    return this.transaction(async (client) => {
      if (!(await this.row(id, owner, client, true))) return false;
      const result = await client.query('DELETE FROM conversation_items WHERE conversation_id = $1 AND item_id = $2', [
        id,
        itemId,
      ]);
      return (result.rowCount ?? 0) > 0;
    });
  }

  async responses(id: string, owner?: OwnerFilter): Promise<{ responseId: string; itemIds: string[] }[] | null> {
    if (!(await this.row(id, owner))) return null;
    const rows = await this.query<{ response_id: string; item_id: string }>(
      `SELECT response_id, item_id FROM conversation_items
       WHERE conversation_id = $1 AND response_id IS NOT NULL ORDER BY position`,
      [id],
    );
    return byResponse(rows);
  }

  async findStoredItem(itemId: string, owner?: OwnerFilter): Promise<Item | null> {
    const o = owner ?? null;
    const now = this.now();
    const conversationItem = await this.query<{ body: string }>(
      `SELECT i.body FROM conversation_items i JOIN conversations c ON c.id = i.conversation_id
       WHERE i.item_id = $1 AND ($2::text IS NULL OR c.owner = $2) LIMIT 1`,
      [itemId, o],
    );
    if (conversationItem[0]) return JSON.parse(conversationItem[0].body) as Item;
    const visible = '(r.expires_at IS NULL OR r.expires_at > $3) AND ($2::text IS NULL OR r.owner = $2)';
    const inputItem = await this.query<{ body: string }>(
      `SELECT i.body FROM response_input_items i JOIN responses r ON r.id = i.response_id
       WHERE i.item_id = $1 AND ${visible} LIMIT 1`,
      [itemId, o, now],
    );
    if (inputItem[0]) return JSON.parse(inputItem[0].body) as Item;
    // Output items live inside the Response JSON: strpos() skips every body that cannot hold the
    // id before any is parsed, as SQLite's instr() does.
    const outputItem = await this.query<{ body: string }>(
      `SELECT o.value::text AS body FROM responses r, jsonb_array_elements(r.body::jsonb -> 'output') o
       WHERE ${visible} AND strpos(r.body, $4) > 0 AND o.value ->> 'id' = $1 LIMIT 1`,
      [itemId, o, now, JSON.stringify(itemId)],
    );
    return outputItem[0] ? (JSON.parse(outputItem[0].body) as Item) : null;
  }
}
