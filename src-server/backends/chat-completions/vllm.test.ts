import { describe, expect, test } from 'vitest';
import { registerBackendContract } from '../contract.case.js';
import { SimulatorServer } from '../simulator/server.js';
import { buildVllmBody, createVllmAdapter } from './index.js';

registerBackendContract('vllm', { vllmExtensions: true }, async ({ timeoutSeconds }) => {
  const simulator = new SimulatorServer({ seed: 7 });
  const url = await simulator.listen();
  // Base URL with /v1, as users usually paste it.
  return {
    adapter: createVllmAdapter({ baseUrl: `${url}/v1/`, timeoutSeconds }),
    simulator,
    close: () => simulator.close(),
  };
});

describe('vllm request body', () => {
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
