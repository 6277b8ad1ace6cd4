import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RateLimiter } from '../../src-server/limits/rate-limiter.js';
import { defaultConfig } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { createLogger } from '../../src-server/logging/logger.js';
import { postJson } from '../support/gateway-harness.js';

/** Rows of docs/errors.md's status table as "status type code param". */
function documentedRows(): Set<string> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Set<string>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim().replace(/`/g, ''));
    if (/^\d{3}$/.test(cells[1] ?? '')) rows.add(`${cells[1]} ${cells[2]} ${cells[3]} ${cells[4]}`);
  }
  return rows;
}

interface Case {
  name: string;
  send: (url: string) => Promise<Response>;
  row: string;
}

const ok = { model: 'sim-chat', input: 'hi' };
const auth = { authorization: 'Bearer table-key' };

const cases: Case[] = [
  {
    name: '401 without a key',
    send: (u) => postJson(`${u}/v1/responses`, ok),
    row: '401 authentication_error invalid_api_key null',
  },
  {
    name: '401 with a wrong key',
    send: (u) => postJson(`${u}/v1/responses`, ok, { authorization: 'Bearer nope' }),
    row: '401 authentication_error invalid_api_key null',
  },
  {
    name: '400 service_tier not allowed',
    send: (u) => postJson(`${u}/v1/responses`, { ...ok, service_tier: 'priority' }, auth),
    row: '400 invalid_request_error invalid_value service_tier',
  },
  {
    name: '400 request_id contradicting x-request-id',
    send: (u) => postJson(`${u}/v1/responses`, { ...ok, request_id: 'a' }, { ...auth, 'x-request-id': 'b' }),
    row: '400 invalid_request_error invalid_value request_id',
  },
  {
    name: '400 Azure route without api-version',
    send: (u) => postJson(`${u}/openai/responses`, ok, auth),
    row: '400 invalid_request_error missing_required_parameter api-version',
  },
  {
    name: '400 unsupported Azure api-version',
    send: (u) => postJson(`${u}/openai/responses?api-version=2000-01-01`, ok, auth),
    row: '400 invalid_request_error unsupported_value api-version',
  },
];

describe('M2 error table: the surface rows, documented and live', { tags: ['M2'] }, () => {
  let gateway: Gateway;
  beforeAll(async () => {
    const config = {
      ...defaultConfig(),
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent' as const,
      apiKeys: ['table-key'],
      enableAzureApi: true,
      allowedServiceTiers: 'auto,default',
    };
    const rateLimiter = new RateLimiter({ defaults: { requestsPerMinute: 1000, tokensPerMinute: 0 } });
    gateway = await createGateway(config, { logger: createLogger('silent'), rateLimiter });
  });
  afterAll(() => gateway.close());

  test.each(cases)('$name', async ({ send, row }) => {
    expect(documentedRows()).toContain(row);
    const res = await send(gateway.url);
    const [status, type, code, param] = row.split(' ');
    expect(res.status).toBe(Number(status));
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type, code, param: param === 'null' ? null : param });
    expect(res.headers.get('x-request-id')).not.toBeNull();
  });

  test('429 from the gateway limiter', async () => {
    expect(documentedRows()).toContain('429 rate_limit_error rate_limit_exceeded null');
    const limited = await createGateway(
      { ...defaultConfig(), host: '127.0.0.1', port: 0, logLevel: 'silent', rateLimitRequestsPerMinute: 1 },
      { logger: createLogger('silent') },
    );
    try {
      expect((await postJson(`${limited.url}/v1/responses`, ok)).status).toBe(200);
      const res = await postJson(`${limited.url}/v1/responses`, ok);
      expect(res.status).toBe(429);
      expect(((await res.json()) as { error: unknown }).error).toMatchObject({
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        param: null,
      });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
