/**
 * The portable backend contract against a live server, for users checking their own vLLM:
 *
 *   BACKEND_URL=http://127.0.0.1:8000 BACKEND_KIND=vllm-responses BACKEND_MODEL=Qwen/Qwen3-8B \
 *     npx vitest run src-server/backends/live.test.ts
 *
 * BACKEND_KIND is `vllm` (default), `vllm-responses` or `openai-chat`; BACKEND_API_KEY is sent as
 * the bearer token. Without BACKEND_URL the suite is skipped. Structured output and named tool
 * choice need a server with guided decoding and a tool parser (`--enable-auto-tool-choice
 * --tool-call-parser …`), as docs/running.md says.
 */
import { describe, test } from 'vitest';
import { registerPortableContract } from './contract.case.js';
import { createBackend } from './index.js';
import { defaultConfig, type GatewayConfig } from '../config/flags.js';

const url = process.env.BACKEND_URL;

if (url) {
  const kind = process.env.BACKEND_KIND ?? 'vllm';
  const model = process.env.BACKEND_MODEL;
  if (!model) throw new Error('BACKEND_MODEL must name a model the server at BACKEND_URL serves.');
  registerPortableContract(`${kind} at ${url}`, async ({ timeoutSeconds }) => {
    const adapter = await createBackend({
      ...defaultConfig(),
      backend: url,
      backendKind: kind as GatewayConfig['backendKind'],
      backendApiKey: process.env.BACKEND_API_KEY,
      backendTimeoutSeconds: timeoutSeconds,
    });
    return { adapter, model, close: async () => adapter.close?.() };
  });
} else {
  describe('backend contract against a live server', { tags: ['B3'] }, () => {
    test.skip('set BACKEND_URL, BACKEND_KIND and BACKEND_MODEL to run it (docs/running.md)', () => undefined);
  });
}
