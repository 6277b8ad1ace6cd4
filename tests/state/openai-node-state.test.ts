import OpenAI from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { weatherTool as weather } from '../support/fixtures.js';

let h: GatewayHarness;
let client: OpenAI;
beforeAll(async () => {
  h = await startGateway({ logLevel: 'warn' });
  client = new OpenAI({ baseURL: h.baseURL, apiKey: 'test-key', maxRetries: 0 });
});
afterAll(async () => {
  await h.close();
});

describe('M6 openai-node with stored state', { tags: ['M6'] }, () => {
  test('multi-turn with previous_response_id, then retrieve and input_items', async () => {
    const first = await client.responses.create({ model: 'sim-chat', input: 'My favourite colour is teal' });
    const second = await client.responses.create({
      model: 'sim-chat',
      input: 'What is my favourite colour?',
      previous_response_id: first.id,
    });
    expect(second.status).toBe('completed');
    expect(second.previous_response_id).toBe(first.id);
    const fetched = await client.responses.retrieve(second.id);
    expect(fetched.output_text).toBe(second.output_text);
    const items = await client.responses.inputItems.list(second.id);
    expect(items.data).toHaveLength(1);
    const deleted = await client.responses.delete(first.id);
    expect(deleted as unknown).toMatchObject({ id: first.id, deleted: true });
    await expect(client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });

  test('a tool loop with previous_response_id', async () => {
    const first = await client.responses.create({
      model: 'sim-chat',
      input: 'Use get_weather for Oslo',
      tools: [weather],
    });
    const call = first.output.find((i) => i.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function call');
    const output: ResponseInputItem = { type: 'function_call_output', call_id: call.call_id, output: '{"temp":3}' };
    const second = await client.responses.create({
      model: 'sim-chat',
      input: [output],
      previous_response_id: first.id,
      tools: [weather],
    });
    expect(second.status).toBe('completed');
    // The simulator quotes tool results after a tool turn: the output reached the backend with its call.
    expect(second.output_text).toContain('temp');
  });

  test('background: queued at once, polled to completion', async () => {
    const queued = await client.responses.create({
      model: 'sim-chat+token=2',
      input: 'Background please',
      background: true,
    });
    expect(queued.status).toBe('queued');
    expect(queued.background).toBe(true);
    let polled = await client.responses.retrieve(queued.id);
    while (polled.status === 'queued' || polled.status === 'in_progress') {
      await new Promise((r) => setTimeout(r, 10));
      polled = await client.responses.retrieve(queued.id);
    }
    expect(polled.status).toBe('completed');
    expect(polled.output_text.length).toBeGreaterThan(0);
    // Cancelling a finished background response returns it unchanged.
    const again = await client.responses.cancel(queued.id);
    expect(again.status).toBe('completed');
  });

  test('background: cancel ends it as cancelled', async () => {
    const queued = await client.responses.create({ model: 'sim-chat+token=50', input: 'Long story', background: true });
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');
  });

  test(
    'E5 background stream: the client leaves, the response goes on, resume replays after N',
    { tags: ['E5'] },
    async () => {
      const stream = await client.responses.create({
        model: 'sim-chat+token=5',
        input: 'Tell me a long story about streams',
        background: true,
        stream: true,
      });
      const seen: ResponseStreamEvent[] = [];
      for await (const event of stream) {
        seen.push(event);
        if (seen.length === 6) break; // leaves mid-stream
      }
      // As OpenAI streams a background response: created (queued), queued, then in progress.
      expect(seen.slice(0, 3).map((e) => e.type)).toEqual([
        'response.created',
        'response.queued',
        'response.in_progress',
      ]);
      expect((seen[0] as { response: { status: string } }).response.status).toBe('queued');
      const id = (seen[0] as { response: { id: string } }).response.id;
      const lastSeen = seen[seen.length - 1].sequence_number;
      const resumed = await client.responses.retrieve(id, { stream: true, starting_after: lastSeen });
      const rest: ResponseStreamEvent[] = [];
      for await (const event of resumed) rest.push(event);
      expect(rest[0].sequence_number).toBe(lastSeen + 1);
      expect(rest.map((e) => e.sequence_number)).toEqual(rest.map((_, i) => lastSeen + 1 + i));
      expect(rest.at(-1)?.type).toBe('response.completed');
      expect((await client.responses.retrieve(id)).status).toBe('completed');
    },
  );
});
