/** PostgreSQL recordings: a server that cannot be reached costs the recording, never the caller. */
import { afterEach, describe, expect, test } from 'vitest';
import pg from 'pg';
import { freePort } from '../../../tests/support/haproxy.js';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/services.js';
import { migratePostgres } from './migrations.js';
import { PostgresRecordings, RECORDING_LOCKS } from './recordings.js';

let db: TestDatabase | undefined;
const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.end();
  await db?.drop();
  db = undefined;
});

const request = { method: 'POST', path: '/v1/responses', headers: {}, body: { model: 'sim', input: 'hi' } };

/**
 * A recordings store on a pool of its own on the test's database (created by the first call),
 * migrated; its failures go to `failures`.
 */
async function openRecordings(
  failures: unknown[],
  options: { instanceId?: string; max?: number; maxBytes?: number } = {},
): Promise<{ store: PostgresRecordings; pool: pg.Pool }> {
  db ??= await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: options.max });
  pools.push(pool);
  await migratePostgres(pool);
  const store = new PostgresRecordings(pool, {
    instanceId: options.instanceId ?? 'test',
    maxBytes: options.maxBytes,
    onError: (err) => failures.push(err),
  });
  return { store, pool };
}

describe('X8 PostgreSQL recordings', { tags: ['U6', 'X8', 'X7'] }, () => {
  test('with the server unreachable, appends return at once, failures go to onError, reads are a 503', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://studio@127.0.0.1:${await freePort()}/none` });
    pools.push(pool);
    const failures: unknown[] = [];
    const r = new PostgresRecordings(pool, { instanceId: 'test', onError: (err) => failures.push(err) });
    const id = r.start({ request, model: 'sim' });
    expect(r.appendEvent(id, { seq: 0, offsetMs: 0, type: 'a', data: 'one' })).toBe(true);
    expect(await r.finish(id, { status: 'completed', durationMs: 1 })).toBe(false);
    expect(failures).toHaveLength(1);
    // The batch that held its start failed: the recording takes nothing more.
    expect(r.appendEvent(id, { seq: 1, offsetMs: 1, type: 'a', data: 'two' })).toBe(false);
    await expect(r.list()).rejects.toMatchObject({ status: 503, code: 'store_unavailable' });
    await r.close();
  });

  test('a batch whose commit went through unanswered: its recording ends interrupted, not recording', async () => {
    db = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pools.push(pool);
    // The server commits, then the connection is lost before its answer; later, it is away for a while.
    let commitAnswerLost = false;
    let away = false;
    const lost = (): Error => new Error('Connection terminated unexpectedly');
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const callback =
          typeof args[args.length - 1] === 'function' ? (args.pop() as (e: Error | null, r?: unknown) => void) : null;
        if (away) {
          if (callback) return void process.nextTick(callback, lost());
          return Promise.reject(lost());
        }
        if (args[0] === 'COMMIT' && commitAnswerLost) {
          commitAnswerLost = false;
          return query('COMMIT').then(() => Promise.reject(lost()));
        }
        return callback ? void query(...args).then((r) => callback(null, r), callback) : query(...args);
      };
    });
    await migratePostgres(pool);
    const failures: unknown[] = [];
    const r = new PostgresRecordings(pool, { instanceId: 'test', onError: (err) => failures.push(err) });
    commitAnswerLost = true;
    const id = r.start({ request, model: 'sim' });
    await r.settled();
    expect(failures).toHaveLength(1);
    away = true;
    await r.finish(id, { status: 'completed', durationMs: 1 }).catch(() => undefined);
    away = false;
    await expect.poll(async () => (await r.summary(id))?.status, { timeout: 10_000 }).toBe('interrupted');
    await r.close();
  });

  test('a start with a taken id is reported and its entries dropped; the rest of the batch is kept', async () => {
    const failures: unknown[] = [];
    const { store: r } = await openRecordings(failures, { max: 2 });
    const first = r.start({ id: 'rec_taken', request, model: 'sim' });
    await r.finish(first, { status: 'completed', durationMs: 1 });
    const again = r.start({ id: 'rec_taken', request, model: 'other' });
    const other = r.start({ request, model: 'sim' });
    for (let seq = 0; seq < 3; seq++) {
      r.appendEvent(again, { seq, offsetMs: seq, type: 'a', data: 'lost' });
      r.appendEvent(other, { seq, offsetMs: seq, type: 'a', data: `kept ${seq}` });
    }
    await r.settled();
    expect(String(failures[0])).toContain('rec_taken');
    expect((await r.detail('rec_taken'))?.model).toBe('sim');
    expect(await r.events('rec_taken')).toEqual([]);
    expect((await r.events(other)).map((e) => e.data)).toEqual(['kept 0', 'kept 1', 'kept 2']);
    expect(r.appendEvent(again, { seq: 3, offsetMs: 3, type: 'a', data: 'lost' })).toBe(false);
    await r.close();
  });

  test('a batch the server refuses (53100 disk_full): its recordings stop, truncated, and are finished later', async () => {
    const failures: unknown[] = [];
    const { store: r, pool } = await openRecordings(failures, { max: 2 });
    const id = r.start({ request, model: 'sim' });
    r.appendEvent(id, { seq: 0, offsetMs: 0, type: 'a', data: 'kept' });
    await r.settled();
    // The disk is full: every event row is refused, as PostgreSQL refuses a file it cannot extend.
    await pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON recording_events FOR EACH ROW EXECUTE FUNCTION refuse();`);
    r.appendEvent(id, { seq: 1, offsetMs: 1, type: 'a', data: 'lost' });
    expect(await r.finish(id, { status: 'completed', durationMs: 1 })).toBe(false);
    expect(failures.map((f) => (f as { code?: string }).code)).toEqual(['storage_full']);
    // Room again: the next batch writes what was owed.
    await pool.query('DROP TRIGGER refuse ON recording_events');
    const next = r.start({ request, model: 'sim' });
    await r.settled();
    expect(await r.summary(id)).toMatchObject({ status: 'completed', truncated: true });
    expect((await r.events(id)).map((e) => e.data)).toEqual(['kept']);
    expect(await r.summary(next)).toMatchObject({ status: 'recording' });
    await r.close();
  });

  test("a run started to join a response's session joins it whichever is written first: it, or the link", async () => {
    // Two instances on one database: `a` runs the responses, `b` records the tool outputs.
    const failures: unknown[] = [];
    const { store: a } = await openRecordings(failures, { instanceId: 'a', max: 2 });
    const { store: b } = await openRecordings(failures, { instanceId: 'b', max: 2 });
    const submit = (responseId: string, owner = 'alice') =>
      b.start({
        request: { method: 'POST', path: `/v1/responses/${responseId}/tool_outputs`, headers: {}, body: {} },
        sessionId: `ses_own_${responseId}_${owner}`,
        joins: responseId,
        owner,
      });
    const sessionOf = async (id: string): Promise<string | null | undefined> => (await b.summary(id))?.sessionId;

    // The submission first: it keeps a session of its own and does not stand for the response's.
    const producer = a.start({ request, sessionId: 'ses_one', owner: 'alice' });
    const early = submit('resp_one');
    const otherOwner = submit('resp_one', 'bob');
    await a.settled();
    await b.settled();
    expect(await sessionOf(early)).toBe('ses_own_resp_one_alice');
    expect(await b.sessionOf('resp_one', 'alice')).toBeNull();
    // The link moves it into the response's session; another owner's run stays where it was.
    expect(await a.update(producer, { responseId: 'resp_one' })).toBe(true);
    expect(await sessionOf(early)).toBe('ses_one');
    expect(await sessionOf(otherOwner)).toBe('ses_own_resp_one_bob');
    // Joined: it finishes where it is, and answers for the response's session like any run.
    expect(await b.finish(early, { status: 'completed', durationMs: 1, responseId: 'resp_one' })).toBe(true);
    expect(await b.sessionOf('resp_one', 'alice')).toBe('ses_one');

    // The link first: the submission joins the session as its start is written.
    const linked = a.start({ request, sessionId: 'ses_two', owner: 'alice' });
    await a.settled();
    expect(await a.update(linked, { responseId: 'resp_two' })).toBe(true);
    const late = submit('resp_two');
    await b.settled();
    expect(await sessionOf(late)).toBe('ses_two');
    expect((await b.list({ sessionId: 'ses_two' })).data.map((r) => r.requestKind)).toEqual([
      'tool_outputs',
      'response',
    ]);
    await a.close();
    await b.close();
    expect(failures).toEqual([]);
  });

  test('the link of a response and batches under the quota take their locks in one order: no deadlock', async () => {
    // The interleaving a loaded fleet produced, set up with locks this test holds: instance b's
    // batch holds a response's join lock and waits for the quota lock, instance a's batch holds
    // the quota lock and needs a's running recording, and a writes that recording's link.
    const failures: unknown[] = [];
    const { store: a } = await openRecordings(failures, { instanceId: 'a', maxBytes: 1 << 30 });
    const { store: b } = await openRecordings(failures, { instanceId: 'b', maxBytes: 1 << 30 });
    const held = new pg.Client({ connectionString: db!.url });
    await held.connect();
    const waiting = async (space: 'quota' | 'joins'): Promise<number> => {
      const { rows } = await held.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = $1`,
        [space === 'quota' ? 1 : 2],
      );
      return rows[0].n;
    };
    try {
      // Two responses, `first` locked before `second` (join locks are taken in key order).
      const { rows } = await held.query<{ first: string; second: string }>(
        `SELECT CASE WHEN hashtext('resp_x') < hashtext('resp_y') THEN 'resp_x' ELSE 'resp_y' END AS first,
                CASE WHEN hashtext('resp_x') < hashtext('resp_y') THEN 'resp_y' ELSE 'resp_x' END AS second`,
      );
      const { first, second } = rows[0];
      const producer = a.start({ request, sessionId: 'ses_a', model: 'sim' });
      await a.settled();
      await held.query('SELECT pg_advisory_lock($1)', [RECORDING_LOCKS.quota]);
      await held.query('SELECT pg_advisory_lock($1, hashtext($2))', [RECORDING_LOCKS.joins, second]);
      const submit = (responseId: string): string =>
        b.start({
          request: { method: 'POST', path: `/v1/responses/${responseId}/tool_outputs`, headers: {}, body: {} },
          sessionId: `ses_b_${responseId}`,
          joins: responseId,
        });
      // b's batch: `first`'s join lock taken, waiting for `second`'s.
      const joining = submit(first);
      submit(second);
      const bWritten = b.settled();
      await expect.poll(() => waiting('joins')).toBe(1);
      // a links `first` to its running recording: waiting for `first`'s join lock.
      const linked = a.update(producer, { responseId: first });
      await expect.poll(() => waiting('joins')).toBe(2);
      // a's next batch, an event of that recording: waiting for the quota lock.
      a.appendEvent(producer, { seq: 0, offsetMs: 0, type: 'a', data: 'one' });
      const aWritten = a.settled();
      await expect.poll(() => waiting('quota')).toBe(1);
      // b's batch goes on to wait for the quota lock, behind a's batch.
      await held.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RECORDING_LOCKS.joins, second]);
      await expect.poll(() => waiting('quota')).toBe(2);
      await held.query('SELECT pg_advisory_unlock($1)', [RECORDING_LOCKS.quota]);

      expect(await linked).toBe(true);
      await Promise.all([aWritten, bWritten]);
      expect(failures).toEqual([]);
      expect((await b.summary(joining))?.sessionId).toBe('ses_a');
      expect((await a.events(producer)).map((e) => e.data)).toEqual(['one']);
    } finally {
      await held.end();
      await a.close();
      await b.close();
    }
  });
});
