import { describe, expect, test } from 'vitest';
import type { ModelPart } from '../contract.js';
import { framed } from '../part-framing.js';
import { ChatStreamDecoder } from './stream.js';

function decode(lines: unknown[], end = true): ModelPart[] {
  const d = new ChatStreamDecoder('req_1');
  for (const l of lines) d.feed(typeof l === 'string' ? l : JSON.stringify(l));
  if (end) d.end();
  return d.parts;
}

const delta = (delta: Record<string, unknown>, finish_reason: string | null = null): unknown => ({
  choices: [{ index: 0, delta, finish_reason }],
});

describe('chat stream decoder', () => {
  test('tool-call fragments that repeat id and name start the call once', () => {
    const fragment = (args: string): unknown =>
      delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: args } }] });
    const parts = decode([fragment(''), fragment('{"x"'), fragment(':1}'), delta({}, 'tool_calls'), '[DONE]']);
    expect(parts).toEqual([
      { type: 'tool-call-start', index: 0, callId: 'call_a', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  test('arguments before the name wait for it; a missing id gets a generated one', () => {
    const parts = decode([
      delta({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      delta({ tool_calls: [{ index: 1, function: { name: 'g' } }] }),
      '[DONE]',
    ]);
    expect(parts).toEqual([
      { type: 'tool-call-start', index: 1, callId: 'call_req_1_1', name: 'g' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test(
    'E3 calls without an index: each new id, new name, or name after other output is a call of its own',
    { tags: ['E3'] },
    () => {
      const call = (fields: Record<string, unknown>): unknown => delta({ tool_calls: [fields] });
      const parts = decode([
        call({ id: 'call_a', function: { name: 'f', arguments: '{"a"' } }),
        call({ function: { arguments: ':1}' } }),
        call({ id: 'call_b', function: { name: 'f', arguments: '{}' } }),
        call({ function: { name: 'g', arguments: '{}' } }),
        delta({ content: 'and then' }),
        call({ function: { name: 'g', arguments: '{"x"' } }),
        call({ function: { arguments: ':2}' } }),
        delta({}, 'tool_calls'),
        '[DONE]',
      ]);
      expect(parts).toEqual([
        { type: 'tool-call-start', index: 0, callId: 'call_a', name: 'f' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a"' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
        { type: 'tool-call-start', index: 1, callId: 'call_b', name: 'f' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
        { type: 'tool-call-start', index: 2, callId: 'call_req_1_2', name: 'g' },
        { type: 'tool-call-delta', index: 2, argumentsDelta: '{}' },
        { type: 'text-delta', text: 'and then' },
        { type: 'tool-call-start', index: 3, callId: 'call_req_1_3', name: 'g' },
        { type: 'tool-call-delta', index: 3, argumentsDelta: '{"x"' },
        { type: 'tool-call-delta', index: 3, argumentsDelta: ':2}' },
        { type: 'finish', reason: 'tool_calls' },
      ]);
    },
  );

  test(
    'E1 arguments for a call after other output followed it: a backend protocol error once framed, nothing dropped silently',
    { tags: ['E1'] },
    () => {
      const parts = framed(
        decode([
          delta({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{"a"' } }] }),
          delta({ content: 'meanwhile' }),
          delta({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
          '[DONE]',
        ]),
      );
      expect(parts.map((p) => p.type)).toEqual([
        'tool-call-start',
        'tool-call-delta',
        'tool-call-end',
        'text-start',
        'text-delta',
        'error',
        'finish',
      ]);
      expect(parts[5]).toMatchObject({
        type: 'error',
        error: {
          code: 'backend_protocol_error',
          message: expect.stringMatching(/more arguments for tool call 0 after other output/),
        },
      });
    },
  );

  test('arguments sent as an object are its JSON text; another choice than the first is not this answer', () => {
    const parts = decode([
      delta({ tool_calls: [{ index: 0, id: 'call_o', function: { name: 'f', arguments: { city: 'Paris' } } }] }),
      { choices: [{ index: 1, delta: { content: 'another choice' } }] },
      '[DONE]',
    ]);
    expect(parts).toEqual([
      { type: 'tool-call-start', index: 0, callId: 'call_o', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('X7 a huge tool-call index is a key, not an array length: decoding stays immediate', { tags: ['X7'] }, () => {
    const parts = decode([
      delta({ tool_calls: [{ index: 1e9, id: 'call_big', function: { name: 'f', arguments: '{}' } }] }),
      delta({ tool_calls: [{ index: -1, id: 'call_neg', function: { name: 'g', arguments: '{}' } }] }),
      delta({ content: 'then text' }),
      '[DONE]',
    ]);
    expect(parts.filter((p) => p.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 1e9, callId: 'call_big', name: 'f' },
      // A negative index is not one: the call is placed by its position, 0.
      { type: 'tool-call-start', index: 0, callId: 'call_neg', name: 'g' },
    ]);
    expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'stop' });
  });

  test('an id that comes before the name is the call id', () => {
    const parts = decode([
      delta({ tool_calls: [{ index: 0, id: 'call_early', function: { arguments: '{}' } }] }),
      delta({ tool_calls: [{ index: 0, function: { name: 'f' } }] }),
      '[DONE]',
    ]);
    expect(parts[0]).toEqual({ type: 'tool-call-start', index: 0, callId: 'call_early', name: 'f' });
  });

  test('finish waits for [DONE] so that it comes after usage; a stream cut after finish_reason is truncated', () => {
    const usage = {
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 1 } },
    };
    expect(decode([delta({ content: 'hi' }, 'stop'), usage, '[DONE]']).map((p) => p.type)).toEqual([
      'text-delta',
      'usage',
      'finish',
    ]);
    const cut = decode([delta({ content: 'hi' }, 'stop')]);
    expect(cut[cut.length - 1]).toMatchObject({ type: 'error', error: { code: 'backend_protocol_error' } });
  });

  test(
    'H2 reasoning and reasoning_content both become reasoning deltas; refusals pass through',
    { tags: ['H2'] },
    () => {
      const parts = decode([
        delta({ reasoning: 'a' }),
        delta({ reasoning_content: 'b' }),
        delta({ refusal: 'no' }),
        '[DONE]',
      ]);
      expect(parts.slice(0, 3)).toEqual([
        { type: 'reasoning-delta', text: 'a' },
        { type: 'reasoning-delta', text: 'b' },
        { type: 'refusal-delta', text: 'no' },
      ]);
    },
  );

  test('E1 error chunks in OpenAI and vLLM shapes end the stream with a mapped error', { tags: ['E1'] }, () => {
    const openai = decode([
      { error: { message: 'overloaded', type: 'server_error', code: 'server_is_overloaded' } },
      delta({ content: 'late' }),
    ]);
    expect(openai).toHaveLength(1);
    expect(openai[0]).toMatchObject({
      type: 'error',
      error: { status: 500, code: 'server_is_overloaded', message: 'overloaded' },
    });
    const vllm = decode([{ object: 'error', message: 'bad', type: 'BadRequestError', param: null, code: 400 }]);
    expect(vllm[0]).toMatchObject({
      type: 'error',
      error: { status: 400, code: 'invalid_request_error', type: 'invalid_request_error' },
    });
  });
});
