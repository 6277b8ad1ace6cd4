import { silentLogger } from '../logging/logger.js';
import { describe, expect, test } from 'vitest';
import type { ModelPart } from '../backends/contract.js';
import { errors } from '../shared/protocol/errors.js';
import type { Dialect } from '../shared/protocol/events.js';
import { StreamValidator } from '../shared/protocol/stream-validator.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { ResponseObject, WireEvent } from './contract.js';
import { ResponseEventEmitter } from './event-emitter.js';
import { ResponseBuilder, type BuilderPart, type SummaryOptions } from './response-builder.js';
import { framed } from '../backends/part-framing.js';
import { initialResponse } from './response-object.js';

interface Driven {
  events: WireEvent[];
  types: string[];
  final: ResponseObject | undefined;
  builder: ResponseBuilder;
}

/**
 * Feeds parts, framed as an adapter's reader frames them (backends/part-framing.ts; `raw`: as they
 * are), through a builder and the real emitter in strict validation; every stream must validate.
 */
function drive(
  parts: BuilderPart[],
  options: {
    raw?: boolean;
    dialect?: Dialect;
    logprobs?: boolean;
    request?: Partial<CreateResponseRequest>;
    summaries?: SummaryOptions;
  } = {},
): Driven {
  const dialect = options.dialect ?? 'openai';
  const emitter = new ResponseEventEmitter({
    logger: silentLogger,
    dialect,
    extensions: false,
    validate: 'strict',
    validator: new StreamValidator({ dialect, extensions: false }),
    startedAt: performance.now(),
  });
  const events: WireEvent[] = [];
  emitter.addTap((event) => events.push(event));
  let final: ResponseObject | undefined;
  const request = { model: 'test-model', input: 'hi', ...options.request } as CreateResponseRequest;
  const builder = new ResponseBuilder({
    response: initialResponse(request, 'resp_test', 1_700_000_000),
    emit: (event) => emitter.emit(event),
    logprobs: options.logprobs ?? false,
    onTerminal: (response) => (final = response),
    summaries: options.summaries,
  });
  builder.start();
  const fed = options.raw ? parts : (framed(parts as ModelPart[]) as BuilderPart[]);
  for (const part of fed) builder.push(part);
  builder.end(errors.backendProtocol('The backend stream ended before a finish reason (truncated response).'));
  emitter.finish();
  expect(emitter.strictViolation).toBeNull();
  // L6: from 0, +1 per event of any kind.
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  return { events, types: events.map((e) => e.type), final, builder };
}

const text = (t: string): ModelPart => ({ type: 'text-delta', text: t });
const finish = (reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'abort' = 'stop'): ModelPart => ({
  type: 'finish',
  reason,
});
const usage: ModelPart = {
  type: 'usage',
  usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 },
};

describe('ResponseBuilder: text', () => {
  test('L6 the official sequence for a text answer, with the snapshot and usage', { tags: ['L6'] }, () => {
    const { events, types, final } = drive([text('Hel'), text('lo'), finish('stop'), usage]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const created = events[0].response as ResponseObject;
    expect(created).toMatchObject({ id: 'resp_test', object: 'response', status: 'in_progress', output: [] });
    const added = events[2] as WireEvent & { item: { id: string; content: unknown[] } };
    expect(added.item).toMatchObject({ type: 'message', role: 'assistant', status: 'in_progress', content: [] });
    expect(added.item.id).toMatch(/^msg_/);
    expect(events[3]).toMatchObject({
      item_id: added.item.id,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    expect(events[4]).toMatchObject({
      delta: 'Hel',
      logprobs: [],
      item_id: added.item.id,
      output_index: 0,
      content_index: 0,
    });
    expect(events[6]).toMatchObject({ text: 'Hello' });
    expect(events[8]).toMatchObject({
      item: { status: 'completed', content: [{ type: 'output_text', text: 'Hello' }] },
    });
    expect(final).toMatchObject({ status: 'completed', error: null, incomplete_details: null });
    expect(final?.completed_at).toEqual(expect.any(Number));
    expect(final?.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 2 },
      total_tokens: 15,
    });
    expect(events[events.length - 1].response).toEqual(final);
  });

  test('the Response carries every Open Responses ResponseResource required field, echoing the request', () => {
    const { final } = drive([text('x'), finish()], {
      request: { temperature: 0.3, prompt_cache_key: 'k', metadata: { a: 'b' }, store: false },
    });
    const required = [
      'id',
      'object',
      'created_at',
      'completed_at',
      'status',
      'incomplete_details',
      'model',
      'previous_response_id',
      'instructions',
      'output',
      'error',
      'tools',
      'tool_choice',
      'truncation',
      'parallel_tool_calls',
      'text',
      'top_p',
      'presence_penalty',
      'frequency_penalty',
      'top_logprobs',
      'temperature',
      'reasoning',
      'usage',
      'max_output_tokens',
      'max_tool_calls',
      'store',
      'background',
      'service_tier',
      'metadata',
      'safety_identifier',
      'prompt_cache_key',
    ];
    for (const field of required) expect(final, field).toHaveProperty(field);
    expect(final).not.toHaveProperty('output_text');
    expect(final).toMatchObject({
      temperature: 0.3,
      prompt_cache_key: 'k',
      metadata: { a: 'b' },
      store: false,
      top_p: 1,
      tool_choice: 'auto',
      truncation: 'disabled',
      model: 'test-model',
    });
  });

  test('empty deltas open nothing and emit nothing', () => {
    const { types } = drive([text(''), { type: 'reasoning-delta', text: '' }, text('A'), text(''), finish()]);
    expect(types.filter((t) => t === 'response.output_item.added')).toHaveLength(1);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(1);
  });

  test('a refusal gets its own content part in the same message', () => {
    const { types, final } = drive([text('No.'), { type: 'refusal-delta', text: 'I cannot' }, finish()]);
    expect(types.filter((t) => t.startsWith('response.content_part'))).toEqual([
      'response.content_part.added',
      'response.content_part.done',
      'response.content_part.added',
      'response.content_part.done',
    ]);
    expect(types).toContain('response.refusal.done');
    expect(final?.output).toEqual([
      expect.objectContaining({
        type: 'message',
        content: [
          { type: 'output_text', text: 'No.', annotations: [] },
          { type: 'refusal', refusal: 'I cannot' },
        ],
      }),
    ]);
  });

  test('M4 requested logprobs ride on deltas, done and the part', { tags: ['M4'] }, () => {
    const lp = {
      token: 'Hi',
      logprob: -0.1,
      bytes: null,
      top_logprobs: [{ token: 'Yo', logprob: -2, bytes: [89, 111] }],
    };
    const { events, final } = drive([{ type: 'text-delta', text: 'Hi', logprobs: [lp] }, finish()], { logprobs: true });
    const expected = {
      token: 'Hi',
      logprob: -0.1,
      bytes: [72, 105],
      top_logprobs: [{ token: 'Yo', logprob: -2, bytes: [89, 111] }],
    };
    expect(events.find((e) => e.type === 'response.content_part.added')).toMatchObject({ part: { logprobs: [] } });
    expect(events.find((e) => e.type === 'response.output_text.delta')).toMatchObject({ logprobs: [expected] });
    expect(events.find((e) => e.type === 'response.output_text.done')).toMatchObject({ logprobs: [expected] });
    expect(final?.output[0]).toMatchObject({ content: [{ logprobs: [expected] }] });
  });
});

describe('H2 reasoning then text', { tags: ['H2'] }, () => {
  test('the reasoning item closes before the message opens', () => {
    const { types, events, final } = drive([
      { type: 'reasoning-delta', text: 'Think' },
      { type: 'reasoning-delta', text: 'ing' },
      text('Answer'),
      finish(),
    ]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]).toMatchObject({ output_index: 0, item: { type: 'reasoning', summary: [], content: [] } });
    expect((events[2].item as { id: string }).id).toMatch(/^rs_/);
    expect(events[3]).toMatchObject({ part: { type: 'reasoning_text', text: '' } });
    expect(events[6]).toMatchObject({ text: 'Thinking' });
    expect(events[9]).toMatchObject({ output_index: 1 });
    expect(final?.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
  });

  test('the open-responses dialect renames reasoning_text events, keeping the sequence', () => {
    const { types } = drive([{ type: 'reasoning-delta', text: 'Hmm' }, text('Ok'), finish()], {
      dialect: 'open-responses',
    });
    expect(types).toContain('response.reasoning.delta');
    expect(types).toContain('response.reasoning.done');
    expect(types.some((t) => t.startsWith('response.reasoning_text'))).toBe(false);
  });
});

describe('E3 parallel tool calls', { tags: ['E3'] }, () => {
  test('one function_call item per backend index, fragmented and trailing arguments, closed in output_index order', () => {
    const { events, final, types } = drive([
      text('Let me check.'),
      { type: 'tool-call-start', index: 0, callId: 'call_paris', name: 'weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' },
      { type: 'tool-call-start', index: 1, callId: '', name: 'weather' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":"Rome"}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ty":"Paris"}' },
      finish('tool_calls'),
      usage,
    ]);
    const calls = final?.output.filter((o) => o.type === 'function_call') ?? [];
    expect(calls).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_paris',
        name: 'weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      }),
      expect.objectContaining({
        type: 'function_call',
        name: 'weather',
        arguments: '{"city":"Rome"}',
        status: 'completed',
      }),
    ]);
    const [paris, rome] = calls as { id: string; call_id: string }[];
    expect(paris.id).toMatch(/^fc_/);
    expect(rome.call_id).toMatch(/^call_/);
    // The message closes before the first call opens.
    expect(types.indexOf('response.output_item.done')).toBeLessThan(
      types.indexOf('response.function_call_arguments.delta'),
    );
    const added = events.filter((e) => e.type === 'response.output_item.added').map((e) => e.output_index);
    expect(added).toEqual([0, 1, 2]);
    expect(events.find((e) => e.type === 'response.output_item.added' && e.output_index === 1)).toMatchObject({
      item: { arguments: '', status: 'in_progress' },
    });
    const trailing = events.filter((e) => e.type === 'response.function_call_arguments.delta').at(-1);
    expect(trailing).toMatchObject({ output_index: 1, item_id: paris.id, delta: 'ty":"Paris"}' });
    const done = events.filter((e) => e.type === 'response.function_call_arguments.done');
    expect(done.map((e) => [e.output_index, e.arguments, e.name])).toEqual([
      [1, '{"city":"Paris"}', 'weather'],
      [2, '{"city":"Rome"}', 'weather'],
    ]);
    expect(final?.status).toBe('completed');
  });

  test('E7 invalid JSON arguments are delivered verbatim and flagged', { tags: ['E7'] }, () => {
    const broken = '{"city": "Paris",,';
    const { final, builder, events } = drive([
      { type: 'tool-call-start', index: 0, callId: 'call_bad', name: 'weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: broken },
      finish('tool_calls'),
    ]);
    expect(final?.output[0]).toMatchObject({ arguments: broken, status: 'completed' });
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ arguments: broken });
    expect(builder.invalidArgumentCallIds).toEqual(['call_bad']);
  });
});

describe('finish reasons', () => {
  test.each([
    ['length', 'max_output_tokens'],
    ['content_filter', 'content_filter'],
    ['abort', 'aborted'],
  ] as const)('%s ends incomplete with reason %s', (reason, expected) => {
    const { types, final } = drive([text('partial'), finish(reason)]);
    expect(types.at(-1)).toBe('response.incomplete');
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: expected }, completed_at: null });
    expect(final?.output[0]).toMatchObject({ status: 'incomplete' });
  });
});

describe('C4 E1 failures mid-stream', { tags: ['C4', 'E1'] }, () => {
  test('an error part closes open items, then error (both shapes) and response.failed, sequence continuous', () => {
    const { types, events, final } = drive([
      text('Hal'),
      { type: 'error', error: errors.backendProtocol('bad chunk') },
      text('ignored'),
    ]);
    expect(types.slice(-5)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'error',
      'response.failed',
    ]);
    const error = events.at(-2);
    expect(error).toMatchObject({
      code: 'backend_protocol_error',
      message: 'bad chunk',
      param: null,
      error: { type: 'server_error', code: 'backend_protocol_error', message: 'bad chunk', param: null },
    });
    expect(events.at(-3)).toMatchObject({ item: { status: 'incomplete' } });
    expect(final).toMatchObject({ status: 'failed', error: { code: 'backend_protocol_error', message: 'bad chunk' } });
  });

  test('a stream that ends without a finish reason (truncation) fails', () => {
    const { types, final } = drive([
      { type: 'tool-call-start', index: 0, callId: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":' },
    ]);
    expect(types.slice(-3)).toEqual(['response.output_item.done', 'error', 'response.failed']);
    expect(final?.error?.code).toBe('backend_protocol_error');
    expect(final?.output[0]).toMatchObject({ status: 'incomplete', arguments: '{"a":' });
  });

  test('a stream with nothing at all still validates: created, in_progress, error, failed', () => {
    const { types } = drive([]);
    expect(types).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
  });
});

describe('ResponseBuilder: explicit start and end parts', { tags: ['B1', 'B3'] }, () => {
  const call = (index: number, name: string): ModelPart => ({
    type: 'tool-call-start',
    index,
    callId: `call_${name}`,
    name,
  });
  const args = (index: number, text: string): ModelPart => ({ type: 'tool-call-delta', index, argumentsDelta: text });
  const scripts: Record<string, ModelPart[]> = {
    'reasoning, text, parallel calls': [
      { type: 'reasoning-delta', text: 'think' },
      text('Hi'),
      call(0, 'a'),
      call(1, 'b'),
      args(0, '{}'),
      args(1, '{"x":1}'),
      finish('tool_calls'),
      usage,
    ],
    'text and refusal, then a call, then text again': [
      text('a'),
      { type: 'refusal-delta', text: 'no' },
      call(0, 'f'),
      args(0, '{'),
      text('after'),
      finish('stop'),
    ],
    'cut short by max_output_tokens': [{ type: 'reasoning-delta', text: 'r' }, text('long'), finish('length'), usage],
    'empty deltas open nothing': [text(''), { type: 'reasoning-delta', text: '' }, text('x'), finish('stop')],
    truncated: [text('par')],
  };

  test.each(Object.keys(scripts))('framing a framed stream changes nothing: %s', (name) => {
    const parts = scripts[name];
    const withFrames = framed(parts);
    // Every script opens at least one item, so the framer has boundaries to add.
    expect(withFrames.length).toBeGreaterThan(parts.length);
    expect(framed(withFrames)).toEqual(withFrames);
    // The builder takes the framer's output as it is: a valid stream (drive checks) and no
    // framing failure (the truncated script still fails, for its missing finish).
    expect(drive(withFrames, { raw: true }).final?.error?.message ?? '').not.toMatch(/unframed/);
  });

  test.each([
    ['a text delta with no message open', [text('a')], 'text-delta outside a message'],
    [
      'a refusal delta with no message open',
      [{ type: 'refusal-delta', text: 'no' }],
      'refusal-delta outside a message',
    ],
    [
      'a reasoning delta with no reasoning item open',
      [{ type: 'reasoning-delta', text: 'r' }],
      'reasoning-delta outside a reasoning item',
    ],
    [
      'arguments of a call that was never started',
      [{ type: 'tool-call-delta', index: 3, argumentsDelta: '{}' }],
      'tool-call-delta of call 3, which is not open',
    ],
    [
      'a message started inside another',
      [{ type: 'text-start' }, text('a'), { type: 'text-start' }],
      'text-start while an item is open',
    ],
    [
      'a call started inside a message',
      [{ type: 'text-start' }, text('a'), { type: 'tool-call-start', index: 0, callId: 'call_x', name: 'f' }],
      'tool-call-start while a message or reasoning item is open',
    ],
  ] as [string, ModelPart[], string][])(
    'an unframed stream fails the response, nothing is guessed: %s',
    (_, parts, what) => {
      const { types, final } = drive([...parts, finish('stop')], { raw: true });
      expect(types.slice(-2)).toEqual(['error', 'response.failed']);
      expect(final?.error).toEqual({
        code: 'internal_error',
        message: `The backend stream reached the response unframed (${what}).`,
      });
      // Only items the framing opened were added; none was made up for the stray part.
      expect(final?.output.length).toBe(parts[0].type === 'text-start' ? 1 : 0);
    },
  );

  test('the framer writes the boundaries: starts before the first delta, ends before the next item', () => {
    expect(framed(scripts['text and refusal, then a call, then text again']).map((p) => p.type)).toEqual([
      'text-start',
      'text-delta',
      'refusal-delta',
      'text-end',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-end',
      'text-start',
      'text-delta',
      'finish',
    ]);
    // A framed stream passes through unchanged.
    const once = framed(scripts['reasoning, text, parallel calls']);
    expect(framed(once)).toEqual(once);
  });

  test('boundaries come from the parts: two messages in a row stay two items', () => {
    const { types, final } = drive([
      { type: 'text-start' },
      text('one'),
      { type: 'text-end' },
      { type: 'text-start' },
      text('two'),
      { type: 'text-end' },
      finish('stop'),
    ]);
    expect(types.filter((t) => t === 'response.output_item.done')).toHaveLength(2);
    expect(
      final?.output.map((o) => (o.type === 'message' ? o.content.map((c) => c.type === 'output_text' && c.text) : [])),
    ).toEqual([['one'], ['two']]);
    expect(final?.output.map((o) => (o as { status?: string }).status)).toEqual(['completed', 'completed']);
  });

  test('a tool-call-end closes that call only; the others stay open until finish', () => {
    const { types, final } = drive([
      call(0, 'a'),
      call(1, 'b'),
      args(0, '{}'),
      { type: 'tool-call-end', index: 0 },
      args(1, '{}'),
      finish('length'),
    ]);
    const done = types.map((t, i) => [t, i]).filter(([t]) => t === 'response.function_call_arguments.done');
    expect(done).toHaveLength(2);
    // The first call closed completed before the second's delta; the second closed incomplete at the finish.
    expect(final?.output.map((o) => (o as { status?: string }).status)).toEqual(['completed', 'incomplete']);
  });

  test(
    "H3 summaries are the builder's: extractive text streams with the reasoning, model text arrives as parts",
    { tags: ['H3'] },
    () => {
      const extractive = drive(
        framed([{ type: 'reasoning-delta', text: 'The sky is blue. ' }, text('ok'), finish('stop')]),
        {
          summaries: {
            summarizer: () => ({ push: (delta) => delta.toUpperCase(), finish: () => '!' }),
          },
        },
      );
      const summaryEvents = extractive.types.filter((t) => t.startsWith('response.reasoning_summary'));
      expect(summaryEvents).toEqual([
        'response.reasoning_summary_part.added',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.done',
        'response.reasoning_summary_part.done',
      ]);
      const firstDone = extractive.types.indexOf('response.output_item.done');
      expect(extractive.types.indexOf('response.reasoning_summary_part.done')).toBeLessThan(firstDone);
      expect(extractive.final?.output[0]).toMatchObject({
        summary: [{ type: 'summary_text', text: 'THE SKY IS BLUE. !' }],
      });
      expect(extractive.events[firstDone]).toMatchObject({ item: { summary: [{ text: 'THE SKY IS BLUE. !' }] } });

      const model = drive(
        [
          { type: 'reasoning-start' },
          { type: 'reasoning-delta', text: 'hmm' },
          { type: 'reasoning-summary-delta', text: 'Sum' },
          { type: 'reasoning-summary-delta', text: 'mary' },
          { type: 'reasoning-end' },
          { type: 'reasoning-summary-delta', text: 'late, ignored' },
          finish('stop'),
        ],
        { summaries: { summarizer: null } },
      );
      expect(model.final?.output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Summary' }] });
    },
  );
});
