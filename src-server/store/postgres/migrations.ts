/**
 * The PostgreSQL schema, versioned like the SQLite one (../migrations.ts): each migration runs
 * once, in order, in its own transaction, recorded in `studio_migrations`. Instances starting at
 * the same time take an advisory lock first, so exactly one of them applies a migration.
 *
 * Times are epoch milliseconds (bigint) as in SQLite; JSON is stored as text, byte-for-byte what
 * the SQLite engine keeps, so quotas count the same bytes on both engines.
 */
import type { Pool } from 'pg';

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/** Key of the advisory lock held while migrating (any constant; "studio" in ASCII). */
const MIGRATION_LOCK = 0x73747564696f;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'responses and input items, with owners and instance leases',
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        stored_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        expires_at BIGINT,
        request_id TEXT,
        previous_response_id TEXT,
        metadata TEXT,
        body TEXT NOT NULL,
        items_bytes BIGINT NOT NULL DEFAULT 0,
        bytes BIGINT NOT NULL,
        owner TEXT NOT NULL DEFAULT 'anonymous',
        -- The instance running the response and until when its lease holds (queued / in progress only).
        instance_id TEXT,
        lease_until BIGINT
      );
      CREATE INDEX responses_expiry ON responses (expires_at) WHERE expires_at IS NOT NULL;
      CREATE INDEX responses_evictable ON responses (stored_at) WHERE status NOT IN ('queued', 'in_progress');
      CREATE INDEX responses_running ON responses (lease_until) WHERE status IN ('queued', 'in_progress');
      CREATE TABLE response_input_items (
        response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (response_id, position)
      );
      CREATE INDEX response_input_items_by_id ON response_input_items (response_id, item_id);
    `,
  },
  {
    version: 2,
    name: 'conversations and their items',
    // As SQLite migration 5 (../migrations.ts); `seq` keeps the creation order (SQLite's rowid).
    sql: `
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        seq BIGSERIAL NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX conversations_owner ON conversations (owner, seq);
      CREATE TABLE conversation_items (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        response_id TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (conversation_id, position)
      );
      CREATE INDEX conversation_items_by_id ON conversation_items (item_id);
      CREATE INDEX response_input_items_by_item ON response_input_items (item_id);
    `,
  },
  {
    version: 3,
    name: 'recordings, their events and actions',
    // As SQLite's recordings (../migrations.ts, 1-4): \`seq\` keeps the creation order (SQLite's
    // rowid); counters are updated with each batch, so \`bytes\` is exact after a crash. Event data
    // are the exact bytes sent (\`is_text\`: handed back as a string, as SQLite's TEXT values are).
    sql: `
      CREATE TABLE recordings (
        id TEXT PRIMARY KEY,
        seq BIGSERIAL NOT NULL UNIQUE,
        request_id TEXT,
        response_id TEXT,
        session_id TEXT,
        created_at BIGINT NOT NULL,
        name TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        request TEXT NOT NULL,
        status TEXT NOT NULL,
        http_status INTEGER,
        response_headers TEXT,
        model TEXT,
        duration_ms DOUBLE PRECISION,
        tools_used TEXT NOT NULL DEFAULT '[]',
        text_preview TEXT,
        truncated BOOLEAN NOT NULL DEFAULT false,
        event_count INTEGER NOT NULL DEFAULT 0,
        bytes BIGINT NOT NULL,
        owner TEXT NOT NULL DEFAULT 'anonymous',
        request_kind TEXT NOT NULL DEFAULT 'response',
        input_preview TEXT,
        rerun_of TEXT,
        -- The instance writing it while status is 'recording' (marked interrupted when it restarts).
        instance_id TEXT
      );
      CREATE INDEX recordings_created ON recordings (created_at DESC, seq DESC);
      CREATE INDEX recordings_owner ON recordings (owner, created_at DESC);
      CREATE INDEX recordings_session ON recordings (session_id);
      CREATE INDEX recordings_response ON recordings (response_id);
      CREATE INDEX recordings_evictable ON recordings (created_at, seq) WHERE status <> 'recording';
      CREATE TABLE recording_events (
        recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        offset_ms DOUBLE PRECISION NOT NULL,
        type TEXT NOT NULL,
        data BYTEA NOT NULL,
        is_text BOOLEAN NOT NULL,
        PRIMARY KEY (recording_id, seq)
      );
      CREATE TABLE recording_actions (
        recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        offset_ms DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (recording_id, seq)
      );
    `,
  },
  {
    version: 4,
    name: 'recordings waiting to join the session of a response another instance records',
    // A tool-output submission recorded before the instance running its response stored that
    // response's id: the response it answers, until the run is moved into that response's
    // session (./recordings.ts, whichever of the two writes lands second).
    sql: `
      ALTER TABLE recordings ADD COLUMN joins TEXT;
      CREATE INDEX recordings_joins ON recordings (joins) WHERE joins IS NOT NULL;
    `,
  },
];

export interface PostgresMigrationResult {
  from: number;
  to: number;
  applied: number[];
}

export async function migratePostgres(
  pool: Pool,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<PostgresMigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS studio_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM studio_migrations');
      const from = rows[0]?.v ?? 0;
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= from) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO studio_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(m.version);
      }
      return { from, to: applied.length > 0 ? applied[applied.length - 1] : from, applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
