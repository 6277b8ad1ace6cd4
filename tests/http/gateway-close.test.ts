import { describe, expect, test } from 'vitest';
import { postJson, readSse, startGateway, streamViolations } from '../support/gateway-harness.js';

describe('Gateway.close()', () => {
  test('ends an open stream with its terminal event, then stops accepting connections', async () => {
    const h = await startGateway({ logLevel: 'silent' });
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hi', stream: true },
      { 'x-simulator-token-ms': '20', 'x-simulator-deltas': '500' },
    );
    const reading = readSse(res);
    // The generation is running once the simulator has the upstream request.
    await expect.poll(() => h.simulator?.stats.requests ?? 0).toBeGreaterThan(0);
    await h.close();
    const stream = await reading;
    const types = stream.events.map((e) => (e.data as { type: string }).type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.incomplete');
    expect(streamViolations(stream, 'openai')).toEqual([]);
    const last = stream.events.at(-1)?.data as { response: { incomplete_details: { reason: string } } };
    expect(last.response.incomplete_details.reason).toBe('cancelled');
    expect(types.filter((t) => t.startsWith('response.output_text.delta')).length).toBeLessThan(500);
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
  });

  test('close() is idempotent', async () => {
    const h = await startGateway({ logLevel: 'silent' });
    await Promise.all([h.close(), h.close()]);
    await h.close();
  });
});
