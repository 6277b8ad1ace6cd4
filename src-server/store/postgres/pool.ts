/**
 * The two ways the PostgreSQL modules talk to the pool: one statement, or a unit of work in one
 * transaction (rolled back when it throws). Connection failures become the client-facing 503
 * `store_unavailable` (errors.ts); everything else is rethrown as it was.
 */
import type { Pool, PoolClient } from 'pg';
import { asStoreError } from './errors.js';

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw asStoreError(err);
  }
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asStoreError(err);
  } finally {
    client.release();
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
