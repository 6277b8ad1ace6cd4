/** PostgreSQL leases: a dead instance's running responses fail; a live instance's never do. */
import { afterEach, describe, expect, test } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/services.js';
import { POSTGRES_MIGRATIONS, migratePostgres } from './migrations.js';
import { PostgresResponses } from './responses.js';

let db: TestDatabase | undefined;
const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.end();
  await db?.drop();
  db = undefined;
});

const running = (id: string): { id: string; created_at: number; status: string; output: [] } => ({
  id,
  created_at: 1,
  status: 'in_progress',
  output: [],
});

describe('X8 PostgreSQL leases of running responses', { tags: ['X8'] }, () => {
  test('instances starting together migrate once; expired leases fail, renewed ones stay running', async () => {
    db = await createTestDatabase();
    const pool = (): pg.Pool => {
      const p = new pg.Pool({ connectionString: db?.url, max: 3 });
      pools.push(p);
      return p;
    };
    const [a, b] = [pool(), pool()];
    const results = await Promise.all([migratePostgres(a), migratePostgres(b)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, POSTGRES_MIGRATIONS.length]);
    let now = 1_000_000;
    const clock = (): number => now;
    const alive = new PostgresResponses(a, { instanceId: 'alive', leaseMs: 3000, now: clock });
    const dead = new PostgresResponses(b, { instanceId: 'dead', leaseMs: 3000, now: clock });
    await alive.saveResponse({ response: running('resp_alive') });
    await dead.saveResponse({ response: running('resp_dead') });
    now += 2000;
    expect(await alive.renewLeases()).toBe(1);
    now += 2000;
    // The dead instance renewed nothing: its lease ran out, the live one's did not.
    expect(await alive.failExpiredLeases()).toEqual(['resp_dead']);
    const failed = await alive.getResponse('resp_dead');
    expect(failed?.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect((await alive.getResponse('resp_alive'))?.response.status).toBe('in_progress');
    // A finished response has no lease at all.
    await alive.saveResponse({ response: { ...running('resp_alive'), status: 'completed' } });
    now += 60_000;
    expect(await dead.failExpiredLeases()).toEqual([]);
    expect((await alive.getResponse('resp_alive'))?.response.status).toBe('completed');
  });
});
