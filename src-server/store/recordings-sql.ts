/** The prepared statements of recordings-store.ts (prepared once per connection) and row mapping. */
import type { Database } from 'better-sqlite3';
import type { RecordingSummary } from './recordings-store.js';
import type { StartRow } from './recordings-writer.js';

export interface SummaryRow {
  id: string;
  request_id: string | null;
  response_id: string | null;
  session_id: string | null;
  created_at: number;
  name: string | null;
  tags: string;
  status: string;
  http_status: number | null;
  model: string | null;
  duration_ms: number | null;
  tools_used: string;
  text_preview: string | null;
  truncated: number;
  event_count: number;
  bytes: number;
  request_kind: string;
  input_preview: string | null;
  rerun_of: string | null;
}

/** Tenancy: a null owner (an admin, or the store's own callers) sees every recording. */
const OWNED = '(@owner IS NULL OR owner = @owner)';

const SUMMARY_COLUMNS = `id, request_id, response_id, session_id, created_at, name, tags, status, http_status,
  model, duration_ms, tools_used, text_preview, truncated, event_count, bytes, request_kind, input_preview, rerun_of`;

export function prepareStatements(db: Database) {
  return {
    // `key` (the events' integer key): one more than the largest, found through its unique index.
    insert: db.prepare<[StartRow], { key: number }>(`INSERT INTO recordings (id,
        request_id, response_id, session_id, created_at, name, tags, request, status, model, bytes, owner, request_kind,
        input_preview, rerun_of, key)
      VALUES (@id, @request_id, @response_id, @session_id, @created_at, @name, @tags, @request, 'recording',
        @model, @bytes, @owner, @request_kind, @input_preview, @rerun_of, (SELECT coalesce(max(key), 0) + 1 FROM recordings))
      RETURNING key`),
    keyOf: db.prepare<[string], { key: number }>('SELECT key FROM recordings WHERE id = ?'),
    insertEvent: db.prepare<[number, number, number, string, string | Uint8Array]>(
      'INSERT INTO recording_event_rows (recording_key, seq, offset_ms, type, data) VALUES (?, ?, ?, ?, ?)',
    ),
    insertAction: db.prepare<[string, number, number, string, string]>(
      'INSERT INTO recording_actions (recording_id, seq, offset_ms, kind, data) VALUES (?, ?, ?, ?, ?)',
    ),
    grow: db.prepare<[number, number, string]>(
      'UPDATE recordings SET bytes = bytes + ?, event_count = event_count + ? WHERE id = ?',
    ),
    patch: db.prepare(`UPDATE recordings SET
        response_id = coalesce(@response_id, response_id), session_id = coalesce(@session_id, session_id),
        http_status = coalesce(@http_status, http_status),
        response_headers = coalesce(@response_headers, response_headers), model = coalesce(@model, model),
        tools_used = coalesce(@tools_used, tools_used), text_preview = coalesce(@text_preview, text_preview),
        status = coalesce(@status, status), duration_ms = coalesce(@duration_ms, duration_ms)
      WHERE id = @id`),
    summary: db.prepare<{ id: string; owner: string | null }, SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM recordings WHERE id = @id AND ${OWNED}`,
    ),
    ownerOf: db.prepare<[string], { owner: string }>('SELECT owner FROM recordings WHERE id = ?'),
    sessionOfResponse: db.prepare<{ responseId: string; owner: string | null }, { session_id: string | null }>(
      `SELECT session_id FROM recordings WHERE response_id = @responseId AND ${OWNED}
        ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    ),
    detail: db.prepare<[string], { request: string; response_headers: string | null }>(
      'SELECT request, response_headers FROM recordings WHERE id = ?',
    ),
    events: db.prepare<
      [string, number, number],
      { seq: number; offset_ms: number; type: string; data: string | Buffer }
    >(
      `SELECT seq, offset_ms, type, data FROM recording_event_rows
        WHERE recording_key = (SELECT key FROM recordings WHERE id = ?) AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    actions: db.prepare<[string], { seq: number; offset_ms: number; kind: string; data: string }>(
      'SELECT seq, offset_ms, kind, data FROM recording_actions WHERE recording_id = ? ORDER BY seq',
    ),
    list: db.prepare<Record<string, string | number | null>, SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM recordings
      WHERE (@session IS NULL OR session_id = @session) AND ${OWNED}
        AND (@exact IS NULL OR id = @exact OR response_id = @exact OR request_id = @exact OR rerun_of = @exact
             OR (@like IS NOT NULL AND (name LIKE @like ESCAPE '\\' OR model LIKE @like ESCAPE '\\'
               OR status LIKE @like ESCAPE '\\' OR tags LIKE @like ESCAPE '\\' OR tools_used LIKE @like ESCAPE '\\'
               OR text_preview LIKE @like ESCAPE '\\' OR input_preview LIKE @like ESCAPE '\\')))
      ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`),
    count: db.prepare<Record<string, string | number | null>, { n: number }>(`SELECT count(*) AS n FROM recordings
      WHERE (@session IS NULL OR session_id = @session) AND ${OWNED}
        AND (@exact IS NULL OR id = @exact OR response_id = @exact OR request_id = @exact OR rerun_of = @exact
             OR (@like IS NOT NULL AND (name LIKE @like ESCAPE '\\' OR model LIKE @like ESCAPE '\\'
               OR status LIKE @like ESCAPE '\\' OR tags LIKE @like ESCAPE '\\' OR tools_used LIKE @like ESCAPE '\\'
               OR text_preview LIKE @like ESCAPE '\\' OR input_preview LIKE @like ESCAPE '\\')))`),
    delete: db.prepare<[string]>('DELETE FROM recordings WHERE id = ?'),
    rename: db.prepare<[string | null, string]>('UPDATE recordings SET name = ? WHERE id = ?'),
    tag: db.prepare<[string, string]>('UPDATE recordings SET tags = ? WHERE id = ?'),
    truncate: db.prepare<[string]>('UPDATE recordings SET truncated = 1 WHERE id = ?'),
    totals: db.prepare<[], { count: number; bytes: number }>(
      "SELECT count, bytes FROM store_totals WHERE name = 'recordings'",
    ),
    oldestFinished: db.prepare<[], { id: string }>(
      "SELECT id FROM recordings WHERE status != 'recording' ORDER BY created_at, rowid LIMIT 1",
    ),
    // Counters are written at finish (recordings-writer.ts): a recording left open by a crash gets
    // them recomputed from its rows (bytes as written: request JSON + event data + action data).
    recover: db.prepare(`UPDATE recordings SET status = 'interrupted',
        event_count = (SELECT count(*) FROM recording_event_rows e WHERE e.recording_key = recordings.key),
        bytes = length(CAST(request AS BLOB))
          + (SELECT coalesce(sum(length(CAST(e.data AS BLOB))), 0) FROM recording_event_rows e
             WHERE e.recording_key = recordings.key)
          + (SELECT coalesce(sum(length(CAST(a.data AS BLOB))), 0) FROM recording_actions a
             WHERE a.recording_id = recordings.id)
      WHERE status = 'recording'`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export function toSummary(row: SummaryRow): RecordingSummary {
  return {
    id: row.id,
    requestId: row.request_id,
    responseId: row.response_id,
    sessionId: row.session_id,
    createdAt: row.created_at,
    name: row.name,
    tags: JSON.parse(row.tags) as string[],
    status: row.status,
    httpStatus: row.http_status,
    model: row.model,
    durationMs: row.duration_ms,
    toolsUsed: JSON.parse(row.tools_used) as string[],
    textPreview: row.text_preview,
    truncated: row.truncated === 1,
    eventCount: row.event_count,
    bytes: row.bytes,
    requestKind: row.request_kind === 'tool_outputs' ? 'tool_outputs' : 'response',
    inputPreview: row.input_preview,
    rerunOf: row.rerun_of,
  };
}
