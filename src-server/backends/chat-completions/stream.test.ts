import { describe, expect, test } from 'vitest';
import type { ModelPart } from '../contract.js';
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
