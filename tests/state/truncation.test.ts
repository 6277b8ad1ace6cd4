/**
 * X4: `truncation` against the simulator with a small context window (--simulator-max-model-len):
 * "auto" drops the oldest turns and says which, "disabled" is a 400 before the backend is called,
 * and without the field the backend's own refusal is mapped to the same code.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendAdapter, ModelInfo } from '../../src-server/backends/contract.js';
import { ContextWindows, dropPlans } from '../../src-server/engine/truncation.js';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const WINDOW = 200;
type Json = Record<string, unknown>;

let h: GatewayHarness;
let client: OpenAI;
beforeAll(async () => {
  h = await startGateway({ simulatorMaxModelLen: WINDOW, logLevel: 'warn' });
  client = new OpenAI({ baseURL: h.baseURL, apiKey: 'k', maxRetries: 0 });
});
afterAll(async () => {
  await h.close();
});

/** Twelve earlier user/assistant turns: far more than the window holds. */
const history = (n = 12): Json[] =>
  Array.from({ length: n }, (_, i) => [
    { role: 'user', content: `Question number ${i} is about something rather long and wordy` },
    { role: 'assistant', content: `Answer ${i} with some words in it too` },
  ]).flat();

/** Chat requests the simulator receives while `body` runs. */
async function chatRequests(body: () => Promise<unknown>): Promise<Json[][]> {
  const seen: Json[][] = [];
  const listener = (request: { messages: Json[] }): void => void seen.push(request.messages);
  h.simulator!.on('chat', listener);
  try {
    await body();
  } finally {
    h.simulator!.off('chat', listener);
  }
  return seen;
}

describe('X4 truncation: which items a turn drop removes', { tags: ['X4'] }, () => {
  test('system and developer messages and the latest turn stay; a call and its output go together', () => {
    const items: Json[] = [
      { role: 'system', content: 's' }, // 0
      { role: 'user', content: 'u1' }, // 1
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' }, // 2
      { type: 'function_call_output', call_id: 'c1', output: 'o' }, // 3
      { role: 'developer', content: 'd' }, // 4
      { role: 'assistant', content: 'a1' }, // 5
      { role: 'user', content: 'u2' }, // 6
      { type: 'reasoning', summary: [] }, // 7
      { type: 'function_call', call_id: 'c2', name: 'f', arguments: '{}' }, // 8
      { role: 'user', content: 'u3' }, // 9
      { type: 'function_call_output', call_id: 'c2', output: 'o' }, // 10: its call is in turn 2
    ];
    const plans = dropPlans(items).map((p) => [...p].sort((a, b) => a - b));
    expect(plans).toEqual([
      [1, 2, 3, 5],
      [1, 2, 3, 5, 6, 7, 8, 10],
    ]);
    // One turn only, or no user message at all: nothing can be dropped.
    expect(dropPlans([{ role: 'user', content: 'x' }])).toEqual([]);
    expect(dropPlans([{ role: 'assistant', content: 'x' }])).toEqual([]);
  });

  test('max_model_len is read once per model list, not per request', async () => {
    let lists = 0;
    const backend = {
      kind: 'fake',
      baseUrl: 'http://127.0.0.1:1',
      listModels: async (): Promise<ModelInfo[]> => {
        lists++;
        return [{ id: 'a', max_model_len: 100 }, { id: 'b' }];
      },
      stream: () => Promise.reject(new Error('not used')),
    } satisfies BackendAdapter;
    const windows = new ContextWindows(backend);
    const [a1, a2] = await Promise.all([windows.get('a'), windows.get('a')]);
    expect([a1, a2, await windows.get('b'), await windows.get('a')]).toEqual([100, 100, undefined, 100]);
    expect(lists).toBe(1);
    // A model the list did not name is looked up again (it may have been loaded since).
    expect(await windows.get('c')).toBeUndefined();
    expect(lists).toBe(2);
  });
});

describe('X4 truncation against the simulator', { tags: ['X4', 'M2'] }, () => {
  test('the simulator reports the window it enforces', async () => {
    const models = await client.models.list();
    for (const m of models.data) expect((m as unknown as Json).max_model_len).toBe(WINDOW);
  });

  test('"auto" drops the oldest turns, keeps the system message and the latest turn, and says so', async () => {
    const input = [{ role: 'system', content: 'Be brief.' }, ...history(), { role: 'user', content: 'Last question' }];
    let res: Response | undefined;
    const [sent] = await chatRequests(async () => {
      res = await postJson(`${h.baseURL}/responses`, { model: 'sim-chat', truncation: 'auto', input });
    });
    expect(res!.status).toBe(200);
    const body = (await res!.json()) as Json;
    expect(body).toMatchObject({ status: 'completed', truncation: 'auto' });
    const summary = res!.headers.get('x-responses-truncation') ?? '';
    const turns = Number(/dropped_turns=(\d+)/.exec(summary)?.[1]);
    const dropped = Number(/dropped_items=(\d+)/.exec(summary)?.[1]);
    expect(turns).toBeGreaterThan(0);
    expect(dropped).toBe(turns * 2);
    expect(summary).toMatch(new RegExp(`max_model_len=${WINDOW}`));
    expect(Number(/sent_tokens=(\d+)/.exec(summary)?.[1])).toBeLessThan(WINDOW);
    // The items sent without ids are named by their place in the context.
    expect(res!.headers.get('x-responses-truncated-items')).toBe(
      Array.from({ length: dropped }, (_, i) => `context[${i + 1}]`).join(', '),
    );
    // What the backend got: the system message, the newest turns whole, the last question.
    expect(sent[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'Last question' });
    expect(sent.slice(1, -1)).toEqual(history().slice(dropped));
    // The stored input is what the client sent, not the truncated context.
    const stored = await client.responses.inputItems.list(String(body.id), { limit: 100 });
    expect(stored.data).toHaveLength(input.length);
  });

  test('"auto" counts max_output_tokens against the window and streams with the same header', async () => {
    const input = [...history(3), { role: 'user', content: 'Last question' }];
    const plain = await postJson(`${h.baseURL}/responses`, { model: 'sim-chat', truncation: 'auto', input });
    expect(plain.headers.get('x-responses-truncation')).toMatch(/dropped_turns=0; dropped_items=0/);
    const reserved = await postJson(`${h.baseURL}/responses`, {
      model: 'sim-chat',
      truncation: 'auto',
      input,
      max_output_tokens: 150,
      stream: true,
    });
    expect(reserved.status).toBe(200);
    expect(reserved.headers.get('x-responses-truncation')).not.toMatch(/dropped_turns=0/);
    const stream = await readSse(reserved);
    expect(stream.events.at(-1)?.event).toMatch(/^response\.(completed|incomplete)$/);
  });

  test('"auto" in a conversation sends fewer items; the conversation keeps them all', async () => {
    const conv = await client.conversations.create({
      items: history(10) as unknown as OpenAI.Responses.ResponseInputItem[],
    });
    const [sent] = await chatRequests(() =>
      client.responses.create({ model: 'sim-chat', input: 'Now?', conversation: conv.id, truncation: 'auto' }),
    );
    expect(sent.length).toBeLessThan(21);
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'Now?' });
    const items = await client.conversations.items.list(conv.id, { limit: 100 });
    expect(items.data).toHaveLength(22);
  });

  test('"disabled" is a 400 context_length_exceeded before the backend is called', async () => {
    const input = [...history(), { role: 'user', content: 'Last question' }];
    const seen = await chatRequests(async () => {
      await expect(
        client.responses.create({ model: 'sim-chat', truncation: 'disabled', input: input as never }),
      ).rejects.toMatchObject({
        status: 400,
        error: { code: 'context_length_exceeded', param: 'input', type: 'invalid_request_error' },
      });
    });
    expect(seen).toEqual([]);
  });

  test('"auto" with a latest turn larger than the window is the same 400', async () => {
    const huge = 'word '.repeat(WINDOW);
    await expect(
      client.responses.create({
        model: 'sim-chat',
        truncation: 'auto',
        input: [...history(2), { role: 'user', content: huge }] as never,
      }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'context_length_exceeded', param: 'input' } });
  });

  test('without truncation the backend’s refusal is mapped to context_length_exceeded', async () => {
    const res = await postJson(`${h.baseURL}/responses`, {
      model: 'sim-chat',
      input: [...history(), { role: 'user', content: 'Last question' }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: Json }).error).toMatchObject({
      code: 'context_length_exceeded',
      param: 'input',
      type: 'invalid_request_error',
    });
    expect(res.headers.get('x-responses-truncation')).toBeNull();
  });

  test('a model the backend gives no window for is sent as is, and the header says it was not measured', async () => {
    const res = await postJson(`${h.baseURL}/responses`, {
      model: 'sim-chat+seed=3',
      truncation: 'auto',
      input: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-responses-truncation')).toMatch(/^unmeasured; reason=/);
  });
});
