/**
 * The one behaviour suite every backend adapter must pass, run from one `*.test.ts` per adapter
 * against a real simulator server on 127.0.0.1 (the way Hono runs common.case.test.ts against every
 * router). Brief IDs label the cases they cover.
 *
 * Two parts: `registerPortableContract` holds what any real server must satisfy whatever its model
 * says (it also runs against a live vLLM: live.test.ts, docs/running.md); the simulator-only part
 * holds what needs the simulator's deterministic text, its model names and its fault injection.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GatewayError, isGatewayError } from '../shared/protocol/errors.js';
import type { BackendAdapter, ModelPart, ModelRequest, ModelTool } from './contract.js';
import type { DisconnectEvent, SimulatorServer } from './simulator/server.js';

export interface ContractHarness {
  adapter: BackendAdapter;
  simulator: SimulatorServer;
  close(): Promise<void>;
}

/** A harness for the portable part: any server, simulated or live. */
export interface PortableHarness {
  adapter: BackendAdapter;
  /** The model the requests name (`sim-chat` on the simulator, BACKEND_MODEL live). */
  model: string;
  /** Request fields that make a reply long and slow enough to abort midway (simulator pacing). */
  slow?: Partial<ModelRequest>;
  close(): Promise<void>;
}

export interface ContractCapabilities {
  /** The adapter sends vLLM extensions (cache_salt) and can count tokens. */
  vllmExtensions: boolean;
  /** The route the adapter streams from (default `/v1/chat/completions`). */
  streamPath?: string;
}

export type HarnessFactory = (options: { timeoutSeconds: number }) => Promise<ContractHarness>;
export type PortableHarnessFactory = (options: { timeoutSeconds: number }) => Promise<PortableHarness>;

const WEATHER: ModelTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1, maximum: 7 },
      options: {
        type: 'object',
        properties: { hourly: { type: 'boolean' }, fields: { type: 'array', items: { type: 'string' }, minItems: 1 } },
        required: ['hourly', 'fields'],
      },
    },
    required: ['city', 'unit', 'days', 'options'],
    additionalProperties: false,
  },
};

const TIME: ModelTool = {
  name: 'get_time',
  parameters: {
    type: 'object',
    properties: { timezone: { type: 'string' }, precise: { type: 'boolean' } },
    required: ['timezone'],
  },
};

const ajv = new Ajv({ strict: false });

function user(text: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return { model: 'sim-chat', input: [{ type: 'message', role: 'user', content: text }], ...extra };
}

async function collect(
  adapter: BackendAdapter,
  request: ModelRequest,
  signal = new AbortController().signal,
): Promise<ModelPart[]> {
  const parts: ModelPart[] = [];
  for await (const part of await adapter.stream(request, { signal, requestId: 'req_test' })) parts.push(part);
  return parts;
}

function textOf(parts: ModelPart[], type: 'text-delta' | 'reasoning-delta' = 'text-delta'): string {
  return parts.map((p) => (p.type === type ? p.text : '')).join('');
}

function toolCalls(parts: ModelPart[]): { callId: string; name: string; args: string; deltas: number }[] {
  const calls: { callId: string; name: string; args: string; deltas: number }[] = [];
  for (const p of parts) {
    if (p.type === 'tool-call-start') calls[p.index] = { callId: p.callId, name: p.name, args: '', deltas: 0 };
    if (p.type === 'tool-call-delta') {
      calls[p.index].args += p.argumentsDelta;
      calls[p.index].deltas++;
    }
  }
  return calls;
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isGatewayError(error)) throw new Error(`expected a GatewayError rejection, got ${String(error)}`);
  return error;
}

function lastError(parts: ModelPart[]): GatewayError {
  const last = parts[parts.length - 1];
  if (last?.type !== 'error')
    throw new Error(`expected the stream to end with an error part, got ${JSON.stringify(last)}`);
  return last.error;
}

/**
 * What every server must do, model-agnostic: no exact text, no fault injection, no model names but
 * the harness's own, and finish reasons only where any vLLM build agrees.
 */
export function registerPortableContract(name: string, factory: PortableHarnessFactory): void {
  describe(`backend contract: ${name}`, { tags: ['B3'] }, () => {
    let h: PortableHarness;
    const ask = (text: string, extra: Partial<ModelRequest> = {}): ModelRequest =>
      user(text, { model: h.model, ...extra });
    beforeAll(async () => {
      h = await factory({ timeoutSeconds: 120 });
    });
    afterAll(async () => {
      await h?.close();
    });

    test('lists models, the tested one among them', async () => {
      const models = await h.adapter.listModels();
      expect(models.map((m) => m.id)).toContain(h.model);
    });

    test('streams text, then usage, then a finish as the last part', async () => {
      const parts = await collect(h.adapter, ask('Say hello in one short sentence.', { maxOutputTokens: 64 }));
      expect(parts.some((p) => p.type === 'text-delta' || p.type === 'reasoning-delta')).toBe(true);
      const last = parts[parts.length - 1];
      expect(last.type).toBe('finish');
      expect(['stop', 'length']).toContain(last.type === 'finish' ? last.reason : '');
      const usage = parts.find((p) => p.type === 'usage');
      if (usage?.type !== 'usage') throw new Error('no usage part');
      expect(usage.usage.inputTokens).toBeGreaterThan(0);
      expect(usage.usage.outputTokens).toBeGreaterThan(0);
      expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    });

    test(
      'E3 a named tool_choice yields one call of that tool with schema-valid arguments',
      { tags: ['E3'] },
      async () => {
        const parts = await collect(
          h.adapter,
          ask('What time is it in Oslo?', { tools: [TIME], toolChoice: { name: 'get_time' }, maxOutputTokens: 256 }),
        );
        const calls = toolCalls(parts);
        expect(calls.map((c) => c.name)).toEqual(['get_time']);
        expect(calls[0].callId.length).toBeGreaterThan(0);
        const validate = ajv.compile(TIME.parameters ?? {});
        expect(validate(JSON.parse(calls[0].args)), JSON.stringify(validate.errors)).toBe(true);
        expect(parts[parts.length - 1].type).toBe('finish');
      },
    );

    test('B2 structured output satisfies its JSON schema', { tags: ['B2'] }, async () => {
      const schema = {
        type: 'object',
        properties: { city: { type: 'string' }, population: { type: 'integer' } },
        required: ['city', 'population'],
        additionalProperties: false,
      };
      const parts = await collect(
        h.adapter,
        ask('Name one large city and its population.', {
          responseFormat: { type: 'json_schema', name: 'city', schema, strict: true },
          maxOutputTokens: 256,
        }),
      );
      const validate = ajv.compile(schema);
      expect(validate(JSON.parse(textOf(parts))), JSON.stringify(validate.errors)).toBe(true);
    });

    test('max output tokens ends with finish length', async () => {
      const parts = await collect(h.adapter, ask('Write a long story about the sea.', { maxOutputTokens: 5 }));
      expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'length' });
    });

    test('M2 an unknown model rejects with 404 model_not_found (string code)', { tags: ['M2'] }, async () => {
      const error = await rejection(
        h.adapter.stream(user('hi', { model: 'no-such-model-for-the-contract' }), {
          signal: new AbortController().signal,
          requestId: 'r',
        }),
      );
      expect([error.status, error.code, error.type]).toEqual([404, 'model_not_found', 'invalid_request_error']);
    });

    test('E5 aborting the signal ends the stream with finish abort', { tags: ['E5'] }, async () => {
      const controller = new AbortController();
      const iterable = await h.adapter.stream(
        ask('Count from one to two hundred.', { maxOutputTokens: 400, ...h.slow }),
        {
          signal: controller.signal,
          requestId: 'r',
        },
      );
      const seen: ModelPart[] = [];
      for await (const part of iterable) {
        seen.push(part);
        if (seen.length === 1) controller.abort();
      }
      expect(seen[seen.length - 1]).toEqual({ type: 'finish', reason: 'abort' });
    });

    test('counts prompt tokens when the server can', async () => {
      if (!h.adapter.countTokens) return;
      const short = await h.adapter.countTokens(ask('hi'));
      const longer = await h.adapter.countTokens(ask('hi there, how are you today?'));
      expect(short).toBeGreaterThan(0);
      expect(longer).toBeGreaterThan(short);
    });
  });
}

/** The portable part against the simulator, then the simulator-only part. */
export function registerBackendContract(
  name: string,
  capabilities: ContractCapabilities,
  factory: HarnessFactory,
): void {
  registerPortableContract(name, async (options) => ({
    ...(await factory(options)),
    model: 'sim-chat',
    slow: { headers: { 'x-simulator-token-ms': '20', 'x-simulator-deltas': '500' } },
  }));
  describe(`backend contract: ${name} (simulator only)`, { tags: ['B3'] }, () => {
    let h: ContractHarness;
    let quick: ContractHarness;
    beforeAll(async () => {
      h = await factory({ timeoutSeconds: 30 });
      // Short timeout for the stall and no-headers cases (E1).
      quick = await factory({ timeoutSeconds: 0.3 });
    });
    afterAll(async () => {
      await h?.close();
      await quick?.close();
    });

    test('lists the models with max_model_len', async () => {
      const models = await h.adapter.listModels();
      expect(models.map((m) => m.id)).toEqual(
        expect.arrayContaining(['sim-chat', 'sim-reasoning', 'sim-reasoning-legacy']),
      );
      expect(models[0].max_model_len).toBeGreaterThan(0);
    });

    test('streams text that refers to the user message, then usage, then finish stop', async () => {
      const parts = await collect(h.adapter, user('Tell me about lighthouses'));
      expect(textOf(parts)).toContain('Tell me about lighthouses');
      expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(5);
      expect(parts.map((p) => p.type).slice(-2)).toEqual(['usage', 'finish']);
      expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'stop' });
    });

    test.each([['sim-reasoning'], ['sim-reasoning-legacy']])(
      'H2 reasoning deltas from %s come before the text',
      async (model) => {
        const parts = await collect(h.adapter, user('Why is the sky blue?', { model }));
        const firstReasoning = parts.findIndex((p) => p.type === 'reasoning-delta');
        const firstText = parts.findIndex((p) => p.type === 'text-delta');
        expect(firstReasoning).toBeGreaterThanOrEqual(0);
        expect(firstReasoning).toBeLessThan(firstText);
        expect(textOf(parts, 'reasoning-delta')).toContain('Why is the sky blue?');
      },
    );

    test('E3 fragmented parallel tool calls assemble into schema-valid JSON arguments', { tags: ['E3'] }, async () => {
      const parts = await collect(
        h.adapter,
        user('Use get_weather and get_time for Oslo', { tools: [WEATHER, TIME], toolChoice: 'auto' }),
      );
      const calls = toolCalls(parts);
      expect(calls.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
      expect(new Set(calls.map((c) => c.callId)).size).toBe(2);
      expect(calls.some((c) => c.deltas > 1)).toBe(true);
      for (const [call, tool] of [
        [calls[0], WEATHER],
        [calls[1], TIME],
      ] as const) {
        const validate = ajv.compile(tool.parameters ?? {});
        expect(validate(JSON.parse(call.args)), JSON.stringify(validate.errors)).toBe(true);
      }
      expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'tool_calls' });
    });

    test(
      'E3 parallelToolCalls false yields one call; a named tool_choice picks that tool; none answers in text',
      { tags: ['E3'] },
      async () => {
        const single = toolCalls(
          await collect(
            h.adapter,
            user('Use get_weather and get_time', { tools: [WEATHER, TIME], parallelToolCalls: false }),
          ),
        );
        expect(single).toHaveLength(1);
        const named = toolCalls(
          await collect(
            h.adapter,
            user('What time is it?', { tools: [WEATHER, TIME], toolChoice: { name: 'get_weather' } }),
          ),
        );
        expect(named.map((c) => c.name)).toEqual(['get_weather']);
        const none = await collect(h.adapter, user('Use get_weather', { tools: [WEATHER], toolChoice: 'none' }));
        expect(toolCalls(none)).toHaveLength(0);
        expect(textOf(none).length).toBeGreaterThan(0);
      },
    );

    test('the final answer quotes the tool results it was given', async () => {
      const parts = await collect(h.adapter, {
        model: 'sim-chat',
        tools: [WEATHER],
        input: [
          { type: 'message', role: 'user', content: 'Weather in Oslo?' },
          { type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { type: 'function_call_output', callId: 'call_1', output: '{"temperature":-3,"sky":"snow"}' },
        ],
      });
      expect(textOf(parts)).toContain('get_weather returned {"temperature":-3,"sky":"snow"}');
      expect(toolCalls(parts)).toHaveLength(0);
    });

    test('structured output satisfies its JSON schema', async () => {
      const schema = {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 3 },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, minItems: 2 },
          score: { type: 'number', minimum: 0, maximum: 1 },
          author: { $ref: '#/$defs/person' },
          note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
        required: ['title', 'tags', 'score', 'author', 'note'],
        additionalProperties: false,
        $defs: {
          person: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 18 } },
            required: ['name', 'age'],
          },
        },
      };
      const parts = await collect(
        h.adapter,
        user('Describe a book', { responseFormat: { type: 'json_schema', name: 'book', schema, strict: true } }),
      );
      const validate = ajv.compile(schema);
      expect(validate(JSON.parse(textOf(parts))), JSON.stringify(validate.errors)).toBe(true);
      const object = await collect(h.adapter, user('Reply in JSON', { responseFormat: { type: 'json_object' } }));
      expect(typeof JSON.parse(textOf(object))).toBe('object');
    });

    test('M4 logprobs carry the delta token and the requested number of top_logprobs', { tags: ['M4'] }, async () => {
      const parts = await collect(h.adapter, user('Hello there', { logprobs: true, topLogprobs: 3 }));
      const deltas = parts.filter((p) => p.type === 'text-delta');
      expect(deltas.length).toBeGreaterThan(0);
      for (const d of deltas) {
        expect(d.logprobs?.map((l) => l.token).join('')).toBe(d.text);
        expect(d.logprobs?.[0].logprob).toBeLessThanOrEqual(0);
        expect(d.logprobs?.[0].top_logprobs).toHaveLength(3);
      }
    });

    test('usage counts the prompt and every output token, reasoning included', async () => {
      const request = user('Count my tokens please', { model: 'sim-reasoning' });
      const parts = await collect(h.adapter, request);
      const usage = parts.find((p) => p.type === 'usage');
      if (usage?.type !== 'usage') throw new Error('no usage part');
      const reasoningDeltas = parts.filter((p) => p.type === 'reasoning-delta').length;
      expect(usage.usage.outputTokens).toBe(reasoningDeltas + parts.filter((p) => p.type === 'text-delta').length);
      expect(usage.usage.reasoningTokens).toBe(reasoningDeltas);
      expect(usage.usage.inputTokens).toBeGreaterThan(5);
      if (h.adapter.countTokens) expect(await h.adapter.countTokens(request)).toBe(usage.usage.inputTokens);
    });

    test.runIf(capabilities.vllmExtensions)(
      'H1 a repeated prompt under the same cache_salt reports cached tokens; another salt does not',
      async () => {
        const long = `Summarise: ${'the quick brown fox jumps over the lazy dog '.repeat(20)}`;
        const usageOf = async (salt: string): Promise<number | undefined> => {
          const u = (await collect(h.adapter, user(long, { cacheSalt: salt }))).find((p) => p.type === 'usage');
          return u?.type === 'usage' ? u.usage.cachedInputTokens : undefined;
        };
        expect(await usageOf('tenant-a')).toBe(0);
        expect(await usageOf('tenant-a')).toBeGreaterThan(0);
        expect(await usageOf('tenant-b')).toBe(0);
      },
    );

    test('max output tokens ends with finish length', async () => {
      const parts = await collect(h.adapter, user('Write a long story', { maxOutputTokens: 5 }));
      expect(parts.filter((p) => p.type === 'text-delta')).toHaveLength(5);
      expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'length' });
    });

    test('M2 an unknown model rejects with 404 model_not_found (string code)', { tags: ['M2'] }, async () => {
      const error = await rejection(
        h.adapter.stream(user('hi', { model: 'no-such-model' }), {
          signal: new AbortController().signal,
          requestId: 'r',
        }),
      );
      expect([error.status, error.code, error.type, error.param]).toEqual([
        404,
        'model_not_found',
        'invalid_request_error',
        'model',
      ]);
    });

    test('M3 an upstream 429 rejects with its Retry-After passed through', { tags: ['M3'] }, async () => {
      const error = await rejection(
        h.adapter.stream(user('hi', { headers: { 'x-simulator-fault': 'rate_limit' } }), {
          signal: new AbortController().signal,
          requestId: 'r',
        }),
      );
      expect([error.status, error.code, error.type]).toEqual([429, 'rate_limit_exceeded', 'rate_limit_error']);
      expect(error.headers).toEqual({ 'retry-after': '1', 'retry-after-ms': '1000' });
    });

    test('M2 an upstream 500 rejects with status 500 and a string code', { tags: ['M2'] }, async () => {
      const error = await rejection(
        h.adapter.stream(user('hi', { model: 'sim-chat+fault=server_error' }), {
          signal: new AbortController().signal,
          requestId: 'r',
        }),
      );
      expect([error.status, error.code, error.type]).toEqual([500, 'server_error', 'server_error']);
      expect(error.message).toContain('engine failed');
    });

    test('a connection closed before any response rejects with 502 backend_unreachable', async () => {
      const error = await rejection(
        h.adapter.stream(user('hi', { model: 'sim-chat+fault=disconnect' }), {
          signal: new AbortController().signal,
          requestId: 'r',
        }),
      );
      expect([error.status, error.code]).toEqual([502, 'backend_unreachable']);
    });

    test('no response headers within the timeout rejects with 504 backend_timeout', async () => {
      const error = await rejection(
        quick.adapter.stream(user('hi', { model: 'sim-chat+fault=hang' }), {
          signal: new AbortController().signal,
          requestId: 'r',
        }),
      );
      expect([error.status, error.code]).toEqual([504, 'backend_timeout']);
    });

    test.each([
      ['error_chunk', 'server_error'],
      ['malformed_chunk', 'backend_protocol_error'],
      ['truncate', 'backend_protocol_error'],
    ])('E1 fault %s after 3 deltas ends the stream with an error part (%s)', async (fault, code) => {
      const parts = await collect(
        h.adapter,
        user('hi', { headers: { 'x-simulator-fault': fault, 'x-simulator-fault-after': '3' } }),
      );
      expect(parts.filter((p) => p.type === 'text-delta')).toHaveLength(3);
      expect(lastError(parts).code).toBe(code);
      expect(parts.some((p) => p.type === 'finish')).toBe(false);
    });

    test(
      'E1 a stall longer than the backend timeout ends with a backend_timeout error part',
      { tags: ['E1'] },
      async () => {
        const parts = await collect(quick.adapter, user('hi', { model: 'sim-chat+fault=stall+after=2' }));
        expect(parts.filter((p) => p.type === 'text-delta')).toHaveLength(2);
        const error = lastError(parts);
        expect([error.status, error.code]).toEqual([504, 'backend_timeout']);
      },
    );

    test('E5 aborting the signal cancels the upstream request', { tags: ['E5'] }, async () => {
      const disconnected = new Promise<DisconnectEvent>((resolve) => h.simulator.once('disconnect', resolve));
      const controller = new AbortController();
      const iterable = await h.adapter.stream(
        user('hi', { headers: { 'x-simulator-token-ms': '20', 'x-simulator-deltas': '500' } }),
        { signal: controller.signal, requestId: 'r' },
      );
      const seen: ModelPart[] = [];
      for await (const part of iterable) {
        seen.push(part);
        if (seen.length === 2) controller.abort();
      }
      const event = await disconnected;
      expect(event.path).toBe(capabilities.streamPath ?? '/v1/chat/completions');
      expect(event.deltasSent).toBeLessThan(500);
      expect(seen[seen.length - 1]).toEqual({ type: 'finish', reason: 'abort' });
    });

    test('E5 a consumer that stops reading releases the upstream request', { tags: ['E5'] }, async () => {
      const disconnected = new Promise<DisconnectEvent>((resolve) => h.simulator.once('disconnect', resolve));
      const iterable = await h.adapter.stream(user('hi', { model: 'sim-chat+token=20+deltas=500' }), {
        signal: new AbortController().signal,
        requestId: 'r',
      });
      for await (const part of iterable) if (part.type === 'text-delta') break;
      expect((await disconnected).deltasSent).toBeLessThan(500);
    });

    test.runIf(capabilities.vllmExtensions)('counts prompt tokens via /tokenize', async () => {
      const short = await h.adapter.countTokens!(user('hi'));
      const longer = await h.adapter.countTokens!(user('hi there, how are you today?'));
      expect(short).toBeGreaterThan(0);
      expect(longer).toBeGreaterThan(short);
    });
  });
}
