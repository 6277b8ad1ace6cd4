/**
 * A backend may echo the request's credentials in its error messages; the gateway relays backend
 * errors to clients (HTTP errors, in-stream `error` events) and logs them. Neither may carry the
 * `--backend-api-key`, a bearer-shaped string or the backend URL's password.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { SecretScrubber } from '../../src-server/backends/http/secret-scrub.js';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const KEY = 'backend-key-5f3a9c1e77';
const OTHER = 'sk-proj-abcdefghijklmnopqrstu';

let backend: Server | undefined;
let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  backend?.closeAllConnections();
  await new Promise((r) => (backend ? backend.close(r) : r(undefined)));
  backend = undefined;
});

/** A backend that answers errors quoting the credentials it was sent. */
async function leakyBackend(): Promise<string> {
  backend = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      if (req.url?.startsWith('/v1/models')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: `Invalid credentials '${auth}' (also tried ${OTHER})`, type: 'authentication_error' },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        `data: ${JSON.stringify({ error: { message: `quota exceeded for key ${KEY}; header was ${auth}`, code: 429 } })}\n\n`,
      );
    });
  });
  await new Promise<void>((r) => backend?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
}

const leaks = (text: string): boolean => text.includes(KEY) || text.includes(OTHER);

describe('X7 relayed backend errors carry no secrets', { tags: ['X7', 'M2', 'E1'] }, () => {
  test('HTTP errors, stream error events and log lines are scrubbed', async () => {
    const url = await leakyBackend();
    h = await startGateway({ backend: url, backendApiKey: KEY, logLevel: 'debug', validateStream: 'log' });
    const models = await fetch(`${h.url}/v1/models`);
    const modelsText = await models.text();
    expect(models.status).toBe(401);
    expect(leaks(modelsText)).toBe(false);
    expect(modelsText).toContain('Bearer [REDACTED]');

    const stream = await readSse(await postJson(`${h.url}/v1/responses`, { model: 'm', input: 'hi', stream: true }));
    expect(stream.text).toContain('quota exceeded for key [REDACTED]');
    expect(leaks(stream.text)).toBe(false);

    const plain = await postJson(`${h.url}/v1/responses`, { model: 'm', input: 'hi' });
    expect(leaks(await plain.text())).toBe(false);
    expect(leaks(JSON.stringify(h.logs))).toBe(false);
  });

  test("the backend URL's password appears in no answer, log line or capability report", async () => {
    const url = await leakyBackend();
    const withPassword = url.replace('http://', 'http://user:url-password-123@');
    h = await startGateway({ backend: withPassword, logLevel: 'debug' });
    const caps = await (await fetch(`${h.url}/v1/capabilities`)).text();
    expect(caps).not.toContain('url-password-123');
    backend?.closeAllConnections();
    await new Promise((r) => backend?.close(r));
    backend = undefined;
    const down = await postJson(`${h.url}/v1/responses`, { model: 'm', input: 'hi' });
    expect(down.status).toBe(502);
    expect(await down.text()).not.toContain('url-password-123');
    expect(JSON.stringify(h.logs)).not.toContain('url-password-123');
  });

  test('the scrubber: configured secrets, bearer and sk- keys, URL user info', () => {
    const s = new SecretScrubber(['my-configured-secret', undefined]);
    expect(s.text('got my-configured-secret!')).toBe('got [REDACTED]!');
    expect(s.text('Authorization: Bearer abc.def-ghi_123')).toBe('Authorization: Bearer [REDACTED]');
    expect(s.text('basic   dXNlcjpwYXNz0=')).toBe('basic   [REDACTED]');
    expect(s.text(`key ${OTHER} rejected`)).toBe('key [REDACTED] rejected');
    expect(s.text('at https://bob:hunter2@example.test/v1')).toBe('at https://[REDACTED]@example.test/v1');
    expect(s.text('a plain message about a bearer bond')).toBe('a plain message about a bearer bond');
  });
});
