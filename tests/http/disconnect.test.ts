import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DisconnectEvent } from '../../src-server/backends/simulator/index.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

describe('E5 client disconnect aborts the backend generation', { tags: ['E5'] }, () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
  });
  afterAll(() => h.close());

  function nextDisconnect(): Promise<DisconnectEvent> {
    const simulator = h.simulator;
    if (!simulator) throw new Error('the harness runs the simulator');
    return new Promise((resolve) => simulator.once('disconnect', resolve));
  }

  test('a streaming client that goes away mid-stream: the simulator sees the upstream request closed', async () => {
    const seen = nextDisconnect();
    // Slow deltas and many of them: the generation is still running when the client leaves.
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hi', stream: true },
      { 'x-simulator-token-ms': '20', 'x-simulator-deltas': '500', 'x-request-id': 'e5-stream' },
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('response.output_text.delta')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const event = await seen;
    expect(event.model).toBe('sim-chat');
    expect(event.deltasSent).toBeLessThan(500);
    await expect
      .poll(() => h.logs.some((l) => l.requestId === 'e5-stream' && l.msg === 'client disconnected'))
      .toBe(true);
  });

  test('a non-streaming client that goes away: the backend is aborted as well', async () => {
    const seen = nextDisconnect();
    const before = h.simulator?.stats.requests ?? 0;
    const controller = new AbortController();
    const pending = fetch(`${h.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-simulator-token-ms': '20', 'x-simulator-deltas': '500' },
      body: JSON.stringify({ model: 'sim-chat', input: 'hi' }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    // The simulator counts the request once it starts streaming deltas to the gateway.
    await expect.poll(() => h.simulator?.stats.requests ?? 0).toBeGreaterThan(before);
    setTimeout(() => controller.abort(), 50);
    await pending;
    const event = await seen;
    expect(event.deltasSent).toBeLessThan(500);
  });

  // Closed, reset, or only its sending side ended (which Node's HTTP server takes for an abort).
  for (const how of ['close', 'reset', 'end'] as const)
    test(`a client that leaves in the middle of its body (${how}): a disconnect, not an error`, async () => {
      const id = `e5-body-${how}`;
      const head = [
        'POST /v1/responses HTTP/1.1',
        'host: 127.0.0.1',
        'content-type: application/json',
        'content-length: 100',
        `x-request-id: ${id}`,
      ].join('\r\n');
      // Parsed by the server: the gateway is handling it (reading the body, or about to).
      const handling = new Promise((resolve) => h.gateway.server.once('request', resolve));
      const socket = net.connect(Number(new URL(h.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`${head}\r\n\r\n{"model":"sim`);
      await handling;
      if (how === 'close') socket.destroy();
      else if (how === 'reset') socket.resetAndDestroy();
      else socket.end();
      await expect
        .poll(() => h.logs.find((l) => l.requestId === id && l.msg === 'client disconnected'))
        .toMatchObject({ level: 'info', during: 'request body' });
      socket.destroy();
      expect(h.logs.filter((l) => l.requestId === id && l.level === 'error')).toEqual([]);
    });

  test('the gateway serves the next request normally', async () => {
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hi' });
    expect(res.status).toBe(200);
  });
});
