/**
 * The store contract: the cases every engine passes (storage-contract.test.ts runs them against
 * SQLite and PostgreSQL), as backends/contract.case.ts does for the backend adapters. A new
 * engine or a new concern adds its cases here.
 */
import { describe, expect, test } from 'vitest';
import type { ConversationStorage, ResponseStorage } from './contract.js';
import type { ResponseJson } from './responses-store.js';

export interface EngineOptions {
  ttlSeconds?: number;
  maxItems?: number;
  maxBytes?: number;
  now?: () => number;
}

export interface OpenedEngine {
  responses: ResponseStorage;
  conversations: ConversationStorage;
  close(): Promise<void>;
}

export type OpenEngine = (options: EngineOptions) => Promise<OpenedEngine>;

const response = (id: string, status = 'completed', extra: Record<string, unknown> = {}): ResponseJson => ({
  id,
  object: 'response',
  created_at: 1_700_000_000,
  status,
  output: [
    { type: 'message', id: `msg_${id}`, role: 'assistant', content: [{ type: 'output_text', text: `answer ${id}` }] },
  ],
  ...extra,
});

const userItem = (text: string): Record<string, unknown> => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

export function storeContract(engine: string, open: OpenEngine): void {
  const withStore = async (options: EngineOptions, body: (s: ResponseStorage) => Promise<void>): Promise<void> => {
    const opened = await open(options);
    try {
      await body(opened.responses);
    } finally {
      await opened.close();
    }
  };

  const withEngine = async (options: EngineOptions, body: (s: OpenedEngine) => Promise<void>): Promise<void> => {
    const opened = await open(options);
    try {
      await body(opened);
    } finally {
      await opened.close();
    }
  };

  describe(`store contract: ${engine}`, { tags: ['M6', 'X8'] }, () => {
    test('a saved response reads back with its input items, request id and owner', async () => {
      await withStore({}, async (s) => {
        await s.saveResponse({
          response: response('resp_a'),
          inputItems: [userItem('one'), { id: 'msg_given', ...userItem('two') }],
          requestId: 'req_1',
          owner: 'alice',
        });
        const stored = await s.getResponse('resp_a');
        expect(stored?.response).toEqual(response('resp_a'));
        expect(stored).toMatchObject({ owner: 'alice', requestId: 'req_1', previousResponseId: null, metadata: null });
        expect(await s.has('resp_a')).toBe(true);
        expect(await s.has('resp_missing')).toBe(false);
        const items = await s.listInputItems('resp_a', { order: 'asc' });
        expect(items?.data).toHaveLength(2);
        expect(items?.last_id).toBe('msg_given');
        expect(String(items?.first_id)).toMatch(/^msg_[0-9a-f]{40}$/);
      });
    });

    test('tenancy: another owner sees nothing, no owner (admin) sees all', async () => {
      await withStore({}, async (s) => {
        await s.saveResponse({ response: response('resp_t'), owner: 'alice' });
        expect(await s.getResponse('resp_t', 'bob')).toBeNull();
        expect(await s.has('resp_t', 'bob')).toBe(false);
        expect(await s.listInputItems('resp_t', {}, 'bob')).toBeNull();
        expect(await s.deleteResponse('resp_t', 'bob')).toBe(false);
        expect(await s.getResponse('resp_t', 'alice')).not.toBeNull();
        expect(await s.getResponse('resp_t')).not.toBeNull();
        expect(await s.deleteResponse('resp_t', 'alice')).toBe(true);
        expect(await s.has('resp_t')).toBe(false);
      });
    });

    test('input items page in both orders with after and has_more; bad paging is a 400 naming it', async () => {
      await withStore({}, async (s) => {
        const items = Array.from({ length: 5 }, (_, i) => ({ id: `msg_${i}`, ...userItem(`item ${i}`) }));
        await s.saveResponse({ response: response('resp_p'), inputItems: items });
        const first = await s.listInputItems('resp_p', { limit: 2, order: 'asc' });
        expect(first).toMatchObject({ first_id: 'msg_0', last_id: 'msg_1', has_more: true });
        const next = await s.listInputItems('resp_p', { limit: 2, order: 'asc', after: 'msg_1' });
        expect(next).toMatchObject({ first_id: 'msg_2', last_id: 'msg_3', has_more: true });
        const desc = await s.listInputItems('resp_p', { limit: 10 });
        expect(desc?.data.map((d) => (d as { id: string }).id)).toEqual(['msg_4', 'msg_3', 'msg_2', 'msg_1', 'msg_0']);
        expect(desc?.has_more).toBe(false);
        await expect(s.listInputItems('resp_p', { limit: 0 })).rejects.toMatchObject({ status: 400, param: 'limit' });
        await expect(s.listInputItems('resp_p', { after: 'msg_nope' })).rejects.toMatchObject({ param: 'after' });
      });
    });

    test('a chain of previous_response_id reads back oldest first; a missing link is named', async () => {
      await withStore({}, async (s) => {
        await s.saveResponse({ response: response('resp_1'), inputItems: [userItem('q1')], owner: 'alice' });
        await s.saveResponse({
          response: response('resp_2', 'completed', { previous_response_id: 'resp_1' }),
          inputItems: [userItem('q2')],
          owner: 'alice',
        });
        const chain = await s.getConversation('resp_2', 'alice');
        expect(chain.found).toBe(true);
        if (chain.found) {
          expect(chain.responseIds).toEqual(['resp_1', 'resp_2']);
          expect(chain.items).toHaveLength(4);
          expect((chain.items[1] as { id: string }).id).toBe('msg_resp_1');
        }
        expect(await s.getConversation('resp_2', 'bob')).toEqual({ found: false, missingId: 'resp_2' });
        await s.deleteResponse('resp_1');
        expect(await s.getConversation('resp_2')).toEqual({ found: false, missingId: 'resp_1' });
      });
    });

    test('markStatus patches the JSON and keeps owner and input items; unknown ids are false', async () => {
      await withStore({}, async (s) => {
        await s.saveResponse({
          response: response('resp_m', 'in_progress'),
          inputItems: [userItem('x')],
          owner: 'alice',
        });
        expect(await s.markStatus('resp_m', 'cancelled', { error: null })).toBe(true);
        const stored = await s.getResponse('resp_m');
        expect(stored?.response.status).toBe('cancelled');
        expect(stored?.owner).toBe('alice');
        expect((await s.listInputItems('resp_m'))?.data).toHaveLength(1);
        expect(await s.markStatus('resp_none', 'cancelled')).toBe(false);
      });
    });

    test('TTL counts from the terminal state; expired responses are gone for every read, then swept', async () => {
      let now = 1_000_000;
      await withStore({ ttlSeconds: 10, now: () => now }, async (s) => {
        await s.saveResponse({ response: response('resp_run', 'in_progress') });
        await s.saveResponse({ response: response('resp_done') });
        now += 11_000;
        expect(await s.has('resp_done')).toBe(false);
        expect(await s.getResponse('resp_done')).toBeNull();
        expect(await s.deleteResponse('resp_done')).toBe(false);
        expect(await s.has('resp_run')).toBe(true);
        await s.saveResponse({ response: response('resp_old') });
        now += 11_000;
        expect(await s.sweepExpired()).toBe(1);
        expect((await s.stats()).count).toBe(1);
      });
    });

    test('quotas evict the oldest finished responses, never running ones; nothing fits is a 429', async () => {
      let now = 1_000;
      await withStore({ maxItems: 2, now: () => now++ }, async (s) => {
        await s.saveResponse({ response: response('resp_q1') });
        await s.saveResponse({ response: response('resp_q2', 'in_progress') });
        const third = await s.saveResponse({ response: response('resp_q3') });
        expect(third.evicted).toEqual(['resp_q1']);
        expect(await s.has('resp_q2')).toBe(true);
        await s.saveResponse({ response: response('resp_q4', 'in_progress') });
        expect(await s.has('resp_q3')).toBe(false);
        const full = s.saveResponse({ response: response('resp_q5') });
        await expect(full).rejects.toMatchObject({ status: 429, code: 'storage_quota_exceeded', param: 'store' });
        expect(await s.has('resp_q5')).toBe(false);
        expect((await s.stats()).count).toBe(2);
      });
      await withStore({ maxBytes: 200 }, async (s) => {
        const big = s.saveResponse({ response: response('resp_big', 'completed', { pad: 'x'.repeat(400) }) });
        await expect(big).rejects.toMatchObject({ status: 429, code: 'storage_quota_exceeded' });
        expect(await s.has('resp_big')).toBe(false);
      });
    });

    test('final saves are written by flush; one that fails is reported alone', async () => {
      // Room for the twenty small ones (about 200 bytes each), not for the big one: nothing is
      // evicted, so which of the parallel saves commits first (PostgreSQL) does not matter.
      await withStore({ maxBytes: 8000 }, async (s) => {
        const failures: string[] = [];
        for (let i = 0; i < 20; i++)
          s.queueFinalSave({ input: { response: response(`resp_f${i}`) }, onError: () => failures.push(`resp_f${i}`) });
        s.queueFinalSave({
          input: { response: response('resp_f_big', 'completed', { pad: 'x'.repeat(10_000) }) },
          onError: () => failures.push('resp_f_big'),
        });
        await s.flushFinalSaves();
        expect(failures).toEqual(['resp_f_big']);
        expect((await s.getResponse('resp_f19'))?.response.status).toBe('completed');
      });
    });

    test('stats count responses and bytes; a re-save keeps the stored input items when none are given', async () => {
      await withStore({}, async (s) => {
        expect(await s.stats()).toEqual({ count: 0, bytes: 0 });
        await s.saveResponse({ response: response('resp_s', 'in_progress'), inputItems: [userItem('keep me')] });
        await s.saveResponse({ response: response('resp_s') });
        expect((await s.listInputItems('resp_s'))?.data).toHaveLength(1);
        const stats = await s.stats();
        expect(stats.count).toBe(1);
        expect(stats.bytes).toBeGreaterThan(JSON.stringify(response('resp_s')).length);
      });
    });
  });

  describe(`store contract, conversations: ${engine}`, { tags: ['X4', 'X8'] }, () => {
    test('created with items: ids given where missing, messages read back with a content list', async () => {
      await withEngine({ now: () => 1_700_000_000_000 }, async ({ conversations: c }) => {
        const { conversation, items } = await c.create({
          owner: 'alice',
          metadata: { topic: 'demo' },
          items: [
            { role: 'user', content: 'hello' },
            { id: 'msg_mine', ...userItem('two') },
          ],
        });
        expect(conversation).toMatchObject({
          object: 'conversation',
          created_at: 1_700_000_000,
          metadata: { topic: 'demo' },
        });
        expect(conversation.id).toMatch(/^conv_/);
        expect(items[0]).toMatchObject({
          type: 'message',
          status: 'completed',
          content: [{ type: 'input_text', text: 'hello' }],
        });
        expect(items[0].id).toMatch(/^msg_/);
        expect(items[1].id).toBe('msg_mine');
        expect(await c.allItems(conversation.id)).toEqual(items);
        expect((await c.get(conversation.id, 'alice'))?.owner).toBe('alice');
      });
    });

    test('tenancy: another owner finds nothing and changes nothing; no owner (admin) sees all', async () => {
      await withEngine({}, async ({ conversations: c }) => {
        const { conversation } = await c.create({ owner: 'alice', items: [userItem('secret')] });
        const id = conversation.id;
        expect(await c.get(id, 'bob')).toBeNull();
        expect(await c.allItems(id, 'bob')).toBeNull();
        expect(await c.appendItems(id, [userItem('x')], 'bob')).toBeNull();
        expect(await c.updateMetadata(id, { a: 'b' }, 'bob')).toBeNull();
        expect(await c.delete(id, 'bob')).toBe(false);
        expect(await c.responses(id, 'bob')).toBeNull();
        expect((await c.list({}, 'bob')).data).toEqual([]);
        const itemId = (await c.allItems(id))![0].id as string;
        expect(await c.findStoredItem(itemId, 'bob')).toBeNull();
        expect(await c.findStoredItem(itemId, 'alice')).toMatchObject({ id: itemId });
        expect(await c.allItems(id)).toHaveLength(1);
      });
    });

    test('conversations and items page in both orders with after and has_more; bad paging is a 400', async () => {
      await withEngine({}, async ({ conversations: c }) => {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await c.create({ owner: 'alice' })).conversation.id);
        const newest = await c.list({ limit: 2 }, 'alice');
        expect(newest.data.map((x) => x.id)).toEqual([ids[2], ids[1]]);
        expect(newest.has_more).toBe(true);
        const rest = await c.list({ limit: 2, after: ids[1] }, 'alice');
        expect(rest.data.map((x) => x.id)).toEqual([ids[0]]);
        expect(rest.has_more).toBe(false);
        expect((await c.list({ order: 'asc', after: ids[0] }, 'alice')).data.map((x) => x.id)).toEqual(ids.slice(1));
        await expect(c.list({ limit: 0 }, 'alice')).rejects.toMatchObject({ status: 400, param: 'limit' });
        await expect(c.list({ after: 'conv_missing' }, 'alice')).rejects.toMatchObject({ status: 400, param: 'after' });

        const id = ids[0];
        const added = (await c.appendItems(id, [userItem('a'), userItem('b'), userItem('c')], 'alice'))!;
        const first = await c.listItems(id, { limit: 2 }, 'alice');
        expect(first?.data.map((x) => (x as { id: string }).id)).toEqual([added[2].id, added[1].id]);
        expect(first).toMatchObject({ first_id: added[2].id, last_id: added[1].id, has_more: true });
        const asc = await c.listItems(id, { order: 'asc', after: added[0].id as string }, 'alice');
        expect(asc?.data.map((x) => (x as { id: string }).id)).toEqual([added[1].id, added[2].id]);
        await expect(c.listItems(id, { after: 'msg_missing' }, 'alice')).rejects.toMatchObject({ param: 'after' });
        expect(await c.listItems('conv_missing', {}, 'alice')).toBeNull();
      });
    });

    test('appends keep order across calls; responses name what they added; delete takes the items along', async () => {
      await withEngine({}, async ({ conversations: c, responses: r }) => {
        const { conversation } = await c.create({ owner: 'alice', items: [userItem('zero')] });
        const id = conversation.id;
        // Concurrent appends: each batch stays together and nothing is lost.
        await Promise.all(
          ['one', 'two', 'three'].map((t) =>
            c.appendItems(id, [userItem(`${t}-in`), userItem(`${t}-out`)], 'alice', `resp_${t}`),
          ),
        );
        const texts = (await c.allItems(id))!.map((i) => (i.content as { text: string }[])[0].text);
        expect(texts).toHaveLength(7);
        for (const t of ['one', 'two', 'three']) expect(texts.indexOf(`${t}-out`)).toBe(texts.indexOf(`${t}-in`) + 1);
        const added = (await c.responses(id, 'alice'))!;
        expect(added.map((a) => a.responseId).sort()).toEqual(['resp_one', 'resp_three', 'resp_two']);
        expect(added.every((a) => a.itemIds.length === 2)).toBe(true);

        const item = (await c.allItems(id))![1];
        expect(await c.getItem(id, item.id as string, 'alice')).toEqual(item);
        expect(await c.deleteItem(id, item.id as string, 'alice')).toBe(true);
        expect(await c.deleteItem(id, item.id as string, 'alice')).toBe(false);
        expect(await c.getItem(id, item.id as string, 'alice')).toBeNull();

        expect(await c.updateMetadata(id, { k: 'v' }, 'alice')).toMatchObject({ id, metadata: { k: 'v' } });
        expect((await c.get(id))?.conversation.metadata).toEqual({ k: 'v' });
        expect(await c.delete(id, 'alice')).toBe(true);
        expect(await c.get(id)).toBeNull();
        expect(await c.allItems(id)).toBeNull();
        // The responses that added items keep their own storage.
        await r.saveResponse({ response: response('resp_kept'), inputItems: [userItem('in')], owner: 'alice' });
        expect(await r.getResponse('resp_kept')).not.toBeNull();
      });
    });

    test('item references find a conversation item, a stored input item, then a stored output item', async () => {
      await withEngine({}, async ({ conversations: c, responses: r }) => {
        await r.saveResponse({
          response: response('resp_ref'),
          inputItems: [{ id: 'msg_input_ref', ...userItem('asked') }],
          owner: 'alice',
        });
        expect(await c.findStoredItem('msg_input_ref', 'alice')).toMatchObject({ id: 'msg_input_ref' });
        expect(await c.findStoredItem('msg_resp_ref', 'alice')).toMatchObject({
          id: 'msg_resp_ref',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'answer resp_ref' }],
        });
        expect(await c.findStoredItem('msg_resp_ref', 'bob')).toBeNull();
        expect(await c.findStoredItem('msg_nowhere', 'alice')).toBeNull();
      });
    });
  });
}
