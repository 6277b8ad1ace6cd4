/**
 * The upstream client's hand-over of a body that arrived with its headers: the parser stops after
 * the headers and goes on only on the tick after a reader is attached, in order, then the end —
 * never inside the call that attaches the reader, so that the caller's own work on the headers
 * (the gateway's first events) comes before the body is parsed and decoded. And the wait for the
 * headers: `--backend-timeout` to the millisecond.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test, vi } from 'vitest';
import { UpstreamClient, type BodyReader } from './client.js';

let server: Server | undefined;
let client: UpstreamClient | undefined;

afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = client = undefined;
});

/** A server that answers with headers and the whole body in one write. */
async function oneWriteServer(body: string): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function recorder(): BodyReader & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    onBody: (chunk) => void seen.push(`data:${chunk.toString('utf8')}`),
    onBodyEnd: () => void seen.push('end'),
    onBodyError: (error) => void seen.push(`error:${String(error)}`),
  };
}

test('a body that came with the headers waits for its reader and reaches it on the next tick, then its end', async () => {
  const root = await oneWriteServer('data: one\n\ndata: two\n\n');
  client = new UpstreamClient(root, 5_000);
  const exchange = await client.send('POST', '/v1/chat/completions', '{}', {}, undefined);
  expect(exchange.status).toBe(200);
  // The whole answer is in, but nobody reads it: the parser has stopped after the headers.
  await new Promise((resolve) => setImmediate(resolve));
  expect(exchange.complete).toBe(false);

  expect(exchange.header('content-type')).toBe('text/event-stream');

  const reader = recorder();
  exchange.read(reader);
  // Read before the body: an open stream does not keep its response headers alive.
  expect(exchange.header('content-type')).toBeNull();
  expect(reader.seen).toEqual([]);
  await new Promise((resolve) => process.nextTick(resolve));
  expect(reader.seen).toEqual(['data:data: one\n\ndata: two\n\n', 'end']);
  expect(exchange.complete).toBe(true);
});

test('a reader let go before the hand-over gets nothing, and the body is drained for the next request', async () => {
  const root = await oneWriteServer('data: one\n\n');
  client = new UpstreamClient(root, 5_000);
  const exchange = await client.send('POST', '/v1/chat/completions', '{}', {}, undefined);
  const reader = recorder();
  exchange.read(reader);
  exchange.drain();
  // The hand-over was due on the next tick, before this macrotask.
  await new Promise((resolve) => setImmediate(resolve));
  expect(reader.seen).toEqual([]);
  await expect.poll(() => exchange.complete).toBe(true);
  expect(client.idle).toHaveLength(1);
});

test('E1 a backend that never answers fails the request with backend_timeout at the timeout, not later', async () => {
  let received = false;
  server = createServer(() => {
    // Takes the request and never answers it.
    received = true;
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Only the timers: sockets, ticks and immediates stay real, so the request really goes out.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    client = new UpstreamClient(root, 1_000);
    let outcome: unknown = 'pending';
    client.send('POST', '/v1/chat/completions', '{}', {}, undefined).then(
      () => (outcome = 'answered'),
      (error: unknown) => (outcome = error),
    );
    // Until the server has it (immediates are real; expect.poll would run the fake clock).
    while (!received) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toMatchObject({
      status: 504,
      code: 'backend_timeout',
      message: 'The backend sent nothing for 1 s.',
    });
  } finally {
    vi.useRealTimers();
  }
});
