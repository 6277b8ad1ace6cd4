import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimulatorServer } from './server.js';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface Sse {
  event: string;
  data: Record<string, unknown>;
}

function events(text: string): Sse[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) as Record<string, unknown> };
    });
}

const WEATHER = {
  type: 'function',
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe("simulator: vLLM's native /v1/responses", { tags: ['B3', 'X9'] }, () => {
  let sim: SimulatorServer;
  beforeAll(async () => {
    sim = new SimulatorServer({ seed: 5 });
    await sim.listen();
  });
  afterAll(() => sim.close());

  test('streams vLLM’s sequence: event lines, bare item ids, no [DONE], deterministic bytes', async () => {
    const body = { model: 'sim-reasoning', input: 'Why is the sky blue?', stream: true };
    const text = await (await post(sim.url, body)).text();
    expect(await (await post(sim.url, body)).text()).toBe(text);
    expect(text).not.toContain('[DONE]');
    const all = events(text);
    expect(all.map((e) => e.data.sequence_number)).toEqual(all.map((_, i) => i));
    for (const e of all) expect(e.event).toBe(e.data.type);
    const types = [...new Set(all.map((e) => e.event))];
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_text.delta',
      'response.output_text.done',
      'response.completed',
    ]);
    const added = all.filter((e) => e.event === 'response.output_item.added').map((e) => e.data);
    expect(added.map((e) => e.output_index)).toEqual([0, 1]);
    for (const a of added) expect((a.item as { id: string }).id).toMatch(/^[0-9a-f]{32}$/);
    const done = all.at(-1)!.data.response as { status: string; output: { id: string }[]; usage: unknown };
    expect(done.status).toBe('completed');
    expect(done.output.map((o) => o.id.split('_')[0])).toEqual(['rs', 'msg']);
    expect(done.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: expect.any(Number) } });
  });

  test('a function call: the first fragment in the added item and again as the first delta; other call ids in the final body', async () => {
    const body = { model: 'sim-chat', input: 'Use get_weather for Oslo', tools: [WEATHER], stream: true };
    const all = events(await (await post(sim.url, body)).text());
    const added = all.find((e) => e.event === 'response.output_item.added')!.data.item as Record<string, string>;
    const deltas = all.filter((e) => e.event === 'response.function_call_arguments.delta').map((e) => e.data.delta);
    const done = all.find((e) => e.event === 'response.function_call_arguments.done')!.data;
    expect(deltas[0]).toBe(added.arguments);
    expect(deltas.join('')).toBe(done.arguments);
    expect(JSON.parse(done.arguments as string)).toEqual({ city: expect.any(String) });
    const final = (all.at(-1)!.data.response as { output: Record<string, string>[] }).output[0];
    expect(final.call_id).not.toBe(added.call_id);
    expect(final.arguments).toBe(done.arguments);
  });

  test('not streaming: the response object; max_output_tokens gives status incomplete', async () => {
    const res = await post(sim.url, { model: 'sim-chat', input: 'Tell me a story', max_output_tokens: 3 });
    const response = (await res.json()) as Record<string, unknown>;
    expect(response).toMatchObject({
      object: 'response',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      usage: { output_tokens: 3 },
    });
  });

  test('errors: vLLM’s nested body with an integer code; a mid-stream failure is one error event', async () => {
    const missing = await post(sim.url, { model: 'nope', input: 'hi' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { message: 'The model `nope` does not exist.', type: 'NotFoundError', param: null, code: 404 },
    });
    const bad = await post(sim.url, { model: 'sim-chat', input: [{ type: 'web_search_call' }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { param: 'input[0].type', code: 400 } });
    const cut = await post(
      sim.url,
      { model: 'sim-chat', input: 'hi', stream: true },
      { 'x-simulator-fault': 'error_chunk', 'x-simulator-fault-after': '2' },
    );
    const all = events(await cut.text());
    expect(all.at(-1)).toEqual({
      event: 'error',
      data: {
        error: { message: 'The engine failed during generation.', type: 'InternalServerError', param: null, code: 500 },
      },
    });
    expect(all.some((e) => e.event === 'response.failed' || e.event === 'response.completed')).toBe(false);
  });

  test('M2 a prompt as long as the context window gets vLLM’s Responses message, naming input', async () => {
    const small = new SimulatorServer({ seed: 1, maxModelLen: 8 });
    await small.listen();
    try {
      const res = await post(small.url, { model: 'sim-chat', input: 'one two three four five six seven eight nine' });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: {
          type: 'invalid_request_error',
          param: 'input',
          message: expect.stringMatching(/exceeds the max_model_len 8/),
        },
      });
    } finally {
      await small.close();
    }
  });
});
