import { describe, expect, test } from 'vitest';
import { toModelRequest } from '../../engine/translate-request.js';
import type { CreateResponseRequest } from '../../protocol/types.js';
import { chatMessages } from './request.js';

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
