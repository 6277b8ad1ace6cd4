import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/flags.js';
import { registerBackendContract } from './contract.case.js';
import { createBackend } from './index.js';
import { createSimulatorBackend, type SimulatorBackend } from './simulated.js';

registerBackendContract('simulator', { vllmExtensions: true }, async ({ timeoutSeconds }) => {
  const backend = await createSimulatorBackend({ seed: 3, timeoutSeconds });
  return { adapter: backend, simulator: backend.simulator, close: () => backend.close() };
});

describe('createBackend', () => {
  test("'simulator' starts the in-process simulator on a loopback port", async () => {
    const backend = (await createBackend({ ...defaultConfig(), backend: 'simulator' })) as SimulatorBackend;
    try {
      expect(backend.kind).toBe('simulator');
      expect(backend.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await backend.listModels()).length).toBe(3);
    } finally {
      await backend.close();
    }
  });

  test('a URL picks the adapter per backendKind and accepts /v1 or not', async () => {
    const vllm = await createBackend({ ...defaultConfig(), backend: 'http://127.0.0.1:9/v1' });
    const openai = await createBackend({
      ...defaultConfig(),
      backend: 'http://127.0.0.1:9/',
      backendKind: 'openai-chat',
    });
    const native = await createBackend({
      ...defaultConfig(),
      backend: 'http://127.0.0.1:9/v1/',
      backendKind: 'vllm-responses',
    });
    expect([vllm.kind, vllm.baseUrl]).toEqual(['vllm', 'http://127.0.0.1:9']);
    expect([openai.kind, openai.baseUrl]).toEqual(['openai-chat', 'http://127.0.0.1:9']);
    expect([native.kind, native.baseUrl, typeof native.countTokens]).toEqual([
      'vllm-responses',
      'http://127.0.0.1:9',
      'function',
    ]);
    await expect(createBackend({ ...defaultConfig(), backend: 'ftp://x' })).rejects.toThrow(/http/);
  });

  test('a refused connection rejects with 502 backend_unreachable', async () => {
    const backend = await createBackend({ ...defaultConfig(), backend: 'http://127.0.0.1:9' });
    await expect(
      backend.stream(
        { model: 'm', input: [{ type: 'message', role: 'user', content: 'hi' }] },
        { signal: new AbortController().signal, requestId: 'r' },
      ),
    ).rejects.toMatchObject({
      status: 502,
      code: 'backend_unreachable',
    });
  });
});
