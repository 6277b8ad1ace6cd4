/**
 * SQLite failures as the client sees them: a full disk (SQLITE_FULL, or ENOSPC from a file the
 * store writes itself) is a 503 `storage_full` with Retry-After, as an unreachable PostgreSQL is a
 * 503 `store_unavailable`. SQLite undoes the failed statement and keeps working: once space is
 * freed, the next write succeeds. Anything else stays what it was.
 */
import { errors, isGatewayError } from '../shared/protocol/errors.js';

/** True for errors that mean "the disk under the database is full". */
export function isDiskFull(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

export function asSqliteStoreError(err: unknown): unknown {
  if (isGatewayError(err)) return err;
  return isDiskFull(err) ? errors.storageFull('the SQLite database') : err;
}

/** Runs a synchronous store call as a settled promise, a full disk answered as `storage_full`. */
export function sqliteCall<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(asSqliteStoreError(err));
  }
}
