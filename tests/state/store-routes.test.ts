import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGateway({ logLevel: 'warn' });
});
afterAll(async () => {
  await h.close();
});

interface Json {
  [key: string]: unknown;
}

async function create(body: Json): Promise<Json> {
  const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', ...body });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

async function expectError(
  res: Response | Promise<Response>,
  status: number,
  error: { type: string; code: string; param: string | null },
): Promise<Json> {
  const r = await res;
  const body = (await r.json()) as { error: Json };
  expect({ status: r.status, ...body.error, message: undefined }).toEqual({ status, ...error, message: undefined });
  expect(String(body.error.message).length).toBeGreaterThan(10);
  return body.error;
}

const get = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${h.url}${path}`, init);

describe('M6 stored responses', { tags: ['M6'] }, () => {
  test('a created response can be fetched, listed and deleted', async () => {
    const created = await create({ input: 'Remember the number 7', metadata: { topic: 'numbers' } });
    const fetched = (await (await get(`/v1/responses/${String(created.id)}`)).json()) as Json;
    expect(fetched).toEqual(created);

    const items = (await (await get(`/v1/responses/${String(created.id)}/input_items`)).json()) as Json;
    expect(items).toMatchObject({ object: 'list', has_more: false });
    const data = items.data as Json[];
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'Remember the number 7' }],
    });
    expect(items.first_id).toBe(data[0].id);
    expect(items.last_id).toBe(data[0].id);

    const deleted = await get(`/v1/responses/${String(created.id)}`, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ id: created.id, object: 'response', deleted: true });
    await expectError(get(`/v1/responses/${String(created.id)}`), 404, {
      type: 'invalid_request_error',
      code: 'response_not_found',
      param: null,
    });
    await expectError(get(`/v1/responses/${String(created.id)}`, { method: 'DELETE' }), 404, {
      type: 'invalid_request_error',
      code: 'response_not_found',
      param: null,
    });
  });

  test('store: false leaves nothing to fetch or continue', { tags: ['M6', 'X4'] }, async () => {
    const created = await create({ input: 'Private', store: false });
    expect(created.store).toBe(false);
    await expectError(get(`/v1/responses/${String(created.id)}`), 404, {
      type: 'invalid_request_error',
      code: 'response_not_found',
      param: null,
    });
    await expectError(
      postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'next', previous_response_id: created.id }),
      400,
      { type: 'invalid_request_error', code: 'previous_response_not_found', param: 'previous_response_id' },
    );
  });

  test('input_items pages with limit, order and after', async () => {
    const input = ['one', 'two', 'three', 'four', 'five'].map((text) => ({ role: 'user', content: text }));
    const created = await create({ input });
    const base = `/v1/responses/${String(created.id)}/input_items`;
    const page1 = (await (await get(`${base}?limit=2&order=asc`)).json()) as Json;
    expect((page1.data as Json[]).map((d) => d.content)).toEqual(['one', 'two']);
    expect(page1.has_more).toBe(true);
    const page2 = (await (await get(`${base}?limit=2&order=asc&after=${String(page1.last_id)}`)).json()) as Json;
    expect((page2.data as Json[]).map((d) => d.content)).toEqual(['three', 'four']);
    const desc = (await (await get(`${base}?limit=100`)).json()) as Json;
    expect((desc.data as Json[]).map((d) => d.content)).toEqual(['five', 'four', 'three', 'two', 'one']);
    expect(desc.has_more).toBe(false);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['order=sideways', 'order'],
    ['after=msg_unknown', 'after'],
  ])('input_items with %s is a 400 naming %s', async (query, param) => {
    const created = await create({ input: 'x' });
    await expectError(get(`/v1/responses/${String(created.id)}/input_items?${query}`), 400, {
      type: 'invalid_request_error',
      code: 'invalid_value',
      param,
    });
  });

  test('input_items of an unknown response is a 404', async () => {
    await expectError(get('/v1/responses/resp_nope/input_items'), 404, {
      type: 'invalid_request_error',
      code: 'response_not_found',
      param: null,
    });
  });

  test('cancel: unknown 404, not background 400', async () => {
    await expectError(get('/v1/responses/resp_nope/cancel', { method: 'POST' }), 404, {
      type: 'invalid_request_error',
      code: 'response_not_found',
      param: null,
    });
    const created = await create({ input: 'x' });
    await expectError(get(`/v1/responses/${String(created.id)}/cancel`, { method: 'POST' }), 400, {
      type: 'invalid_request_error',
      code: 'response_not_background',
      param: null,
    });
  });

  test('GET ?stream=true of a response that was not a background one is a 400', async () => {
    const created = await create({ input: 'x' });
    await expectError(get(`/v1/responses/${String(created.id)}?stream=true`), 400, {
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'stream',
    });
    await expectError(get(`/v1/responses/${String(created.id)}?stream=maybe`), 400, {
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'stream',
    });
  });
});

describe('M6 previous_response_id', { tags: ['M6'] }, () => {
  test('rebuilds the conversation; instructions are not inherited', async () => {
    const first = await create({ input: 'My name is Ada', instructions: 'Answer in one line.' });
    const second = await create({ input: 'What is my name?', previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.instructions).toBeNull();
    // The backend saw the first turn too: more prompt tokens than the question alone.
    const alone = await create({ input: 'What is my name?' });
    const usage = (r: Json): number => (r.usage as { input_tokens: number }).input_tokens;
    expect(usage(second)).toBeGreaterThan(usage(alone) + 3);
    // Only this request's own input is listed for the second response.
    const items = (await (await get(`/v1/responses/${String(second.id)}/input_items`)).json()) as Json;
    expect((items.data as Json[]).map((d) => (d.content as Json[])[0].text)).toEqual(['What is my name?']);
  });

  test('a deleted link breaks the chain with previous_response_not_found', { tags: ['M6', 'X4'] }, async () => {
    const first = await create({ input: 'a' });
    const second = await create({ input: 'b', previous_response_id: first.id });
    await get(`/v1/responses/${String(first.id)}`, { method: 'DELETE' });
    await expectError(
      postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'c', previous_response_id: second.id }),
      400,
      { type: 'invalid_request_error', code: 'previous_response_not_found', param: 'previous_response_id' },
    );
  });

  test('background: true with store: false is a 400', async () => {
    await expectError(
      postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'x', background: true, store: false }),
      400,
      { type: 'invalid_request_error', code: 'invalid_value', param: 'background' },
    );
  });
});

describe('M6 input token counting', { tags: ['M6'] }, () => {
  test('counts through the backend tokenizer, history included', async () => {
    const count = async (body: Json): Promise<number> => {
      const res = await postJson(`${h.url}/v1/responses/input_tokens`, { model: 'sim-chat', ...body });
      const json = (await res.json()) as Json;
      expect(res.status).toBe(200);
      expect(json.object).toBe('response.input_tokens');
      return json.input_tokens as number;
    };
    const short = await count({ input: 'hello' });
    const long = await count({ input: 'hello there, this is a much longer prompt with many more words in it' });
    expect(short).toBeGreaterThan(0);
    expect(long).toBeGreaterThan(short);
    const first = await create({ input: 'hello' });
    expect(await count({ input: 'hello', previous_response_id: first.id })).toBeGreaterThan(short);
  });

  test('an invalid body is a 400 naming the field', async () => {
    await expectError(postJson(`${h.url}/v1/responses/input_tokens`, { model: 'sim-chat', input: 5 }), 400, {
      type: 'invalid_request_error',
      code: 'invalid_type',
      param: 'input',
    });
  });
});

describe('M6 store quota through the gateway', { tags: ['M6'] }, () => {
  test('a response larger than --responses-store-max-bytes is a 429 storage_quota_exceeded; store: false still works', async () => {
    const small = await startGateway({ logLevel: 'warn', storeMaxBytes: 200 });
    try {
      const res = await postJson(`${small.url}/v1/responses`, { model: 'sim-chat', input: 'hello' });
      const body = (await res.json()) as { error: Json };
      expect({ status: res.status, type: body.error.type, code: body.error.code, param: body.error.param }).toEqual({
        status: 429,
        type: 'rate_limit_error',
        code: 'storage_quota_exceeded',
        param: 'store',
      });
      const unstored = await postJson(`${small.url}/v1/responses`, { model: 'sim-chat', input: 'hello', store: false });
      expect(unstored.status).toBe(200);
    } finally {
      await small.close();
    }
  });

  test('over --responses-store-max-items the oldest finished response is evicted', async () => {
    const small = await startGateway({ logLevel: 'warn', storeMaxItems: 2 });
    try {
      const ids: string[] = [];
      for (const input of ['a', 'b', 'c']) {
        const res = await postJson(`${small.url}/v1/responses`, { model: 'sim-chat', input });
        ids.push(((await res.json()) as { id: string }).id);
      }
      expect((await fetch(`${small.url}/v1/responses/${ids[0]}`)).status).toBe(404);
      expect((await fetch(`${small.url}/v1/responses/${ids[2]}`)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
