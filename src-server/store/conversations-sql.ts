/** The prepared statements of conversations-store.ts (prepared once per connection). */
import type { Database } from 'better-sqlite3';

export interface ConversationRow {
  id: string;
  owner: string;
  created_at: number;
  metadata: string;
}

export interface ConversationItemRow {
  position: number;
  item_id: string;
  response_id: string | null;
  body: string;
}

/** Tenancy: a null owner (an admin, or the store's own callers) sees every row. */
const OWNED = '(@owner IS NULL OR owner = @owner)';
/** A stored response is visible until its TTL passes (responses-sql.ts has the same rule). */
const VISIBLE = '(r.expires_at IS NULL OR r.expires_at > @now)';

export function prepareConversationStatements(db: Database) {
  return {
    insert: db.prepare<[string, string, number, string]>(
      'INSERT INTO conversations (id, owner, created_at, metadata) VALUES (?, ?, ?, ?)',
    ),
    get: db.prepare<{ id: string; owner: string | null }, ConversationRow>(
      `SELECT id, owner, created_at, metadata FROM conversations WHERE id = @id AND ${OWNED}`,
    ),
    listAsc: db.prepare<{ owner: string | null; after: string; limit: number }, ConversationRow>(
      `SELECT id, owner, created_at, metadata FROM conversations
       WHERE ${OWNED} AND rowid > COALESCE((SELECT rowid FROM conversations WHERE id = @after), 0)
       ORDER BY rowid ASC LIMIT @limit`,
    ),
    listDesc: db.prepare<{ owner: string | null; after: string; limit: number }, ConversationRow>(
      `SELECT id, owner, created_at, metadata FROM conversations
       WHERE ${OWNED} AND rowid < COALESCE((SELECT rowid FROM conversations WHERE id = @after), 9223372036854775807)
       ORDER BY rowid DESC LIMIT @limit`,
    ),
    setMetadata: db.prepare<[string, string]>('UPDATE conversations SET metadata = ? WHERE id = ?'),
    delete: db.prepare<[string]>('DELETE FROM conversations WHERE id = ?'),
    nextPosition: db.prepare<[string], { next: number }>(
      'SELECT COALESCE(MAX(position), -1) + 1 AS next FROM conversation_items WHERE conversation_id = ?',
    ),
    insertItem: db.prepare<[string, number, string, string | null, string]>(
      'INSERT INTO conversation_items (conversation_id, position, item_id, response_id, body) VALUES (?, ?, ?, ?, ?)',
    ),
    itemPosition: db.prepare<[string, string], { position: number }>(
      'SELECT position FROM conversation_items WHERE conversation_id = ? AND item_id = ? ORDER BY position LIMIT 1',
    ),
    itemsAsc: db.prepare<[string, number, number], ConversationItemRow>(
      `SELECT position, item_id, response_id, body FROM conversation_items
       WHERE conversation_id = ? AND position > ? ORDER BY position ASC LIMIT ?`,
    ),
    itemsDesc: db.prepare<[string, number, number], ConversationItemRow>(
      `SELECT position, item_id, response_id, body FROM conversation_items
       WHERE conversation_id = ? AND position < ? ORDER BY position DESC LIMIT ?`,
    ),
    allItems: db.prepare<[string], ConversationItemRow>(
      'SELECT position, item_id, response_id, body FROM conversation_items WHERE conversation_id = ? ORDER BY position',
    ),
    getItem: db.prepare<[string, string], ConversationItemRow>(
      `SELECT position, item_id, response_id, body FROM conversation_items
       WHERE conversation_id = ? AND item_id = ? ORDER BY position LIMIT 1`,
    ),
    deleteItem: db.prepare<[string, string]>(
      'DELETE FROM conversation_items WHERE conversation_id = ? AND item_id = ?',
    ),
    responseItems: db.prepare<[string], { response_id: string; item_id: string }>(
      `SELECT response_id, item_id FROM conversation_items WHERE conversation_id = ? AND response_id IS NOT NULL
       ORDER BY position`,
    ),
    // item_reference: a conversation's item, a stored response's input item, then its output item.
    findConversationItem: db.prepare<{ item: string; owner: string | null }, { body: string }>(
      `SELECT i.body FROM conversation_items i JOIN conversations c ON c.id = i.conversation_id
       WHERE i.item_id = @item AND (@owner IS NULL OR c.owner = @owner) LIMIT 1`,
    ),
    findInputItem: db.prepare<{ item: string; owner: string | null; now: number }, { body: string }>(
      `SELECT i.body FROM response_input_items i JOIN responses r ON r.id = i.response_id
       WHERE i.item_id = @item AND (@owner IS NULL OR r.owner = @owner) AND ${VISIBLE} LIMIT 1`,
    ),
    // Output items live inside the Response JSON: instr() skips every body that cannot hold the
    // id before json_each parses any, so the cost is one substring scan of the owner's responses.
    findOutputItem: db.prepare<{ item: string; quoted: string; owner: string | null; now: number }, { body: string }>(
      `SELECT o.value AS body FROM responses r, json_each(r.body, '$.output') o
       WHERE (@owner IS NULL OR r.owner = @owner) AND ${VISIBLE} AND instr(r.body, @quoted) > 0
         AND json_extract(o.value, '$.id') = @item LIMIT 1`,
    ),
  };
}

export type ConversationStatements = ReturnType<typeof prepareConversationStatements>;
