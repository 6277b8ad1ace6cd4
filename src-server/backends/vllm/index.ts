/** The primary adapter: vLLM's OpenAI-compatible Chat Completions server, extensions included. */
import { ChatCompletionsAdapter, type ChatAdapterOptions } from '../http/adapter.js';
import { buildVllmBody } from './request.js';

export function createVllmAdapter(options: ChatAdapterOptions, kind = 'vllm'): ChatCompletionsAdapter {
  return new ChatCompletionsAdapter(options, { kind, buildBody: buildVllmBody, tokenize: true });
}

export { buildVllmBody };
