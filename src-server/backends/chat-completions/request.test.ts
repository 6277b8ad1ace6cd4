import { describe, expect, test } from 'vitest';
import { toModelRequest } from '../../engine/translate-request.js';
import type { CreateResponseRequest } from '../../shared/protocol/types.js';
import { buildOpenAIChatBody, buildVllmBody, chatMessages } from './request.js';

const req = (fields: Partial<CreateResponseRequest>): CreateResponseRequest =>
  ({ model: 'm', ...fields }) as CreateResponseRequest;

/** A Responses request as the engine hands it to the adapter, with the conversation as Chat messages. */
function toChatRequest(request: CreateResponseRequest) {
  const model = toModelRequest(request);
  return { ...model, messages: chatMessages(model) };
}

describe("Chat Completions messages from the engine's request", { tags: ['B3'] }, () => {
  test('instructions become a leading system message and a string input one user message', () => {
    const out = toChatRequest(req({ instructions: 'Be brief.', input: 'Hi' }));
    expect(out.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(out.model).toBe('m');
  });

  test('message items of every role, with text and image parts', () => {
    const out = toChatRequest(
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
    const out = toChatRequest(
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
    const out = toChatRequest(
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
    const out = toChatRequest(req({ input: [{ type: 'function_call_output', call_id: 'call_x', output: '42' }] }));
    expect(out.messages).toEqual([{ role: 'tool', tool_call_id: 'call_x', content: '42' }]);
  });
});

describe('vllm request body', { tags: ['B3'] }, () => {
  test(
    'H1 L8 sends vLLM extensions: cache_salt, priority, max_tokens, reasoning_effort',
    { tags: ['H1', 'L8'] },
    () => {
      const body = buildVllmBody({
        model: 'm',
        input: [
          { type: 'reasoning', text: 'because' },
          { type: 'message', role: 'assistant', content: 'x' },
        ],
        cacheSalt: 'tenant',
        priority: -5,
        maxOutputTokens: 99,
        reasoningEffort: 'xhigh',
        tools: [{ name: 't', parameters: { type: 'object' } }],
        toolChoice: { name: 't' },
        parallelToolCalls: false,
        responseFormat: { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true },
        logprobs: true,
        topLogprobs: 2,
      });
      expect(body).toMatchObject({
        stream: true,
        stream_options: { include_usage: true },
        cache_salt: 'tenant',
        priority: -5,
        max_tokens: 99,
        reasoning_effort: 'high',
        tool_choice: { type: 'function', function: { name: 't' } },
        parallel_tool_calls: false,
        response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' }, strict: true } },
        logprobs: true,
        top_logprobs: 2,
      });
      expect(body.messages[0]).toEqual({ role: 'assistant', content: 'x', reasoning: 'because' });
    },
  );

  test("reasoning effort 'none' turns thinking off through chat_template_kwargs", () => {
    const body = buildVllmBody({ model: 'm', input: [], reasoningEffort: 'none' });
    expect(body.reasoning_effort).toBeUndefined();
    expect(body.chat_template_kwargs).toEqual({ enable_thinking: false });
  });
});

describe('openai-chat request body', { tags: ['B3'] }, () => {
  test('sends only standard parameters', () => {
    const body = buildOpenAIChatBody({
      model: 'm',
      input: [
        { type: 'reasoning', text: 'hidden' },
        { type: 'message', role: 'assistant', content: 'x' },
      ],
      cacheSalt: 'tenant',
      priority: 3,
      maxOutputTokens: 10,
      reasoningEffort: 'low',
      user: 'u1',
    });
    expect(body).not.toHaveProperty('cache_salt');
    expect(body).not.toHaveProperty('priority');
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.max_completion_tokens).toBe(10);
    expect(body.reasoning_effort).toBe('low');
    expect(body.user).toBe('u1');
    expect(body.messages[0]).toEqual({ role: 'assistant', content: 'x' });
  });
});
