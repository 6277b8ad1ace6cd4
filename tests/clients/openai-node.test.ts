import OpenAI from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateStream, type StreamEventLike } from '../../src-server/shared/protocol/stream-validator.js';
import { validateEventAgainstSpec, validateResponseAgainstSpec } from '../support/open-responses-spec.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { weatherTool } from '../support/fixtures.js';

function expectSequence(events: { type: string; sequence_number: number }[]): void {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  expect(events[0].type).toBe('response.created');
}

describe.each(['openai', 'open-responses'] as const)(
  'openai-node against the gateway (%s dialect)',
  { tags: ['B1'] },
  (dialect) => {
    let h: GatewayHarness;
    let client: OpenAI;
    beforeAll(async () => {
      h = await startGateway({ dialect, logLevel: 'warn' });
      client = new OpenAI({ baseURL: h.baseURL, apiKey: 'test-key', maxRetries: 0 });
    });
    afterAll(async () => {
      // Strict stream validation in the gateway logs and fails any violating response.
      expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      await h.close();
    });

    test('responses.create without streaming', async () => {
      const response = await client.responses.create({ model: 'sim-chat', input: 'Say hello' });
      expect(response.status).toBe('completed');
      expect(response.id).toMatch(/^resp_/);
      expect(response.output_text.length).toBeGreaterThan(0);
      expect(response.usage?.output_tokens).toBeGreaterThan(0);
      if (dialect === 'open-responses') expect(validateResponseAgainstSpec(response)).toEqual([]);
    });

    test('responses.create with stream: true', async () => {
      const stream = await client.responses.create({ model: 'sim-reasoning', input: 'Explain briefly', stream: true });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      expectSequence(events);
      expect(validateStream(events as unknown as StreamEventLike[], { dialect })).toEqual([]);
      const last = events.at(-1);
      expect(last?.type).toBe('response.completed');
      const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
      expect(text.length).toBeGreaterThan(0);
      const reasoningType = dialect === 'openai' ? 'response.reasoning_text.delta' : 'response.reasoning.delta';
      expect(events.some((e) => (e.type as string) === reasoningType)).toBe(true);
      if (dialect === 'open-responses') {
        for (const e of events) expect(validateEventAgainstSpec(e)).toEqual([]);
      }
    });

    test('responses.stream() and finalResponse()', async () => {
      const stream = client.responses.stream({ model: 'sim-chat', input: 'Say hello' });
      const deltas: string[] = [];
      stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(final.output_text).toBe(deltas.join(''));
      if (dialect === 'open-responses') expect(validateResponseAgainstSpec(final)).toEqual([]);
    });

    test('stateless function-tool loop: function_call, function_call_output, final answer', async () => {
      const input: ResponseInputItem[] = [{ role: 'user', content: 'What is the weather in Paris? Use get_weather.' }];
      // A stateless client: stream, keep every item from response.output_item.done as the transcript.
      const stream = client.responses.stream({ model: 'sim-chat', input, tools: [weatherTool], store: false });
      const items: ResponseInputItem[] = [];
      stream.on('response.output_item.done', (e) => items.push(e.item as ResponseInputItem));
      const first = await stream.finalResponse();
      expect(items).toHaveLength(first.output.length);
      const calls = first.output.filter((item) => item.type === 'function_call');
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.name).toBe('get_weather');
        expect(JSON.parse(call.arguments)).toEqual({ city: expect.any(String) });
      }
      // Send the whole transcript back, with one output per call, and no stored state.
      input.push(...items);
      for (const call of calls)
        input.push({
          type: 'function_call_output',
          call_id: call.call_id,
          output: JSON.stringify({ temperature_c: 21 }),
        });
      const second = await client.responses.create({ model: 'sim-chat', input, tools: [weatherTool], store: false });
      expect(second.status).toBe('completed');
      expect(second.output.some((item) => item.type === 'function_call')).toBe(false);
      expect(second.output_text).toContain('temperature_c');
    });

    test('API errors reach the SDK as typed errors', async () => {
      const error = await client.responses.create({ model: 'no-such-model', input: 'hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).requestID).toMatch(/^req_/);
    });
  },
);
