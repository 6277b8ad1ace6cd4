/**
 * The shared engine: PostgreSQL through `pg`'s pool, for several gateway instances on one
 * database (`--store postgres://…`, docs/deploy.md). Opening migrates the schema (once, under an
 * advisory lock), then timers keep this instance's leases alive, fail the responses of instances
 * that died (their leases ran out) and sweep expired responses. A lost server never crashes the
 * process: requests that need the store answer 503 `store_unavailable` until it is back.
 */
import pg from 'pg';
import type { GatewayStore, StoreHealth } from '../contract.js';
import { migratePostgres, type PostgresMigrationResult } from './migrations.js';
import { PostgresResponses } from './responses.js';
import { PostgresConversations } from './conversations.js';
import { PostgresRecordings } from './recordings.js';

export { POSTGRES_MIGRATIONS, migratePostgres } from './migrations.js';
export { PostgresResponses } from './responses.js';
export { PostgresConversations } from './conversations.js';
export { PostgresRecordings } from './recordings.js';

export interface PostgresStoreOptions {
  url: string;
  /** This instance's id (leases, logs). */
  instanceId: string;
  /** Lease of a running response without renewal (default 15 s); renewed every third of it. */
  leaseMs?: number;
  ttlSeconds?: number;
  maxItems?: number;
  maxBytes?: number;
  /** Expiry sweep period (default 60 s; 0 = no timer). */
  sweepIntervalMs?: number;
  /** Most milliseconds one query (or a connection) may wait for the server (default 10 s). */
  timeoutMs?: number;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Most bytes of recordings (`--recordings-max-bytes`; 0 = no limit). */
  recordingsMaxBytes?: number;
  /** Responses failed because their instance's lease ran out. */
  onLeaseExpired?: (ids: string[]) => void;
  /** Failures of the timers and of dropped idle connections (the gateway logs them). */
  onError: (err: unknown) => void;
  now?: () => number;
}

export interface PostgresGatewayStore extends GatewayStore {
  readonly responses: PostgresResponses;
  readonly conversations: PostgresConversations;
  readonly recordings: PostgresRecordings;
  readonly migration: PostgresMigrationResult;
  /** One round of lease upkeep now (tests; the timer does it on its own). */
  maintain(): Promise<void>;
}

/** `postgres://host:port/db` without user or password (for logs, health and errors). */
export function redactedLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(invalid url)';
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresGatewayStore> {
  const leaseMs = Math.max(1000, options.leaseMs ?? 15_000);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: Math.min(5000, timeoutMs),
    // A query never waits forever on a server that stopped answering: it fails as unavailable.
    query_timeout: timeoutMs,
  });
  const onError = options.onError;
  // An idle connection that the server drops emits 'error' on the pool: reported, never fatal.
  // Once the pool is ending, its connections are being closed anyway: pg-pool's end() resolves
  // before their sockets are gone, and a server that drops them then (a database dropped, a
  // server stopping) is no failure of the store's.
  let ending = false;
  pool.on('error', (err) => {
    if (!ending) onError(err);
  });
  let migration: PostgresMigrationResult;
  try {
    migration = await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const responses = new PostgresResponses(pool, {
    ttlSeconds: options.ttlSeconds,
    maxItems: options.maxItems,
    maxBytes: options.maxBytes,
    instanceId: options.instanceId,
    leaseMs,
    now: options.now,
  });

  const recordings = new PostgresRecordings(pool, {
    maxBytes: options.recordingsMaxBytes,
    instanceId: options.instanceId,
    now: options.now,
    onError,
  });
  // Recordings this instance id left open when it last stopped can no longer be finished.
  await recordings.recoverInterrupted().catch(onError);

  let upkeepRunning: Promise<void> | null = null;
  const maintain = (): Promise<void> => {
    upkeepRunning ??= (async () => {
      try {
        await responses.renewLeases();
        const failed = await responses.failExpiredLeases();
        if (failed.length > 0) options.onLeaseExpired?.(failed);
      } catch (err) {
        onError(err);
      } finally {
        upkeepRunning = null;
      }
    })();
    return upkeepRunning;
  };
  const timers: NodeJS.Timeout[] = [setInterval(() => void maintain(), Math.floor(leaseMs / 3))];
  const sweepMs = options.sweepIntervalMs ?? 60_000;
  if ((options.ttlSeconds ?? 0) > 0 && sweepMs > 0)
    timers.push(setInterval(() => void responses.sweepExpired().catch(onError), sweepMs));
  for (const t of timers) t.unref();

  const location = redactedLocation(options.url);
  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    location,
    responses,
    conversations: new PostgresConversations(pool, { now: options.now }),
    recordings,
    migration,
    maintain,
    async health(): Promise<StoreHealth> {
      try {
        await pool.query('SELECT 1');
        return { kind: 'postgres', ok: true };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return { kind: 'postgres', ok: false, error: typeof code === 'string' ? code : 'unreachable' };
      }
    },
    close() {
      closed ??= (async () => {
        for (const t of timers) clearInterval(t);
        await responses.closeFinalSaves();
        await upkeepRunning;
        await recordings.close().catch(onError);
        ending = true;
        await pool.end().catch(onError);
      })();
      return closed;
    },
  };
}
