/**
 * Schema history of the store. `PRAGMA user_version` holds the number of the last migration
 * applied; each migration runs in its own transaction together with the version bump, so a
 * crash mid-migration leaves the previous version intact. Append new migrations; never edit one
 * that has shipped.
 */
import type { Database } from 'better-sqlite3';
import { requestSummary } from '../shared/recording-format/request-summary.js';

export interface Migration {
  /** 1, 2, 3 …: must equal its position in the list plus one. */
  version: number;
  name: string;
  up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'responses, input items, recordings',
    up: (db) => {
      db.exec(`
        -- Running totals kept by triggers, so quota checks are O(1) and stay exact across crashes.
        CREATE TABLE store_totals (
          name  TEXT PRIMARY KEY,
          count INTEGER NOT NULL DEFAULT 0,
          bytes INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO store_totals (name) VALUES ('responses'), ('recordings');

        CREATE TABLE responses (
          id                   TEXT PRIMARY KEY,
          status               TEXT NOT NULL,
          created_at           INTEGER NOT NULL,   -- Response.created_at (unix seconds)
          stored_at            INTEGER NOT NULL,   -- store clock (ms) at first save: eviction order
          updated_at           INTEGER NOT NULL,
          expires_at           INTEGER,            -- ms; NULL while running or when TTL is 0
          request_id           TEXT,
          previous_response_id TEXT,               -- no FK: the previous one may expire first
          metadata             TEXT,
          body                 TEXT NOT NULL,      -- the Response JSON, output included
          items_bytes          INTEGER NOT NULL,   -- input items' JSON, UTF-8 bytes
          bytes                INTEGER NOT NULL    -- body + metadata + input items, UTF-8 bytes
        );
        CREATE INDEX responses_expiry ON responses (expires_at) WHERE expires_at IS NOT NULL;
        CREATE INDEX responses_evictable ON responses (stored_at)
          WHERE status NOT IN ('queued', 'in_progress');
        CREATE INDEX responses_running ON responses (status)
          WHERE status IN ('queued', 'in_progress');

        CREATE TABLE response_input_items (
          response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
          position    INTEGER NOT NULL,
          item_id     TEXT NOT NULL,
          body        TEXT NOT NULL,
          PRIMARY KEY (response_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX response_input_items_by_id ON response_input_items (response_id, item_id);

        CREATE TRIGGER responses_totals_insert AFTER INSERT ON responses BEGIN
          UPDATE store_totals SET count = count + 1, bytes = bytes + NEW.bytes WHERE name = 'responses';
        END;
        CREATE TRIGGER responses_totals_update AFTER UPDATE OF bytes ON responses BEGIN
          UPDATE store_totals SET bytes = bytes - OLD.bytes + NEW.bytes WHERE name = 'responses';
        END;
        CREATE TRIGGER responses_totals_delete AFTER DELETE ON responses BEGIN
          UPDATE store_totals SET count = count - 1, bytes = bytes - OLD.bytes WHERE name = 'responses';
        END;

        CREATE TABLE recordings (
          id               TEXT PRIMARY KEY,
          request_id       TEXT,
          response_id      TEXT,
          session_id       TEXT,                  -- links continuations of one conversation
          created_at       INTEGER NOT NULL,      -- ms
          name             TEXT,
          tags             TEXT NOT NULL DEFAULT '[]',
          request          TEXT NOT NULL,         -- redacted by the caller
          status           TEXT NOT NULL,         -- 'recording' until finished
          http_status      INTEGER,
          response_headers TEXT,
          model            TEXT,
          duration_ms      REAL,
          tools_used       TEXT NOT NULL DEFAULT '[]',
          text_preview     TEXT,
          truncated        INTEGER NOT NULL DEFAULT 0,
          event_count      INTEGER NOT NULL DEFAULT 0,
          bytes            INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX recordings_created ON recordings (created_at);
        CREATE INDEX recordings_session ON recordings (session_id);
        CREATE INDEX recordings_response ON recordings (response_id);

        CREATE TABLE recording_events (
          recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
          seq          INTEGER NOT NULL,
          offset_ms    REAL NOT NULL,
          type         TEXT NOT NULL,
          data         BLOB NOT NULL,             -- exact bytes (TEXT when given as a string)
          PRIMARY KEY (recording_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE recording_actions (
          recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
          seq          INTEGER NOT NULL,
          offset_ms    REAL NOT NULL,
          kind         TEXT NOT NULL,
          data         TEXT NOT NULL,
          PRIMARY KEY (recording_id, seq)
        ) WITHOUT ROWID;

        CREATE TRIGGER recordings_totals_insert AFTER INSERT ON recordings BEGIN
          UPDATE store_totals SET count = count + 1, bytes = bytes + NEW.bytes WHERE name = 'recordings';
        END;
        CREATE TRIGGER recordings_totals_update AFTER UPDATE OF bytes ON recordings BEGIN
          UPDATE store_totals SET bytes = bytes - OLD.bytes + NEW.bytes WHERE name = 'recordings';
        END;
        CREATE TRIGGER recordings_totals_delete AFTER DELETE ON recordings BEGIN
          UPDATE store_totals SET count = count - 1, bytes = bytes - OLD.bytes WHERE name = 'recordings';
        END;
      `);
    },
  },
  {
    version: 2,
    name: 'recording events keyed by integer',
    up: (db) => {
      // Measured (docs/recording.md): an event row keyed by (TEXT recording id, seq) with a foreign
      // key check cost ~12 µs of CPU per insert; an INTEGER recording key and no per-row foreign
      // key check (a trigger deletes the events with their recording) ~7 µs, ~30 % fewer bytes.
      // `recording_events` stays as a view with the old columns for ad-hoc queries.
      db.exec(`
        ALTER TABLE recordings ADD COLUMN key INTEGER;
        UPDATE recordings SET key = rowid;
        CREATE UNIQUE INDEX recordings_key ON recordings (key);

        CREATE TABLE recording_event_rows (
          recording_key INTEGER NOT NULL,         -- recordings.key
          seq           INTEGER NOT NULL,
          offset_ms     REAL NOT NULL,
          type          TEXT NOT NULL,
          data          BLOB NOT NULL,            -- exact bytes (TEXT when given as a string)
          PRIMARY KEY (recording_key, seq)
        ) WITHOUT ROWID;
        INSERT INTO recording_event_rows (recording_key, seq, offset_ms, type, data)
          SELECT r.key, e.seq, e.offset_ms, e.type, e.data
          FROM recording_events e JOIN recordings r ON r.id = e.recording_id;
        DROP TABLE recording_events;

        CREATE TRIGGER recordings_events_delete AFTER DELETE ON recordings BEGIN
          DELETE FROM recording_event_rows WHERE recording_key = OLD.key;
        END;
        CREATE VIEW recording_events (recording_id, seq, offset_ms, type, data) AS
          SELECT r.id, e.seq, e.offset_ms, e.type, e.data
          FROM recording_event_rows e JOIN recordings r ON r.key = e.recording_key;
      `);
    },
  },
  {
    version: 3,
    name: 'owners of responses and recordings',
    up: (db) => {
      // Tenancy (docs/state.md): the owner id of the API key that created a row (never the key).
      // Rows from before owners existed belong to the anonymous owner, as on a gateway without keys.
      db.exec(`
        ALTER TABLE responses ADD COLUMN owner TEXT NOT NULL DEFAULT 'anonymous';
        ALTER TABLE recordings ADD COLUMN owner TEXT NOT NULL DEFAULT 'anonymous';
        CREATE INDEX recordings_owner ON recordings (owner, created_at);
      `);
    },
  },
  {
    version: 4,
    name: 'recording kind, input preview and re-run link',
    up: (db) => {
      // Library names ("first words of the input"), tool-output submissions told apart, re-runs
      // linked to their original: derived from the stored request, for old rows too.
      db.exec(`
        ALTER TABLE recordings ADD COLUMN request_kind TEXT NOT NULL DEFAULT 'response';
        ALTER TABLE recordings ADD COLUMN input_preview TEXT;
        ALTER TABLE recordings ADD COLUMN rerun_of TEXT;
      `);
      const update = db.prepare('UPDATE recordings SET request_kind = ?, input_preview = ?, rerun_of = ? WHERE id = ?');
      // In pages by rowid: an open iterator would block the updates on this connection.
      const page = db.prepare<[number], { rowid: number; id: string; request: string }>(
        'SELECT rowid, id, request FROM recordings WHERE rowid > ? ORDER BY rowid LIMIT 500',
      );
      for (let rows = page.all(0); rows.length > 0; rows = page.all(rows[rows.length - 1].rowid))
        for (const row of rows) {
          let request: unknown = null;
          try {
            request = JSON.parse(row.request) as unknown;
          } catch {
            // A request that is not JSON keeps the defaults.
          }
          const summary = requestSummary(request);
          update.run(summary.requestKind, summary.inputPreview, summary.rerunOf, row.id);
        }
    },
  },
  {
    version: 5,
    name: 'conversations and their items',
    up: (db) => {
      // The Conversations API (docs/state.md): a conversation belongs to an owner like a response;
      // its items are copies (a response in a conversation appends its input and output items), so
      // a response that expires or is deleted leaves the conversation whole, and the other way round.
      // `position` only grows (MAX + 1 inside the append transaction); deleting an item leaves a gap.
      db.exec(`
        CREATE TABLE conversations (
          id         TEXT PRIMARY KEY,
          owner      TEXT NOT NULL,
          created_at INTEGER NOT NULL,              -- Conversation.created_at (unix seconds)
          metadata   TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX conversations_owner ON conversations (owner, created_at);

        CREATE TABLE conversation_items (
          conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
          position        INTEGER NOT NULL,
          item_id         TEXT NOT NULL,
          response_id     TEXT,                     -- the response that added it; NULL for items.create
          body            TEXT NOT NULL,
          PRIMARY KEY (conversation_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX conversation_items_by_id ON conversation_items (item_id);

        -- item_reference inputs look stored input items up by id alone.
        CREATE INDEX response_input_items_by_item ON response_input_items (item_id);
      `);
    },
  },
  {
    version: 6,
    name: 'recording events in arrival order',
    up: (db) => {
      // Measured (docs/recording.md#write-path): a WITHOUT ROWID table keeps each row in its key's
      // B-tree, where a row over ~1 KB (a lifecycle event carrying the whole response) spills into
      // a 4 KB overflow page of its own, and the events of concurrent recordings split pages in
      // the middle. A rowid table appends rows in arrival order and holds rows up to ~4 KB in
      // place; the (recording_key, seq) key becomes a small index. Same columns, same view: the
      // table, trigger and view of migration 2 are stated again because SQLite cannot change a
      // table into a rowid table in place, and refuses the rename while the view names a dropped table.
      db.exec(`
        CREATE TABLE recording_event_rows_v6 (
          recording_key INTEGER NOT NULL,         -- recordings.key
          seq           INTEGER NOT NULL,
          offset_ms     REAL NOT NULL,
          type          TEXT NOT NULL,
          data          BLOB NOT NULL,            -- exact bytes (TEXT when given as a string)
          PRIMARY KEY (recording_key, seq)
        );
        INSERT INTO recording_event_rows_v6 (recording_key, seq, offset_ms, type, data)
          SELECT recording_key, seq, offset_ms, type, data FROM recording_event_rows ORDER BY recording_key, seq;
        DROP VIEW recording_events;
        DROP TRIGGER recordings_events_delete;
        DROP TABLE recording_event_rows;
        ALTER TABLE recording_event_rows_v6 RENAME TO recording_event_rows;

        CREATE TRIGGER recordings_events_delete AFTER DELETE ON recordings BEGIN
          DELETE FROM recording_event_rows WHERE recording_key = OLD.key;
        END;
        CREATE VIEW recording_events (recording_id, seq, offset_ms, type, data) AS
          SELECT r.id, e.seq, e.offset_ms, e.type, e.data
          FROM recording_event_rows e JOIN recordings r ON r.key = e.recording_key;
      `);
    },
  },
];

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

/** Brings the schema up to the last migration; a no-op when it is already there. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration '${m.name}' has version ${m.version}, expected ${i + 1}.`);
  });
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) {
    // A newer build wrote this file: refuse rather than guess at a schema we don't know.
    throw new Error(`The store schema is version ${from}, newer than this build (${migrations.length}).`);
  }
  const applied: string[] = [];
  for (const m of migrations.slice(from)) {
    db.transaction(() => {
      m.up(db);
      // PRAGMA takes no bound parameters; the version is an integer from the list above.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.name);
  }
  return { from, to: migrations.length, applied };
}
