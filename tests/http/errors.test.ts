import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendAdapter } from '../../src-server/backends/contract.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

interface ErrorCase {
  name: string;
  send: (h: GatewayHarness) => Promise<Response>;
  status: number;
  type: string;
  code: string;
  param: string | null;
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const ok = { model: 'sim-chat', input: 'Say hello' };

const cases: ErrorCase[] = [
  {
    name: 'malformed JSON body',
    send: (h) => postJson(`${h.url}/v1/responses`, '{"model": "sim-chat",'),
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_json',
    param: null,
  },
  {
    name: 'empty body',
    send: (h) => postJson(`${h.url}/v1/responses`, ''),
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_json',
    param: null,
  },
  {
    name: 'field of the wrong type',
    send: (h) => postJson(`${h.url}/v1/responses`, { ...ok, temperature: 'hot' }),
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_type',
    param: 'temperature',
  },
  {
    name: 'body that is not an object',
    send: (h) => postJson(`${h.url}/v1/responses`, [ok]),
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_type',
    param: null,
  },
  {
    name: 'L3 unknown field in strict mode',
    send: (h) => postJson(`${h.url}/v1/responses`, { ...ok, not_a_field: 1 }),
    status: 400,
    type: 'invalid_request_error',
    code: 'unknown_parameter',
    param: 'not_a_field',
  },
  {
    // Hosted tools are omitted by default (--responses-hosted-tools); a parameter the gateway does not honour is refused.
    name: 'a parameter the gateway does not honour',
    send: (h) => postJson(`${h.url}/v1/responses`, { ...ok, prompt: { id: 'pmpt_1' } }),
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_parameter',
    param: 'prompt',
  },
  {
    name: 'bad X-Responses-Dialect header',
    send: (h) => postJson(`${h.url}/v1/responses`, ok, { 'x-responses-dialect': 'klingon' }),
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_header',
    param: null,
  },
  {
    name: 'unknown model',
    send: (h) => postJson(`${h.url}/v1/responses`, { ...ok, model: 'no-such-model' }),
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: 'model',
  },
  {
    name: 'unknown URL',
    send: (h) => fetch(`${h.url}/v1/nothing-here`),
    status: 404,
    type: 'invalid_request_error',
    code: 'unknown_url',
    param: null,
  },
  {
    name: 'known URL, wrong method',
    send: (h) => fetch(`${h.url}/v1/models`, { method: 'DELETE' }),
    status: 405,
    type: 'invalid_request_error',
    code: 'method_not_allowed',
    param: null,
  },
  {
    name: 'E4 body over --max-request-bytes',
    send: (h) => postJson(`${h.url}/v1/responses`, { ...ok, input: 'x'.repeat(5000) }),
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    param: null,
  },
  {
    name: 'body that is not JSON by content-type',
    send: (h) =>
      fetch(`${h.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }),
    status: 415,
    type: 'invalid_request_error',
    code: 'unsupported_media_type',
    param: null,
  },
  {
    name: 'M2 backend HTTP 500 remapped to a string code',
    send: (h) => postJson(`${h.url}/v1/responses`, ok, { 'x-simulator-fault': 'server_error' }),
    status: 500,
    type: 'server_error',
    code: 'server_error',
    param: null,
  },
];

describe('M2 error table: every status the gateway returns has the OpenAI error shape', { tags: ['M2'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ maxRequestBytes: 4096, logLevel: 'silent' });
  });
  afterAll(() => h.close());

  test.each(cases)('$status $code: $name', async (c) => {
    const res = await c.send(h);
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toEqual({ message: expect.any(String), type: c.type, code: c.code, param: c.param });
    expect((body.error.message as string).length).toBeGreaterThan(0);
  });

  test('405 names the allowed methods', async () => {
    const res = await fetch(`${h.url}/v1/responses`, { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  test('M3 429 from the backend keeps Retry-After and retry-after-ms', { tags: ['M3'] }, async () => {
    const res = await postJson(`${h.url}/v1/responses`, ok, { 'x-simulator-fault': 'rate_limit' });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { type: string; code: unknown } };
    expect(body.error.type).toBe('rate_limit_error');
    expect(typeof body.error.code).toBe('string');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('retry-after-ms')).toMatch(/^\d+$/);
  });

  test('the gateway keeps serving after every error above', async () => {
    const res = await fetch(`${h.url}/v1/models`);
    expect(res.status).toBe(200);
  });
});

describe('502 backend_unreachable', () => {
  test('a backend URL where nothing listens gives 502 on requests and 503 on /healthz', async () => {
    const port = await closedPort();
    const h = await startGateway({ backend: `http://127.0.0.1:${port}`, logLevel: 'silent' });
    try {
      const res = await postJson(`${h.url}/v1/responses`, ok);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: unknown }).error).toEqual({
        message: expect.stringContaining(`127.0.0.1:${port}`),
        type: 'server_error',
        code: 'backend_unreachable',
        param: null,
      });
      const health = await fetch(`${h.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', error: { code: 'backend_unreachable' } });
    } finally {
      await h.close();
    }
  });
});

describe('500 internal_error', () => {
  test('an unexpected exception is logged with the request id and answered as 500, and the gateway keeps serving', async () => {
    // A backend whose model listing fails with a plain Error (not a GatewayError): a bug, not a backend answer.
    const broken: BackendAdapter = {
      kind: 'broken',
      baseUrl: 'http://127.0.0.1:1',
      listModels: () => Promise.reject(new TypeError('cannot read properties of undefined')),
      stream: () => Promise.reject(new Error('not used')),
    };
    const h = await startGateway({}, { backend: broken });
    try {
      const res = await fetch(`${h.url}/v1/models`, { headers: { 'x-request-id': 'boom-1' } });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: { message: expect.any(String), type: 'server_error', code: 'internal_error', param: null },
      });
      const logged = h.logs.find((l) => l.level === 'error' && l.requestId === 'boom-1');
      expect(logged).toMatchObject({
        msg: 'unexpected error',
        err: { name: 'TypeError', message: 'cannot read properties of undefined' },
      });
      expect((await fetch(`${h.url}/v1/capabilities`)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
