import { describe, expect, test } from 'vitest';
import { registerBackendContract } from '../contract.case.js';
import { SimulatorServer } from '../simulator/server.js';
import { createOpenAIChatAdapter } from './index.js';

registerBackendContract('openai-chat', { vllmExtensions: false }, async ({ timeoutSeconds }) => {
  const simulator = new SimulatorServer({ seed: 11 });
  const url = await simulator.listen();
  return {
    adapter: createOpenAIChatAdapter({ baseUrl: url, timeoutSeconds, apiKey: 'sk-test' }),
    simulator,
    close: () => simulator.close(),
  };
});

describe('openai-chat adapter', { tags: ['B3'] }, () => {
  test('has no token counter (no /tokenize on generic servers)', () => {
    expect(createOpenAIChatAdapter({ baseUrl: 'http://127.0.0.1:1', timeoutSeconds: 1 }).countTokens).toBeUndefined();
  });
});
