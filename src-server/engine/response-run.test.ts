import { silentLogger } from '../logging/logger.js';
import { describe, expect, test, vi } from 'vitest';
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import { framed } from '../backends/part-framing.js';
import { defaultConfig } from '../config/flags.js';
import { errors } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { ResponseRun, RunOptions, WireEvent } from './contract.js';
import { engineMetrics } from './event-emitter.js';
import { startResponseRun } from './response-run.js';
import { ScriptedBackend } from '../../tests/support/scripted-backend.js';
import { responseJson } from '../shared/protocol/response-json.js';

// The real memo, watched: a streamed run serializes its opening snapshot while the backend works.
vi.mock('../shared/protocol/response-json.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../shared/protocol/response-json.js')>();
  return { responseJson: vi.fn(real.responseJson) };
});

/** `base`, answering only once `answer()` is called. */
function answeringLater(base: ScriptedBackend): { adapter: BackendAdapter; answer: () => void } {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const adapter = Object.assign(Object.create(base) as ScriptedBackend, {
    stream: async (...args: Parameters<ScriptedBackend['stream']>) => {
      await answered;
      return base.stream(...args);
    },
  });
  return { adapter, answer };
}

const request = (fields: Partial<CreateResponseRequest> = {}): CreateResponseRequest =>
  ({ model: 'test-model', input: 'hi', ...fields }) as CreateResponseRequest;

function runOptions(controller = new AbortController(), overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    requestId: 'req_1',
    logger: silentLogger,
    dialect: 'openai',
    extensions: false,
    signal: controller.signal,
    config: { ...defaultConfig(), validateStream: 'strict' },
    ...overrides,
  };
}

const TEXT: ModelPart[] = [
  { type: 'text-delta', text: 'Hello' },
  { type: 'finish', reason: 'stop' },
  { type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } },
];

describe('ResponseRun: start', () => {
  test('a tap added right after the await sees every event from response.created (L6)', { tags: ['L6'] }, async () => {
    const run = await startResponseRun(request(), ScriptedBackend.playing(TEXT), runOptions());
    const events: WireEvent[] = [];
    const offsets: number[] = [];
    run.onEvent((event, offsetMs) => {
      events.push(event);
      offsets.push(offsetMs);
    });
    const final = await run.finished;
    expect(events[0]).toMatchObject({ type: 'response.created', sequence_number: 0, response: { id: run.id } });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(run.id).toMatch(/^resp_/);
    expect(final).toMatchObject({ id: run.id, status: 'completed', usage: { total_tokens: 4 } });
    expect(run.snapshot()).toEqual(final);
    expect(offsets.every((o, i) => o >= 0 && (i === 0 || o >= offsets[i - 1]))).toBe(true);
  });

  test('start() begins the events in the caller’s tick, once; without it they begin on the next macrotask', async () => {
    const run = await startResponseRun(request(), ScriptedBackend.playing(TEXT), runOptions());
    const types: string[] = [];
    run.onEvent((event) => types.push(event.type));
    run.start();
    expect(types).toEqual(['response.created', 'response.in_progress']);
    run.start();
    await run.finished;
    expect(types.filter((t) => t === 'response.created')).toHaveLength(1);
    expect(types.at(-1)).toBe('response.completed');

    const later = await startResponseRun(request(), ScriptedBackend.playing(TEXT), runOptions());
    const seen: string[] = [];
    later.onEvent((event) => seen.push(event.type));
    await Promise.resolve();
    expect(seen).toEqual([]);
    await later.finished;
    expect(seen[0]).toBe('response.created');
  });

  test('a streamed run is built, and its opening snapshot serialized, while the backend works on the request', async () => {
    const { adapter, answer } = answeringLater(ScriptedBackend.playing(TEXT));
    vi.mocked(responseJson).mockClear();
    const starting = startResponseRun(request(), adapter, runOptions(undefined, { streamed: true }));
    await new Promise((resolve) => setImmediate(resolve));
    // The backend has not answered yet.
    expect(responseJson).toHaveBeenCalledTimes(1);
    const prepared = vi.mocked(responseJson).mock.calls[0][0];
    answer();
    const run = await starting;
    const events: WireEvent[] = [];
    run.onEvent((event) => events.push(event));
    run.start();
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress']);
    // The events announce the snapshot taken ahead, whose JSON is already made.
    expect(events[0].response).toBe(prepared);
    expect(events[1].response).toBe(prepared);
    expect(prepared).toMatchObject({ id: run.id, status: 'in_progress', output: [] });
    await run.finished;

    // A response answered as JSON only: its opening is never serialized.
    const json = answeringLater(ScriptedBackend.playing(TEXT));
    vi.mocked(responseJson).mockClear();
    const jsonStarting = startResponseRun(request(), json.adapter, runOptions());
    await new Promise((resolve) => setImmediate(resolve));
    json.answer();
    await (
      await jsonStarting
    ).finished;
    expect(responseJson).not.toHaveBeenCalled();
  });

  test('a backend refusing the request after the run was built ahead still fails it with its error', async () => {
    const refusing = answeringLater(
      ScriptedBackend.playing(TEXT, { reject: errors.backendUnreachable('x', 'refused') }),
    );
    vi.mocked(responseJson).mockClear();
    const starting = startResponseRun(request(), refusing.adapter, runOptions(undefined, { streamed: true }));
    await new Promise((resolve) => setImmediate(resolve));
    // The run was built (its opening serialized) before the backend answered.
    expect(responseJson).toHaveBeenCalledTimes(1);
    refusing.answer();
    await expect(starting).rejects.toMatchObject({ code: 'backend_unreachable' });
  });

  test('start() waits for the start gate (a network store’s save) before the first event', async () => {
    let open!: () => void;
    const startGate = new Promise<void>((resolve) => (open = resolve));
    const run = await startResponseRun(request(), ScriptedBackend.playing(TEXT), runOptions(), { startGate });
    const types: string[] = [];
    run.onEvent((event) => types.push(event.type));
    run.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(types).toEqual([]);
    open();
    await run.finished;
    expect(types[0]).toBe('response.created');
    expect(types.filter((t) => t === 'response.created')).toHaveLength(1);
  });

  test('a non-streaming caller just awaits finished (same run, same path)', async () => {
    const adapter = ScriptedBackend.playing(TEXT);
    const run = await startResponseRun(request({ instructions: 'sys', temperature: 0 }), adapter, runOptions());
    const final = await run.finished;
    expect(final.output).toEqual([
      expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: 'Hello' })] }),
    ]);
    expect(adapter.lastRequest).toMatchObject({
      model: 'test-model',
      temperature: 0,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  test('backend headers and priority reach the adapter request', async () => {
    const adapter = ScriptedBackend.playing(TEXT);
    const run = await startResponseRun(
      request(),
      adapter,
      runOptions(undefined, { backendHeaders: { 'x-simulator-latency': '0' }, priority: 2 }),
    );
    await run.finished;
    expect(adapter.lastRequest).toMatchObject({ headers: { 'x-simulator-latency': '0' }, priority: 2 });
  });

  test('pre-stream failures reject with the GatewayError (HTTP answers with a plain error)', async () => {
    const unreachable = errors.backendUnreachable('http://127.0.0.1:1', 'ECONNREFUSED');
    await expect(
      startResponseRun(request(), ScriptedBackend.playing([], { reject: unreachable }), runOptions()),
    ).rejects.toBe(unreachable);
    const notFound = errors.modelNotFound('nope');
    await expect(
      startResponseRun(request(), ScriptedBackend.playing([], { reject: notFound }), runOptions()),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(
      startResponseRun(request({ tools: [{ type: 'web_search' }] }), ScriptedBackend.playing(TEXT), runOptions()),
    ).rejects.toMatchObject({ status: 400, param: 'tools[0].type' });
  });
});

describe('ResponseRun: failures and cancellation', () => {
  test('E1 an iterator that throws mid-stream ends with error then response.failed', { tags: ['E1'] }, async () => {
    const run = await startResponseRun(
      request(),
      ScriptedBackend.playing([{ type: 'text-delta', text: 'Hi' }], { throwAfter: new Error('socket hang up') }),
      runOptions(),
    );
    const types: string[] = [];
    run.onEvent((e) => types.push(e.type));
    const final = await run.finished;
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'backend_protocol_error' } });
  });

  test('C4 an error part fails the response and stops the backend', { tags: ['C4'] }, async () => {
    const adapter = ScriptedBackend.playing(
      [
        { type: 'text-delta', text: 'Hi' },
        { type: 'error', error: errors.backendTimeout(60) },
      ],
      { hang: true },
    );
    const run = await startResponseRun(request(), adapter, runOptions());
    const final = await run.finished;
    expect(final).toMatchObject({ status: 'failed', error: { code: 'backend_timeout' } });
    await expect.poll(() => adapter.lastSignal?.aborted).toBe(true);
  });

  test(
    'E5 cancel(client_disconnected) aborts the backend and ends incomplete with a terminal event',
    { tags: ['E5'] },
    async () => {
      const adapter = ScriptedBackend.playing([{ type: 'text-delta', text: 'partial' }], { hang: true });
      const run = await startResponseRun(request(), adapter, runOptions());
      const events: WireEvent[] = [];
      run.onEvent((e) => {
        events.push(e);
        if (e.type === 'response.output_text.delta') run.cancel('client_disconnected');
      });
      const final = await run.finished;
      expect(adapter.lastSignal?.aborted).toBe(true);
      expect(events.at(-1)).toMatchObject({
        type: 'response.incomplete',
        response: { status: 'incomplete', incomplete_details: { reason: 'client_disconnected' } },
      });
      expect(final.output[0]).toMatchObject({ status: 'incomplete', content: [{ text: 'partial' }] });
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    },
  );

  test(
    'E5 the caller signal aborting (client gone) cancels the run and aborts the backend',
    { tags: ['E5'] },
    async () => {
      const controller = new AbortController();
      const adapter = ScriptedBackend.playing([], { hang: true });
      const run = await startResponseRun(request(), adapter, runOptions(controller));
      const types: string[] = [];
      run.onEvent((e) => {
        types.push(e.type);
        if (e.type === 'response.in_progress') controller.abort();
      });
      const final = await run.finished;
      expect(adapter.lastSignal?.aborted).toBe(true);
      expect(final.status).toBe('incomplete');
      expect(types).toEqual(['response.created', 'response.in_progress', 'response.incomplete']);
    },
  );

  test('cancel(cancelled) marks the response cancelled', async () => {
    const adapter = ScriptedBackend.playing([{ type: 'reasoning-delta', text: 'hmm' }], { hang: true });
    const run = await startResponseRun(request(), adapter, runOptions());
    run.onEvent((e) => {
      if (e.type === 'response.reasoning_text.delta') run.cancel('cancelled');
    });
    const terminal: WireEvent[] = [];
    run.onEvent((e) => {
      if (e.type === 'response.incomplete') terminal.push(e);
    });
    const final = await run.finished;
    expect(adapter.lastSignal?.aborted).toBe(true);
    // The stream stays valid (response.incomplete carries status incomplete); the object says cancelled.
    expect(terminal[0]).toMatchObject({
      response: { status: 'incomplete', incomplete_details: { reason: 'cancelled' } },
    });
    expect(final).toMatchObject({ status: 'cancelled', incomplete_details: { reason: 'cancelled' } });
    expect(run.snapshot().status).toBe('cancelled');
  });
});

describe('L1 every run stream validates', { tags: ['L1'] }, () => {
  test('no stream violation was counted by any run in this file', () => {
    expect(engineMetrics.streamViolations).toBe(0);
  });
});

describe('client flow control (E8)', { tags: ['E8'] }, () => {
  /** Counts how many parts the run has taken from the backend (a framed stream, as adapters give). */
  function countingAdapter(script: ModelPart[]): { adapter: BackendAdapter; taken: () => number } {
    const parts = framed(script);
    let taken = 0;
    const adapter = ScriptedBackend.playing([]);
    adapter.stream = () =>
      Promise.resolve({
        [Symbol.asyncIterator]: () => ({
          next: () =>
            Promise.resolve(
              taken < parts.length ? { done: false, value: parts[taken++] } : { done: true, value: undefined },
            ),
        }),
      } as AsyncIterable<ModelPart>);
    return { adapter, taken: () => taken };
  }

  /** A client the test holds back (`blocked`) and lets go (`open()`), throttling `run`. */
  function heldClient(run: ResponseRun, blocked: boolean): { blocked: boolean; open: () => void } {
    let resolve: () => void = () => undefined;
    const wait = new Promise<void>((r) => (resolve = r));
    const client = {
      blocked,
      open: (): void => {
        client.blocked = false;
        resolve();
      },
    };
    run.throttle({ whenWritable: () => (client.blocked ? wait : undefined) });
    return client;
  }

  test('a blocked flow holds the next backend read until it resolves; nothing is lost', async () => {
    const { adapter, taken } = countingAdapter(TEXT);
    const run = await startResponseRun(request(), adapter, runOptions());
    const client = heldClient(run, true);
    const types: string[] = [];
    run.onEvent((e) => types.push(e.type));
    // The run started (created, in_progress) and then waits: the backend was not read.
    await expect.poll(() => types.length).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken()).toBe(0);
    client.open();
    const final = await run.finished;
    expect(final.status).toBe('completed');
    expect(taken()).toBe(framed(TEXT).length);
    expect(types.at(-1)).toBe('response.completed');
  });

  test('a flow that blocks mid-stream holds the next backend read; nothing is lost', async () => {
    const script: ModelPart[] = [
      ...Array.from({ length: 8 }, (_, i): ModelPart => ({ type: 'text-delta', text: `${i} ` })),
      { type: 'finish', reason: 'stop' },
    ];
    const { adapter, taken } = countingAdapter(script);
    const run = await startResponseRun(request(), adapter, runOptions());
    const client = heldClient(run, false);
    const deltas: string[] = [];
    let takenWhenBlocked = 0;
    run.onEvent((e) => {
      if (e.type !== 'response.output_text.delta') return;
      deltas.push(String(e.delta));
      // The client falls behind after the third delta.
      if (deltas.length === 3) {
        client.blocked = true;
        takenWhenBlocked = taken();
      }
    });
    await expect.poll(() => deltas.length).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing after the part that was being taken is read while the client is behind.
    expect(taken()).toBe(takenWhenBlocked);
    expect(deltas).toHaveLength(3);
    client.open();
    const final = await run.finished;
    expect(final.status).toBe('completed');
    expect(deltas.join('')).toBe('0 1 2 3 4 5 6 7 ');
    expect(taken()).toBe(framed(script).length);
  });

  test('fail() ends a run blocked on its client with error + response.failed', async () => {
    const { adapter, taken } = countingAdapter(TEXT);
    const run = await startResponseRun(request(), adapter, runOptions());
    run.throttle({ whenWritable: () => new Promise<void>(() => undefined) });
    const types: string[] = [];
    run.onEvent((e) => types.push(e.type));
    await expect.poll(() => types.length).toBe(2);
    run.fail(errors.streamBufferExceeded('stream', 1024));
    const final = await run.finished;
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe('stream_buffer_exceeded');
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(taken()).toBe(0);
  });
});
