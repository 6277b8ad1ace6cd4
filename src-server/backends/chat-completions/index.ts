/**
 * The Chat Completions adapters: neutral request → `POST /v1/chat/completions` body (request.ts),
 * its chunks → model parts (stream.ts), over the URL adapters' shared transport (../http/, which
 * also maps error answers). Two backend kinds speak this wire and differ only in the body:
 *
 * - `vllm` (and the `simulator` kind, ../simulated.ts): vLLM's extensions and its `/tokenize`;
 * - `openai-chat`: any OpenAI-compatible server, standard fields only, no token counting.
 */
import { HttpAdapter, type HttpAdapterOptions } from '../http/adapter.js';
import type { SecretScrubber } from '../http/secret-scrub.js';
import type { ModelRequest } from '../contract.js';
import { buildOpenAIChatBody, buildVllmBody, tokenizeBody, type ChatCompletionsBody } from './request.js';
import { ChatStreamDecoder } from './stream.js';

function chatAdapter(
  options: HttpAdapterOptions,
  kind: string,
  buildBody: (request: ModelRequest) => ChatCompletionsBody,
  tokenize: boolean,
): HttpAdapter {
  return new HttpAdapter(options, {
    kind,
    path: '/v1/chat/completions',
    buildBody,
    decoder: (requestId: string, scrub: SecretScrubber) => new ChatStreamDecoder(requestId, scrub),
    ...(tokenize ? { tokenizeBody } : {}),
  });
}

/** The primary adapter: vLLM's OpenAI-compatible Chat Completions server, extensions included. */
export function createVllmAdapter(options: HttpAdapterOptions, kind = 'vllm'): HttpAdapter {
  return chatAdapter(options, kind, buildVllmBody, true);
}

/** Any OpenAI-compatible Chat Completions server (standard parameters, no /tokenize). */
export function createOpenAIChatAdapter(options: HttpAdapterOptions): HttpAdapter {
  return chatAdapter(options, 'openai-chat', buildOpenAIChatBody, false);
}
