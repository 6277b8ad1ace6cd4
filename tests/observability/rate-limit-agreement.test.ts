import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

interface Entry {
  name: string;
  limit: number;
  remaining: number;
}

describe('H5 rate-limit headers and response.rate_limits.updated agree', { tags: ['H5'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', rateLimitRequestsPerMinute: 1000 });
  });
  afterAll(() => h.close());

  test('first request: header and both events count the request itself (remaining 999)', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hello', stream: true },
      // A slow first token: the bucket refills while the response runs, which must not show.
      { 'x-responses-extensions': 'on', 'x-simulator-ttft-ms': '150' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('999');
    const { events } = await readSse(res);
    const updates = events
      .map((e) => e.data as { type: string; rate_limits?: Entry[] })
      .filter((e) => e.type === 'response.rate_limits.updated');
    expect(updates).toHaveLength(2);
    for (const u of updates) {
      expect(u.rate_limits?.find((r) => r.name === 'requests')).toMatchObject({ limit: 1000, remaining: 999 });
    }
  });
});
