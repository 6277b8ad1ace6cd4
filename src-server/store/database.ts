/**
 * Opens the store's SQLite database (better-sqlite3: synchronous, statements prepared once).
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. In WAL mode a commit appends to the
 * write-ahead log and NORMAL skips the fsync on each commit (the WAL is synced at checkpoints).
 * If the process dies (crash, SIGKILL) every committed transaction survives and the file stays
 * consistent, because the log is already in the OS page cache and is replayed on the next open.
 * Only an OS crash or power loss can lose the last transactions before the latest checkpoint —
 * still without corruption. FULL would fsync each commit and cut write throughput several-fold,
 * which a local developer gateway does not need.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrate, type Migration, type MigrationResult } from './migrations.js';
import { ensurePrivateFile, makePrivateDir, restrictFile } from './private-files.js';

export type { Database };

export const DATABASE_FILE = 'responses-studio.sqlite';

export interface OpenDatabaseOptions {
  /** Folder that holds `responses-studio.sqlite` (created if missing). */
  dataDir?: string;
  /** In-memory database (tests); wins over dataDir. */
  inMemory?: boolean;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Override the schema history (tests of the migration runner). */
  migrations?: readonly Migration[];
}

export interface OpenedDatabase {
  db: Database;
  /** File path, or ':memory:'. */
  location: string;
  migration: MigrationResult;
}

export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  let location = ':memory:';
  if (!options.inMemory) {
    if (!options.dataDir) throw new Error('openDatabase needs a dataDir or inMemory: true.');
    makePrivateDir(options.dataDir);
    location = path.join(options.dataDir, DATABASE_FILE);
    // SQLite creates the -wal and -shm files with the database file's mode: 0600 for all three.
    ensurePrivateFile(location);
    restrictFile(`${location}-wal`);
    restrictFile(`${location}-shm`);
  }
  const db = new BetterSqlite3(location);
  try {
    // In memory, journal_mode stays 'memory': WAL only applies to files.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    const migration = migrate(db, options.migrations);
    return { db, location, migration };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** `PRAGMA integrity_check` result: 'ok' or the list of problems found. */
export function integrityCheck(db: Database): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('\n');
}
