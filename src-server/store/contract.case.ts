/**
 * The store contract: the cases every engine passes (storage-contract.test.ts runs them against
 * SQLite and PostgreSQL), as backends/contract.case.ts does for the backend adapters. A new
 * engine or a new concern adds its cases here.
 */
import { describe, expect, test } from 'vitest';
import type { ResponseStorage } from './contract.js';
import type { ResponseJson } from './responses-store.js';

export interface EngineOptions {
  ttlSeconds?: number;
  maxItems?: number;
  maxBytes?: number;
  now?: () => number;
}

export interface OpenedEngine {
  responses: ResponseStorage;
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
      await withStore({ maxBytes: 2000 }, async (s) => {
        const failures: string[] = [];
        for (let i = 0; i < 20; i++)
          s.queueFinalSave({ input: { response: response(`resp_f${i}`) }, onError: () => failures.push(`resp_f${i}`) });
        s.queueFinalSave({
          input: { response: response('resp_f_big', 'completed', { pad: 'x'.repeat(5000) }) },
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
}
