/**
 * A response the client was told is complete is stored first. The final state used to be written
 * on a microtask after the answer (or a large terminal SSE event) had already gone to the socket:
 * the crash test, once it killed the real gateway, found responses answered `completed` that a
 * restart read back as interrupted. Checked here by order, not by timing: every write of a
 * response's end to a socket is logged, and so is every save of its final state.
 */
import { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ResponsesStore } from '../../src-server/store/responses-store.js';
import type { SaveResponseInput } from '../../src-server/store/index.js';
import { postJson, readSse, startGateway, type GatewayHarness } from '../support/gateway-harness.js';

const events: string[] = [];
const originalEnd = ServerResponse.prototype.end;
const originalWrite = ServerResponse.prototype.write;
const originalSave = ResponsesStore.prototype.saveResponse;
const TERMINAL =
  /"type":"response\.(completed|failed|incomplete)"[\s\S]*?"id":"(resp_[^"]+)"|^\{"id":"(resp_[^"]+)"[\s\S]*"status":"(completed|failed|incomplete)"/;

function logSent(chunk: unknown): void {
  if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return;
  const m = TERMINAL.exec(String(chunk));
  if (m) events.push(`sent ${m[2] ?? m[3]}`);
}

let h: GatewayHarness;
beforeAll(async () => {
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    if (typeof args[0] !== 'function') logSent(args[0]);
    return (originalEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof ServerResponse.prototype.end;
  ServerResponse.prototype.write = function (this: ServerResponse, ...args: unknown[]) {
    logSent(args[0]);
    return (originalWrite as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof ServerResponse.prototype.write;
  ResponsesStore.prototype.saveResponse = function (this: ResponsesStore, input: SaveResponseInput) {
    const r = input.response as { id: string; status?: string };
    if (r.status === 'completed' || r.status === 'failed' || r.status === 'incomplete') events.push(`saved ${r.id}`);
    return originalSave.call(this, input);
  };
  h = await startGateway({ logLevel: 'warn' });
});
afterAll(async () => {
  await h.close();
  ServerResponse.prototype.end = originalEnd;
  ServerResponse.prototype.write = originalWrite;
  ResponsesStore.prototype.saveResponse = originalSave;
});

function expectSavedBeforeSent(id: string): void {
  const saved = events.indexOf(`saved ${id}`);
  const sent = events.indexOf(`sent ${id}`);
  expect(saved, `${id} was never saved: ${events.join(', ')}`).toBeGreaterThanOrEqual(0);
  expect(sent, `${id} was never seen leaving: ${events.join(', ')}`).toBeGreaterThanOrEqual(0);
  expect(saved, events.join(', ')).toBeLessThan(sent);
}

describe('M6 a response is stored before the client sees its end', { tags: ['M6', 'X7'] }, () => {
  test('non-streaming: saved, then answered', async () => {
    const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'hello' });
    const body = (await res.json()) as { id: string; status: string };
    expect(body.status).toBe('completed');
    expectSavedBeforeSent(body.id);
  });

  test.each([
    ['a small stream', '8'],
    ['a stream whose terminal event is larger than the write buffer', '6000'],
  ])('%s: saved, then its terminal event sent', async (_name, deltas) => {
    const res = await postJson(
      `${h.url}/v1/responses`,
      { model: 'sim-chat', input: 'hello', stream: true },
      { 'x-simulator-deltas': deltas },
    );
    const s = await readSse(res);
    const last = s.events.at(-1)?.data as { type: string; response: { id: string } };
    expect(last.type).toBe('response.completed');
    if (deltas === '6000') expect(JSON.stringify(last).length).toBeGreaterThan(h.config.streamBufferMaxBytes);
    expectSavedBeforeSent(last.response.id);
  });
});
