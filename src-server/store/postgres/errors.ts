/**
 * PostgreSQL failures as the client sees them: an unreachable or restarting server is a 503
 * `store_unavailable` with Retry-After (store: false requests keep working), a full disk a 503
 * `storage_full` (SQLite's is the same, sqlite-errors.ts); anything else stays what it was (a
 * GatewayError such as a full store, or a bug that the error handler reports).
 */
import { errors, isGatewayError } from '../../shared/protocol/errors.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE']);

/** True for errors that mean "the server cannot be reached or is going away". */
export function isUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, cannot connect now).
    if (/^08/.test(code) || /^57P0[123]$/.test(code)) return true;
  }
  const message = (err as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error|Query read timeout/i.test(
      message,
    )
  );
}

export function asStoreError(err: unknown): unknown {
  if (isGatewayError(err)) return err;
  // 53100 disk_full: the server is up but cannot write; it works again once space is freed.
  if ((err as { code?: unknown } | null)?.code === '53100') return errors.storageFull('PostgreSQL');
  if (isUnavailable(err)) {
    const code = (err as { code?: unknown }).code;
    return errors.storeUnavailable(typeof code === 'string' ? `PostgreSQL (${code})` : 'PostgreSQL is not reachable');
  }
  return err;
}
