import { afterEach, describe, expect, test, vi } from 'vitest';
import { StreamValidator } from '../shared/protocol/stream-validator.js';
import type { WireEvent } from './contract.js';
import { engineMetrics, ResponseEventEmitter, type EmitterOptions } from './event-emitter.js';
import type { EventStage, ResponseEvent } from './events.js';
import { createLogger } from '../logging/logger.js';

/** The emitter as these tests drive it: with hand-written events that are not all complete. */
type LooseEmitter = Omit<ResponseEventEmitter, 'emit'> & { emit(event: object): void };

/** An extension stage made of a function that returns the extension events to add after an event. */
const stageOf =
  (extra: (event: { type: string }) => object[]): EventStage =>
  (event) => {
    const more = extra(event);
    return more.length === 0 ? event : [event, ...(more as ResponseEvent[])];
  };

/** Log lines the emitter wrote, parsed. */
let lines: Record<string, unknown>[] = [];

function emitter(overrides: Partial<EmitterOptions> = {}): { emitter: LooseEmitter; events: WireEvent[] } {
  lines = [];
  const e = new ResponseEventEmitter({
    logger: createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>), {
      requestId: 'req_e',
    }),
    dialect: 'openai',
    extensions: false,
    validate: 'off',
    startedAt: performance.now(),
    ...overrides,
  });
  const events: WireEvent[] = [];
  e.addTap((event) => events.push(event));
  return { emitter: e as unknown as LooseEmitter, events };
}

const created = { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('L6 ResponseEventEmitter numbering and dialect', { tags: ['L6'] }, () => {
  test('sequence numbers from 0, +1 per event, with the dialect applied', () => {
    const { emitter: e, events } = emitter({ dialect: 'open-responses' });
    e.emit({ ...created });
    e.emit({ type: 'response.reasoning_text.delta', item_id: 'rs_1', output_index: 0, content_index: 0, delta: 'x' });
    e.emit({ type: 'response.reasoning_text.done', item_id: 'rs_1', output_index: 0, content_index: 0, text: 'x' });
    expect(events.map((ev) => [ev.sequence_number, ev.type])).toEqual([
      [0, 'response.created'],
      [1, 'response.reasoning.delta'],
      [2, 'response.reasoning.done'],
    ]);
    expect(e.emitted).toBe(3);
  });

  test(
    'C2 hook: extension events slot in with the next sequence number, only when extensions are on',
    { tags: ['C2'] },
    () => {
      const hook = (ev: { type: string }) =>
        ev.type === 'response.function_call_arguments.delta' ? [{ type: 'response.tool_call.delta' }] : [];
      const on = emitter({ extensions: true, extensionStages: [stageOf(hook)] });
      on.emitter.emit({ ...created });
      on.emitter.emit({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{' });
      on.emitter.emit({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '}' });
      expect(on.events.map((ev) => `${ev.sequence_number}:${ev.type}`)).toEqual([
        '0:response.created',
        '1:response.function_call_arguments.delta',
        '2:response.tool_call.delta',
        '3:response.function_call_arguments.delta',
        '4:response.tool_call.delta',
      ]);
      const off = emitter({ extensions: false, extensionStages: [stageOf(hook)] });
      off.emitter.emit({ ...created });
      off.emitter.emit({
        type: 'response.function_call_arguments.delta',
        item_id: 'fc_1',
        output_index: 0,
        delta: '{',
      });
      expect(off.events.map((ev) => ev.type)).toEqual(['response.created', 'response.function_call_arguments.delta']);
    },
  );

  test('a throwing tap does not keep the event from the other taps; the failure is logged', () => {
    const { emitter: e, events } = emitter();
    e.addTap(() => {
      throw new Error('store down');
    });
    const later: string[] = [];
    e.addTap((ev) => later.push(ev.type));
    e.emit({ ...created });
    expect(events).toHaveLength(1);
    expect(later).toEqual(['response.created']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'event tap failed',
        requestId: 'req_e',
        eventType: 'response.created',
      }),
    ]);
  });
});

describe('L1 stream validation modes', { tags: ['L1'] }, () => {
  test("'log' counts a violation and logs it at warn with its rule id, without failing", () => {
    const before = engineMetrics.streamViolations;
    const { emitter: e } = emitter({ validate: 'log', validator: new StreamValidator() });
    e.emit({
      type: 'response.output_text.delta',
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: 'x',
      logprobs: [],
    });
    expect(engineMetrics.streamViolations).toBeGreaterThan(before);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'stream violation',
        rule: 'lifecycle.first',
        requestId: 'req_e',
        eventType: 'response.output_text.delta',
      }),
    );
    expect(e.strictViolation).toBeNull();
  });

  test("'strict' records the first violation for the run to fail on", () => {
    const { emitter: e } = emitter({ validate: 'strict', validator: new StreamValidator() });
    e.emit({ ...created });
    e.emit({
      type: 'response.output_item.added',
      output_index: 5,
      item: { type: 'message', id: 'msg_1', content: [], role: 'assistant', status: 'in_progress' },
    });
    expect(e.strictViolation?.rule).toBe('lifecycle.order');
  });

  test("'off' checks nothing", () => {
    const before = engineMetrics.streamViolations;
    const { emitter: e } = emitter({ validate: 'off', validator: new StreamValidator() });
    e.emit({ type: 'response.output_text.delta', delta: 'x' });
    e.finish();
    expect(engineMetrics.streamViolations).toBe(before);
  });
});
