/** The prepared statements of responses-store.ts (prepared once per connection). */
import type { Database } from 'better-sqlite3';

export interface ResponseRow {
  body: string;
  owner: string;
  request_id: string | null;
  previous_response_id: string | null;
  metadata: string | null;
  stored_at: number;
  expires_at: number | null;
}

const VISIBLE = '(expires_at IS NULL OR expires_at > @now)';
/** Tenancy: a null owner (an admin, or the store's own callers) sees every row. */
const OWNED = '(@owner IS NULL OR owner = @owner)';

export function prepareStatements(db: Database) {
  return {
    meta: db.prepare<[string], { stored_at: number; expires_at: number | null; items_bytes: number }>(
      'SELECT stored_at, expires_at, items_bytes FROM responses WHERE id = ?',
    ),
    upsert: db.prepare(`
      INSERT INTO responses (id, status, created_at, stored_at, updated_at, expires_at, request_id,
                             previous_response_id, metadata, body, items_bytes, bytes, owner)
      VALUES (@id, @status, @created_at, @now, @now, @expires_at, @request_id, @previous_response_id,
              @metadata, @body, @items_bytes, @bytes, @owner)
      ON CONFLICT (id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at,
        updated_at = excluded.updated_at, expires_at = excluded.expires_at,
        request_id = excluded.request_id, previous_response_id = excluded.previous_response_id,
        metadata = excluded.metadata, body = excluded.body, items_bytes = excluded.items_bytes,
        bytes = excluded.bytes`),
    deleteItems: db.prepare<[string]>('DELETE FROM response_input_items WHERE response_id = ?'),
    insertItem: db.prepare<[string, number, string, string]>(
      'INSERT INTO response_input_items (response_id, position, item_id, body) VALUES (?, ?, ?, ?)',
    ),
    get: db.prepare<{ id: string; now: number; owner: string | null }, ResponseRow>(
      `SELECT body, owner, request_id, previous_response_id, metadata, stored_at, expires_at
       FROM responses WHERE id = @id AND ${VISIBLE} AND ${OWNED}`,
    ),
    exists: db.prepare<{ id: string; now: number; owner: string | null }, { one: number }>(
      `SELECT 1 AS one FROM responses WHERE id = @id AND ${VISIBLE} AND ${OWNED}`,
    ),
    delete: db.prepare<[string]>('DELETE FROM responses WHERE id = ?'),
    deleteOwned: db.prepare<{ id: string; owner: string | null }>(`DELETE FROM responses WHERE id = @id AND ${OWNED}`),
    itemPosition: db.prepare<[string, string], { position: number }>(
      'SELECT position FROM response_input_items WHERE response_id = ? AND item_id = ? ORDER BY position LIMIT 1',
    ),
    itemsAsc: db.prepare<[string, number, number], { item_id: string; body: string }>(
      'SELECT item_id, body FROM response_input_items WHERE response_id = ? AND position > ? ORDER BY position ASC LIMIT ?',
    ),
    itemsDesc: db.prepare<[string, number, number], { item_id: string; body: string }>(
      'SELECT item_id, body FROM response_input_items WHERE response_id = ? AND position < ? ORDER BY position DESC LIMIT ?',
    ),
    allItems: db.prepare<[string], { body: string }>(
      'SELECT body FROM response_input_items WHERE response_id = ? ORDER BY position ASC',
    ),
    totals: db.prepare<[], { count: number; bytes: number }>(
      "SELECT count, bytes FROM store_totals WHERE name = 'responses'",
    ),
    oldestEvictable: db.prepare<[string], { id: string }>(
      `SELECT id FROM responses WHERE status NOT IN ('queued', 'in_progress') AND id != ?
       ORDER BY stored_at LIMIT 1`,
    ),
    sweep: db.prepare<[number]>(
      `DELETE FROM responses WHERE id IN
         (SELECT id FROM responses WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT 500)`,
    ),
    running: db.prepare<[], { id: string }>("SELECT id FROM responses WHERE status IN ('queued', 'in_progress')"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
