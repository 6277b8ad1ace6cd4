/**
 * E8 end to end: a client that stops reading holds the gateway's read of the backend, so the
 * simulator's own socket fills and its generation pauses; the gateway keeps only a bounded amount
 * unsent; reading again completes the stream without a lost event; and a stream whose client
 * leaves more than the bounds unsent ends with a clear `stream_buffer_exceeded` error.
 *
 * The client is a plain node:http request whose body is not read (a paused socket reader), and
 * every wait is on state observed from the simulator or the gateway, never on time.
 */
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import type { SimulatorStream } from '../../src-server/backends/simulator/index.js';
import type { GatewayConfig } from '../../src-server/config/flags.js';
import {
  readSse,
  startGateway,
  streamViolations,
  type GatewayHarness,
  type SseStream,
} from '../support/gateway-harness.js';

const harnesses: GatewayHarness[] = [];
const open: IncomingMessage[] = [];
afterEach(async () => {
  for (const res of open.splice(0)) res.destroy();
  for (const h of harnesses.splice(0)) await h.close();
});

async function gateway(overrides: Partial<GatewayConfig> = {}): Promise<GatewayHarness> {
  const h = await startGateway(overrides);
  harnesses.push(h);
  return h;
}

/** Starts a streaming request and returns its response without reading the body (paused). */
function postPaused(url: string, body: unknown, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      open.push(res);
      resolve(res);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Reads the rest of a paused body as SSE (the reader resumes the socket). */
function readAll(res: IncomingMessage): Promise<SseStream> {
  return readSse(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>));
}

/** One gauge of the gateway's Prometheus endpoint. */
async function gauge(h: GatewayHarness, name: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.split(' ')[1]);
}

function onlyStream(h: GatewayHarness): SimulatorStream | undefined {
  const streams = [...(h.simulator?.streams ?? [])];
  return streams.length === 1 ? streams[0] : undefined;
}

/**
 * About 14 MB of SSE: more than the loopback sockets' kernel buffers take (measured here: up to
 * about 9.5 MB between the gateway and a client that does not read), so every stream below
 * reaches the gateway's own buffer, and the backend is still generating when it does.
 */
const DELTAS = 60_000;

describe('E8 backpressure from a slow client to the backend', { tags: ['E8', 'E5', 'L6'], timeout: 240_000 }, () => {
  test('a paused client pauses the simulator, the gateway holds a bounded amount, and reading again completes losslessly', async () => {
    const h = await gateway();
    const res = await postPaused(
      h.url,
      { model: 'sim-chat', input: 'hi', stream: true },
      { 'x-simulator-deltas': String(DELTAS), 'x-request-id': 'e8-paused' },
    );
    expect(res.statusCode).toBe(200);

    // The simulator's socket is full: its writer waits for 'drain' with the generation unfinished.
    // A gateway busy under load can leave the simulator waiting for a moment while it still reads
    // (seen at the first few MB); the paused state is the one where the gateway itself waits for
    // its client, i.e. holds at least the high-water mark unsent.
    await expect
      .poll(
        async () =>
          (onlyStream(h)?.waitingForDrain ?? false) &&
          (await gauge(h, 'responses_gateway_stream_unsent_bytes')) >= h.config.streamHighWaterBytes,
        { timeout: 120_000, interval: 50 },
      )
      .toBe(true);
    const upstream = onlyStream(h) as SimulatorStream;
    expect(upstream.deltasSent).toBeLessThan(DELTAS);
    expect(upstream.unsentBytes).toBeGreaterThan(0);
    expect(h.simulator?.stats.completed).toBe(0);

    // What the gateway holds unsent for this client stays near the high-water mark.
    const unsent = await gauge(h, 'responses_gateway_stream_unsent_bytes');
    expect(unsent).toBeGreaterThan(0);
    expect(unsent).toBeLessThan(h.config.streamHighWaterBytes + 256 * 1024);

    // Reading again resumes everything: every delta arrives, in order, under a valid sequence.
    const stream = await readAll(res);
    expect(streamViolations(stream, 'openai')).toEqual([]);
    const types = stream.events.map((e) => (e.data as { type: string }).type);
    expect(types.at(-1)).toBe('response.completed');
    const deltas = stream.events.filter((e) => e.event === 'response.output_text.delta');
    const text = deltas.map((e) => (e.data as { delta: string }).delta).join('');
    const completed = stream.events.at(-1)?.data as {
      response: { status: string; output: { content: { text: string }[] }[] };
    };
    expect(completed.response.status).toBe('completed');
    expect(text).toBe(completed.response.output[0].content[0].text);
    const seqs = stream.events.map((e) => (e.data as { sequence_number: number }).sequence_number);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(h.simulator?.stats.completed).toBe(1);
    expect(h.simulator?.stats.drainWaits).toBeGreaterThan(0);
    await expect.poll(() => gauge(h, 'responses_gateway_stream_unsent_bytes'), { timeout: 120_000 }).toBe(0);
  });

  test('past --responses-stream-max-buffered-bytes the response ends with stream_buffer_exceeded and response.failed', async () => {
    // A high-water mark above the bound: the gateway keeps writing, so the bound is what stops it.
    const h = await gateway({ streamHighWaterBytes: 1 << 30, streamMaxBufferedBytes: 256 * 1024 });
    const res = await postPaused(
      h.url,
      { model: 'sim-chat', input: 'hi', stream: true },
      { 'x-simulator-deltas': String(DELTAS), 'x-request-id': 'e8-bound' },
    );
    // The run fails while the client still reads nothing.
    await expect
      .poll(
        () => h.logs.some((l) => l.requestId === 'e8-bound' && l.msg === 'stream buffer exceeded; the response ends'),
        { timeout: 120_000 },
      )
      .toBe(true);
    const stream = await readAll(res);
    expect(streamViolations(stream, 'openai')).toEqual([]);
    const last = stream.events.slice(-2).map((e) => e.data as Record<string, unknown>);
    expect(last[0]).toMatchObject({ type: 'error', code: 'stream_buffer_exceeded' });
    expect(String(last[0].message)).toContain('--responses-stream-max-buffered-bytes');
    expect(last[1]).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'stream_buffer_exceeded' } },
    });
    await expect.poll(() => gauge(h, 'responses_gateway_stream_unsent_bytes'), { timeout: 120_000 }).toBe(0);
  });

  test('past --responses-stream-max-buffered-total-bytes the stream that goes over ends, naming the gateway-wide bound', async () => {
    const h = await gateway({
      streamHighWaterBytes: 1 << 30,
      streamMaxBufferedBytes: 1 << 30,
      streamMaxBufferedTotalBytes: 512 * 1024,
    });
    const res = await postPaused(
      h.url,
      { model: 'sim-chat', input: 'hi', stream: true },
      { 'x-simulator-deltas': String(DELTAS), 'x-request-id': 'e8-total' },
    );
    const stream = await (async () => {
      await expect
        .poll(() => h.logs.some((l) => l.requestId === 'e8-total' && l.code === 'stream_buffer_exceeded'), {
          timeout: 120_000,
        })
        .toBe(true);
      return readAll(res);
    })();
    const error = stream.events.find((e) => e.event === 'error')?.data as Record<string, unknown>;
    expect(error).toMatchObject({ code: 'stream_buffer_exceeded' });
    expect(String(error.message)).toContain('--responses-stream-max-buffered-total-bytes');
    expect((stream.events.at(-1)?.data as { type: string }).type).toBe('response.failed');
    await expect.poll(() => gauge(h, 'responses_gateway_stream_unsent_bytes'), { timeout: 120_000 }).toBe(0);
  });
});

describe(
  'E8 background runs keep running for a paused follower',
  { tags: ['E8', 'L6', 'B2'], timeout: 240_000 },
  () => {
    test('the run completes while its streaming client reads nothing; the client then reads every event', async () => {
      const h = await gateway({ backgroundBufferMaxBytes: 64 * 1024 * 1024 });
      const res = await postPaused(
        h.url,
        { model: 'sim-chat', input: 'hi', stream: true, background: true },
        { 'x-simulator-deltas': '20000' },
      );
      expect(res.statusCode).toBe(200);
      // Not throttled by its client: the backend finishes the whole generation.
      await expect.poll(() => h.simulator?.stats.completed ?? 0, { timeout: 120_000 }).toBe(1);
      const stream = await readAll(res);
      expect(streamViolations(stream, 'openai')).toEqual([]);
      const seqs = stream.events.map((e) => (e.data as { sequence_number: number }).sequence_number);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(stream.events.filter((e) => e.event === 'response.output_text.delta')).toHaveLength(20_000);
      expect((stream.events.at(-1)?.data as { type: string }).type).toBe('response.completed');
    });

    test('a follower that falls behind the replay buffer ends with stream_buffer_exceeded; the run completes', async () => {
      const h = await gateway({ backgroundBufferMaxBytes: 256 * 1024 });
      const res = await postPaused(
        h.url,
        { model: 'sim-chat', input: 'hi', stream: true, background: true },
        { 'x-simulator-deltas': String(DELTAS) },
      );
      await expect.poll(() => h.simulator?.stats.completed ?? 0, { timeout: 120_000 }).toBe(1);
      await expect.poll(() => gauge(h, 'responses_gateway_background_runs'), { timeout: 120_000 }).toBe(0);
      const stream = await readAll(res);
      const id = (stream.events[0].data as { response: { id: string } }).response.id;
      const stored = (await (await fetch(`${h.url}/v1/responses/${id}`)).json()) as { status: string };
      expect(stored.status).toBe('completed');
      const last = stream.events.at(-1)?.data as Record<string, unknown>;
      expect(last).toMatchObject({ type: 'error', code: 'stream_buffer_exceeded' });
      expect(String(last.message)).toContain('--responses-background-buffer-max-bytes');
    });
  },
);
