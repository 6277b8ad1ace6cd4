/**
 * X5: no cross-origin access. The gateway is keyless here (as the desktop app, web mode and the
 * default `npm run gateway` are): only the browser's own signals (Host, Origin, Sec-Fetch-Site,
 * content type) stand between a foreign page and the gateway. Requests are made with node:http so
 * that Host and Origin can be set to what a foreign page (or a DNS-rebinding page) would send.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HostAllowList } from '../../src-server/http/host-check.js';
import { CONSOLE_SECRET_HEADER } from '../../src-server/shared/protocol/console-auth.js';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording } from '../recording/helpers.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { error?: { code: string; type: string; param: string | null; message: string } } & Record<string, unknown>;
}

/** One request with exactly these headers (Host included). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers,
        setHost: !('host' in headers),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: Answer['json'] = {};
          try {
            json = JSON.parse(text) as Answer['json'];
          } catch {
            // SSE or empty bodies.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const EVIL = 'http://evil.example';

describe('X5 default gateway: foreign pages can neither read nor act', { tags: ['X5', 'M5'] }, () => {
  let h: GatewayHarness;
  let store: RecordingsStore;
  let own: string;
  let sealed: string;
  let recordingId: string | undefined;
  let requestId: string;
  beforeAll(async () => {
    h = await startGateway({ record: 'on', logLevel: 'warn' });
    store = h.gateway.recording?.recordings as RecordingsStore;
    own = h.url;
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-reasoning', input: 'Think about secrets', include: ['reasoning.encrypted_content'] },
      FAST,
    );
    const body = (await res.json()) as { output: { type: string; encrypted_content?: string }[] };
    sealed = body.output.find((i) => i.type === 'reasoning')?.encrypted_content as string;
    requestId = res.headers.get('x-request-id') as string;
  });
  /** The recording of that run, once finished (expect.poll runs inside tests only). */
  const recorded = async (): Promise<string> => (recordingId ??= (await finishedRecording(store, requestId)).id);
  afterAll(() => h.close());

  test('console routes refuse a foreign Origin and give it no CORS headers', async () => {
    const inspect = await send(
      own,
      'POST',
      '/v1/console/encrypted-content/inspect',
      { origin: EVIL, 'content-type': 'application/json' },
      JSON.stringify({ encrypted_content: sealed, reveal: true }),
    );
    expect(inspect.status).toBe(403);
    expect(inspect.json.error).toMatchObject({ type: 'permission_error', code: 'origin_not_allowed' });
    expect(inspect.text).not.toContain('Think');
    for (const path of [
      '/v1/recordings',
      `/v1/recordings/${recordingId}`,
      `/v1/recordings/${recordingId}/export`,
      '/v1/console/logs',
    ]) {
      const res = await send(own, 'GET', path, { origin: EVIL });
      expect(res.status, path).toBe(403);
      expect(res.headers['access-control-allow-origin'], path).toBeUndefined();
      expect(res.text, path).not.toContain('Think about secrets');
    }
  });

  test('a foreign page that hides its Origin (Sec-Fetch-Site: cross-site) is refused too', async () => {
    const res = await send(own, 'GET', '/v1/recordings', { 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe('origin_not_allowed');
  });

  test('the console itself (same origin) and CLI clients (no Origin) are served', async () => {
    const same = await send(own, 'GET', '/v1/recordings', { origin: own, 'sec-fetch-site': 'same-origin' });
    expect(same.status).toBe(200);
    expect(same.headers['access-control-allow-origin']).toBe(own);
    const cli = await send(
      own,
      'POST',
      '/v1/console/encrypted-content/inspect',
      { 'content-type': 'application/json' },
      JSON.stringify({ encrypted_content: sealed, reveal: true }),
    );
    expect(cli.status).toBe(200);
    expect(cli.json).toMatchObject({ integrity: 'valid' });
  });

  test('the public API sends no CORS headers to a foreign origin by default', async () => {
    const res = await send(own, 'GET', '/v1/models', { origin: EVIL });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toBe('origin');
  });

  test('state-changing requests from a foreign origin are 403 and change nothing', async () => {
    const create = await send(
      own,
      'POST',
      '/v1/responses',
      { origin: EVIL, 'content-type': 'application/json' },
      JSON.stringify({ model: 'sim-chat', input: 'x' }),
    );
    expect(create.status).toBe(403);
    expect(create.json.error?.code).toBe('origin_not_allowed');
    const stored = (await (
      await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'keep me' }, FAST)
    ).json()) as { id: string };
    const del = await send(own, 'DELETE', `/v1/responses/${stored.id}`, { origin: EVIL });
    expect(del.status).toBe(403);
    expect((await fetch(`${h.url}/v1/responses/${stored.id}`)).status).toBe(200);
    const id = await recorded();
    const removeRecording = await send(own, 'DELETE', `/v1/recordings/${id}`, { origin: EVIL });
    expect(removeRecording.status).toBe(403);
    expect(store.getSummary(id)).not.toBeNull();
  });

  test('preflights: only for routes that exist with the requested method, and only for allowed origins', async () => {
    const preflight = (path: string, method: string, origin: string) =>
      send(own, 'OPTIONS', path, {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'content-type',
      });
    const foreign = await preflight('/v1/responses', 'POST', EVIL);
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const missing = await preflight('/v1/no-such-route', 'GET', own);
    expect(missing.status).toBe(404);
    const wrongMethod = await preflight('/v1/models', 'DELETE', own);
    expect(wrongMethod.status).toBe(405);
    const ok = await preflight('/v1/recordings/abc', 'PATCH', own);
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(own);
    expect(String(ok.headers['access-control-allow-methods']).split(', ').sort()).toEqual(['DELETE', 'GET', 'PATCH']);
  });
});

describe('X5 Host allow-list (DNS rebinding)', { tags: ['X5'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({
      record: 'on',
      logLevel: 'warn',
      allowedHosts: ['studio.internal', 'pinned.internal:4443'],
    });
  });
  afterAll(() => h.close());

  test('a foreign Host is a 403 on every route, even as its own "same origin"', async () => {
    const port = new URL(h.url).port;
    const rebound = `rebind.attacker.example:${port}`;
    const headers = { host: rebound, origin: `http://${rebound}` };
    for (const [method, path] of [
      ['GET', '/v1/recordings'],
      ['GET', '/v1/console/logs'],
      ['GET', '/v1/models'],
      ['GET', '/healthz'],
      ['GET', '/metrics'],
      ['GET', '/'],
      ['OPTIONS', '/v1/recordings'],
      ['POST', '/v1/responses'],
    ]) {
      const res = await send(
        h.url,
        method,
        path,
        { ...headers, 'content-type': 'application/json' },
        method === 'POST' ? '{}' : undefined,
      );
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error, `${method} ${path}`).toMatchObject({ type: 'permission_error', code: 'host_not_allowed' });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    // Nothing was recorded for the refused POST.
    expect((h.gateway.recording?.recordings as RecordingsStore).listRecordings().total).toBe(0);
  });

  test('loopback names with any port, the --host value and --allowed-host names are accepted', async () => {
    for (const host of [
      '127.0.0.1:1',
      'localhost:8080',
      'LOCALHOST',
      '[::1]:9',
      '127.1.2.3:80',
      'studio.internal:1234',
      'pinned.internal:4443',
    ]) {
      const res = await send(h.url, 'GET', '/v1/models', { host });
      expect(res.status, host).toBe(200);
    }
    for (const host of [
      'pinned.internal:4444',
      'localhost.attacker.example',
      '10.0.0.7:8080',
      'studio.internal.evil:1',
    ]) {
      const res = await send(h.url, 'GET', '/v1/models', { host });
      expect(res.status, host).toBe(403);
    }
  });

  test('with a wildcard --host, IP literals are accepted too (a rebinding needs a name)', () => {
    // Checked on the allow-list itself: tests never listen beyond loopback.
    const wide = new HostAllowList({ host: '0.0.0.0', allowedHosts: [] });
    expect(wide.allows('10.0.0.7:8080')).toBe(true);
    expect(wide.allows('[fe80::1]:8080')).toBe(true);
    expect(wide.allows('rebind.attacker.example')).toBe(false);
    const named = new HostAllowList({ host: 'gateway.lan', allowedHosts: [] });
    expect(named.allows('gateway.lan:8080')).toBe(true);
    expect(named.allows('gateway.lan.')).toBe(true);
    expect(named.allows('10.0.0.7')).toBe(false);
    expect(new HostAllowList({ host: '127.0.0.1', allowedHosts: ['*'] }).allows('anything.example')).toBe(true);
    expect(() => new HostAllowList({ host: '127.0.0.1', allowedHosts: ['bad host:x'] })).toThrow(/--allowed-host/);
  });
});

describe('X5 --cors-origin and --console-origin', { tags: ['X5', 'M5'] }, () => {
  const APP = 'http://app.example';
  const CONSOLE = 'http://127.0.0.1:5173';
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', corsOrigin: APP, consoleOrigins: [CONSOLE] });
  });
  afterAll(() => h.close());

  test('a --cors-origin origin may use the public API but never the console routes', async () => {
    const models = await send(h.url, 'GET', '/v1/models', { origin: APP });
    expect(models.headers['access-control-allow-origin']).toBe(APP);
    const create = await send(
      h.url,
      'POST',
      '/v1/responses',
      { origin: APP, 'content-type': 'application/json' },
      JSON.stringify({ model: 'sim-chat', input: 'hi' }),
    );
    expect(create.status).toBe(200);
    const recordings = await send(h.url, 'GET', '/v1/recordings', { origin: APP });
    expect(recordings.status).toBe(403);
    expect(recordings.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await send(h.url, 'OPTIONS', '/v1/recordings', {
      origin: APP,
      'access-control-request-method': 'GET',
    });
    expect(preflight.status).toBe(403);
  });

  test('a --console-origin origin may use the console routes (the console on another port)', async () => {
    const recordings = await send(h.url, 'GET', '/v1/recordings', { origin: CONSOLE });
    expect(recordings.status).toBe(200);
    expect(recordings.headers['access-control-allow-origin']).toBe(CONSOLE);
    const preflight = await send(h.url, 'OPTIONS', '/v1/console/encrypted-content/inspect', {
      origin: CONSOLE,
      'access-control-request-method': 'POST',
      'access-control-request-headers': `content-type, ${CONSOLE_SECRET_HEADER}`,
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe(`content-type, ${CONSOLE_SECRET_HEADER}`);
  });

  test("--cors-origin '*' opens the public API to any page, still not the console routes", async () => {
    const any = await startGateway({ logLevel: 'warn', corsOrigin: '*' });
    try {
      const models = await send(any.url, 'GET', '/v1/models', { origin: EVIL });
      expect(models.headers['access-control-allow-origin']).toBe('*');
      const recordings = await send(any.url, 'GET', '/v1/recordings', { origin: EVIL });
      expect(recordings.status).toBe(403);
      expect(recordings.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await any.close();
    }
  });
});

describe('X5 console secret', { tags: ['X5'] }, () => {
  test('with a secret configured the console routes require it; the public API does not', async () => {
    const h = await startGateway({ logLevel: 'warn', consoleSecret: 'per-launch-secret-value' });
    try {
      for (const path of ['/v1/recordings', '/v1/console/logs']) {
        const res = await send(h.url, 'GET', path, {});
        expect(res.status, path).toBe(403);
        expect(res.json.error?.code, path).toBe('console_secret_required');
      }
      expect(
        (await send(h.url, 'GET', '/v1/recordings', { [CONSOLE_SECRET_HEADER]: 'per-launch-secret-valuX' })).status,
      ).toBe(403);
      expect(
        (await send(h.url, 'GET', '/v1/recordings', { [CONSOLE_SECRET_HEADER]: 'per-launch-secret-value' })).status,
      ).toBe(200);
      expect((await send(h.url, 'GET', '/v1/models', {})).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('X5 CSRF: simple requests cannot act', { tags: ['X5'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ record: 'on', logLevel: 'warn', corsOrigin: 'http://app.example' });
  });
  afterAll(() => h.close());

  test('a text/plain import plants nothing (415), with or without an Origin', async () => {
    const store = h.gateway.recording?.recordings as RecordingsStore;
    const before = store.listRecordings().total;
    const file = [
      JSON.stringify({ format: 'responses-studio-recording', version: 1, exportedAt: '', sessionId: null, runs: 1 }),
      JSON.stringify({
        kind: 'run',
        id: 'rec_planted',
        request: { method: 'POST', path: '/v1/responses', headers: {}, body: {} },
        status: 'completed',
      }),
    ].join('\n');
    const attempts: Record<string, string>[] = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain;charset=UTF-8', origin: EVIL },
    ];
    for (const headers of attempts) {
      const res = await send(h.url, 'POST', '/v1/recordings/import', headers, file);
      expect([403, 415]).toContain(res.status);
    }
    const form = await send(
      h.url,
      'POST',
      '/v1/recordings/import',
      { 'content-type': 'application/x-www-form-urlencoded' },
      file,
    );
    expect(form.status).toBe(415);
    expect(store.listRecordings().total).toBe(before);
    expect(store.getSummary('rec_planted')).toBeNull();
  });

  test('a bodyless cancel from a foreign page (or as text/plain) does not cancel', async () => {
    const started = (await (
      await postJson(
        `${h.url}/v1/responses`,
        { model: 'sim-chat', input: 'long one', background: true, max_output_tokens: 400 },
        {
          'x-simulator-token-ms': '20',
        },
      )
    ).json()) as { id: string };
    const foreign = await send(h.url, 'POST', `/v1/responses/${started.id}/cancel`, { origin: EVIL });
    expect(foreign.status).toBe(403);
    const plain = await send(h.url, 'POST', `/v1/responses/${started.id}/cancel`, { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    const status = (await (await fetch(`${h.url}/v1/responses/${started.id}`)).json()) as { status: string };
    expect(['queued', 'in_progress']).toContain(status.status);
    // The console (no Origin: a CLI; or its own origin) can still cancel.
    const cancel = await send(h.url, 'POST', `/v1/responses/${started.id}/cancel`, { origin: h.url });
    expect(cancel.status).toBe(200);
    expect((cancel.json as { status: string }).status).toBe('cancelled');
  });

  test('PATCH and re-run of a recording need JSON too', async () => {
    const store = h.gateway.recording?.recordings as RecordingsStore;
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'name me' }, FAST);
    const id = (await finishedRecording(store, res.headers.get('x-request-id') as string)).id;
    const patch = await send(
      h.url,
      'PATCH',
      `/v1/recordings/${id}`,
      { 'content-type': 'text/plain' },
      JSON.stringify({ name: 'x' }),
    );
    expect(patch.status).toBe(415);
    const xml = await send(
      h.url,
      'PATCH',
      `/v1/recordings/${id}`,
      { 'content-type': 'application/xml' },
      JSON.stringify({ name: 'x' }),
    );
    expect(xml.status).toBe(415);
    expect(store.getSummary(id)?.name).toBeNull();
    const rerun = await send(h.url, 'POST', `/v1/recordings/${id}/rerun`, { 'content-type': 'text/plain' }, '{}');
    expect(rerun.status).toBe(415);
  });
});
