import { describe, expect, test } from 'vitest';
import { GatewayError } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
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

describe('request translation: input items', { tags: ['B3'] }, () => {
  test('the neutral request keeps instructions apart and the items in order, in no wire format', () => {
    const out = toModelRequest(
      req({
        instructions: 'Be brief.',
        tools: [{ type: 'custom', name: 'note' }],
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'look' },
              { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'original' },
            ],
          },
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'plan' }] },
          {
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [
              { type: 'output_text', text: 'ok', annotations: [] },
              { type: 'refusal', refusal: ' no' },
            ],
          },
          { type: 'custom_tool_call', call_id: 'c1', name: 'note', input: 'x' },
          { type: 'custom_tool_call_output', call_id: 'c1', output: 'done' },
          { type: 'reasoning', id: 'rs_2', summary: [] },
        ],
      }),
    );
    expect(out.instructions).toBe('Be brief.');
    expect(out.input).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', url: 'https://example.com/a.png', detail: 'high' },
        ],
      },
      { type: 'reasoning', text: 'plan' },
      {
        type: 'message',
        role: 'assistant',
        content: [
          { type: 'text', text: 'ok' },
          { type: 'refusal', text: ' no' },
        ],
      },
      { type: 'function_call', callId: 'c1', name: 'note', arguments: '{"input":"x"}' },
      { type: 'function_call_output', callId: 'c1', output: 'done' },
    ]);
    expect(toModelRequest(req({ input: 'Hi' }))).toEqual({
      model: 'm',
      input: [{ type: 'message', role: 'user', content: 'Hi' }],
    });
  });

  test.each([
    [
      'an image in a system message',
      { role: 'system', content: [{ type: 'input_image', image_url: 'u' }] },
      'input[0].content[0].type',
    ],
    [
      'a refusal in a user message',
      { role: 'user', content: [{ type: 'refusal', refusal: 'no' }] },
      'input[0].content[0].type',
    ],
    [
      'an image in an assistant message',
      { role: 'assistant', content: [{ type: 'input_image', image_url: 'u' }] },
      'input[0].content[0].type',
    ],
    ['content that is neither a string nor parts', { role: 'developer', content: 7 }, 'input[0].content'],
    [
      'output text in a tool output',
      { type: 'function_call_output', call_id: 'c', output: [{ type: 'output_text', text: 'x' }] },
      'input[0].output[0].type',
    ],
    [
      'a tool output that is neither a string nor parts',
      { type: 'function_call_output', call_id: 'c', output: 7 },
      'input[0].output',
    ],
  ])('each role takes only its content parts: %s is refused at its param', (_name, item, param) => {
    expect(rejection(req({ input: [item] } as unknown as Partial<CreateResponseRequest>)).param).toBe(param);
  });

  test('each role maps the parts it takes: user images, assistant refusals, tool-output images', () => {
    const input = toModelRequest(
      req({
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'a' },
              { type: 'input_image', image_url: 'u', detail: 'low' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'output_text', text: 'b' },
              { type: 'refusal', refusal: 'c' },
            ],
          },
          { type: 'function_call_output', call_id: 'c', output: [{ type: 'input_image', image_url: 'v' }] },
        ],
      } as unknown as Partial<CreateResponseRequest>),
    ).input;
    expect(input[0]).toMatchObject({
      content: [
        { type: 'text', text: 'a' },
        { type: 'image', url: 'u', detail: 'low' },
      ],
    });
    expect(input[1]).toMatchObject({
      content: [
        { type: 'text', text: 'b' },
        { type: 'refusal', text: 'c' },
      ],
    });
    expect(input[2]).toMatchObject({ output: [{ type: 'image', url: 'v' }] });
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
