import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../src-server/gateway.js';
import { CONSOLE_SECRET_HEADER } from '../../src-server/shared/protocol/console-auth.js';
import type { StudioApi } from '../../src-main/shared/studio-api.js';
import { library } from '../features/library/library-client.js';
import { authHeaders, getJson, streamResponse } from './gateway-client.js';

const SECRET = 'launch-secret-for-the-test-0123456789abcdef';
let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway({ ...defaultConfig(), port: 0, logLevel: 'silent', consoleSecret: SECRET });
});
afterAll(() => gateway.close());

/** The desktop window: the preload put `studio` (with this launch's secret) on window. */
function desktopWindow(secret: string | null): void {
  (globalThis as { window?: unknown }).window = { studio: { consoleSecret: secret } as Partial<StudioApi> };
}
afterEach(() => {
  delete (globalThis as { window?: unknown }).window;
});

describe('gateway client: the console secret on every request', { tags: ['U10', 'X5'] }, () => {
  test('in the desktop window every request carries the secret from the preload, with the API key', () => {
    desktopWindow(SECRET);
    expect(authHeaders({ baseUrl: '', apiKey: 'sk-1' })).toEqual({
      authorization: 'Bearer sk-1',
      [CONSOLE_SECRET_HEADER]: SECRET,
    });
  });

  test('in a browser (web mode) nothing is added', () => {
    expect(authHeaders({ baseUrl: '' })).toEqual({});
    desktopWindow(null);
    expect(authHeaders({ baseUrl: '' })).toEqual({});
  });

  test('library, JSON and streaming calls reach a gateway that requires the secret', async () => {
    const conn = { baseUrl: gateway.url };
    await expect(library.list(conn)).rejects.toMatchObject({ status: 403 });
    desktopWindow(SECRET);
    expect((await library.list(conn)).data).toEqual([]);
    expect((await getJson(conn, '/v1/recordings')).status).toBe(200);
    const seen: string[] = [];
    const result = await streamResponse({
      connection: conn,
      body: { model: 'sim-chat', input: 'hi', stream: true },
      onEvent: (e) => seen.push(e.type),
    });
    expect(result.status).toBe(200);
    expect(seen).toContain('response.completed');
  });
});
