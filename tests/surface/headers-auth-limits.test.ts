import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiKeys, openAccessWarning } from '../../src-server/http/auth.js';
import { splitText } from '../../src-server/engine/delta-split.js';
import { postJson, readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';

const ok = { model: 'sim-chat', input: 'Say hello' };

describe('M5 API keys, request ids, CORS', { tags: ['M5'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'info', apiKeys: ['sk-test-1', 'sk-test-2'], corsOrigin: 'http://app.example' });
  });
  afterAll(() => h.close());

  test('missing or wrong Bearer key: 401 with the OpenAI error; a right one passes', async () => {
    for (const headers of [{}, { authorization: 'Bearer sk-wrong-key-123' }] as Record<string, string>[]) {
      const res = await postJson(`${h.url}/v1/responses`, ok, headers);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key', param: null });
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    }
    expect((await postJson(`${h.url}/v1/responses`, ok, { authorization: 'Bearer sk-test-2' })).status).toBe(200);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  test("L7 x-request-id: the client's is echoed and logged; a contradicting body request_id is a 400", async () => {
    const auth = { authorization: 'Bearer sk-test-1' };
    const res = await postJson(`${h.url}/v1/responses`, ok, { ...auth, 'x-request-id': 'client-id-7' });
    expect(res.headers.get('x-request-id')).toBe('client-id-7');
    expect(h.logs.some((l) => l.requestId === 'client-id-7')).toBe(true);
    const same = await postJson(
      `${h.url}/v1/responses`,
      { ...ok, request_id: 'client-id-8' },
      { ...auth, 'x-request-id': 'client-id-8' },
    );
    expect(same.status).toBe(200);
    const conflict = await postJson(
      `${h.url}/v1/responses`,
      { ...ok, request_id: 'other' },
      { ...auth, 'x-request-id': 'client-id-9' },
    );
    expect(conflict.status).toBe(400);
    expect(((await conflict.json()) as { error: { param: string } }).error.param).toBe('request_id');
  });

  test('CORS: an allowed origin may read the headers (preflight too); others get no allow-origin', async () => {
    const preflight = await fetch(`${h.url}/v1/responses`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const res = await postJson(`${h.url}/v1/responses`, ok, {
      authorization: 'Bearer sk-test-1',
      origin: 'http://app.example',
    });
    const exposed = res.headers.get('access-control-expose-headers') ?? '';
    for (const name of ['x-request-id', 'openai-processing-ms', 'x-ratelimit-remaining-requests', 'retry-after-ms'])
      expect(exposed).toContain(name);
    const other = await postJson(`${h.url}/v1/responses`, ok, {
      authorization: 'Bearer sk-test-1',
      origin: 'http://evil.example',
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('open access is refused off loopback unless --host is explicit (then a warning)', () => {
    const none = new ApiKeys([]);
    expect(openAccessWarning('127.0.0.1', none, false)).toBeNull();
    expect(() => openAccessWarning('0.0.0.0', none, false)).toThrow(/--api-key/);
    expect(openAccessWarning('0.0.0.0', none, true)).toMatch(/^warning:/);
    expect(openAccessWarning('0.0.0.0', new ApiKeys(['k']), false)).toBeNull();
  });
});

describe('L3 lenient mode, E4 size limits', { tags: ['L3', 'E4'] }, () => {
  test(
    'L3 lenient ignores unknown fields and lists them in x-responses-ignored-fields; strict rejects',
    { tags: ['L3'] },
    async () => {
      const lenient = await startGateway({ logLevel: 'warn', compat: 'lenient' });
      const strict = await startGateway({ logLevel: 'warn' });
      try {
        const res = await postJson(`${lenient.url}/v1/responses`, { ...ok, frobnicate: 1 });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-responses-ignored-fields')).toBe('frobnicate');
        const rejected = await postJson(`${strict.url}/v1/responses`, { ...ok, frobnicate: 1 });
        expect(rejected.status).toBe(400);
        expect(((await rejected.json()) as { error: { param: string } }).error.param).toBe('frobnicate');
      } finally {
        await lenient.close();
        await strict.close();
      }
    },
  );

  test('E4 --max-request-bytes: a larger body is a 413', { tags: ['E4'] }, async () => {
    const h = await startGateway({ logLevel: 'warn', maxRequestBytes: 1000 });
    try {
      const res = await postJson(`${h.url}/v1/responses`, { ...ok, input: 'x'.repeat(2000) });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    } finally {
      await h.close();
    }
  });

  test(
    'E4 --responses-sse-event-max-bytes: a long delta is split into several delta events under the limit',
    { tags: ['E4'] },
    async () => {
      const limit = 400;
      const h = await startGateway({ logLevel: 'warn', sseEventMaxBytes: limit });
      try {
        // The simulator quotes tool output verbatim: a 900-byte word arrives as one backend delta.
        const input = [
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'z'.repeat(900) },
        ];
        const s = await readSse(await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input, stream: true }));
        expect(streamViolations(s, 'openai')).toEqual([]);
        const frames = s.text.split('\n\n').filter((f) => f.startsWith('event: response.output_text.delta'));
        expect(frames.filter((f) => f.includes('zzzzzzzzzz')).length).toBeGreaterThanOrEqual(3);
        for (const f of frames) expect(Buffer.byteLength(`${f}\n\n`)).toBeLessThanOrEqual(limit);
        const events = s.events.map((e) => e.data as { type: string; delta?: string; text?: string });
        const deltas = events
          .filter((e) => e.type === 'response.output_text.delta')
          .map((e) => e.delta)
          .join('');
        expect(deltas).toBe(events.find((e) => e.type === 'response.output_text.done')?.text);
      } finally {
        await h.close();
      }
    },
  );

  test('E4 splitText never cuts a surrogate pair and respects the JSON-escaped budget', { tags: ['E4'] }, () => {
    const text = 'ab"\n😀'.repeat(50);
    const pieces = splitText(text, 16);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect(Buffer.byteLength(JSON.stringify(p)) - 2).toBeLessThanOrEqual(16);
      expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false);
    }
  });
});

describe('capabilities report the surface', () => {
  test('GET /v1/capabilities reflects extensions, summaries, rate limits, tiers and Azure', async () => {
    const h = await startGateway({
      logLevel: 'warn',
      extensions: true,
      reasoningSummaryMode: 'model',
      rateLimitRequestsPerMinute: 60,
      enableAzureApi: true,
      allowedServiceTiers: 'auto,default',
    });
    try {
      const body = (await (await fetch(`${h.baseURL}/capabilities`)).json()) as {
        gateway: Record<string, Record<string, unknown>>;
      };
      expect(body.gateway.extensions.default).toBe(true);
      expect(body.gateway.reasoning_summaries.mode).toBe('model');
      expect(body.gateway.rate_limits).toMatchObject({ enabled: true, requests_per_minute: 60 });
      expect(body.gateway.service_tiers).toEqual({ default: 'default', allowed: ['auto', 'default'] });
      expect(body.gateway.azure.enabled).toBe(true);
    } finally {
      await h.close();
    }
  });
});
