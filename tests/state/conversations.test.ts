/**
 * X4: the Conversations API through openai-node's `conversations` resource and the Agents SDK's
 * `conversationId`, `conversation` on create (its items first, its input and output appended when
 * the response completes), item references, owners (X6) and bad input on every route.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SimulatorServer } from '../../src-server/backends/simulator/index.js';
import { agentsRunner, weatherAgent, weatherTool } from '../support/fixtures.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const A = 'sk-conv-a-0123456789';
const B = 'sk-conv-b-0123456789';

let h: GatewayHarness;
let client: OpenAI;
let other: OpenAI;
beforeAll(async () => {
  h = await startGateway({ apiKeys: [A, B], logLevel: 'warn' });
  client = new OpenAI({ baseURL: h.baseURL, apiKey: A, maxRetries: 0 });
  other = new OpenAI({ baseURL: h.baseURL, apiKey: B, maxRetries: 0 });
});
afterAll(async () => {
  expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
  await h.close();
});

type Json = Record<string, unknown>;

/** The chat messages the simulator receives while `body` runs. */
async function backendSaw<T>(
  simulator: SimulatorServer,
  body: () => Promise<T>,
): Promise<{ result: T; messages: Json[] }> {
  const seen: Json[][] = [];
  const listener = (request: { messages: Json[] }): void => void seen.push(request.messages);
  simulator.on('chat', listener);
  try {
    const result = await body();
    return { result, messages: seen.at(-1) ?? [] };
  } finally {
    simulator.off('chat', listener);
  }
}

async function call(
  key: string,
  method: string,
  route: string,
  body?: unknown,
  raw?: string,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${h.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}

const text = (item: unknown): string =>
  ((item as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

describe('X4 Conversations API with openai-node', { tags: ['X4', 'M6'] }, () => {
  test('create, retrieve, update, delete', async () => {
    const conv = await client.conversations.create({ metadata: { topic: 'demo' } });
    expect(conv).toMatchObject({ object: 'conversation', metadata: { topic: 'demo' } });
    expect(conv.id).toMatch(/^conv_/);
    expect(Number.isInteger(conv.created_at)).toBe(true);
    expect(await client.conversations.retrieve(conv.id)).toEqual(conv);
    const updated = await client.conversations.update(conv.id, { metadata: { topic: 'changed', more: 'yes' } });
    expect(updated.metadata).toEqual({ topic: 'changed', more: 'yes' });
    const deleted = await client.conversations.delete(conv.id);
    expect(deleted).toEqual({ id: conv.id, object: 'conversation.deleted', deleted: true });
    await expect(client.conversations.retrieve(conv.id)).rejects.toMatchObject({
      status: 404,
      error: { code: 'conversation_not_found' },
    });
  });

  test('items: create with items, add, list with paging both ways, retrieve, delete', async () => {
    const conv = await client.conversations.create({
      items: [
        { type: 'message', role: 'system', content: 'Answer briefly.' },
        { type: 'message', role: 'user', content: 'First question' },
      ],
    });
    const added = await client.conversations.items.create(conv.id, {
      items: [
        { type: 'message', role: 'assistant', content: 'First answer' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Second question' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' },
      ],
    });
    expect(added.object).toBe('list');
    expect(added.data).toHaveLength(4);
    expect(added.data.map((i) => i.id)).toEqual([
      expect.stringMatching(/^msg_/),
      expect.stringMatching(/^msg_/),
      expect.stringMatching(/^fc_/),
      expect.stringMatching(/^fco_/),
    ]);
    // A message read back has the ConversationItem shape: content parts and a status.
    expect(added.data[0]).toMatchObject({
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'First answer' }],
    });

    // The SDK's auto-pagination follows last_id / has_more.
    const asc: string[] = [];
    for await (const item of client.conversations.items.list(conv.id, { order: 'asc', limit: 2 })) asc.push(item.id!);
    expect(asc).toHaveLength(6);
    const desc = await client.conversations.items.list(conv.id, { limit: 4 });
    expect(desc.data.map((i) => i.id)).toEqual(asc.slice().reverse().slice(0, 4));
    expect(desc.has_more).toBe(true);
    const next = await client.conversations.items.list(conv.id, { limit: 4, after: desc.data[3].id });
    expect(next.data.map((i) => i.id)).toEqual(asc.slice(0, 2).reverse());
    expect(next.has_more).toBe(false);

    const one = await client.conversations.items.retrieve(asc[1], { conversation_id: conv.id });
    expect(text(one)).toBe('First question');
    const after = await client.conversations.items.delete(asc[1], { conversation_id: conv.id });
    expect(after).toMatchObject({ id: conv.id, object: 'conversation' });
    await expect(client.conversations.items.retrieve(asc[1], { conversation_id: conv.id })).rejects.toMatchObject({
      status: 404,
      error: { code: 'item_not_found' },
    });
    const left = await client.conversations.items.list(conv.id, { order: 'asc' });
    expect(left.data.map((i) => i.id)).toEqual([asc[0], ...asc.slice(2)]);
  });

  test('a response in a conversation sees its items and appends its input and output', async () => {
    const conv = await client.conversations.create({
      items: [{ type: 'message', role: 'user', content: 'My name is Ada.' }],
    });
    const { result: first, messages } = await backendSaw(h.simulator!, () =>
      client.responses.create({ model: 'sim-chat', input: 'What is my name?', conversation: conv.id }),
    );
    expect(messages.map((m) => m.content)).toEqual(['My name is Ada.', 'What is my name?']);
    expect(first.conversation).toEqual({ id: conv.id });
    // `{id}` works too, and the second response sees the first one's input and output.
    const { result: second, messages: later } = await backendSaw(h.simulator!, () =>
      client.responses.create({ model: 'sim-chat', input: 'Thanks', conversation: { id: conv.id } }),
    );
    expect(later.map((m) => m.role)).toEqual(['user', 'user', 'assistant', 'user']);
    expect(later[2].content).toBe(first.output_text);
    const items = await client.conversations.items.list(conv.id, { order: 'asc' });
    expect(items.data.map((i) => i.type)).toEqual(['message', 'message', 'message', 'message', 'message']);
    expect(items.data[2].id).toBe(first.output[0].id);
    expect(items.data[4].id).toBe(second.output[0].id);
    // The stored response's input_items and the conversation's copy share item ids.
    const input = await client.responses.inputItems.list(first.id);
    expect(input.data[0].id).toBe(items.data[1].id);
    // The console's list of the responses that added items.
    const responses = await call(A, 'GET', `/v1/conversations/${conv.id}/responses`);
    expect((responses.json.data as Json[]).map((r) => r.id)).toEqual([first.id, second.id]);
    expect((responses.json.data as Json[])[0]).toMatchObject({
      stored: true,
      status: 'completed',
      model: 'sim-chat',
      item_ids: [items.data[1].id, items.data[2].id],
    });
  });

  test('streaming, tool calls and store: false in a conversation; a failed response appends nothing', async () => {
    const conv = await client.conversations.create();
    const stream = await client.responses.create({
      model: 'sim-chat',
      input: 'Use get_weather for Oslo',
      tools: [weatherTool],
      conversation: conv.id,
      stream: true,
    });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    const call1 = completed?.output.find((i) => i.type === 'function_call');
    if (call1?.type !== 'function_call') throw new Error('no function call');
    await client.responses.create({
      model: 'sim-chat',
      input: [{ type: 'function_call_output', call_id: call1.call_id, output: 'Sunny' }],
      tools: [weatherTool],
      conversation: conv.id,
      store: false,
    });
    const items = await client.conversations.items.list(conv.id, { order: 'asc' });
    expect(items.data.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    await expect(
      client.responses.create({ model: 'sim-chat+fault=error_chunk', input: 'fails', conversation: conv.id }),
    ).resolves.toMatchObject({ status: 'failed' });
    expect((await client.conversations.items.list(conv.id)).data).toHaveLength(4);
  });

  test('conversation with previous_response_id, or an unknown one, is a 400 before the backend', async () => {
    const conv = await client.conversations.create();
    const first = await client.responses.create({ model: 'sim-chat', input: 'hi' });
    const before = h.simulator!.stats.requests;
    await expect(
      client.responses.create({ model: 'sim-chat', input: 'x', conversation: conv.id, previous_response_id: first.id }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'conversation', type: 'invalid_request_error' } });
    await expect(
      client.responses.create({ model: 'sim-chat', input: 'x', conversation: 'conv_missing' }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'conversation_not_found', param: 'conversation' } });
    expect(h.simulator!.stats.requests).toBe(before);
  });

  test('another key sees another owner’s conversation as missing', { tags: ['X6'] }, async () => {
    const conv = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'secret' }] });
    const missing = await call(B, 'GET', '/v1/conversations/conv_nothing');
    for (const [method, route] of [
      ['GET', `/v1/conversations/${conv.id}`],
      ['GET', `/v1/conversations/${conv.id}/items`],
      ['DELETE', `/v1/conversations/${conv.id}`],
    ] as const) {
      const got = await call(B, method, route);
      expect(got.status).toBe(404);
      expect((got.json.error as Json).code).toBe((missing.json.error as Json).code);
    }
    await expect(
      other.responses.create({ model: 'sim-chat', input: 'x', conversation: conv.id }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'conversation_not_found' } });
    const listed = await call(B, 'GET', '/v1/conversations?limit=100');
    expect((listed.json.data as Json[]).map((c) => c.id)).not.toContain(conv.id);
    // Still there for its owner.
    expect((await client.conversations.retrieve(conv.id)).id).toBe(conv.id);
  });
});

describe('X4 item_reference inputs', { tags: ['X4', 'M6'] }, () => {
  test('an output item, an input item and a conversation item resolve to the stored item', async () => {
    const stored = await client.responses.create({ model: 'sim-chat', input: 'Remember seven' });
    const inputId = (await client.responses.inputItems.list(stored.id)).data[0].id;
    const conv = await client.conversations.create({
      items: [{ type: 'message', role: 'user', content: 'From a conversation' }],
    });
    const convItem = (await client.conversations.items.list(conv.id)).data[0].id!;
    const { messages } = await backendSaw(h.simulator!, () =>
      client.responses.create({
        model: 'sim-chat',
        input: [
          { type: 'item_reference', id: inputId },
          { type: 'item_reference', id: stored.output[0].id! },
          // The shorthand without `type`: an item with only an id.
          { id: convItem } as OpenAI.Responses.ResponseInputItem,
          { role: 'user', content: 'And now?' },
        ],
      }),
    );
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Remember seven'],
      ['assistant', stored.output_text],
      ['user', 'From a conversation'],
      ['user', 'And now?'],
    ]);
  });

  test('an unknown or another owner’s id is a 400 naming the input index', { tags: ['X6'] }, async () => {
    const stored = await client.responses.create({ model: 'sim-chat', input: 'mine' });
    for (const [sdk, id] of [
      [client, 'msg_unknown'],
      [other, stored.output[0].id!],
    ] as const) {
      await expect(
        sdk.responses.create({
          model: 'sim-chat',
          input: [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
            { role: 'user', content: 'c' },
            { type: 'item_reference', id },
          ],
        }),
      ).rejects.toMatchObject({
        status: 400,
        error: { code: 'item_not_found', param: 'input[3].id', type: 'invalid_request_error' },
      });
    }
  });
});

describe('X4 Agents SDK conversationId', { tags: ['X4'] }, () => {
  test('a tool run and a follow-up run in one server-side conversation', async () => {
    // This gateway has API keys: the SDK's client uses key A, the owner of the conversation.
    const sdk = new OpenAI({ baseURL: h.baseURL, apiKey: A, maxRetries: 0 });
    const keyed = agentsRunner(h.baseURL, sdk);
    const conv = await sdk.conversations.create();
    const { agent, cities } = weatherAgent('Use the weather tool.');
    const first = await keyed.run(agent, 'What is the weather? Use get_weather.', { conversationId: conv.id });
    expect(cities.length).toBeGreaterThan(0);
    expect(first.finalOutput).toContain('Sunny, 21 C');
    const types = (await sdk.conversations.items.list(conv.id, { order: 'asc' })).data.map((i) => i.type);
    expect(types).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    const { messages } = await backendSaw(h.simulator!, () => keyed.run(agent, 'Thanks!', { conversationId: conv.id }));
    // The SDK sends only the new turn's items; the gateway put the whole conversation before them.
    const thanks = messages.findIndex((m) => m.role === 'user' && m.content === 'Thanks!');
    expect(messages.slice(0, thanks).map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(messages[3].content).toBe(`Sunny, 21 C in ${cities[0]}`);
    const all = (await sdk.conversations.items.list(conv.id, { order: 'asc' })).data.map((i) => i.type);
    expect(all.slice(0, 5)).toEqual([...types, 'message']);
  });
});

describe('X4 bad input on the Conversations routes', { tags: ['X4', 'X7', 'M2'] }, () => {
  const envelope = (got: { status: number; json: Json }, status: number, fields: Json): void => {
    expect(got.status).toBe(status);
    expect(got.json.error).toMatchObject(fields);
  };

  test('bad JSON, wrong types, unknown fields, too many items, unknown ids, bad paging', async () => {
    const conv = (await call(A, 'POST', '/v1/conversations', {})).json;
    const id = String(conv.id);
    envelope(await call(A, 'POST', '/v1/conversations', undefined, '{"items":'), 400, { code: 'invalid_json' });
    envelope(await call(A, 'POST', '/v1/conversations', undefined, '[]'), 400, { code: 'invalid_type' });
    envelope(await call(A, 'POST', '/v1/conversations', { items: 'x' }), 400, { param: 'items' });
    envelope(await call(A, 'POST', '/v1/conversations', { colour: 1 }), 400, {
      code: 'unknown_parameter',
      param: 'colour',
    });
    envelope(await call(A, 'POST', '/v1/conversations', { metadata: { k: 1 } }), 400, {
      type: 'invalid_request_error',
    });
    envelope(await call(A, 'POST', '/v1/conversations', { items: [{ type: 'message', role: 'user' }] }), 400, {
      param: expect.stringMatching(/^items\[0\]/) as unknown,
    });
    const many = Array.from({ length: 21 }, () => ({ role: 'user', content: 'x' }));
    envelope(await call(A, 'POST', `/v1/conversations/${id}/items`, { items: many }), 400, { param: 'items' });
    envelope(await call(A, 'POST', `/v1/conversations/${id}/items`, {}), 400, { code: 'missing_required_parameter' });
    envelope(
      await call(A, 'POST', `/v1/conversations/${id}/items`, { items: [{ type: 'item_reference', id: 'nope' }] }),
      400,
      {
        code: 'item_not_found',
        param: 'items[0].id',
      },
    );
    envelope(await call(A, 'POST', `/v1/conversations/${id}`, {}), 400, {
      code: 'missing_required_parameter',
      param: 'metadata',
    });
    envelope(await call(A, 'POST', '/v1/conversations/conv_nope', { metadata: {} }), 404, {
      code: 'conversation_not_found',
    });
    envelope(await call(A, 'GET', '/v1/conversations/conv_nope/items?limit=0'), 404, {
      code: 'conversation_not_found',
    });
    envelope(await call(A, 'GET', `/v1/conversations/${id}/items?limit=0`), 400, { param: 'limit' });
    envelope(await call(A, 'GET', `/v1/conversations/${id}/items?limit=abc`), 400, { param: 'limit' });
    envelope(await call(A, 'GET', `/v1/conversations/${id}/items?order=up`), 400, { param: 'order' });
    envelope(await call(A, 'GET', `/v1/conversations/${id}/items?after=msg_nope`), 400, { param: 'after' });
    envelope(await call(A, 'GET', `/v1/conversations/${id}/items/msg_nope`), 404, { code: 'item_not_found' });
    envelope(await call(A, 'DELETE', `/v1/conversations/${id}/items/msg_nope`), 404, { code: 'item_not_found' });
    envelope(await call(A, 'PUT', `/v1/conversations/${id}`, {}), 405, { code: 'method_not_allowed' });
    envelope(await call(A, 'PATCH', '/v1/conversations'), 405, { code: 'method_not_allowed' });
    const text = await fetch(`${h.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${A}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    // Oversized: refused from Content-Length before the body is read.
    const big = await postJson(
      `${h.url}/v1/conversations/${id}/items`,
      { items: [{ role: 'user', content: 'x'.repeat(h.config.maxRequestBytes) }] },
      { authorization: `Bearer ${A}` },
    );
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: Json }).error).toMatchObject({ code: 'request_too_large' });
    // Nothing was added by any of it.
    const items = await call(A, 'GET', `/v1/conversations/${id}/items`);
    expect(items.json.data).toEqual([]);
  });
});
