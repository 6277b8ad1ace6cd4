/**
 * The Chat Completions adapter: neutral request → `POST /v1/chat/completions` body (request.ts),
 * its chunks → model parts (stream.ts), over the URL adapters' shared transport (../http/, which
 * also maps error answers). vllm/ and openai-chat/ are its variants: each gives only its own
 * request.ts extras and reuses everything else from here.
 */
import { HttpAdapter, type HttpAdapterOptions } from '../http/adapter.js';
import type { SecretScrubber } from '../http/secret-scrub.js';
import type { ModelRequest } from '../contract.js';
import { tokenizeBody, type ChatCompletionsBody } from './request.js';
import { ChatStreamDecoder } from './stream.js';

export interface ChatVariant {
  kind: string;
  /** The variant's body: baseChatBody plus its extras. */
  buildBody(request: ModelRequest): ChatCompletionsBody;
  /** Whether the server has vLLM's `/tokenize`. */
  tokenize: boolean;
}

export function createChatAdapter(options: HttpAdapterOptions, variant: ChatVariant): HttpAdapter {
  return new HttpAdapter(options, {
    kind: variant.kind,
    path: '/v1/chat/completions',
    buildBody: variant.buildBody,
    decoder: (requestId: string, scrub: SecretScrubber) => new ChatStreamDecoder(requestId, scrub),
    ...(variant.tokenize ? { tokenizeBody } : {}),
  });
}

export { baseChatBody, chatMessages, tokenizeBody, type ChatCompletionsBody, type ChatMessage } from './request.js';
export { ChatStreamDecoder } from './stream.js';
