import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('M5 L7 response headers', { tags: ['M5', 'L7'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    // `--cors-origin '*'` explicitly: the default is no foreign origin (X5, tests/http/origin-host.test.ts).
    h = await startGateway({ corsOrigin: '*' });
  });
  afterAll(() => h.close());

  test('a sane client x-request-id is echoed and used in the log line', async () => {
    const res = await fetch(`${h.url}/v1/models`, { headers: { 'x-request-id': 'client-req.42:abc_DEF' } });
    expect(res.headers.get('x-request-id')).toBe('client-req.42:abc_DEF');
    await res.arrayBuffer();
    await expect
      .poll(() => h.logs.find((l) => l.msg === 'request' && l.requestId === 'client-req.42:abc_DEF'))
      .toMatchObject({
        level: 'info',
        method: 'GET',
        path: '/v1/models',
        status: 200,
        durationMs: expect.any(Number),
      });
  });

  test.each([['has spaces in it'], ['x'.repeat(129)], ['semi;colon']])(
    'an unusable x-request-id (%s) is replaced by a generated one',
    async (id) => {
      const res = await fetch(`${h.url}/v1/models`, { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    },
  );

  test('openai-version, openai-processing-ms, and echoed organization / project', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hi' },
      { 'openai-organization': 'org-1', 'openai-project': 'proj_2' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('openai-version')).toBe('2020-10-01');
    expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(res.headers.get('openai-organization')).toBe('org-1');
    expect(res.headers.get('openai-project')).toBe('proj_2');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  test('error responses carry the same headers', async () => {
    const res = await fetch(`${h.url}/nope`, { headers: { 'x-request-id': 'err-1', 'openai-project': 'p' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('err-1');
    expect(res.headers.get('openai-project')).toBe('p');
    expect(res.headers.get('openai-version')).toBe('2020-10-01');
  });

  test('CORS preflight is answered with 204', async () => {
    const res = await fetch(`${h.url}/v1/responses`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('M5 CORS with --cors-origin', { tags: ['M5'] }, () => {
  test('an allow list echoes a listed origin and omits the header for others', async () => {
    const h = await startGateway({ corsOrigin: 'http://localhost:5173, http://app.test', logLevel: 'silent' });
    try {
      const listed = await fetch(`${h.url}/v1/models`, { headers: { origin: 'http://app.test' } });
      expect(listed.headers.get('access-control-allow-origin')).toBe('http://app.test');
      expect(listed.headers.get('vary')).toBe('origin');
      const other = await fetch(`${h.url}/v1/models`, { headers: { origin: 'http://evil.test' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await h.close();
    }
  });
});

describe('read-only routes', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'silent' });
  });
  afterAll(() => h.close());

  test('GET /v1/models lists the simulator models in the OpenAI shape', async () => {
    const res = await fetch(`${h.url}/v1/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      data: { id: string; object: string; created: number; owned_by: string }[];
    };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(
      expect.arrayContaining(['sim-chat', 'sim-reasoning', 'sim-reasoning-legacy']),
    );
    for (const m of body.data)
      expect(m).toMatchObject({ object: 'model', created: expect.any(Number), owned_by: expect.any(String) });
  });

  test('GET /healthz is 200 with the backend described', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      backend: { kind: h.gateway.backend.kind, url: h.gateway.backend.baseUrl },
    });
  });

  test('GET /v1/capabilities reports the capability table and the backend', async () => {
    const res = await fetch(`${h.url}/v1/capabilities`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.backend).toEqual({ kind: h.gateway.backend.kind, url: h.gateway.backend.baseUrl });
    expect(Object.keys(body).length).toBeGreaterThan(1);
  });

  test('E4 a chunked body over the limit is cut off with 413 without reading it all', { tags: ['E4'] }, async () => {
    const g = await startGateway({ maxRequestBytes: 1024, logLevel: 'silent' });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${g.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        // No content-length: the limit is enforced while reading. Keep sending until answered.
        const chunk = Buffer.alloc(512, 'a');
        let sent = 0;
        const pump = (): void => {
          while (sent < 64 && req.write(chunk)) sent++;
          if (sent < 64) req.once('drain', pump);
        };
        pump();
      });
      expect(status).toBe(413);
    } finally {
      await g.close();
    }
  });
});

describe('console static files (web mode)', () => {
  let dir: string;
  let h: GatewayHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
    h = await startGateway({ logLevel: 'silent' }, { consoleDir: dir });
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves files, falls back to index.html for app routes, and keeps API 404s', async () => {
    const root = await fetch(`${h.url}/`);
    expect(root.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await root.text()).toContain('<title>console</title>');
    const js = await fetch(`${h.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    const spa = await fetch(`${h.url}/sessions/abc`);
    expect(await spa.text()).toContain('<title>console</title>');
    expect((await fetch(`${h.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${h.url}/v1/unknown`)).status).toBe(404);
    expect((await fetch(`${h.url}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });
});
