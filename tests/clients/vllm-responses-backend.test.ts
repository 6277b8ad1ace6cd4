/**
 * Real clients through the gateway on `--backend-kind vllm-responses`: the simulator's imitation
 * of vLLM's native /v1/responses (bare item ids, no [DONE], call ids that change between stream
 * and final body, no response.failed) behind the gateway, which must answer with its own official
 * sequence, ids and errors, exactly as on the Chat route. The gateway validates its stream
 * strictly and any violation is logged at warn, which fails the suite.
 */
import OpenAI from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimulatorServer } from '../../src-server/backends/simulator/index.js';
import type { SimResponsesRequest } from '../../src-server/backends/simulator/responses-wire.js';
import { validateStream, type StreamEventLike } from '../../src-server/shared/protocol/stream-validator.js';
import { validateEventAgainstSpec, validateResponseAgainstSpec } from '../support/open-responses-spec.js';
import { postJson, readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';
import { weatherTool } from '../support/fixtures.js';

describe.each(['openai', 'open-responses'] as const)(
  'openai-node through the gateway on vLLM’s native Responses (%s dialect)',
  { tags: ['B1', 'B3', 'X9'] },
  (dialect) => {
    let simulator: SimulatorServer;
    let h: GatewayHarness;
    let client: OpenAI;
    const upstream: SimResponsesRequest[] = [];
    beforeAll(async () => {
      simulator = new SimulatorServer({ seed: 9 });
      simulator.on('responses', (body: SimResponsesRequest) => upstream.push(body));
      await simulator.listen();
      h = await startGateway({ dialect, logLevel: 'warn', backend: simulator.url, backendKind: 'vllm-responses' });
      client = new OpenAI({ baseURL: h.baseURL, apiKey: 'test-key', maxRetries: 0 });
    });
    afterAll(async () => {
      expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      await h.close();
      await simulator.close();
    });

    test('responses.create without streaming: the gateway’s ids and usage, vLLM’s store left off', async () => {
      const before = upstream.length;
      const response = await client.responses.create({ model: 'sim-chat', input: 'Say hello' });
      expect(h.gateway.backend.kind).toBe('vllm-responses');
      expect(response.status).toBe('completed');
      expect(response.id).toMatch(/^resp_/);
      expect(response.output.map((item) => item.id)).toEqual([expect.stringMatching(/^msg_/)]);
      expect(response.output_text).toContain('Say hello');
      expect(response.usage?.output_tokens).toBeGreaterThan(0);
      expect(upstream.slice(before)).toEqual([expect.objectContaining({ stream: true, store: false })]);
      if (dialect === 'open-responses') expect(validateResponseAgainstSpec(response)).toEqual([]);
    });

    test('responses.create with stream: true: the official sequence from vLLM’s events', async () => {
      const stream = await client.responses.create({ model: 'sim-reasoning', input: 'Explain briefly', stream: true });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      expect(events[0].type).toBe('response.created');
      expect(events.at(-1)?.type).toBe('response.completed');
      expect(validateStream(events as unknown as StreamEventLike[], { dialect })).toEqual([]);
      const reasoningType = dialect === 'openai' ? 'response.reasoning_text.delta' : 'response.reasoning.delta';
      expect(events.some((e) => (e.type as string) === reasoningType)).toBe(true);
      const added = events.flatMap((e) => (e.type === 'response.output_item.added' ? [e] : []));
      expect(added.map((e) => [e.output_index, e.item.id?.split('_')[0]])).toEqual([
        [0, 'rs'],
        [1, 'msg'],
      ]);
      if (dialect === 'open-responses') for (const e of events) expect(validateEventAgainstSpec(e)).toEqual([]);
    });

    test('responses.stream() and finalResponse()', async () => {
      const stream = client.responses.stream({ model: 'sim-chat', input: 'Say hello' });
      const deltas: string[] = [];
      stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(final.output_text).toBe(deltas.join(''));
    });

    test('a function-tool loop, stateless and then on the gateway’s store', async () => {
      const input: ResponseInputItem[] = [{ role: 'user', content: 'What is the weather in Paris? Use get_weather.' }];
      const stream = client.responses.stream({ model: 'sim-chat', input, tools: [weatherTool], store: false });
      const items: ResponseInputItem[] = [];
      stream.on('response.output_item.done', (e) => items.push(e.item as ResponseInputItem));
      const first = await stream.finalResponse();
      const calls = first.output.filter((item) => item.type === 'function_call');
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.id).toMatch(/^fc_/);
        expect(call.name).toBe('get_weather');
        expect(JSON.parse(call.arguments)).toEqual({ city: expect.any(String) });
      }
      input.push(...items);
      for (const call of calls)
        input.push({
          type: 'function_call_output',
          call_id: call.call_id,
          output: JSON.stringify({ temperature_c: 21 }),
        });
      const second = await client.responses.create({ model: 'sim-chat', input, tools: [weatherTool], store: false });
      expect(second.output.some((item) => item.type === 'function_call')).toBe(false);
      expect(second.output_text).toContain('get_weather returned {"temperature_c":21}');

      // The same loop with previous_response_id: the history comes from the gateway's store.
      const stored = await client.responses.create({
        model: 'sim-chat',
        input: 'Use get_weather for Oslo',
        tools: [weatherTool],
      });
      const call = stored.output.find((item) => item.type === 'function_call');
      if (call?.type !== 'function_call') throw new Error('expected a function call');
      const next = await client.responses.create({
        model: 'sim-chat',
        previous_response_id: stored.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"sky":"clear"}' }],
        tools: [weatherTool],
      });
      expect(next.output_text).toContain('get_weather returned {"sky":"clear"}');
    });

    test(
      'M2 errors: an unknown model is the SDK’s NotFoundError; a failure mid-stream is response.failed',
      { tags: ['M2', 'E1'] },
      async () => {
        const error = await client.responses.create({ model: 'no-such-model', input: 'hi' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.NotFoundError);
        expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
        // The SDK raises the gateway's `error` event; the raw stream shows error, then response.failed.
        const raised = await (async () => {
          const stream = await client.responses.create({
            model: 'sim-chat+fault=error_chunk+after=3',
            input: 'hi',
            stream: true,
          });
          for await (const event of stream) void event;
        })().catch((e: unknown) => e);
        expect(raised).toBeInstanceOf(OpenAI.APIError);
        expect((raised as InstanceType<typeof OpenAI.APIError>).message).toContain('engine failed');
        const s = await readSse(
          await postJson(`${h.url}/v1/responses`, {
            model: 'sim-chat+fault=error_chunk+after=3',
            input: 'hi',
            stream: true,
          }),
        );
        expect(streamViolations(s, dialect)).toEqual([]);
        const events = s.events.map((e) => e.data as { type: string; response?: { error?: { code?: string } } });
        expect(events.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
        expect(events.at(-1)?.response?.error?.code).toBe('server_error');
        expect(events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(3);
      },
    );
  },
);

describe('the same stream shape on both vLLM routes', { tags: ['B1', 'B3', 'X9'] }, () => {
  let simulator: SimulatorServer;
  let chat: GatewayHarness;
  let native: GatewayHarness;
  beforeAll(async () => {
    simulator = new SimulatorServer({ seed: 4 });
    await simulator.listen();
    chat = await startGateway({ logLevel: 'warn', backend: simulator.url, backendKind: 'vllm' });
    native = await startGateway({ logLevel: 'warn', backend: simulator.url, backendKind: 'vllm-responses' });
  });
  afterAll(async () => {
    for (const h of [chat, native]) expect(h.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    await chat.close();
    await native.close();
    await simulator.close();
  });

  /** Event types with runs of the same type collapsed (delta counts differ with the reply). */
  async function shape(h: GatewayHarness, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const s = await readSse(await postJson(`${h.url}/v1/responses`, { ...body, stream: true }, headers));
    expect(streamViolations(s, 'openai')).toEqual([]);
    const types = s.events.map((e) => (e.data as { type: string }).type);
    return types.filter((t, i) => t !== types[i - 1]);
  }

  test.each([
    [
      'reasoning, then text (a summary, being extracted from the text, may split differently)',
      { model: 'sim-reasoning', input: 'Why?' },
    ],
    [
      'parallel function calls',
      {
        model: 'sim-chat',
        input: 'Use get_weather and get_time',
        tools: [weatherTool, { ...weatherTool, name: 'get_time' }],
      },
    ],
    ['max_output_tokens reached', { model: 'sim-chat', input: 'Tell me a story', max_output_tokens: 16 }],
  ])('%s', async (_name, body) => {
    expect(await shape(native, body)).toEqual(await shape(chat, body));
  });
});
