import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../src-server/logging/logger.js';
import { SSE_HEADERS, SseWriter, type SseWriterOptions } from '../../src-server/http/sse-writer.js';
import { ResponseWriter } from '../../src-server/http/response-writer.js';
import { eventJson } from '../../src-server/http/sse-event-json.js';
import type { WireEvent } from '../../src-server/engine/contract.js';
import { errors } from '../../src-server/shared/protocol/errors.js';

interface Harness {
  server: Server;
  /** Resolves with the server side of the next request. */
  next: Promise<ServerResponse>;
  url: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function harness(): Promise<Harness> {
  let resolveNext!: (res: ServerResponse) => void;
  const next = new Promise<ServerResponse>((r) => (resolveNext = r));
  const server = createServer((_req, res) => {
    res.writeHead(200, SSE_HEADERS);
    resolveNext(res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, next, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Opens a request and collects the body as it arrives. */
function open(url: string): {
  response: Promise<IncomingMessage>;
  body: () => string;
  ended: Promise<string>;
  abort: () => void;
} {
  let text = '';
  let resolveEnded!: (s: string) => void;
  const ended = new Promise<string>((r) => (resolveEnded = r));
  const req = request(url);
  const response = new Promise<IncomingMessage>((resolve) => {
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolveEnded(text));
      res.on('error', () => resolveEnded(text));
      resolve(res);
    });
  });
  req.on('error', () => resolveEnded(text));
  req.end();
  return { response, body: () => text, ended, abort: () => req.destroy() };
}

/** The response writer a route would hand the SSE writer. */
function writerOf(res: ServerResponse): ResponseWriter {
  return new ResponseWriter(res, (err) => {
    throw err;
  });
}

function options(over: Partial<SseWriterOptions> = {}): SseWriterOptions {
  return {
    doneSentinel: false,
    bufferMaxBytes: 16 * 1024,
    eventMaxBytes: 1024 * 1024,
    pingIntervalMs: 0,
    logger: createLogger('silent'),
    onDisconnect: () => undefined,
    ...over,
  };
}

function countWrites(res: ServerResponse): { count: number } {
  const counter = { count: 0 };
  const original = res.write.bind(res) as (chunk: string) => boolean;
  res.write = ((chunk: string) => {
    counter.count++;
    return original(chunk);
  }) as typeof res.write;
  return counter;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

interface CountedStream {
  client: ReturnType<typeof open>;
  /** The server side of the stream. */
  res: ServerResponse;
  /** Socket writes (`res.write` calls) so far. */
  writes: { count: number };
  writer: SseWriter;
}

/** A client connected to a fresh SSE writer whose socket writes are counted. */
/** The `data:` objects of a whole SSE body. */
function dataOf(body: string): Record<string, unknown>[] {
  return body
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => JSON.parse(e.split('\ndata: ')[1]) as Record<string, unknown>);
}

async function countedStream(over: Partial<SseWriterOptions> = {}): Promise<CountedStream> {
  const h = await harness();
  const client = open(h.url);
  const res = await h.next;
  const writes = countWrites(res);
  return { client, res, writes, writer: new SseWriter(writerOf(res), options(over)) };
}

/** A stream whose first event has reached the client, then a pause: its next event comes well after the last write. */
async function pausedStream(): Promise<CountedStream> {
  const stream = await countedStream();
  stream.writer.write({ type: 'response.created', sequence_number: 0 });
  await until(() => stream.client.body().includes('response.created'));
  await new Promise((r) => setTimeout(r, 10));
  return stream;
}

describe('SSE writer framing and coalescing (L2)', { tags: ['L2'] }, () => {
  test('frames each event as event:/data: and joins same-tick events into one socket write', async () => {
    const { client, writes, writer } = await countedStream();
    writer.write({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1' } });
    writer.write({ type: 'response.in_progress', sequence_number: 1 });
    writer.write({ type: 'response.completed', sequence_number: 2 });
    await new Promise((r) => setImmediate(r));
    expect(writes.count).toBe(1);
    writer.end();
    const text = await client.ended;
    expect(text).toBe(
      'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1"}}\n\n' +
        'event: response.in_progress\ndata: {"type":"response.in_progress","sequence_number":1}\n\n' +
        'event: response.completed\ndata: {"type":"response.completed","sequence_number":2}\n\n',
    );
    expect(writer.events).toBe(3);
  });

  test('flushes early when the coalescing buffer would pass --responses-stream-buffer-max-bytes', async () => {
    const { client, writes, writer } = await countedStream({ bufferMaxBytes: 200 });
    for (let i = 0; i < 10; i++)
      writer.write({ type: 'response.output_text.delta', sequence_number: i, delta: 'x'.repeat(50) });
    // Each event is ~130 bytes: with a 200-byte buffer no write may hold two of them.
    expect(writes.count).toBeGreaterThanOrEqual(9);
    writer.end();
    const text = await client.ended;
    expect(text.match(/^event: /gm)).toHaveLength(10);
  });

  test('after a pause, an event is written when its tick ends, before the event loop moves on', async () => {
    const { client, writes, writer } = await pausedStream();
    const before = writes.count;
    let writtenBeforeNextCallback = false;
    // Queued before the delta: with coalescing until the end of the loop turn it would run first.
    setImmediate(() => (writtenBeforeNextCallback = writes.count > before));
    writer.write({ type: 'response.output_text.delta', sequence_number: 1, delta: 'a' });
    writer.write({ type: 'response.output_text.delta', sequence_number: 2, delta: 'b' });
    await new Promise((r) => setImmediate(r));
    expect(writtenBeforeNextCallback).toBe(true);
    // The events of that tick still leave together.
    expect(writes.count).toBe(before + 1);
    writer.end();
    await client.ended;
  });

  test("a stream's first events are written when their tick ends, before the event loop moves on", async () => {
    const { client, writes, writer } = await countedStream();
    let writtenBeforeNextCallback = false;
    // Queued before the first event: with coalescing until the end of the loop turn it would run first.
    setImmediate(() => (writtenBeforeNextCallback = writes.count > 0));
    writer.write({ type: 'response.created', sequence_number: 0 });
    writer.write({ type: 'response.in_progress', sequence_number: 1 });
    await new Promise((r) => setImmediate(r));
    expect(writtenBeforeNextCallback).toBe(true);
    expect(writes.count).toBe(1);
    writer.end();
    expect(await client.ended).toContain('event: response.in_progress\n');
  });

  test('the first output after the opening events leaves when its tick ends, however soon; a busy stream then waits for the end of the turn', async () => {
    // The clock stands still: every write after the first comes "within the last millisecond".
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { client, writes, writer } = await countedStream();
      writer.write({ type: 'response.created', sequence_number: 0 });
      writer.flushNow();
      expect(writes.count).toBe(1);
      await new Promise((r) => setImmediate(r));
      let secondBeforeNextCallback = false;
      setImmediate(() => (secondBeforeNextCallback = writes.count > 1));
      writer.write({ type: 'response.output_text.delta', sequence_number: 1, delta: 'a' });
      await new Promise((r) => setImmediate(r));
      expect(secondBeforeNextCallback).toBe(true);
      let thirdBeforeNextCallback = true;
      setImmediate(() => (thirdBeforeNextCallback = writes.count > 2));
      writer.write({ type: 'response.output_text.delta', sequence_number: 2, delta: 'b' });
      await new Promise((r) => setImmediate(r));
      expect(thirdBeforeNextCallback).toBe(false);
      expect(writes.count).toBe(3);
      writer.end();
      expect(await client.ended).toMatch(/delta":"a"[\s\S]*delta":"b"/);
    } finally {
      vi.useRealTimers();
    }
  });

  test('flushNow() writes the queued first events at once, in one write; a terminal event still waits', async () => {
    const { client, writes, writer } = await countedStream();
    writer.write({ type: 'response.created', sequence_number: 0 });
    writer.write({ type: 'response.in_progress', sequence_number: 1 });
    writer.flushNow();
    expect(writes.count).toBe(1);
    writer.flushNow();
    expect(writes.count).toBe(1);
    writer.write({ type: 'response.failed', sequence_number: 2 });
    writer.flushNow();
    expect(writes.count).toBe(1);
    // It waits for end(), which the route calls once the response is stored (M6).
    await new Promise((r) => setImmediate(r));
    expect(writes.count).toBe(1);
    expect(client.body()).not.toContain('response.failed');
    writer.end();
    expect(await client.ended).toMatch(/response\.created[\s\S]*response\.in_progress[\s\S]*response\.failed/);
  });

  test('a write hands its bytes to the socket at once, not corked until a later tick', async () => {
    const { client, res, writer } = await countedStream();
    writer.write({ type: 'response.created', sequence_number: 0 });
    writer.write({ type: 'response.in_progress', sequence_number: 1 });
    writer.flushNow();
    // node:http corks the socket for a chunked write and uncorks it on a later tick, after
    // whatever this tick queued before (such as parsing the backend's body); the writer does not wait.
    expect(res.socket?.writableCorked).toBe(0);
    expect(res.socket?.writableLength).toBe(0);
    await until(() => client.body().includes('response.in_progress'));
    writer.end();
    await client.ended;
  });

  test('a terminal event is not written before the end of the loop turn, even after a pause', async () => {
    const { client, writes, writer } = await pausedStream();
    const before = writes.count;
    let writtenBeforeNextCallback = true;
    setImmediate(() => (writtenBeforeNextCallback = writes.count > before));
    writer.write({ type: 'response.output_text.delta', sequence_number: 1, delta: 'a' });
    writer.write({ type: 'response.completed', sequence_number: 2 });
    await new Promise((r) => setImmediate(r));
    expect(writtenBeforeNextCallback).toBe(false);
    writer.end();
    expect(await client.ended).toContain('event: response.completed\n');
  });

  test('events in later ticks are not held back', async () => {
    const { client, writer } = await countedStream();
    writer.write({ type: 'response.created', sequence_number: 0 });
    await until(() => client.body().includes('response.created'));
    writer.write({ type: 'response.in_progress', sequence_number: 1 });
    await until(() => client.body().includes('response.in_progress'));
    writer.end();
    await client.ended;
  });
});

describe('L5 [DONE] sentinel', { tags: ['L5'] }, () => {
  test.each([
    [true, true],
    [false, false],
  ])('doneSentinel=%s writes [DONE]: %s', async (done, expected) => {
    const h = await harness();
    const client = open(h.url);
    const writer = new SseWriter(writerOf(await h.next), options({ doneSentinel: done }));
    writer.write({ type: 'response.completed', sequence_number: 0 });
    writer.end();
    const text = await client.ended;
    expect(text.endsWith('data: [DONE]\n\n')).toBe(expected);
    expect(text.startsWith('event: response.completed\n')).toBe(true);
  });
});

describe('L4 keep-alive', { tags: ['L4'] }, () => {
  test('writes an SSE comment after the ping interval of silence, and stops after end', async () => {
    const h = await harness();
    const client = open(h.url);
    const writer = new SseWriter(writerOf(await h.next), options({ pingIntervalMs: 20 }));
    await until(() => client.body().includes(': keep-alive\n\n'));
    writer.write({ type: 'response.completed', sequence_number: 0 });
    writer.end();
    const text = await client.ended;
    expect(text).toMatch(/^(: keep-alive\n\n)+event: response\.completed\n/);
  });
});

describe('E5 client disconnect', { tags: ['E5'] }, () => {
  test('a client that goes away before the end triggers onDisconnect once', async () => {
    const h = await harness();
    const client = open(h.url);
    let disconnects = 0;
    const writer = new SseWriter(writerOf(await h.next), options({ onDisconnect: () => disconnects++ }));
    writer.write({ type: 'response.created', sequence_number: 0 });
    await until(() => client.body().includes('response.created'));
    client.abort();
    await until(() => disconnects > 0);
    writer.write({ type: 'response.in_progress', sequence_number: 1 });
    writer.end();
    expect(disconnects).toBe(1);
    expect(writer.isEnded).toBe(true);
  });

  test('whenClosed() resolves when the connection is done with the response, cut or ended', async () => {
    const h = await harness();
    const client = open(h.url);
    const writer = new SseWriter(writerOf(await h.next), options());
    writer.write({ type: 'response.created', sequence_number: 0 });
    await until(() => client.body().includes('response.created'));
    let closed = false;
    void writer.whenClosed().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    client.abort();
    await until(() => closed);
    // Asked again once closed: at once.
    await writer.whenClosed();

    const h2 = await harness();
    const client2 = open(h2.url);
    const ended = new SseWriter(writerOf(await h2.next), options());
    const done = ended.whenClosed();
    ended.write({ type: 'response.completed', sequence_number: 0 });
    ended.end();
    await client2.ended;
    await done;
  });

  test('a normal end is not a disconnect', async () => {
    const h = await harness();
    const client = open(h.url);
    let disconnects = 0;
    const writer = new SseWriter(writerOf(await h.next), options({ onDisconnect: () => disconnects++ }));
    writer.write({ type: 'response.completed', sequence_number: 0 });
    writer.end();
    await client.ended;
    expect(disconnects).toBe(0);
  });
});

describe('E4 SSE event size limit', { tags: ['E4'] }, () => {
  test('an event over --responses-sse-event-max-bytes is logged, not dropped', async () => {
    const h = await harness();
    const client = open(h.url);
    const lines: string[] = [];
    const writer = new SseWriter(
      writerOf(await h.next),
      options({ eventMaxBytes: 150, logger: createLogger('warn', (l) => lines.push(l)) }),
    );
    writer.write({ type: 'response.output_text.delta', sequence_number: 0, delta: 'é'.repeat(60) });
    writer.write({ type: 'response.output_text.delta', sequence_number: 1, delta: 'ok' });
    writer.end();
    const text = await client.ended;
    expect(text).toContain('é'.repeat(60));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      eventType: 'response.output_text.delta',
      sequenceNumber: 0,
      limit: 150,
    });
  });
});

describe('SSE event serialization (L2)', { tags: ['L2'] }, () => {
  const delta = (over: Record<string, unknown> = {}): WireEvent => ({
    type: 'response.output_text.delta',
    item_id: 'msg_0123456789abcdef',
    output_index: 0,
    content_index: 1,
    delta: 'Hello',
    logprobs: [],
    sequence_number: 7,
    ...over,
  });

  test.each<[string, WireEvent]>([
    ['a text delta', delta()],
    ['quotes, escapes, control characters and astral text', delta({ delta: 'a "q" \\ \n\t\u0001 é 😀 \ud800' })],
    ['a large sequence number', delta({ sequence_number: 123456789012 })],
    ['token logprobs', delta({ logprobs: [{ token: 'Hello', logprob: -0.5, bytes: [72], top_logprobs: [] }] })],
    ['an extra field', { ...delta(), obfuscation: 'abc' }],
    ['another key order', Object.assign({ sequence_number: 7 }, delta())],
    ['a non-integer index', delta({ output_index: 1.5 })],
    ['negative zero', delta({ content_index: -0 })],
    ['a missing field', (({ logprobs: _omitted, ...rest }) => rest as WireEvent)(delta())],
    [
      'a lifecycle event',
      { type: 'response.created', response: { id: 'resp_1', output: [], usage: null }, sequence_number: 0 },
    ],
    [
      'a terminal event',
      { type: 'response.completed', response: { id: 'resp_1', output: [{ id: 'msg_1' }] }, sequence_number: 9 },
    ],
    ['a lifecycle event in another key order', { type: 'response.created', sequence_number: 0, response: {} }],
    ['a lifecycle event with an extra field', { type: 'response.in_progress', response: {}, sequence_number: 1, x: 1 }],
    ['a response with toJSON', { type: 'response.created', response: { toJSON: () => 'r' }, sequence_number: 0 }],
    ['a response that is not an object', { type: 'response.created', response: 'r', sequence_number: 0 }],
    ['another event', { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { id: 'x' } }],
  ])('%s is written exactly as JSON.stringify writes it', (_name, event) => {
    expect(eventJson(event)).toBe(JSON.stringify(event));
  });

  test('created and in_progress sharing one response object serialize it once, each with its own type and number', () => {
    const response = { id: 'resp_1', status: 'in_progress', output: [], metadata: { a: '"quoted"' } };
    const created: WireEvent = { type: 'response.created', response, sequence_number: 0 };
    const inProgress: WireEvent = { type: 'response.in_progress', response, sequence_number: 1 };
    const expected = [JSON.stringify(created), JSON.stringify(inProgress)];
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      expect([eventJson(created), eventJson(inProgress)]).toEqual(expected);
      expect(stringify.mock.calls.filter(([value]) => value === response)).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
  });
});

describe('M2 M6 a response whose end could not be stored', { tags: ['M2', 'M6'] }, () => {
  /** A stream that sent `response.created`; `ended()` ends it and checks and returns its events. */
  const createdStream = async () => {
    const { client, writer } = await countedStream();
    writer.write({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1', status: 'in_progress' } });
    const ended = async () => {
      writer.end();
      const events = dataOf(await client.ended);
      expect(events.map((e) => [e.type, e.sequence_number])).toEqual([
        ['response.created', 0],
        ['error', 1],
        ['response.failed', 2],
      ]);
      return events;
    };
    return { writer, ended };
  };

  test('its terminal event, held until end(), becomes error and response.failed', async () => {
    const { writer, ended } = await createdStream();
    const final = { id: 'resp_1', status: 'completed', error: null, completed_at: 5, output: [] };
    writer.write({ type: 'response.completed', sequence_number: 1, response: final });
    const full = errors.storageFull('the SQLite database');
    expect(writer.failTerminal(full)).toBe(true);
    expect(writer.events).toBe(3);
    const events = await ended();
    expect(events[1]).toMatchObject({ code: 'storage_full', error: { type: 'server_error', code: 'storage_full' } });
    expect(events[2].response).toEqual({
      ...final,
      status: 'failed',
      completed_at: null,
      error: { code: 'storage_full', message: full.message },
    });
    // Written by end(): nothing to replace any more.
    expect(writer.failTerminal(full)).toBe(false);
  });

  test('a response that failed already keeps its one error and its response.failed', async () => {
    const { writer, ended } = await createdStream();
    const cancelled = { code: 'tool_outputs_timeout', message: 'No tool outputs arrived.' };
    writer.write({ type: 'error', sequence_number: 1, code: cancelled.code, message: cancelled.message });
    const final = { id: 'resp_1', status: 'failed', error: cancelled, completed_at: null, output: [] };
    writer.write({ type: 'response.failed', sequence_number: 2, response: final });
    writer.failTerminal(errors.storeUnavailable('PostgreSQL'));
    const events = await ended();
    expect(events[2].response).toEqual(final);
  });
});
