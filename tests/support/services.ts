/**
 * PostgreSQL and Redis for the X8 tests: one fresh database or key prefix per test, so suites that
 * run at the same time (or tests in parallel files) never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const HOW =
  'Install and start them with `node scripts/test-services.mjs install` (as root; .ci/run does it), ' +
  'then run the suite again (it starts throwaway servers itself), or set STUDIO_TEST_POSTGRES_URL and STUDIO_TEST_REDIS_URL.';

export function postgresUrl(): string {
  const url = process.env.STUDIO_TEST_POSTGRES_URL;
  if (!url) throw new Error(`The multi-instance tests need PostgreSQL 15: STUDIO_TEST_POSTGRES_URL is not set. ${HOW}`);
  return url;
}

export function redisUrl(): string {
  const url = process.env.STUDIO_TEST_REDIS_URL;
  if (!url) throw new Error(`The multi-instance tests need Redis 7: STUDIO_TEST_REDIS_URL is not set. ${HOW}`);
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new empty database on the test server; drop() removes it (connections are closed first). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = postgresUrl();
  const name = `studio_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        // A pool's end() resolves before its sockets are closed (pg-pool): wait until the
        // database has no connections left, so that dropping it terminates nobody's (a pool
        // without an 'error' listener would throw). FORCE still ends a connection a test left open.
        for (let i = 0; i < 300; i++) {
          const { rows } = await c.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A key prefix of its own for a test's Redis keys and channels. */
export function testKeyPrefix(): string {
  return `studio-test:${randomBytes(6).toString('hex')}:`;
}
