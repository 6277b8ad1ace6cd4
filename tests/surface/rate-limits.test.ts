import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { createLogger } from '../../src-server/logging/logger.js';
import { RateLimiter } from '../../src-server/limits/rate-limiter.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const SIX = ['requests', 'tokens'].flatMap((d) => ['limit', 'remaining', 'reset'].map((k) => `x-ratelimit-${k}-${d}`));

describe('H5/M3 rate limits from the flags', { tags: ['H5', 'M3'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({
      logLevel: 'warn',
      rateLimitRequestsPerMinute: 2,
      rateLimitTokensPerMinute: 100_000,
      apiKeys: ['key-a', 'key-b'],
    });
  });
  afterAll(() => h.close());

  const post = (key: string) =>
    postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' }, { authorization: `Bearer ${key}` });

  test('every response carries the six x-ratelimit-* headers, reset as a duration', async () => {
    const res = await post('key-a');
    expect(res.status).toBe(200);
    for (const name of SIX) expect(res.headers.get(name)).not.toBeNull();
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(res.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?\d+(\.\d+)?(ms|s)$/);
    // Other routes too (they consume nothing).
    const models = await fetch(`${h.baseURL}/models`, { headers: { authorization: 'Bearer key-a' } });
    for (const name of SIX) expect(models.headers.get(name)).not.toBeNull();
  });

  test('exhausted budget: 429 rate_limit_exceeded with Retry-After (whole seconds >= 1) and retry-after-ms; budgets are per key', async () => {
    await post('key-a');
    const res = await post('key-a');
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(Number(res.headers.get('retry-after')))).toBe(true);
    expect(Number(res.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // Another key has its own budget.
    expect((await post('key-b')).status).toBe(200);
  });

  test('M3: an upstream 429 passes its retry hints through', { tags: ['M3'] }, async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hi' },
      { authorization: 'Bearer key-b', 'x-simulator-fault': 'rate_limit' },
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('retry-after-ms')).toBe('1000');
  });
});

describe('H5 the openai client retries a 429 and succeeds once the budget returns', { tags: ['H5'] }, () => {
  let gateway: Gateway;
  let limiterNow = 1_000_000;
  const statuses: number[] = [];
  beforeAll(async () => {
    const config = {
      ...defaultConfig(),
      host: '127.0.0.1',
      port: 0,
      validateStream: 'strict' as const,
      logLevel: 'info' as const,
    };
    const logger = createLogger('info', (line) => {
      const entry = JSON.parse(line) as { msg?: string; message?: string; status?: number };
      if (typeof entry.status === 'number') statuses.push(entry.status);
    });
    // One request per 300 ms window: the retry waits about 300 ms, not a minute. The limiter's
    // clock only moves when the client has seen the 429 (below), so the second request is
    // refused however slowly the machine runs, and the retry is admitted.
    const rateLimiter = new RateLimiter({
      defaults: { requestsPerMinute: 1, tokensPerMinute: 0 },
      windowMs: 300,
      now: () => limiterNow,
    });
    gateway = await createGateway(config, { logger, rateLimiter });
  });
  afterAll(() => gateway.close());

  test('429 then automatic retry success', { tags: ['H5', 'M3'] }, async () => {
    const client = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: 'k',
      maxRetries: 3,
      // The window passes exactly when the client receives the 429 and starts its retry wait.
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (res.status === 429) limiterNow += 300;
        return res;
      },
    });
    const first = await client.responses.create({ model: 'sim-chat', input: 'one' });
    expect(first.status).toBe('completed');
    const second = await client.responses.create({ model: 'sim-chat', input: 'two' });
    expect(second.status).toBe('completed');
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
  });
});
