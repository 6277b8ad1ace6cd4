import { describe, expect, test } from 'vitest';
import { buildVllmResponsesBody } from './request.js';

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

  test('instructions go as instructions; reasoning and calls keep their input order; an empty assistant message is left out', () => {
    const body = buildVllmResponsesBody({
      model: 'm',
      instructions: 'be brief',
      input: [
        { type: 'message', role: 'user', content: 'hi' },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking' },
            { type: 'refusal', text: '.' },
          ],
        },
        { type: 'reasoning', text: 'one call' },
        { type: 'function_call', callId: 'c', name: 't', arguments: '{}' },
        { type: 'function_call_output', callId: 'c', output: [{ type: 'text', text: 'ok' }] },
        { type: 'message', role: 'assistant', content: '' },
      ],
    });
    expect(body.instructions).toBe('be brief');
    expect(body.input).toEqual([
      { type: 'message', role: 'user', content: 'hi' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
      { type: 'reasoning', id: 'rs_2', summary: [], content: [{ type: 'reasoning_text', text: 'one call' }] },
      { type: 'function_call', call_id: 'c', name: 't', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'ok' },
    ]);
  });
});
