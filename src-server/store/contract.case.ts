/**
 * The store contract: the cases every engine passes (storage-contract.test.ts runs them against
 * SQLite and PostgreSQL), as backends/contract.case.ts does for the backend adapters. A new
 * engine or a new concern adds its cases here.
 */
import { describe, expect, test } from 'vitest';
import type { ConversationStorage, RecordingStorage, ResponseStorage } from './contract.js';
import type { ResponseJson } from './responses-store.js';

export interface EngineOptions {
  ttlSeconds?: number;
  maxItems?: number;
  maxBytes?: number;
  /** `--recordings-max-bytes`. */
  recordingsMaxBytes?: number;
  now?: () => number;
}

export interface OpenedEngine {
  responses: ResponseStorage;
  conversations: ConversationStorage;
  recordings: RecordingStorage;
  /**
   * A second writer of recordings on the same database: another instance on PostgreSQL; on SQLite
   * the same store, which every recorder of the process shares.
   */
  otherRecordings(): Promise<RecordingStorage>;
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

  describe(`recordings contract: ${engine}`, { tags: ['U6', 'X8'] }, () => {
    const request = (text: string) => ({
      method: 'POST',
      path: '/v1/responses',
      headers: { 'content-type': 'application/json' },
      body: { model: 'sim', input: text, stream: true },
    });
    const requestBytes = (text: string) => Buffer.byteLength(JSON.stringify(request(text)));
    /** A finished recording with `events` events of `size` bytes each. */
    const recordRun = async (
      r: RecordingStorage,
      meta: { text: string; owner?: string; sessionId?: string; name?: string | null; tags?: string[] },
      events = 2,
      size = 10,
    ): Promise<string> => {
      const id = r.start({ request: request(meta.text), model: 'sim', ...meta });
      for (let seq = 0; seq < events; seq++)
        r.appendEvent(id, { seq, offsetMs: seq, type: 'response.output_text.delta', data: 'x'.repeat(size) });
      await r.finish(id, { status: 'completed', durationMs: events });
      return id;
    };

    test('a recording reads back with its request, events (text and bytes), actions and summary', async () => {
      await withEngine({}, async ({ recordings: r }) => {
        const id = r.start({
          requestId: 'req_rt',
          sessionId: 'ses_rt',
          name: 'Round trip',
          tags: ['a', 'b'],
          request: request('Hello there'),
          model: 'sim',
          owner: 'alice',
        });
        expect(id).toMatch(/^rec_[0-9a-f]{24}$/);
        const created = 'event: response.created\ndata: {"id":"resp_rt"}\n\n';
        const bytes = Uint8Array.from([0, 1, 2, 255]);
        expect(r.appendEvent(id, { seq: 0, offsetMs: 1.5, type: 'response.created', data: created })).toBe(true);
        expect(r.appendAction(id, { offsetMs: 2, kind: 'tool_outputs', data: { output: 'sunny' } })).toBe(true);
        expect(r.appendEvent(id, { seq: 1, offsetMs: 3.25, type: 'binary', data: bytes })).toBe(true);
        expect(await r.update(id, { httpStatus: 200, responseHeaders: { 'x-request-id': 'req_rt' } })).toBe(true);
        expect(
          await r.finish(id, {
            status: 'completed',
            durationMs: 12.5,
            responseId: 'resp_rt',
            toolsUsed: ['get_weather'],
            textPreview: 'Sunny',
            model: 'sim-1',
          }),
        ).toBe(true);
        expect(r.appendEvent(id, { seq: 2, offsetMs: 4, type: 'late', data: 'x' })).toBe(false);

        const detail = await r.detail(id);
        const actionBytes = Buffer.byteLength(JSON.stringify({ output: 'sunny' }));
        expect(detail).toMatchObject({
          id,
          requestId: 'req_rt',
          responseId: 'resp_rt',
          sessionId: 'ses_rt',
          name: 'Round trip',
          tags: ['a', 'b'],
          status: 'completed',
          httpStatus: 200,
          model: 'sim-1',
          durationMs: 12.5,
          toolsUsed: ['get_weather'],
          textPreview: 'Sunny',
          truncated: false,
          eventCount: 2,
          bytes: requestBytes('Hello there') + Buffer.byteLength(created) + 4 + actionBytes,
          requestKind: 'response',
          inputPreview: 'Hello there',
          rerunOf: null,
          request: request('Hello there'),
          responseHeaders: { 'x-request-id': 'req_rt' },
          actions: [{ seq: 1, offsetMs: 2, kind: 'tool_outputs', data: { output: 'sunny' } }],
        });
        expect(detail?.events.map((e) => [e.seq, e.offsetMs, e.type])).toEqual([
          [0, 1.5, 'response.created'],
          [1, 3.25, 'binary'],
        ]);
        expect(detail?.events[0].data).toBe(created);
        expect(Buffer.isBuffer(detail?.events[1].data)).toBe(true);
        expect([...(detail?.events[1].data as Buffer)]).toEqual([0, 1, 2, 255]);
        expect(typeof detail?.createdAt).toBe('number');

        const { events: _events, actions: _actions, request: _request, responseHeaders: _h, ...summary } = detail!;
        expect(await r.summary(id)).toEqual(summary);
        expect((await r.events(id, { afterSeq: 0, limit: 5 })).map((e) => e.seq)).toEqual([1]);
        expect((await r.events(id, { limit: 1 })).map((e) => e.seq)).toEqual([0]);
        expect(await r.sessionOf('resp_rt', 'alice')).toBe('ses_rt');
        expect(await r.sessionOf('resp_rt')).toBe('ses_rt');
        expect(await r.sessionOf('resp_rt', 'bob')).toBeNull();
        expect(await r.sessionOf('resp_nowhere', 'alice')).toBeNull();
        expect(await r.totals()).toEqual({ count: 1, bytes: summary.bytes });
      });
    });

    test('listing: newest first, paged, searched (substring or exact id), by session and owner', async () => {
      let clock = 1_700_000_000_000;
      await withEngine({ now: () => (clock += 1000) }, async ({ recordings: r }) => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++)
          ids.push(
            await recordRun(r, {
              text: `Question ${i}`,
              owner: i % 2 === 0 ? 'alice' : 'bob',
              sessionId: i < 3 ? 'ses_first' : 'ses_second',
              name: i === 2 ? 'Weather 100% Check' : null,
            }),
          );
        const all = await r.list();
        expect(all.total).toBe(5);
        expect(all.data.map((x) => x.id)).toEqual([...ids].reverse());
        const page = await r.list({ limit: 2, offset: 1 });
        expect(page).toMatchObject({ total: 5 });
        expect(page.data.map((x) => x.id)).toEqual([ids[3], ids[2]]);
        expect((await r.list({ search: 'weather 100%' })).data.map((x) => x.id)).toEqual([ids[2]]);
        // `%` and `_` are literal characters, not patterns.
        expect((await r.list({ search: '0%' })).data.map((x) => x.id)).toEqual([ids[2]]);
        expect((await r.list({ search: 'Weather_' })).total).toBe(0);
        expect((await r.list({ search: ids[4] })).data.map((x) => x.id)).toEqual([ids[4]]);
        expect((await r.list({ search: 'question 3' })).data.map((x) => x.id)).toEqual([ids[3]]);
        expect((await r.list({ sessionId: 'ses_first' })).data.map((x) => x.id)).toEqual([ids[2], ids[1], ids[0]]);
        expect((await r.list({ owner: 'bob' })).data.map((x) => x.id)).toEqual([ids[3], ids[1]]);
        expect((await r.list({ owner: 'bob', sessionId: 'ses_second' })).total).toBe(1);
        expect((await r.list({ limit: 0 })).data).toHaveLength(1);
        expect((await r.list({ limit: 5000 })).data).toHaveLength(5);
      });
    });

    test("another owner's recording is missing; edits and delete", async () => {
      await withEngine({}, async ({ recordings: r }) => {
        const id = await recordRun(r, { text: 'mine', owner: 'alice' });
        expect(await r.summary(id, 'bob')).toBeNull();
        expect(await r.detail(id, 'bob')).toBeNull();
        expect(await r.remove(id, 'bob')).toBe(false);
        expect(await r.summary(id, 'alice')).not.toBeNull();

        expect(await r.rename(id, 'Renamed')).toBe(true);
        expect(await r.tag(id, [' x ', 'y', 'x', ''])).toBe(true);
        expect(await r.summary(id)).toMatchObject({ name: 'Renamed', tags: ['x', 'y'] });
        expect(await r.rename('rec_missing', 'n')).toBe(false);
        expect(await r.tag('rec_missing', [])).toBe(false);
        expect(await r.update('rec_missing', { httpStatus: 200 })).toBe(false);
        expect(await r.finish('rec_missing', { status: 'completed', durationMs: 1 })).toBe(false);

        expect(await r.remove(id, 'alice')).toBe(true);
        expect(await r.remove(id)).toBe(false);
        expect(await r.detail(id)).toBeNull();
        expect(await r.events(id)).toEqual([]);
        expect(await r.totals()).toEqual({ count: 0, bytes: 0 });
      });
    });

    test('a running recording that is deleted takes nothing more', async () => {
      await withEngine({}, async ({ recordings: r }) => {
        const id = r.start({ request: request('gone'), model: 'sim', owner: 'alice' });
        r.appendEvent(id, { seq: 0, offsetMs: 0, type: 'a', data: 'one' });
        // Another owner's delete changes nothing: the recording goes on.
        expect(await r.remove(id, 'bob')).toBe(false);
        expect(r.appendEvent(id, { seq: 1, offsetMs: 1, type: 'a', data: 'two' })).toBe(true);
        expect(await r.remove(id, 'alice')).toBe(true);
        expect(r.appendEvent(id, { seq: 2, offsetMs: 2, type: 'a', data: 'three' })).toBe(false);
        await r.settled();
        expect(await r.totals()).toEqual({ count: 0, bytes: 0 });
      });
    });

    test('over the quota the oldest finished recordings go; a running one that alone exceeds it is truncated', async () => {
      let clock = 1_700_000_000_000;
      const max = requestBytes('q0') * 3 + 250;
      await withEngine({ recordingsMaxBytes: max, now: () => (clock += 1000) }, async ({ recordings: r }) => {
        const ids: string[] = [];
        // Each finished run: its request + 10 events of 10 bytes.
        for (let i = 0; i < 5; i++) ids.push(await recordRun(r, { text: `q${i}` }, 10, 10));
        const kept = (await r.list()).data.map((x) => x.id);
        expect(kept).toEqual([ids[4], ids[3]]);
        expect((await r.totals()).bytes).toBeLessThanOrEqual(max);

        const big = r.start({ request: request('q9'), model: 'sim' });
        for (let seq = 0; seq < 40; seq++) r.appendEvent(big, { seq, offsetMs: seq, type: 'd', data: 'y'.repeat(20) });
        await r.settled();
        // Every finished recording made room before the running one was cut.
        expect((await r.list()).data.map((x) => x.id)).toEqual([big]);
        const summary = await r.summary(big);
        expect(summary?.truncated).toBe(true);
        expect(summary!.eventCount).toBeGreaterThan(0);
        expect(summary!.eventCount).toBeLessThan(40);
        expect(r.appendEvent(big, { seq: 40, offsetMs: 40, type: 'd', data: 'y' })).toBe(false);
        await r.finish(big, { status: 'completed', durationMs: 40 });
        expect((await r.summary(big))?.status).toBe('completed');
        expect((await r.totals()).bytes).toBeLessThanOrEqual(max);
        const events = await r.events(big);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      });
    });

    test('two writers appending at once: every event of both recordings, in order, counted exactly', async () => {
      await withEngine({}, async (opened) => {
        const a = opened.recordings;
        const b = await opened.otherRecordings();
        const ra = a.start({ request: request('from a'), model: 'sim', sessionId: 'ses_shared' });
        const rb = b.start({ request: request('from b'), model: 'sim', sessionId: 'ses_shared' });
        const rounds = 20;
        for (let round = 0; round < rounds; round++) {
          for (let i = 0; i < 5; i++) {
            const seq = round * 5 + i;
            a.appendEvent(ra, { seq, offsetMs: seq, type: 'd', data: `a${seq}` });
            b.appendEvent(rb, { seq, offsetMs: seq, type: 'd', data: `b${seq}` });
          }
          // Several ticks, so the two writers' batches interleave.
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all([
          a.finish(ra, { status: 'completed', durationMs: 1 }),
          b.finish(rb, { status: 'completed', durationMs: 1 }),
        ]);
        for (const reader of [a, b]) {
          const list = await reader.list({ sessionId: 'ses_shared' });
          expect(list.total).toBe(2);
          for (const [id, prefix] of [
            [ra, 'a'],
            [rb, 'b'],
          ] as const) {
            const detail = await reader.detail(id);
            expect(detail?.eventCount).toBe(rounds * 5);
            expect(detail?.events.map((e) => e.data)).toEqual(
              Array.from({ length: rounds * 5 }, (_, i) => `${prefix}${i}`),
            );
          }
        }
      });
    });
  });
}
