/**
 * Backpressure on the WebSocket writer (E8): while the client is behind by more than the bound,
 * the gated backend does not pull its next part; it resumes once the client has read down to
 * half the bound. Driven by a fake socket whose bufferedAmount the test sets — no timing.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { WebSocket } from 'ws';
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import { gated } from './backpressure.js';
import { FrameWriter } from './frame-writer.js';
import { errors } from '../shared/protocol/errors.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  private callbacks: (() => void)[] = [];
  send(text: string, cb: () => void): void {
    this.sent.push(text);
    this.callbacks.push(cb);
  }
  /** The client read everything written so far. */
  drain(to: number): void {
    this.bufferedAmount = to;
    this.callbacks.splice(0).forEach((cb) => cb());
  }
}

function backendOf(parts: ModelPart[], pulled: { n: number }): BackendAdapter {
  return {
    kind: 'fake',
    baseUrl: 'fake://',
    listModels: () => Promise.resolve([]),
    stream: () =>
      Promise.resolve({
        [Symbol.asyncIterator]: () => ({
          next: () => {
            const i = pulled.n++;
            return Promise.resolve(
              i < parts.length ? { done: false, value: parts[i] } : { done: true, value: undefined },
            );
          },
        }),
      }),
  };
}

describe('WebSocket backpressure', { tags: ['E8', 'X2'] }, () => {
  test('the backend is not read while the client is behind the bound', async () => {
    const socket = new FakeSocket();
    const writer = new FrameWriter(socket as unknown as WebSocket, { bufferMaxBytes: 1000 });
    const pulled = { n: 0 };
    const parts: ModelPart[] = [
      { type: 'text-delta', text: 'a' },
      { type: 'text-delta', text: 'b' },
      { type: 'finish', reason: 'stop' },
    ];
    const stream = await gated(backendOf(parts, pulled), writer.ready).stream({} as never, {} as never);
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual(parts[0]);
    expect(pulled.n).toBe(1);

    // The client stops reading: 5000 bytes are waiting in the socket.
    writer.event({ type: 'response.output_text.delta', sequence_number: 0, delta: 'a' });
    socket.bufferedAmount = 5000;
    let resolved = false;
    const next = it.next().then((r) => {
      resolved = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    expect(pulled.n).toBe(1);

    // It reads some, still above half the bound: still paused.
    socket.drain(800);
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);

    // It catches up: the backend is read again.
    writer.event({ type: 'response.output_text.delta', sequence_number: 1, delta: 'b' });
    socket.drain(100);
    expect((await next).value).toEqual(parts[1]);
    expect(pulled.n).toBe(2);
  });

  test('a closed socket releases a paused backend (the run then ends as disconnected)', async () => {
    const socket = new FakeSocket();
    const writer = new FrameWriter(socket as unknown as WebSocket, { bufferMaxBytes: 10 });
    socket.bufferedAmount = 100;
    const waiting = writer.ready();
    socket.readyState = 3;
    socket.emit('close');
    await expect(waiting).resolves.toBeUndefined();
  });

  test('a finished turn stops listening to the connection, which serves many turns', () => {
    const socket = new FakeSocket();
    for (let turn = 0; turn < 50; turn++) {
      const writer = new FrameWriter(socket as unknown as WebSocket, { bufferMaxBytes: 1000 });
      expect(socket.listenerCount('close')).toBe(1);
      writer.finish();
    }
    expect(socket.listenerCount('close')).toBe(0);
  });

  test('terminal events wait for release(): stored before the client sees the end', () => {
    const socket = new FakeSocket();
    const writer = new FrameWriter(socket as unknown as WebSocket, { bufferMaxBytes: 1000 });
    writer.event({ type: 'response.completed', sequence_number: 3, response: {} });
    expect(socket.sent).toEqual([]);
    writer.release();
    expect(socket.sent.map((t) => (JSON.parse(t) as { type: string }).type)).toEqual(['response.completed']);
  });
});

describe('M2 M6 WebSocket: a response whose end could not be stored', { tags: ['M2', 'M6'] }, () => {
  test('its held terminal event is sent as error and response.failed instead', () => {
    const socket = new FakeSocket();
    const writer = new FrameWriter(socket as unknown as WebSocket, { bufferMaxBytes: 1000 });
    const final = { id: 'resp_1', status: 'completed', error: null, completed_at: 5, output: [] };
    writer.event({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1' } });
    writer.event({ type: 'response.completed', sequence_number: 1, response: final });
    expect(socket.sent).toHaveLength(1);
    const full = errors.storageFull('PostgreSQL');
    writer.release(full);
    const frames = socket.sent.map((t) => JSON.parse(t) as Record<string, unknown>);
    expect(frames.map((f) => [f.type, f.sequence_number])).toEqual([
      ['response.created', 0],
      ['error', 1],
      ['response.failed', 2],
    ]);
    expect(frames[1]).toMatchObject({ code: 'storage_full', error: { code: 'storage_full' } });
    expect(frames[2].response).toEqual({
      ...final,
      status: 'failed',
      completed_at: null,
      error: { code: 'storage_full', message: full.message },
    });
  });
});
