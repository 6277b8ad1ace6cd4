import { describe, expect, test } from 'vitest';
import type { ModelPart } from '../contract.js';
import { framed } from '../part-framing.js';
import { ResponsesStreamDecoder } from './stream.js';

function decode(events: unknown[], end = false): ModelPart[] {
  const decoder = new ResponsesStreamDecoder('req_1');
  for (const e of events) decoder.feed(JSON.stringify(e));
  if (end) decoder.end();
  return decoder.parts;
}

const completed = (output: unknown = [], extra: Record<string, unknown> = {}): unknown => ({
  type: 'response.completed',
  sequence_number: -1,
  response: { status: 'completed', output, usage: { input_tokens: 3, output_tokens: 4 }, ...extra },
});

describe('vllm-responses stream repair', { tags: ['B3', 'B1', 'X9'] }, () => {
  test('older builds: every output_index 0, sequence_number -1, no added or content_part events', () => {
    const parts = decode([
      { type: 'response.created', sequence_number: -1, response: {} },
      { type: 'response.output_text.delta', sequence_number: -1, output_index: 0, item_id: 'a', delta: 'Hel' },
      { type: 'response.output_text.delta', sequence_number: -1, output_index: 0, item_id: 'a', delta: 'lo' },
      {
        type: 'response.function_call_arguments.delta',
        sequence_number: -1,
        output_index: 0,
        item_id: 'b',
        delta: '{"x"',
      },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'function_call', id: 'b', call_id: 'call_b', name: 'f', arguments: '{"x":1}' },
      },
      completed(),
    ]);
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'tool-call-start', index: 0, callId: 'call_b', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  test('arguments in the added item that the first delta repeats are sent once; otherwise both count', () => {
    const argsOf = (parts: ModelPart[]): string =>
      parts.map((p) => (p.type === 'tool-call-delta' ? p.argumentsDelta : '')).join('');
    const added = {
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'function_call', id: 'f', call_id: 'call_f', name: 'f', arguments: '{"a"' },
    };
    const done = { type: 'response.function_call_arguments.done', item_id: 'f', arguments: '{"a":1}' };
    const repeated = decode([
      added,
      { type: 'response.function_call_arguments.delta', item_id: 'f', delta: '{"a"' },
      { type: 'response.function_call_arguments.delta', item_id: 'f', delta: ':1}' },
      done,
      completed(),
    ]);
    expect(argsOf(repeated)).toBe('{"a":1}');
    const continued = decode([
      added,
      { type: 'response.function_call_arguments.delta', item_id: 'f', delta: ':1}' },
      completed(),
    ]);
    expect(argsOf(continued)).toBe('{"a":1}');
    const onlyAdded = decode([added, done, completed()]);
    expect(argsOf(onlyAdded)).toBe('{"a":1}');
  });

  test('text and tool calls only the final response holds are emitted before usage', () => {
    const parts = decode([
      { type: 'response.output_text.delta', item_id: 'a', delta: 'Par' },
      completed([
        { type: 'message', id: 'msg_x', content: [{ type: 'output_text', text: 'Paris.' }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'g', arguments: '{}' },
      ]),
    ]);
    expect(parts.map((p) => p.type)).toEqual([
      'text-delta',
      'text-delta',
      'tool-call-start',
      'tool-call-delta',
      'usage',
      'finish',
    ]);
    expect(parts[1]).toEqual({ type: 'text-delta', text: 'is.' });
    expect(parts[2]).toEqual({ type: 'tool-call-start', index: 0, callId: 'call_9', name: 'g' });
  });

  test(
    'M2 an error event with an integer code becomes a string-coded error part; no completed is truncation',
    { tags: ['M2', 'E1'] },
    () => {
      const failed = decode([
        { error: { message: 'boom Bearer sk-abcdefghijklmnop1', type: 'InternalServerError', param: null, code: 500 } },
      ]);
      expect(failed).toHaveLength(1);
      const part = failed[0];
      if (part.type !== 'error') throw new Error('expected an error part');
      expect([part.error.status, part.error.code, part.error.type]).toEqual([500, 'server_error', 'server_error']);
      expect(part.error.message).not.toContain('sk-abcdefghijklmnop1');
      const cut = decode([{ type: 'response.output_text.delta', item_id: 'a', delta: 'x' }], true);
      expect(cut.at(-1)).toMatchObject({ type: 'error', error: { code: 'backend_protocol_error' } });
    },
  );

  test('status incomplete finishes with length; logprobs gain bytes', () => {
    const parts = decode([
      {
        type: 'response.output_text.delta',
        item_id: 'a',
        delta: 'é',
        logprobs: [{ token: 'é', logprob: -0.5, top_logprobs: [{ token: 'é', logprob: -0.5 }] }],
      },
      completed([], { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }),
    ]);
    expect(parts[0]).toEqual({
      type: 'text-delta',
      text: 'é',
      logprobs: [
        {
          token: 'é',
          logprob: -0.5,
          bytes: [195, 169],
          top_logprobs: [{ token: 'é', logprob: -0.5, bytes: [195, 169] }],
        },
      ],
    });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  test(
    'E1 the final body completing a call that text has followed: a backend protocol error, not a gateway fault',
    { tags: ['E1'] },
    () => {
      const call = { type: 'function_call', id: 'b', call_id: 'call_b', name: 'f', arguments: '' };
      const parts = framed(
        decode([
          { type: 'response.output_item.added', output_index: 0, item: call },
          { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'b', delta: '{"x"' },
          { type: 'response.output_text.delta', output_index: 1, item_id: 'm', delta: 'and text' },
          completed([{ ...call, arguments: '{"x":1}' }]),
        ]),
      );
      const error = parts.find((p) => p.type === 'error');
      expect(error).toMatchObject({ error: { code: 'backend_protocol_error' } });
      expect(parts.indexOf(error as ModelPart)).toBeLessThan(parts.findIndex((p) => p.type === 'finish'));
    },
  );

  test(
    'E1 a field of the wrong type ends the stream with backend_protocol_error naming it, as on the Chat route',
    { tags: ['E1'] },
    () => {
      const cases: [unknown[], string][] = [
        [[{ type: 'response.output_text.delta', item_id: 'a', delta: 123 }], 'delta'],
        [[{ type: 'response.reasoning_text.delta', item_id: 'a', delta: ['x'] }], 'delta'],
        [[{ type: 'response.refusal.delta', item_id: 'a', delta: {} }], 'delta'],
        [
          [{ type: 'response.output_text.delta', item_id: 'a', delta: 'x', logprobs: [{ token: 5, logprob: 'a' }] }],
          'logprobs',
        ],
        [[{ type: 'response.output_text.delta', item_id: 'a', delta: 'x', logprobs: 'none' }], 'logprobs'],
        [[{ type: 'response.output_text.done', item_id: 'a', text: {} }], 'text'],
        [[{ type: 'response.refusal.done', item_id: 'a', refusal: 1 }], 'refusal'],
        [[{ type: 'response.output_text.delta', item_id: 9, delta: 'x' }], 'item_id'],
        [[{ type: 'response.output_item.added', output_index: 0, item: null }], 'item'],
        [
          [{ type: 'response.output_item.done', item: { type: 'function_call', id: 'b', call_id: 7, name: 'f' } }],
          'item.call_id',
        ],
        [[{ type: 'response.output_item.added', item: { type: 'function_call', id: 'b', name: ['f'] } }], 'item.name'],
        [[{ type: 'response.function_call_arguments.delta', item_id: 'b', delta: 5 }], 'delta'],
        [[{ type: 'response.function_call_arguments.done', item_id: 'b', arguments: true }], 'arguments'],
        [[{ delta: 'no type' }], 'type'],
        [[{ type: 7 }], 'type'],
        [[completed([], { usage: { input_tokens: 1.5, output_tokens: 2 } })], 'response.usage.input_tokens'],
        [[completed([], { usage: { input_tokens: 3, output_tokens: -5 } })], 'response.usage.output_tokens'],
        [[completed([], { usage: 'lots' })], 'response.usage'],
        [[completed('x')], 'response.output'],
        [[completed([null])], 'response.output[]'],
        [[completed([{ type: 'message', content: 'x' }])], 'response.output[].content'],
        [
          [completed([{ type: 'message', content: [{ type: 'output_text', text: 5 }] }])],
          'response.output[].content[].text',
        ],
        [[completed([{ type: 'function_call', name: 'f', arguments: 5 }])], 'response.output[].arguments'],
        [[{ type: 'response.completed', response: 7 }], 'response'],
      ];
      for (const [events, field] of cases) {
        const parts = decode(events);
        expect(parts, JSON.stringify(events)).toHaveLength(1);
        expect(parts[0], JSON.stringify(events)).toMatchObject({
          type: 'error',
          error: { code: 'backend_protocol_error', message: expect.stringContaining(`whose ${field} is not`) },
        });
      }
    },
  );

  test('arguments sent as a JSON object are its JSON text; malformed usage details are left out', () => {
    const parts = decode([
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'function_call', id: 'b', call_id: 'call_b', name: 'f', arguments: { city: 'Paris' } },
      },
      completed([], {
        usage: {
          input_tokens: 3,
          output_tokens: 4,
          input_tokens_details: 'x',
          output_tokens_details: { reasoning_tokens: -1 },
        },
      }),
    ]);
    expect(parts).toEqual([
      { type: 'tool-call-start', index: 0, callId: 'call_b', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  test('a .done event without item_id belongs to the item streaming: its text is not sent twice', () => {
    const textOf = (parts: ModelPart[]): string =>
      parts.map((p) => (p.type === 'text-delta' || p.type === 'reasoning-delta' ? p.text : '|')).join('');
    const noIdOnDone = decode([
      { type: 'response.output_text.delta', item_id: 'a', delta: 'Hel' },
      { type: 'response.output_text.delta', item_id: 'a', delta: 'lo' },
      { type: 'response.output_text.done', text: 'Hello!' },
      completed(),
    ]);
    expect(textOf(noIdOnDone)).toBe('Hello!||');
    const noIdOnDeltas = decode([
      { type: 'response.reasoning_text.delta', delta: 'th' },
      { type: 'response.reasoning_text.delta', delta: 'ink' },
      { type: 'response.reasoning_text.done', item_id: 'r', text: 'think' },
      completed(),
    ]);
    expect(textOf(noIdOnDeltas)).toBe('think||');
  });

  test(
    'E1 arguments for an item id no call has start another call instead of joining the last one',
    { tags: ['E1'] },
    () => {
      const call = { type: 'function_call', id: 'a', call_id: 'call_a', name: 'f', arguments: '' };
      const stray = [
        { type: 'response.output_item.added', output_index: 0, item: call },
        { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'a', delta: '{}' },
        { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'zzz', delta: '{"late":1}' },
      ];
      // Nothing names the second call: a backend protocol error, not arguments added to the first.
      const unnamed = decode([...stray, completed()]);
      expect(unnamed.filter((p) => p.type === 'tool-call-delta')).toEqual([
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      ]);
      expect(unnamed.at(-1)).toMatchObject({ type: 'error', error: { code: 'backend_protocol_error' } });
      // The final body names it.
      const named = decode([
        ...stray,
        completed([
          { ...call, arguments: '{}' },
          { type: 'function_call', call_id: 'call_z', name: 'g', arguments: '{"late":1}' },
        ]),
      ]);
      expect(named.filter((p) => p.type === 'tool-call-start' || p.type === 'tool-call-delta')).toEqual([
        { type: 'tool-call-start', index: 0, callId: 'call_a', name: 'f' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
        { type: 'tool-call-start', index: 1, callId: 'call_req_1_1', name: 'g' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{"late":1}' },
      ]);
      // An arguments .done for a call never announced starts it.
      const doneOnly = decode([
        { type: 'response.function_call_arguments.done', item_id: 'b', name: 'h', arguments: '{"x":1}' },
        completed(),
      ]);
      expect(doneOnly.slice(0, 2)).toEqual([
        { type: 'tool-call-start', index: 0, callId: 'call_req_1_0', name: 'h' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":1}' },
      ]);
    },
  );

  test(
    'E1 an item id used again after its call is done is another call; arguments after a call is done are an error',
    { tags: ['E1'] },
    () => {
      const item = (name: string, args: string): unknown => ({
        type: 'function_call',
        id: 'x',
        call_id: `call_${name}`,
        name,
        arguments: args,
      });
      const reused = decode([
        { type: 'response.output_item.added', output_index: 0, item: item('f', '') },
        { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'x', delta: '{}' },
        { type: 'response.output_item.done', output_index: 0, item: item('f', '{}') },
        { type: 'response.output_item.added', output_index: 1, item: item('g', '') },
        { type: 'response.function_call_arguments.delta', output_index: 1, item_id: 'x', delta: '{"b":1}' },
        { type: 'response.output_item.done', output_index: 1, item: item('g', '{"b":1}') },
        completed(),
      ]);
      expect(reused.filter((p) => p.type === 'tool-call-start' || p.type === 'tool-call-delta')).toEqual([
        { type: 'tool-call-start', index: 0, callId: 'call_f', name: 'f' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
        { type: 'tool-call-start', index: 1, callId: 'call_g', name: 'g' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{"b":1}' },
      ]);
      const late = decode([
        { type: 'response.output_item.added', output_index: 0, item: item('f', '') },
        { type: 'response.output_item.done', output_index: 0, item: item('f', '{}') },
        { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'x', delta: '{"more":1}' },
        completed(),
      ]);
      expect(late.at(-1)).toMatchObject({
        type: 'error',
        error: { code: 'backend_protocol_error', message: expect.stringContaining('after its output_item.done') },
      });
    },
  );

  test('response.incomplete finishes incomplete whatever status its body gives', () => {
    const parts = decode([
      { type: 'response.output_text.delta', item_id: 'a', delta: 'x' },
      { type: 'response.incomplete', response: { status: 'completed', output: [] } },
    ]);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });
});
