/**
 * PostgreSQL writes tried again: stored responses on a full disk (53100 disk_full), and a
 * response's conversation items appended again.
 */
import { afterEach, describe, expect, test } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/services.js';
import type { FinalSave } from '../contract.js';
import { migratePostgres } from './migrations.js';
import { PostgresResponses } from './responses.js';
import { PostgresConversations } from './conversations.js';

let db: TestDatabase | undefined;
let pool: pg.Pool | undefined;
afterEach(async () => {
  await pool?.end();
  pool = undefined;
  await db?.drop();
  db = undefined;
});

const response = (status: string) => ({ id: 'resp_full', created_at: 1, status, output: [] });

describe('X8 M6 PostgreSQL final saves on a full disk', { tags: ['X8', 'M6'] }, () => {
  test('a final save the server refuses is reported once and tried again later, as changed meanwhile', async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migratePostgres(pool);
    const r = new PostgresResponses(pool, { instanceId: 'test', leaseMs: 60_000 });
    await r.saveResponse({ response: response('in_progress') });
    // The disk is full: every change of a response is refused, as PostgreSQL refuses a file it
    // cannot extend.
    await pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON responses FOR EACH ROW EXECUTE FUNCTION refuse();`);
    const failures: unknown[] = [];
    const job: FinalSave = { input: { response: response('completed') }, onError: (err) => failures.push(err) };
    r.queueFinalSave(job);
    await r.flushFinalSaves();
    expect(failures.map((f) => (f as { code?: string }).code)).toEqual(['storage_full']);
    // Its owner tells the client something else meanwhile: that is what is kept.
    job.input = { response: response('failed') };
    await r.flushFinalSaves();
    expect(failures).toHaveLength(1);
    expect((await r.getResponse('resp_full'))?.response.status).toBe('in_progress');
    // Room again: the next flush writes it.
    await pool.query('DROP TRIGGER refuse ON responses');
    await r.flushFinalSaves();
    expect((await r.getResponse('resp_full'))?.response.status).toBe('failed');
    expect(failures).toHaveLength(1);
  });
});

const message = (id: string, text: string) => ({ id, type: 'message', role: 'user', content: text });

describe('X8 PostgreSQL conversation appends', { tags: ['X8'] }, () => {
  test("an append tried again for the same response adds nothing; another response's items go in", async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migratePostgres(pool);
    const c = new PostgresConversations(pool);
    const { conversation } = await c.create({ items: [message('msg_first', 'first')] });
    const turn = [message('msg_in', 'question'), message('msg_out', 'answer')];
    expect((await c.appendItems(conversation.id, turn, undefined, 'resp_1'))?.map((i) => i.id)).toEqual([
      'msg_in',
      'msg_out',
    ]);
    // The first append's commit went through unanswered: the retry finds its items there.
    expect(await c.appendItems(conversation.id, turn, undefined, 'resp_1')).toEqual([]);
    await c.appendItems(conversation.id, [message('msg_next', 'more')], undefined, 'resp_2');
    expect((await c.allItems(conversation.id))?.map((i) => i.id)).toEqual([
      'msg_first',
      'msg_in',
      'msg_out',
      'msg_next',
    ]);
  });
});
