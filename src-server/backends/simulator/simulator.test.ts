import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseModelName, resolveKnobs } from './options.js';
import { Prng } from './prng.js';
import { valueForSchema } from './schema-value.js';
import { SimulatorServer } from './server.js';
import { promptTokenIds, tokenize } from './tokenizer.js';

const CHAT = {
  model: 'sim-chat',
  messages: [{ role: 'user', content: 'Explain tides' }],
  stream: true,
  stream_options: { include_usage: true },
};

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function dataLines(text: string): string[] {
  return text
    .split('\n\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
}

describe('simulator server', () => {
  let a: SimulatorServer;
  let b: SimulatorServer;
  let c: SimulatorServer;
  beforeAll(async () => {
    [a, b, c] = [
      new SimulatorServer({ seed: 42 }),
      new SimulatorServer({ seed: 42 }),
      new SimulatorServer({ seed: 43 }),
    ];
    await Promise.all([a.listen(), b.listen(), c.listen()]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  test('is deterministic: same seed and request give the same bytes, another seed does not', async () => {
    const request = { ...CHAT, model: 'sim-reasoning', logprobs: true, top_logprobs: 2 };
    const [one, two, three] = await Promise.all(
      [a, b, c].map(async (s) => (await post(s.url, '/v1/chat/completions', request)).text()),
    );
    expect(one).toBe(two);
    expect(one).not.toBe(three);
    const seeded = await (await post(c.url, '/v1/chat/completions', request, { 'x-simulator-seed': '42' })).text();
    expect(seeded).toBe(one);
  });

  test('streams like vLLM: role chunk first, usage chunk with choices [] last, then [DONE]', async () => {
    const res = await post(a.url, '/v1/chat/completions', CHAT);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines = dataLines(await res.text());
    expect(JSON.parse(lines[0]).choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(lines[lines.length - 1]).toBe('[DONE]');
    const usage = JSON.parse(lines[lines.length - 2]);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + usage.usage.completion_tokens);
    const finish = JSON.parse(lines[lines.length - 3]).choices[0];
    expect(finish.finish_reason).toBe('stop');
    const without = dataLines(
      await (await post(a.url, '/v1/chat/completions', { ...CHAT, stream_options: undefined })).text(),
    );
    expect(without.some((l) => l.includes('"choices":[]'))).toBe(false);
  });

  test('x-simulator-deltas makes exactly N content deltas (the benchmark uses 64)', async () => {
    const lines = dataLines(
      await (await post(a.url, '/v1/chat/completions', CHAT, { 'x-simulator-deltas': '64' })).text(),
    );
    const content = lines
      .filter((l) => l !== '[DONE]')
      .map((l) => JSON.parse(l).choices[0]?.delta?.content)
      .filter((t) => typeof t === 'string' && t !== '');
    expect(content).toHaveLength(64);
  });

  test('the model-name suffix selects knobs; the header wins over the suffix', async () => {
    const bySuffix = dataLines(
      await (await post(a.url, '/v1/chat/completions', { ...CHAT, model: 'sim-chat+deltas=7+ttft=1' })).text(),
    );
    expect(bySuffix.filter((l) => l.includes('"content":"') && !l.includes('"content":""'))).toHaveLength(7);
    expect(JSON.parse(bySuffix[0]).model).toBe('sim-chat+deltas=7+ttft=1');
    const limited = await post(a.url, '/v1/chat/completions', { ...CHAT, model: 'sim-chat+fault=rate_limit' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ object: 'error', type: 'RateLimitError', code: 429 });
    const overridden = await post(
      a.url,
      '/v1/chat/completions',
      { ...CHAT, model: 'sim-chat+fault=rate_limit' },
      { 'x-simulator-fault': 'server_error' },
    );
    expect(overridden.status).toBe(500);
    const bad = await post(a.url, '/v1/chat/completions', { ...CHAT, model: 'sim-chat+colour=red' });
    expect(bad.status).toBe(400);
  });

  test('model suffix grammar parses key=value pairs and rejects unknown keys and values', () => {
    expect(parseModelName('sim-chat+fault=error_chunk+ttft=50')).toEqual({
      base: 'sim-chat',
      settings: [
        ['fault', 'error_chunk'],
        ['ttftMs', '50'],
      ],
    });
    const { base, knobs } = resolveKnobs(
      'sim-reasoning+token=5+after=1+seed=9+deltas=3',
      {},
      { ttftMs: 0, tokenMs: 0, seed: 1 },
    );
    expect(base).toBe('sim-reasoning');
    expect(knobs).toEqual({ ttftMs: 0, tokenMs: 5, faultAfter: 1, seed: 9, deltas: 3 });
    expect(() => parseModelName('sim-chat+nope')).toThrow(/key=value/);
    expect(() => resolveKnobs('sim-chat+fault=explode', {}, { ttftMs: 0, tokenMs: 0, seed: 1 })).toThrow(
      /unknown fault/,
    );
    expect(() => resolveKnobs('sim-chat+ttft=-1', {}, { ttftMs: 0, tokenMs: 0, seed: 1 })).toThrow(/non-negative/);
  });

  test('unknown models get vLLM’s 404 body with an integer code', async () => {
    const res = await post(a.url, '/v1/chat/completions', { ...CHAT, model: 'llama-9' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      object: 'error',
      message: 'The model `llama-9` does not exist.',
      type: 'NotFoundError',
      param: null,
      code: 404,
    });
  });

  test('non-streaming completions carry the message, reasoning and usage', async () => {
    const res = await post(a.url, '/v1/chat/completions', { ...CHAT, model: 'sim-reasoning-legacy', stream: false });
    const body = await res.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content).toContain('Explain tides');
    expect(body.choices[0].message.reasoning_content.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBe(
      tokenize(body.choices[0].message.content).length + tokenize(body.choices[0].message.reasoning_content).length,
    );
  });

  test('/tokenize agrees with usage and the documented template; /health and unknown routes answer', async () => {
    const messages = [{ role: 'user', content: 'Hello, world!' }];
    const tok = await (await post(a.url, '/tokenize', { model: 'sim-chat', messages })).json();
    expect(tok.count).toBe(promptTokenIds(messages).length);
    // BOS + generation prompt (4) + one message: start/sep/end (3) + 'user' (1) + 4 text tokens.
    expect(tok.count).toBe(4 + 3 + 1 + 4);
    expect(tok.max_model_len).toBeGreaterThan(0);
    const stream = dataLines(await (await post(a.url, '/v1/chat/completions', { ...CHAT, messages })).text());
    expect(JSON.parse(stream[stream.length - 2]).usage.prompt_tokens).toBe(tok.count);
    expect((await (await post(a.url, '/tokenize', { model: 'sim-chat', prompt: 'Hello, world!' })).json()).count).toBe(
      4,
    );
    expect((await fetch(`${a.url}/health`)).status).toBe(200);
    expect((await fetch(`${a.url}/v2/nothing`)).status).toBe(404);
  });

  test('sustains many concurrent paced streams', async () => {
    const runs = Array.from({ length: 64 }, (_, i) =>
      post(
        b.url,
        '/v1/chat/completions',
        { ...CHAT, messages: [{ role: 'user', content: `stream ${i}` }] },
        { 'x-simulator-token-ms': '1', 'x-simulator-deltas': '16' },
      ).then((r) => r.text()),
    );
    const texts = await Promise.all(runs);
    expect(texts.every((t) => t.endsWith('data: [DONE]\n\n'))).toBe(true);
  });
});

describe('simulator tokenizer', () => {
  test('tokens concatenate back to the text and attach leading whitespace', () => {
    const text = '  Hello, wörld!\n{"a": 1}  ';
    expect(tokenize(text).join('')).toBe(text);
    expect(tokenize('Hello big world')).toEqual(['Hello', ' big', ' world']);
  });
});

describe('schema value generator', () => {
  const ajv = new Ajv({ strict: false });
  addFormats.default(ajv);
  test.each([
    [
      {
        type: 'object',
        properties: {
          when: { type: 'string', format: 'date-time' },
          mail: { type: 'string', format: 'email' },
          id: { type: 'string', format: 'uuid' },
        },
        required: ['when', 'mail', 'id'],
      },
    ],
    [
      {
        type: 'array',
        items: { type: 'integer', minimum: 10, maximum: 12 },
        minItems: 2,
        maxItems: 3,
        uniqueItems: true,
      },
    ],
    [{ type: ['null', 'number'], exclusiveMinimum: 0, maximum: 1 }],
    [
      {
        allOf: [
          { type: 'object', properties: { a: { const: 1 } }, required: ['a'] },
          { properties: { b: { type: 'boolean' } }, required: ['b'] },
        ],
      },
    ],
    [
      {
        oneOf: [
          {
            type: 'object',
            properties: { kind: { enum: ['x'] }, list: { type: 'array', items: { $ref: '#/definitions/leaf' } } },
            required: ['kind', 'list'],
          },
        ],
        definitions: { leaf: { type: 'string', maxLength: 4 } },
      },
    ],
  ])('generates a valid value for %j', (schema) => {
    for (let seed = 1; seed <= 20; seed++) {
      const value = valueForSchema(new Prng(seed), schema);
      expect(ajv.validate(schema, value), `${JSON.stringify(value)} ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
  });
});
