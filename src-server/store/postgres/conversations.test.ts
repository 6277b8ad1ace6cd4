/** PostgreSQL conversations: a response's items go in once, even when its append is tried again. */
import { afterEach, describe, expect, test } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/services.js';
import { migratePostgres } from './migrations.js';
import { PostgresConversations } from './conversations.js';

let db: TestDatabase | undefined;
let pool: pg.Pool | undefined;
afterEach(async () => {
  await pool?.end();
  pool = undefined;
  await db?.drop();
  db = undefined;
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
