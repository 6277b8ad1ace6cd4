import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GatewayError } from '../shared/protocol/errors.js';
import type { ResponseObject } from '../engine/contract.js';
import { openStore, type ResponseLike, type Store } from './index.js';

// Checked by tsc: the engine's Response object is what the gateway saves, so it must fit the store's shape.
const _engineResponseIsStorable: ResponseObject extends ResponseLike ? true : never = true;

function response(id: string, status = 'completed', extra: Record<string, unknown> = {}) {
  return {
    id,
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model: 'm',
    output: [
      {
        id: `msg_out_${id}`,
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: `answer of ${id}`, annotations: [] }],
      },
    ],
    ...extra,
  };
}

const userMessage = (text: string, id?: string) => ({
  ...(id ? { id } : {}),
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

let dir: string;
let clock: number;
let store: Store;
const open = (options: Parameters<typeof openStore>[0] = {}) =>
  openStore({ dataDir: dir, now: () => clock, sweepIntervalMs: 0, ...options });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-store-'));
  clock = 1_000_000;
});
afterEach(() => {
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('M6 stored responses: save, get, delete', { tags: ['M6'] }, () => {
  test('a saved response reads back with its request id, previous id and metadata', () => {
    store = open();
    store.responses.saveResponse({
      response: response('resp_1'),
      inputItems: [userMessage('hi', 'msg_in_1')],
      requestId: 'req_1',
      metadata: { dialect: 'openai' },
    });
    const got = store.responses.getResponse('resp_1');
    expect(got?.response).toEqual(response('resp_1'));
    expect(got?.requestId).toBe('req_1');
    expect(got?.previousResponseId).toBeNull();
    expect(got?.metadata).toEqual({ dialect: 'openai' });
    expect(store.responses.getResponse('resp_missing')).toBeNull();
  });

  test('saving again upserts: in_progress at creation, completed at the end, input items kept', () => {
    store = open();
    store.responses.saveResponse({ response: response('resp_1', 'in_progress'), inputItems: [userMessage('hi')] });
    const before = store.responses.listInputItems('resp_1');
    clock += 5000;
    store.responses.saveResponse({ response: response('resp_1', 'completed') });
    const got = store.responses.getResponse('resp_1');
    expect(got?.response.status).toBe('completed');
    expect(got?.storedAt).toBe(1_000_000);
    expect(store.responses.listInputItems('resp_1')).toEqual(before);
    expect(store.responses.stats().count).toBe(1);
  });

  test('items without an id get a stable generated id; given ids are kept', () => {
    store = open();
    const items = [
      userMessage('a'),
      userMessage('b', 'msg_given'),
      { type: 'function_call_output', call_id: 'c1', output: 'x' },
    ];
    store.responses.saveResponse({ response: response('resp_1'), inputItems: items });
    const first = store.responses.listInputItems('resp_1', { order: 'asc' });
    store.responses.saveResponse({ response: response('resp_1'), inputItems: items });
    const second = store.responses.listInputItems('resp_1', { order: 'asc' });
    const ids = first?.data.map((i) => (i as { id: string }).id);
    expect(ids?.[0]).toMatch(/^msg_[0-9a-f]{40}$/);
    expect(ids?.[1]).toBe('msg_given');
    expect(ids?.[2]).toMatch(/^fco_[0-9a-f]{40}$/);
    expect(second).toEqual(first);
  });

  test('delete removes the response and its input items; a second delete says false', () => {
    store = open();
    store.responses.saveResponse({ response: response('resp_1'), inputItems: [userMessage('hi')] });
    expect(store.responses.deleteResponse('resp_1')).toBe(true);
    expect(store.responses.getResponse('resp_1')).toBeNull();
    expect(store.responses.listInputItems('resp_1')).toBeNull();
    expect(store.db.prepare('SELECT count(*) AS n FROM response_input_items').get()).toEqual({ n: 0 });
    expect(store.responses.deleteResponse('resp_1')).toBe(false);
    expect(store.responses.stats()).toEqual({ count: 0, bytes: 0 });
  });

  test('markStatus changes the stored status in the row and the JSON (cancel)', () => {
    store = open();
    store.responses.saveResponse({ response: response('resp_1', 'in_progress'), inputItems: [] });
    expect(store.responses.markStatus('resp_1', 'cancelled')).toBe(true);
    expect(store.responses.getResponse('resp_1')?.response.status).toBe('cancelled');
    expect(store.responses.markStatus('resp_nope', 'cancelled')).toBe(false);
  });

  test('responses left in progress by a previous process are failed on reopen', () => {
    store = open();
    store.responses.saveResponse({ response: response('resp_run', 'in_progress'), inputItems: [] });
    store.close();
    store = open();
    const got = store.responses.getResponse('resp_run');
    expect(got?.response.status).toBe('failed');
    expect(got?.response.error).toMatchObject({ code: 'server_error' });
  });
});

describe('M6 input_items list semantics', { tags: ['M6'] }, () => {
  const ids = Array.from({ length: 7 }, (_, i) => `msg_${i}`);
  beforeEach(() => {
    store = open();
    store.responses.saveResponse({ response: response('resp_1'), inputItems: ids.map((id) => userMessage(id, id)) });
  });
  const idsOf = (list: { data: unknown[] } | null) => list?.data.map((i) => (i as { id: string }).id);

  test('defaults: desc, limit 20, no more', () => {
    const list = store.responses.listInputItems('resp_1');
    expect(list).toMatchObject({ object: 'list', first_id: 'msg_6', last_id: 'msg_0', has_more: false });
    expect(idsOf(list)).toEqual([...ids].reverse());
  });

  test('asc with a limit pages forward with after = last_id', () => {
    const page1 = store.responses.listInputItems('resp_1', { order: 'asc', limit: 3 });
    expect(idsOf(page1)).toEqual(['msg_0', 'msg_1', 'msg_2']);
    expect(page1).toMatchObject({ first_id: 'msg_0', last_id: 'msg_2', has_more: true });
    const page2 = store.responses.listInputItems('resp_1', { order: 'asc', limit: 3, after: 'msg_2' });
    expect(idsOf(page2)).toEqual(['msg_3', 'msg_4', 'msg_5']);
    expect(page2?.has_more).toBe(true);
    const page3 = store.responses.listInputItems('resp_1', { order: 'asc', limit: 3, after: 'msg_5' });
    expect(idsOf(page3)).toEqual(['msg_6']);
    expect(page3).toMatchObject({ first_id: 'msg_6', last_id: 'msg_6', has_more: false });
  });

  test('desc with after walks backwards; exactly limit items left means has_more false', () => {
    const page = store.responses.listInputItems('resp_1', { order: 'desc', limit: 3, after: 'msg_3' });
    expect(idsOf(page)).toEqual(['msg_2', 'msg_1', 'msg_0']);
    expect(page?.has_more).toBe(false);
  });

  test('after the last item: empty page with null ids', () => {
    const page = store.responses.listInputItems('resp_1', { order: 'asc', after: 'msg_6' });
    expect(page).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  test('a response with no input items lists empty', () => {
    store.responses.saveResponse({ response: response('resp_empty'), inputItems: [] });
    expect(store.responses.listInputItems('resp_empty')).toMatchObject({ data: [], has_more: false, first_id: null });
  });

  test('limit 1 and 100 are accepted; 0, 101, 2.5 are a 400 naming limit', () => {
    expect(idsOf(store.responses.listInputItems('resp_1', { limit: 1 }))).toEqual(['msg_6']);
    expect(store.responses.listInputItems('resp_1', { limit: 100 })?.data).toHaveLength(7);
    for (const limit of [0, 101, 2.5]) {
      const err = catchError(() => store.responses.listInputItems('resp_1', { limit }));
      expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'limit' });
    }
  });

  test('an unknown after id is a 400 naming after; a bad order a 400 naming order', () => {
    expect(catchError(() => store.responses.listInputItems('resp_1', { after: 'msg_x' }))).toMatchObject({
      status: 400,
      param: 'after',
    });
    const order = 'sideways' as 'asc';
    expect(catchError(() => store.responses.listInputItems('resp_1', { order }))).toMatchObject({ param: 'order' });
  });
});

describe('M6 previous_response_id chain', { tags: ['M6'] }, () => {
  test('the conversation is every input then output, oldest response first', () => {
    store = open();
    store.responses.saveResponse({ response: response('resp_a'), inputItems: [userMessage('one', 'in_a')] });
    store.responses.saveResponse({
      response: response('resp_b', 'completed', { previous_response_id: 'resp_a' }),
      inputItems: [userMessage('two', 'in_b')],
    });
    store.responses.saveResponse({
      response: response('resp_c'),
      inputItems: [{ type: 'function_call_output', call_id: 'c', output: '42', id: 'in_c' }],
      previousResponseId: 'resp_b',
    });
    const conv = store.responses.getConversation('resp_c');
    expect(conv.found).toBe(true);
    if (!conv.found) return;
    expect(conv.responseIds).toEqual(['resp_a', 'resp_b', 'resp_c']);
    expect(conv.items.map((i) => (i as { id: string }).id)).toEqual([
      'in_a',
      'msg_out_resp_a',
      'in_b',
      'msg_out_resp_b',
      'in_c',
      'msg_out_resp_c',
    ]);
  });

  test('previousResponseId null stores no link: the conversation is the response alone', () => {
    // A WebSocket continuation of a store:false response keeps the whole conversation as its input.
    store = open();
    store.responses.saveResponse({
      response: response('resp_b', 'completed', { previous_response_id: 'resp_not_stored' }),
      inputItems: [userMessage('earlier', 'in_a'), userMessage('two', 'in_b')],
      previousResponseId: null,
    });
    expect(store.responses.getResponse('resp_b')?.previousResponseId).toBeNull();
    const conv = store.responses.getConversation('resp_b');
    expect(conv.found && conv.items.map((i) => (i as { id: string }).id)).toEqual(['in_a', 'in_b', 'msg_out_resp_b']);
  });

  test('a missing link is reported with its id, not silently skipped', () => {
    store = open();
    store.responses.saveResponse({ response: response('resp_a'), inputItems: [] });
    store.responses.saveResponse({ response: response('resp_b'), inputItems: [], previousResponseId: 'resp_a' });
    store.responses.deleteResponse('resp_a');
    expect(store.responses.getConversation('resp_b')).toEqual({ found: false, missingId: 'resp_a' });
    expect(store.responses.getConversation('resp_zz')).toEqual({ found: false, missingId: 'resp_zz' });
  });
});

describe('M6 TTL', { tags: ['M6'] }, () => {
  test('an expired response is gone for every read before the sweep, then the sweep deletes it', () => {
    store = open({ ttlSeconds: 60 });
    store.responses.saveResponse({ response: response('resp_old'), inputItems: [userMessage('x')] });
    clock += 30_000;
    store.responses.saveResponse({ response: response('resp_new'), inputItems: [], previousResponseId: 'resp_old' });
    clock += 30_000;
    expect(store.responses.getResponse('resp_old')).toBeNull();
    expect(store.responses.listInputItems('resp_old')).toBeNull();
    expect(store.responses.deleteResponse('resp_old')).toBe(false);
    expect(store.responses.getConversation('resp_new')).toEqual({ found: false, missingId: 'resp_old' });
    expect(store.responses.getResponse('resp_new')).not.toBeNull();
    clock += 30_000;
    expect(store.responses.sweepExpired()).toBe(1);
    expect(store.responses.stats().count).toBe(0);
  });

  test('a running response does not expire; its TTL starts when it finishes', () => {
    store = open({ ttlSeconds: 10 });
    store.responses.saveResponse({ response: response('resp_1', 'in_progress'), inputItems: [] });
    clock += 60_000;
    expect(store.responses.sweepExpired()).toBe(0);
    store.responses.saveResponse({ response: response('resp_1', 'completed') });
    expect(store.responses.getResponse('resp_1')?.expiresAt).toBe(clock + 10_000);
    clock += 10_000;
    expect(store.responses.getResponse('resp_1')).toBeNull();
  });

  test('ttl 0 keeps responses forever', () => {
    store = open({ ttlSeconds: 0 });
    store.responses.saveResponse({ response: response('resp_1'), inputItems: [] });
    clock += 10 * 365 * 86_400_000;
    expect(store.responses.getResponse('resp_1')?.expiresAt).toBeNull();
  });
});

describe('M6 quotas', { tags: ['M6'] }, () => {
  test('max items: the oldest finished response is evicted, never a running one', () => {
    store = open({ maxItems: 3 });
    store.responses.saveResponse({ response: response('resp_run', 'in_progress'), inputItems: [] });
    for (const id of ['resp_1', 'resp_2']) {
      clock += 1;
      store.responses.saveResponse({ response: response(id), inputItems: [] });
    }
    clock += 1;
    expect(store.responses.saveResponse({ response: response('resp_3'), inputItems: [] }).evicted).toEqual(['resp_1']);
    clock += 1;
    expect(store.responses.saveResponse({ response: response('resp_4'), inputItems: [] }).evicted).toEqual(['resp_2']);
    expect(store.responses.has('resp_run')).toBe(true);
    expect(store.responses.stats().count).toBe(3);
  });

  test('max bytes counts response, metadata and input items; eviction frees enough', () => {
    const probe = openStore({ inMemory: true, sweepIntervalMs: 0 });
    const save = (target: Store, id: string) =>
      target.responses.saveResponse({
        response: response(id),
        inputItems: [userMessage('x'.repeat(1000))],
        metadata: { k: 'v' },
      });
    save(probe, 'resp_0');
    const size = probe.responses.stats().bytes;
    probe.close();
    expect(size).toBeGreaterThan(1000);
    store = open({ maxBytes: size * 3 + 10 });
    for (const id of ['resp_1', 'resp_2', 'resp_3', 'resp_4']) {
      clock += 1;
      save(store, id);
    }
    expect(store.responses.has('resp_1')).toBe(false);
    expect(['resp_2', 'resp_3', 'resp_4'].every((id) => store.responses.has(id))).toBe(true);
    expect(store.responses.stats()).toEqual({ count: 3, bytes: size * 3 });
  });

  test('nothing evictable: 429 storage_quota_exceeded and nothing written', () => {
    store = open({ maxItems: 2 });
    store.responses.saveResponse({ response: response('resp_r1', 'in_progress'), inputItems: [] });
    store.responses.saveResponse({ response: response('resp_r2', 'queued'), inputItems: [] });
    const err = catchError(() =>
      store.responses.saveResponse({ response: response('resp_3'), inputItems: [userMessage('a')] }),
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      code: 'storage_quota_exceeded',
      param: 'store',
    });
    expect(store.responses.has('resp_3')).toBe(false);
    expect(store.responses.stats().count).toBe(2);
    // The running ones finishing makes room again.
    store.responses.saveResponse({ response: response('resp_r1', 'completed') });
    expect(store.responses.saveResponse({ response: response('resp_3'), inputItems: [] }).evicted).toEqual(['resp_r1']);
  });

  test('a single response larger than max bytes is refused without evicting anything', () => {
    store = open({ maxBytes: 2000 });
    store.responses.saveResponse({ response: response('resp_small'), inputItems: [] });
    const err = catchError(() =>
      store.responses.saveResponse({ response: response('resp_big'), inputItems: [userMessage('y'.repeat(5000))] }),
    );
    expect(err).toMatchObject({ status: 429, code: 'storage_quota_exceeded' });
    expect(store.responses.has('resp_small')).toBe(true);
  });

  test('expired responses are dropped before any live one is evicted', () => {
    store = open({ maxItems: 2, ttlSeconds: 10 });
    store.responses.saveResponse({ response: response('resp_keep'), inputItems: [] });
    clock += 5_000;
    store.responses.saveResponse({ response: response('resp_short'), inputItems: [] });
    store.responses.markStatus('resp_keep', 'completed');
    clock += 6_000;
    // resp_keep expired (finished at t0); resp_short still live.
    expect(store.responses.saveResponse({ response: response('resp_new'), inputItems: [] }).evicted).toEqual([]);
    expect(store.responses.has('resp_short')).toBe(true);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
