import { describe, expect, test } from 'vitest';
import type { ModelPart } from '../contract.js';
import { registerBackendContract } from '../contract.case.js';
import { SimulatorServer } from '../simulator/server.js';
import { buildVllmResponsesBody, createVllmResponsesAdapter, ResponsesStreamDecoder } from './index.js';

registerBackendContract(
  'vllm-responses',
  { vllmExtensions: true, streamPath: '/v1/responses' },
  async ({ timeoutSeconds }) => {
    const simulator = new SimulatorServer({ seed: 11 });
    const url = await simulator.listen();
    return {
      adapter: createVllmResponsesAdapter({ baseUrl: `${url}/v1`, timeoutSeconds }),
      simulator,
      close: () => simulator.close(),
    };
  },
);

function decode(events: unknown[], end = false): ModelPart[] {
  const decoder = new ResponsesStreamDecoder('req_1');
  for (const e of events) decoder.feed(JSON.stringify(e));
  if (end) decoder.end();
  return decoder.parts;
}

const completed = (output: unknown[] = [], extra: Record<string, unknown> = {}): unknown => ({
  type: 'response.completed',
  sequence_number: -1,
  response: { status: 'completed', output, usage: { input_tokens: 3, output_tokens: 4 }, ...extra },
});

describe('vllm-responses request body', { tags: ['B3', 'X9'] }, () => {
  test(
    'H1 L8 the history becomes Responses input; vLLM extensions and store: false are sent',
    { tags: ['H1', 'L8'] },
    () => {
      const body = buildVllmResponsesBody({
        model: 'm',
        input: [
          { type: 'message', role: 'system', content: 'be brief' },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image', url: 'data:x' },
            ],
          },
          { type: 'reasoning', text: 'think' },
          { type: 'function_call', callId: 'call_1', name: 't', arguments: '{}' },
          { type: 'function_call_output', callId: 'call_1', output: 'ok' },
        ],
        tools: [{ name: 't', parameters: { type: 'object' } }],
        toolChoice: { name: 't' },
        responseFormat: { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true },
        reasoningEffort: 'xhigh',
        maxOutputTokens: 9,
        logprobs: true,
        topLogprobs: 2,
        cacheSalt: 'tenant',
        priority: -1,
      });
      expect(body).toMatchObject({
        stream: true,
        store: false,
        tool_choice: { type: 'function', name: 't' },
        tools: [{ type: 'function', name: 't', parameters: { type: 'object' } }],
        text: { format: { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true } },
        reasoning: { effort: 'high' },
        max_output_tokens: 9,
        include: ['message.output_text.logprobs'],
        top_logprobs: 2,
        cache_salt: 'tenant',
        priority: -1,
      });
      expect(body.input).toEqual([
        { type: 'message', role: 'system', content: 'be brief' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'hi' },
            { type: 'input_image', image_url: 'data:x', detail: 'auto' },
          ],
        },
        { type: 'reasoning', id: 'rs_2', summary: [], content: [{ type: 'reasoning_text', text: 'think' }] },
        { type: 'function_call', call_id: 'call_1', name: 't', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
      ]);
    },
  );

  test('M2 an image in a tool output is refused with a 400 naming input', { tags: ['M2'] }, () => {
    expect(() =>
      buildVllmResponsesBody({
        model: 'm',
        input: [{ type: 'function_call_output', callId: 'c', output: [{ type: 'image', url: 'data:x' }] }],
      }),
    ).toThrow(expect.objectContaining({ status: 400, code: 'unsupported_backend_input', param: 'input' }));
  });
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
});
