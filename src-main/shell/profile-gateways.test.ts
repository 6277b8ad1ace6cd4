/**
 * The console's host serving connection profiles over HTTP (/v1/console/profiles): a gateway per
 * profile, its key kept by the host (a 0600 file here) and never answered back, re-runs against a
 * profile by id. Real gateways on loopback; the built-in simulator stands in for a vLLM server.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src-server/config/flags.js';
import { memorySavedRequests } from '../../src-server/console/saved-requests-store.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { createGatewayHost, type GatewayHost } from './gateway-host.js';
import { createProfileGateways, fileKeyStore, PROFILE_KEYS_FILE } from './profile-gateways.js';

let dir: string;
let host: GatewayHost;
let main: Gateway;
let backendUrl: string;

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-profiles-'));
  const config = { ...defaultConfig(), logLevel: 'silent' as const, record: 'on' as const };
  host = createGatewayHost(async (c, o) => {
    const g = await createGateway(c, o);
    if (o.consoleDir !== undefined) main = g;
    return g;
  }, config);
  await host.startMain(dir, {
    profiles: createProfileGateways(host, fileKeyStore(join(dir, PROFILE_KEYS_FILE))),
    savedRequests: memorySavedRequests(),
    rateLimitEditing: true,
  });
  const caps = (await (await fetch(`${main.url}/v1/capabilities`)).json()) as {
    backend: { url: string };
    gateway: { console: Record<string, unknown> };
  };
  backendUrl = caps.backend.url;
  expect(caps.gateway.console).toEqual({
    rate_limits: '/v1/console/rate-limits',
    profiles: '/v1/console/profiles',
    key_storage: 'file',
    saved_requests: '/v1/console/saved-requests',
    saved_requests_persistent: false,
  });
});
afterAll(async () => {
  await host?.closeAll();
  await rm(dir, { recursive: true, force: true });
});

describe('connection profiles served to the console (web mode and desktop alike)', () => {
  test(
    'connect starts the profile gateway; the key stays in a 0600 file and is never answered back',
    { tags: ['U8'] },
    async () => {
      const res = await fetch(
        `${main.url}/v1/console/profiles/vllm-local/connect`,
        json({ backend_url: backendUrl, backend_kind: 'vllm', api_key: 'sk-profile-key-1' }),
      );
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain('sk-profile-key-1');
      const info = JSON.parse(text) as { url: string; has_key: boolean };
      expect(info).toMatchObject({ id: 'vllm-local', backend_url: backendUrl, has_key: true });
      expect(info.url).not.toBe(main.url);
      const models = (await (await fetch(`${info.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toContain('sim-chat');
      const file = join(dir, PROFILE_KEYS_FILE);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'profile:vllm-local': 'sk-profile-key-1' });
      const list = await (await fetch(`${main.url}/v1/console/profiles`)).text();
      expect(list).not.toContain('sk-profile-key-1');
      // Reconnecting without a key keeps the stored one (and the same gateway); null forgets it.
      const again = (await (
        await fetch(`${main.url}/v1/console/profiles/vllm-local/connect`, json({ backend_url: backendUrl }))
      ).json()) as { url: string; has_key: boolean };
      expect(again).toMatchObject({ url: info.url, has_key: true });
      const forgot = (await (
        await fetch(
          `${main.url}/v1/console/profiles/vllm-local/connect`,
          json({ backend_url: backendUrl, api_key: null }),
        )
      ).json()) as { has_key: boolean };
      expect(forgot.has_key).toBe(false);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({});
    },
  );

  test(
    "a profile of kind vllm-responses gets a gateway on the backend's own /v1/responses",
    { tags: ['U8', 'X9'] },
    async () => {
      const res = await fetch(
        `${main.url}/v1/console/profiles/vllm-native/connect`,
        json({ backend_url: backendUrl, backend_kind: 'vllm-responses' }),
      );
      expect(res.status).toBe(200);
      const info = (await res.json()) as { url: string };
      const caps = (await (await fetch(`${info.url}/v1/capabilities`)).json()) as { backend: { kind: string } };
      expect(caps.backend.kind).toBe('vllm-responses');
      const answer = await fetch(`${info.url}/v1/responses`, json({ model: 'sim-chat', input: 'Say hello' }));
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { status: string }).status).toBe('completed');
    },
  );

  test('bad connect requests get a clear 400 or 415 and start nothing', { tags: ['U8', 'M2'] }, async () => {
    const post = (id: string, body: unknown, headers = { 'content-type': 'application/json' }) =>
      fetch(`${main.url}/v1/console/profiles/${id}/connect`, { method: 'POST', headers, body: JSON.stringify(body) });
    const cases: [Response, number, string | null][] = [
      [await post('vllm-local', { backend_url: 'file:///etc/passwd' }), 400, 'backend_url'],
      [await post('vllm-local', { backend_url: 'not a url' }), 400, 'backend_url'],
      [await post('vllm-local', { backend_url: backendUrl, backend_kind: 'grpc' }), 400, 'backend_kind'],
      [await post('vllm-local', { backend_url: backendUrl, api_key: 42 }), 400, 'api_key'],
      [await post('builtin', { backend_url: backendUrl }), 400, 'id'],
      [await post('vllm-local', { backend_url: backendUrl }, { 'content-type': 'text/plain' }), 415, null],
    ];
    for (const [res, status, param] of cases) {
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { param: string | null } }).error.param).toBe(param);
    }
  });

  test(
    'a recording re-runs against a profile named by its id, and the re-run links to its original',
    { tags: ['U6', 'U8'] },
    async () => {
      await fetch(`${main.url}/v1/console/profiles/vllm-local/connect`, json({ backend_url: backendUrl }));
      const sent = await fetch(`${main.url}/v1/responses`, json({ model: 'sim-chat', input: 'Re-run me' }));
      expect(sent.status).toBe(200);
      const page = (await (await fetch(`${main.url}/v1/recordings?search=Re-run%20me`)).json()) as {
        data: { id: string; inputPreview: string }[];
      };
      const original = page.data[0];
      expect(original.inputPreview).toBe('Re-run me');
      const rerun = await fetch(`${main.url}/v1/recordings/${original.id}/rerun`, json({ target: 'vllm-local' }));
      expect(rerun.status).toBe(200);
      const answer = (await rerun.json()) as { runs: string[]; stored: string[] };
      // The profile gateway records into the same library: nothing stored twice.
      expect(answer.stored).toEqual([]);
      const linked = (await (await fetch(`${main.url}/v1/recordings?search=${original.id}`)).json()) as {
        data: { id: string; rerunOf: string | null }[];
      };
      expect(linked.data.filter((r) => r.rerunOf === original.id)).toHaveLength(1);
      const unknown = await fetch(`${main.url}/v1/recordings/${original.id}/rerun`, json({ target: 'remote' }));
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe('target');
      expect((await fetch(`${main.url}/v1/recordings/${original.id}/rerun`, json({ target: 'self' }))).status).toBe(
        200,
      );
    },
  );
});

describe('runtime rate limits and saved requests', () => {
  test(
    'PUT /v1/console/rate-limits changes the limits now; bad values are 400s naming the field',
    { tags: ['U4', 'H5'] },
    async () => {
      const put = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
        fetch(`${main.url}/v1/console/rate-limits`, { method: 'PUT', headers, body: JSON.stringify(body) });
      expect(await (await fetch(`${main.url}/v1/console/rate-limits`)).json()).toMatchObject({
        enabled: false,
        requests_per_minute: 0,
      });
      const set = await put({ requests_per_minute: 1 });
      expect(await set.json()).toMatchObject({ enabled: true, requests_per_minute: 1, tokens_per_minute: 0 });
      expect((await fetch(`${main.url}/v1/responses`, json({ model: 'sim-chat', input: 'a' }))).status).toBe(200);
      const limited = await fetch(`${main.url}/v1/responses`, json({ model: 'sim-chat', input: 'b' }));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(
        ((await (await put({ requests_per_minute: -1 })).json()) as { error: { param: string } }).error.param,
      ).toBe('requests_per_minute');
      expect(((await (await put({ rpm: 1 })).json()) as { error: { code: string } }).error.code).toBe(
        'unknown_parameter',
      );
      expect((await put({ requests_per_minute: 0 }, {})).status).toBe(415);
      expect(await (await put({ requests_per_minute: 0 })).json()).toMatchObject({ enabled: false });
    },
  );

  test('saved requests are checked before they are kept', { tags: ['U1'] }, async () => {
    const put = (body: unknown) =>
      fetch(`${main.url}/v1/console/saved-requests`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const doc = {
      format: 'responses-studio-requests',
      version: 1,
      collections: [
        { id: 'c1', name: 'Mine', variables: { model: 'sim-chat' }, requests: [{ id: 'r1', name: 'A', body: '{}' }] },
      ],
    };
    expect((await put(doc)).status).toBe(200);
    expect(await (await fetch(`${main.url}/v1/console/saved-requests`)).json()).toEqual({ ...doc, persistent: false });
    const bad = await put({ ...doc, collections: [{ ...doc.collections[0], requests: [{ id: 'r1', name: 'A' }] }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('collections[0].requests[0].body');
    expect(await (await fetch(`${main.url}/v1/console/saved-requests`)).json()).toEqual({ ...doc, persistent: false });
  });
});
