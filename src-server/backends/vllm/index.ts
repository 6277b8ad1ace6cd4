/**
 * The primary adapter: vLLM's OpenAI-compatible Chat Completions server, extensions included. A
 * variant of chat-completions/: its own request.ts (vLLM's extra fields), the Chat stream decoder
 * (which reads vLLM's `reasoning` / `reasoning_content` deltas), vLLM's `/tokenize` for token counts.
 * simulated.ts points it at the in-process offline vLLM (the `simulator` backend kind).
 */
import { createChatAdapter } from '../chat-completions/index.js';
import type { HttpAdapter, HttpAdapterOptions } from '../http/adapter.js';
import { buildVllmBody } from './request.js';

export function createVllmAdapter(options: HttpAdapterOptions, kind = 'vllm'): HttpAdapter {
  return createChatAdapter(options, { kind, buildBody: buildVllmBody, tokenize: true });
}

export { buildVllmBody };
