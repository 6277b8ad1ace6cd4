/**
 * The gateway's persistent store: one SQLite database holding stored responses, conversations and
 * recordings.
 * Policies (TTL, quotas, eviction, crash safety) are documented in the files they live in:
 * database.ts, responses-store.ts, conversations-store.ts, recordings-store.ts.
 */
import type { Database } from 'better-sqlite3';
import { integrityCheck, openDatabase } from './database.js';
import type { MigrationResult } from './migrations.js';
import { ConversationsStore } from './conversations-store.js';
import { RecordingsStore } from './recordings-store.js';
import { ResponsesStore } from './responses-store.js';

export { DATABASE_FILE, integrityCheck, openDatabase } from './database.js';
export { MIGRATIONS, migrate, type Migration, type MigrationResult } from './migrations.js';
export * from './responses-store.js';
export * from './recordings-store.js';
export * from './conversations-store.js';

export interface StoreOptions {
  /** Folder for `responses-studio.sqlite`; required unless inMemory. */
  dataDir?: string;
  inMemory?: boolean;
  /** Stored responses expire this long after they finish; 0 = never. */
  ttlSeconds?: number;
  /** Most responses kept; 0 = no limit. */
  maxItems?: number;
  /** Most bytes of stored response JSON; 0 = no limit. */
  maxBytes?: number;
  /** Most bytes of recordings; 0 = no limit. */
  recordingsMaxBytes?: number;
  /** Expiry sweep period (default 60 s; 0 = no timer). */
  sweepIntervalMs?: number;
  /** Mark responses and recordings a previous process left running as failed/interrupted (default true). */
  recoverInterrupted?: boolean;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Background write failures (sweep, recording flush); default: logged on stderr. */
  onError?: (err: unknown) => void;
}

export interface Store {
  readonly responses: ResponsesStore;
  readonly recordings: RecordingsStore;
  /** Conversations and their items (the Conversations API). */
  readonly conversations: ConversationsStore;
  /** Database path or ':memory:'. */
  readonly location: string;
  readonly migration: MigrationResult;
  /** The raw connection, for diagnostics (integrity check, benchmarks). */
  readonly db: Database;
  integrityCheck(): string;
  /** Flushes buffered recording events, stops the sweep and closes the database. Idempotent. */
  close(): void;
}

export function openStore(options: StoreOptions): Store {
  const { db, location, migration } = openDatabase({ dataDir: options.dataDir, inMemory: options.inMemory });
  const responses = new ResponsesStore(db, {
    ttlSeconds: options.ttlSeconds,
    maxItems: options.maxItems,
    maxBytes: options.maxBytes,
    sweepIntervalMs: options.sweepIntervalMs,
    now: options.now,
    onError: options.onError,
  });
  const recordings = new RecordingsStore(db, {
    maxBytes: options.recordingsMaxBytes,
    now: options.now,
    onError: options.onError,
  });
  const conversations = new ConversationsStore(db, { now: options.now });
  if (options.recoverInterrupted ?? true) {
    responses.recoverInterrupted();
    recordings.recoverInterrupted();
  }
  let closed = false;
  return {
    responses,
    recordings,
    conversations,
    location,
    migration,
    db,
    integrityCheck: () => integrityCheck(db),
    close() {
      if (closed) return;
      closed = true;
      try {
        recordings.close();
      } finally {
        responses.close();
        db.close();
      }
    },
  };
}
