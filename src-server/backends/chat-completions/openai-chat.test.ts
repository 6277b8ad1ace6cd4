import { describe, expect, test } from 'vitest';
import { registerBackendContract } from '../contract.case.js';
import { SimulatorServer } from '../simulator/server.js';
import { buildOpenAIChatBody, createOpenAIChatAdapter } from './index.js';

registerBackendContract('openai-chat', { vllmExtensions: false }, async ({ timeoutSeconds }) => {
  const simulator = new SimulatorServer({ seed: 11 });
  const url = await simulator.listen();
  return {
    adapter: createOpenAIChatAdapter({ baseUrl: url, timeoutSeconds, apiKey: 'sk-test' }),
    simulator,
    close: () => simulator.close(),
  };
});

describe('openai-chat request body', () => {
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

  test('has no token counter (no /tokenize on generic servers)', () => {
    expect(createOpenAIChatAdapter({ baseUrl: 'http://127.0.0.1:1', timeoutSeconds: 1 }).countTokens).toBeUndefined();
  });
});
