/**
 * The chat adapter's HTTP side against a hand-driven upstream on 127.0.0.1: connection reuse,
 * bodies cut at odd places, a consumer slower than the upstream (backpressure), and headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { ModelPart, ModelRequest } from '../contract.js';
import { createVllmAdapter } from '../chat-completions/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Upstream {
  url: string;
  connections: number;
  requests: { headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

const open: Upstream[] = [];

async function upstream(handler: Handler): Promise<Upstream> {
  const state: Upstream = { url: '', connections: 0, requests: [], close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  open.push(state);
  return state;
}

afterEach(async () => {
  for (const u of open.splice(0)) await u.close();
});

const chunk = (content: string): string =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const sseBody = (texts: string[]): string =>
  texts.map(chunk).join('') +
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
}

async function collect(iterable: AsyncIterable<ModelPart>, slow = false): Promise<ModelPart[]> {
  const parts: ModelPart[] = [];
  for await (const part of iterable) {
    parts.push(part);
    // A consumer slower than the socket: yield to the event loop between parts.
    if (slow && parts.length % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return parts;
}

const request: ModelRequest = { model: 'm', input: [{ type: 'message', role: 'user', content: 'hi' }] };
const texts = (parts: ModelPart[]): string => parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');

describe('chat adapter over HTTP', () => {
  test('sequential streams reuse one keep-alive upstream connection', async () => {
    const up = await upstream((_req, res) => {
      sse(res);
      res.end(sseBody(['a', 'b']));
    });
    const adapter = createVllmAdapter({ baseUrl: up.url, timeoutSeconds: 5 });
    try {
      for (let i = 0; i < 3; i++) {
        const parts = await collect(
          await adapter.stream(request, { signal: new AbortController().signal, requestId: 'r' }),
        );
        expect(texts(parts)).toBe('ab');
        expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'stop' });
      }
      expect(up.requests).toHaveLength(3);
      expect(up.connections).toBe(1);
    } finally {
      await adapter.close();
    }
  });

  test('a body written in 7-byte pieces with multi-byte text decodes to the same parts', async () => {
    const words = ['héllo', ' wörld', ' ✓', ' 😀', ' end'];
    const up = await upstream((_req, res) => {
      sse(res);
      const bytes = Buffer.from(sseBody(words));
      let at = 0;
      const next = (): void => {
        if (at >= bytes.length) return void res.end();
        res.write(bytes.subarray(at, at + 7));
        at += 7;
        setImmediate(next);
      };
      next();
    });
    const adapter = createVllmAdapter({ baseUrl: up.url, timeoutSeconds: 5 });
    try {
      const parts = await collect(
        await adapter.stream(request, { signal: new AbortController().signal, requestId: 'r' }),
      );
      expect(parts.filter((p) => p.type === 'text-delta').map((p) => (p.type === 'text-delta' ? p.text : ''))).toEqual(
        words,
      );
    } finally {
      await adapter.close();
    }
  });

  test('a consumer slower than the upstream still gets every part, in order', async () => {
    const words = Array.from({ length: 5000 }, (_, i) => ` w${i}`);
    const up = await upstream((_req, res) => {
      sse(res);
      res.end(sseBody(words));
    });
    const adapter = createVllmAdapter({ baseUrl: up.url, timeoutSeconds: 5 });
    try {
      const parts = await collect(
        await adapter.stream(request, { signal: new AbortController().signal, requestId: 'r' }),
        true,
      );
      expect(texts(parts)).toBe(words.join(''));
      expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'stop' });
    } finally {
      await adapter.close();
    }
  });

  test('sends the JSON body with its length, the auth header and forwarded headers', async () => {
    const up = await upstream((_req, res) => {
      sse(res);
      res.end(sseBody(['x']));
    });
    const adapter = createVllmAdapter({ baseUrl: up.url, timeoutSeconds: 5, apiKey: 'k1' });
    try {
      await collect(
        await adapter.stream(
          { ...request, headers: { 'x-simulator-seed': '7' } },
          { signal: new AbortController().signal, requestId: 'r' },
        ),
      );
      const [{ headers, body }] = up.requests;
      expect(headers).toMatchObject({
        authorization: 'Bearer k1',
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'x-simulator-seed': '7',
      });
      expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
      expect(JSON.parse(body)).toMatchObject({ model: 'm', stream: true });
    } finally {
      await adapter.close();
    }
  });

  test('an IPv6 host and a base path in the URL: the path is prefixed and Host is the bracketed address', async () => {
    const seen: { url?: string; host?: string } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.host = req.headers.host;
      sse(res);
      res.end(sseBody(['v6']));
    });
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const port = (server.address() as AddressInfo).port;
    const adapter = createVllmAdapter({ baseUrl: `http://[::1]:${port}/prefix/v1`, timeoutSeconds: 5 });
    try {
      const parts = await collect(
        await adapter.stream(request, { signal: new AbortController().signal, requestId: 'r' }),
      );
      expect(texts(parts)).toBe('v6');
      expect(seen).toEqual({ url: '/prefix/v1/chat/completions', host: `[::1]:${port}` });
    } finally {
      await adapter.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('E1 a body that ends without [DONE] ends with a backend_protocol_error part', { tags: ['E1'] }, async () => {
    const up = await upstream((_req, res) => {
      sse(res);
      res.end(chunk('partial'));
    });
    const adapter = createVllmAdapter({ baseUrl: up.url, timeoutSeconds: 5 });
    try {
      const framed = await collect(
        await adapter.stream(request, { signal: new AbortController().signal, requestId: 'r' }),
      );
      expect(framed.map((p) => p.type)).toEqual(['text-start', 'text-delta', 'error']);
      const parts = framed.filter((p) => p.type !== 'text-start');
      expect(parts[0]).toEqual({ type: 'text-delta', text: 'partial' });
      expect(parts[parts.length - 1]).toMatchObject({ type: 'error', error: { code: 'backend_protocol_error' } });
    } finally {
      await adapter.close();
    }
  });

  test(
    'E1 a JSON body where a stream was asked for is a backend_protocol_error that says so',
    { tags: ['E1'] },
    async () => {
      // A server that ignores stream: true answers the whole completion at once.
      const completion = {
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'all at once' }, finish_reason: 'stop' }],
      };
      const up = await upstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion));
      });
      const adapter = createVllmAdapter({ baseUrl: up.url, timeoutSeconds: 5 });
      try {
        const error = await adapter.stream(request, { signal: new AbortController().signal, requestId: 'r' }).then(
          () => null,
          (e: unknown) => e as { status: number; code: string; message: string },
        );
        expect(error).toMatchObject({ status: 502, code: 'backend_protocol_error' });
        expect(error?.message).toContain('with a JSON body (content-type application/json) where an event stream was');
        expect(error?.message).toContain('"all at once"');
        // The connection is read to its end and reused.
        const again = await adapter
          .stream(request, { signal: new AbortController().signal, requestId: 'r' })
          .catch((e: unknown) => e);
        expect(again).toMatchObject({ code: 'backend_protocol_error' });
        expect(up.connections).toBe(1);
      } finally {
        await adapter.close();
      }
    },
  );
});
