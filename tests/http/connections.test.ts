/**
 * X7: slow or broken clients cannot pin sockets or get Node's bare replies. Real sockets send half
 * a request; the timeouts are small values set by flags (--http-headers-timeout,
 * --http-request-timeout), and the tests wait for the gateway to close the sockets rather than
 * for a fixed time. Streams and tool waits that outlast the timeouts must not be cut.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { SseReader } from '../state/sse-reader.js';

interface RawAnswer {
  /** Everything the gateway wrote before it closed the socket. */
  text: string;
  status: number;
  body: { error?: { type: string; code: string; message: string } };
}

/**
 * Opens a socket, writes `chunks`, and resolves with what was answered once the gateway closes it;
 * `received()` is what has arrived so far.
 */
function rawExchange(
  url: string,
  chunks: string[],
): { socket: net.Socket; received: () => string; closed: Promise<RawAnswer> } {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => undefined);
  socket.once('connect', () => {
    for (const c of chunks) socket.write(c);
  });
  const closed = new Promise<RawAnswer>((resolve) =>
    socket.once('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const raw = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body: RawAnswer['body'] = {};
      try {
        body = JSON.parse(raw) as RawAnswer['body'];
      } catch {
        // No body (the test says what it expected).
      }
      resolve({ text, status, body });
    }),
  );
  return { socket, received: () => text, closed };
}

const HALF_BODY = [
  'POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n',
  '{"model":"sim-chat","input":"only half of',
];

describe('X7 request timeouts', { tags: ['X7'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn', httpHeadersTimeoutSeconds: 0.2, httpRequestTimeoutSeconds: 0.4 });
  });
  afterAll(() => h.close());

  test('100 half-sent bodies are each answered 408 with the OpenAI envelope and closed', async () => {
    const clients = Array.from({ length: 100 }, () => rawExchange(h.url, HALF_BODY));
    const answers = await Promise.all(clients.map((c) => c.closed));
    for (const a of answers) {
      expect(a.status).toBe(408);
      expect(a.text.toLowerCase()).toContain('connection: close');
      expect(a.body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_timeout' });
    }
    await expect.poll(() => new Promise((r) => h.gateway.server.getConnections((_e, n) => r(n)))).toBe(0);
    // The gateway still serves. Each attempt has the same 0.4 s to arrive whole: on a machine
    // busy enough to stall this process past it, Node rightly answers that attempt 408 too, so
    // the check is that a request is served again, not that the first one fits the window.
    await expect
      .poll(async () => (await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' })).status, {
        interval: 0,
        timeout: 50_000,
      })
      .toBe(200);
  });

  test('headers that never finish (slowloris) are answered 408 and closed', async () => {
    const { closed } = rawExchange(h.url, ['GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a']);
    const answer = await closed;
    expect(answer.status).toBe(408);
    expect(answer.body.error?.code).toBe('request_timeout');
  });

  test('a stream silent for longer than the timeouts is not cut', async () => {
    // 1.5 s before the first token: several times the 0.4 s request timeout.
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'take your time', stream: true },
      { 'x-simulator-ttft-ms': '1500', 'x-simulator-token-ms': '0' },
    );
    const reader = new SseReader(res);
    await reader.finished;
    expect(reader.events.at(-1)?.type).toBe('response.completed');
  });

  test('a session waiting for tool outputs longer than the timeouts stays open and resumes', async () => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      {
        model: 'sim-chat',
        stream: true,
        input: 'Use get_weather for Paris',
        tools: [
          {
            type: 'function',
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
      },
      { 'x-responses-session': 'on', 'x-simulator-ttft-ms': '0', 'x-simulator-token-ms': '0' },
    );
    const reader = new SseReader(res);
    const id = ((await reader.waitFor((e) => e.type === 'response.created')).response as { id: string }).id;
    const call = await reader.waitFor(
      (e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'function_call',
    );
    // Past every timeout (and several checks of them) while the stream idles.
    await new Promise((r) => setTimeout(r, 1200));
    expect(reader.done).toBe(false);
    const submitted = await postJson(`${h.url}/v1/responses/${id}/tool_outputs`, {
      tool_outputs: [{ call_id: (call.item as { call_id: string }).call_id, output: 'Sunny' }],
    });
    expect(submitted.status).toBe(200);
    await reader.finished;
    expect(reader.events.at(-1)?.type).toBe('response.completed');
  });
});

describe('X7 malformed HTTP gets the OpenAI envelope', { tags: ['X7', 'M2'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ logLevel: 'warn' });
  });
  afterAll(() => h.close());

  test('a bad header line is a 400 malformed_request', async () => {
    const { closed } = rawExchange(h.url, ['GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n']);
    const a = await closed;
    expect(a.status).toBe(400);
    expect(a.text).toMatch(/content-type: application\/json/i);
    expect(a.body.error).toMatchObject({ type: 'invalid_request_error', code: 'malformed_request' });
  });

  test('oversized headers are a 431 request_header_fields_too_large', async () => {
    const { closed } = rawExchange(h.url, [
      `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    const a = await closed;
    expect(a.status).toBe(431);
    expect(a.body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_header_fields_too_large' });
  });

  test('a malformed request after an answered one on a keep-alive connection is answered 400 too', async () => {
    const { socket, received, closed } = rawExchange(h.url, ['GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n']);
    // The first answer in full (its body's length is in its head), then the broken request.
    await expect
      .poll(() => {
        const text = received();
        const head = text.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
        return head >= 0 && length >= 0 && Buffer.byteLength(text.slice(head + 4)) >= length;
      })
      .toBe(true);
    expect(received()).toMatch(/^HTTP\/1\.1 200/);
    const first = received().length;
    socket.write('GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n');
    const second = (await closed).text.slice(first);
    expect(second).toMatch(/^HTTP\/1\.1 400/);
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    expect(body.error.code).toBe('malformed_request');
  });

  test('the gateway keeps serving afterwards', async () => {
    expect((await fetch(`${h.url}/v1/models`)).status).toBe(200);
  });
});

describe('X7 connection cap', { tags: ['X7'] }, () => {
  test('a connection over --http-max-connections is answered 503 and closed; a freed slot is reused', async () => {
    const h = await startGateway({ logLevel: 'warn', httpMaxConnections: 3 });
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(rawExchange(h.url, []).socket);
      await expect.poll(() => new Promise((r) => h.gateway.server.getConnections((_e, n) => r(n)))).toBe(3);
      const over = await rawExchange(h.url, ['GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n']).closed;
      expect(over.status).toBe(503);
      expect(over.text.toLowerCase()).toContain('retry-after: 1');
      expect(over.body.error).toMatchObject({ type: 'server_error', code: 'server_overloaded' });
      // Only the status line and the error: the request on that connection never ran.
      expect(over.text.match(/HTTP\/1\.1/g)).toHaveLength(1);
      held.pop()?.destroy();
      await expect.poll(() => new Promise((r) => h.gateway.server.getConnections((_e, n) => r(n)))).toBe(2);
      const ok = rawExchange(h.url, ['GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n']);
      expect((await ok.closed).status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
      await h.close();
    }
  });
});

describe(
  'X7 a client that asks to close gets its stream and then the end of the connection',
  { tags: ['X7', 'L1'] },
  () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await startGateway({ logLevel: 'warn' });
    });
    afterAll(() => h.close());

    const body = JSON.stringify({ model: 'sim-chat', input: 'hi', stream: true, store: false });
    for (const [name, head] of [
      ['HTTP/1.1 with Connection: close', 'HTTP/1.1\r\nConnection: close'],
      ['HTTP/1.0', 'HTTP/1.0'],
    ] as const)
      test(`${name}: connection: close, and the gateway closes after the terminal event`, async () => {
        const request = `POST /v1/responses ${head}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        // Resolves only once the gateway closed the socket (the keep-alive timeout is 65 s).
        const answer = await rawExchange(h.url, [request]).closed;
        expect(answer.text).toMatch(/^HTTP\/1\.[01] 200/);
        expect(answer.text.toLowerCase()).toContain('\r\nconnection: close\r\n');
        expect(answer.text).toContain('event: response.completed');
      });

    test('a keep-alive client keeps its connection for the next request', async () => {
      const res = await postJson(`${h.url}/v1/responses`, JSON.parse(body) as unknown);
      expect(res.headers.get('connection')).toBe('keep-alive');
      await res.text();
    });
  },
);
