import { describe, expect, test } from 'vitest';
import { GatewayError } from '../protocol/errors.js';
import type { CreateResponseRequest } from '../protocol/types.js';
import { toModelRequest } from './translate-request.js';

const req = (fields: Partial<CreateResponseRequest>): CreateResponseRequest =>
  ({ model: 'm', ...fields }) as CreateResponseRequest;

/** The GatewayError a translation throws, or fails the test. */
function rejection(request: CreateResponseRequest): GatewayError {
  try {
    toModelRequest(request);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the translation to fail');
}

describe('request translation: messages', () => {
  test('instructions become a leading system message and a string input one user message', () => {
    const out = toModelRequest(req({ instructions: 'Be brief.', input: 'Hi' }));
    expect(out.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(out.model).toBe('m');
  });

  test('message items of every role, with text and image parts', () => {
    const out = toModelRequest(
      req({
        input: [
          { role: 'system', content: [{ type: 'input_text', text: 'sys' }] },
          { type: 'message', role: 'developer', content: 'dev' },
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'look' },
              { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'low' },
              { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
            ],
          },
          { role: 'user', content: [{ type: 'input_text', text: 'only text' }] },
          {
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [
              { type: 'output_text', text: 'a cat', annotations: [] },
              { type: 'refusal', refusal: ' (no more)' },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'developer', content: 'dev' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } },
        ],
      },
      { role: 'user', content: 'only text' },
      { role: 'assistant', content: 'a cat (no more)' },
    ]);
  });

  test('consecutive function_call items merge into one assistant message with the preceding text and reasoning', () => {
    const out = toModelRequest(
      req({
        input: [
          { role: 'user', content: 'weather in Paris and Rome?' },
          { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'two cities' }] },
          { role: 'assistant', content: 'Checking.' },
          { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
          { type: 'function_call_output', call_id: 'call_a', output: 'sunny' },
          {
            type: 'function_call_output',
            call_id: 'call_b',
            output: [
              { type: 'input_text', text: 'rain' },
              { type: 'input_image', image_url: 'https://example.com/r.png' },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'two cities',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
      {
        role: 'tool',
        tool_call_id: 'call_b',
        content: [
          { type: 'text', text: 'rain' },
          { type: 'image_url', image_url: { url: 'https://example.com/r.png' } },
        ],
      },
    ]);
  });

  test('reasoning without content falls back to its summary and attaches to a bare tool-call message', () => {
    const out = toModelRequest(
      req({
        input: [
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'need a tool' }] },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: 'assistant',
        content: null,
        reasoning: 'need a tool',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
    ]);
  });

  test('a function_call_output without its function_call is sent anyway (stateless clients)', () => {
    const out = toModelRequest(req({ input: [{ type: 'function_call_output', call_id: 'call_x', output: '42' }] }));
    expect(out.messages).toEqual([{ role: 'tool', tool_call_id: 'call_x', content: '42' }]);
  });

  test('unsupported content parts and items are rejected with the exact param', () => {
    const file = rejection(
      req({
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'x' },
              { type: 'input_file', file_id: 'file_1' },
            ],
          },
        ],
      }),
    );
    expect(file.code).toBe('unsupported_value');
    expect(file.param).toBe('input[0].content[1].type');
    expect(file.status).toBe(400);

    const byId = rejection(
      req({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1', detail: 'auto' }] }] }),
    );
    expect(byId.param).toBe('input[0].content[0].file_id');

    const item = rejection(
      req({
        input: [
          { role: 'user', content: 'x' },
          { type: 'item_reference', id: 'msg_1' },
        ],
      }),
    );
    expect(item.param).toBe('input[1].type');

    const toolOut = rejection(
      req({ input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_file', file_id: 'f' }] }] }),
    );
    expect(toolOut.param).toBe('input[0].output[0].type');
  });
});

describe('request translation: tools and tool_choice', () => {
  const tools: CreateResponseRequest['tools'] = [
    { type: 'function', name: 'a', description: 'A', parameters: { type: 'object', properties: {} }, strict: true },
    { type: 'function', name: 'b', parameters: null, strict: false },
  ];

  test('function tools become model tools', () => {
    const out = toModelRequest(req({ input: 'x', tools, parallel_tool_calls: false }));
    expect(out.tools).toEqual([
      { name: 'a', description: 'A', parameters: { type: 'object', properties: {} }, strict: true },
      { name: 'b', strict: false },
    ]);
    expect(out.parallelToolCalls).toBe(false);
    expect(out.toolChoice).toBeUndefined();
  });

  test.each(['none', 'auto', 'required'] as const)('tool_choice %s passes through', (choice) => {
    expect(toModelRequest(req({ input: 'x', tools, tool_choice: choice })).toolChoice).toBe(choice);
  });

  test('tool_choice naming a function forces it; an unknown name is a 400', () => {
    expect(toModelRequest(req({ input: 'x', tools, tool_choice: { type: 'function', name: 'b' } })).toolChoice).toEqual(
      { name: 'b' },
    );
    const error = rejection(req({ input: 'x', tools, tool_choice: { type: 'function', name: 'zzz' } }));
    expect(error.param).toBe('tool_choice');
  });

  test('allowed_tools filters the tool list and sets the mode', () => {
    const out = toModelRequest(
      req({
        input: 'x',
        tools,
        tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }] },
      }),
    );
    expect(out.tools?.map((t) => t.name)).toEqual(['b']);
    expect(out.toolChoice).toBe('required');
    const auto = toModelRequest(
      req({
        input: 'x',
        tools,
        tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'a' }] },
      }),
    );
    expect(auto.tools?.map((t) => t.name)).toEqual(['a']);
    expect(auto.toolChoice).toBe('auto');
  });

  test('non-function tools are rejected naming the tool', () => {
    const error = rejection(req({ input: 'x', tools: [...(tools ?? []), { type: 'web_search' }] }));
    expect(error.param).toBe('tools[2].type');
  });
});

describe('request translation: sampling, format and routing fields', () => {
  test('text.format json_schema, json_object and text', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    expect(
      toModelRequest(
        req({
          input: 'x',
          text: { format: { type: 'json_schema', name: 'n', schema, strict: true, description: 'd' } },
        }),
      ).responseFormat,
    ).toEqual({
      type: 'json_schema',
      name: 'n',
      schema,
      strict: true,
      description: 'd',
    });
    expect(toModelRequest(req({ input: 'x', text: { format: { type: 'json_object' } } })).responseFormat).toEqual({
      type: 'json_object',
    });
    expect(toModelRequest(req({ input: 'x', text: { format: { type: 'text' } } })).responseFormat).toEqual({
      type: 'text',
    });
  });

  test('reasoning effort, sampling, limits, logprobs, user and cache key', () => {
    const out = toModelRequest(
      req({
        input: 'x',
        reasoning: { effort: 'low' },
        temperature: 0.2,
        top_p: 0.9,
        max_output_tokens: 64,
        include: ['message.output_text.logprobs'],
        top_logprobs: 3,
        user: 'legacy-user',
        safety_identifier: 'sid',
        prompt_cache_key: 'tenant-1',
      }),
      { headers: { 'x-simulator-fault': 'none' }, priority: 5 },
    );
    expect(out).toMatchObject({
      reasoningEffort: 'low',
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 64,
      logprobs: true,
      topLogprobs: 3,
      user: 'sid',
      cacheSalt: 'tenant-1',
      priority: 5,
      headers: { 'x-simulator-fault': 'none' },
    });
    const plain = toModelRequest(req({ input: 'x', top_logprobs: 3, user: 'u' }));
    expect(plain.logprobs).toBeUndefined();
    expect(plain.topLogprobs).toBeUndefined();
    expect(plain.user).toBe('u');
  });
});
