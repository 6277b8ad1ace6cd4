/**
 * The two ways the PostgreSQL modules talk to the pool: one statement, or a unit of work in one
 * transaction (rolled back when it throws). Connection failures become the client-facing 503
 * `store_unavailable` (errors.ts); everything else is rethrown as it was.
 */
import type { Pool, PoolClient } from 'pg';
import { asStoreError, isUnavailable } from './errors.js';

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw asStoreError(err);
  }
  // A connection that dies while checked out (server stopped, backend terminated) emits 'error' on
  // its client, and pg-pool listens only on idle ones: without this listener the process would
  // crash. The query in flight fails with the same error, which is what the caller sees.
  // A connection that failed or timed out is not reused (released with its error): it may still be
  // inside the transaction, or have a statement running that the next user would wait behind.
  let broken: Error | undefined;
  const onLost = (err: Error): void => {
    broken ??= err;
  };
  client.on('error', onLost);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (broken === undefined && isUnavailable(err)) broken = err as Error;
    if (broken === undefined) await client.query('ROLLBACK').catch(() => undefined);
    throw asStoreError(err);
  } finally {
    client.off('error', onLost);
    client.release(broken);
  }
}

/** The rows of one statement, on the pool or on a transaction's client. */
export async function queryRows<R extends object>(on: Pool | PoolClient, sql: string, params: unknown[]): Promise<R[]> {
  try {
    return (await on.query<R>(sql, params)).rows;
  } catch (err) {
    throw asStoreError(err);
  }
}
