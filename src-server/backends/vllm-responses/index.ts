/**
 * vLLM's native `/v1/responses`, proxied and repaired (`--backend-kind vllm-responses`): the
 * request goes to vLLM's Responses endpoint (request.ts) and its event stream comes back as the
 * same neutral ModelParts every adapter produces (stream.ts), so ids, indices, the event sequence,
 * dialects, extensions, the store, sessions and recordings are the gateway's own, as on the Chat
 * route. HTTP, timeouts, aborts and error mapping are the URL adapters' shared machinery.
 */
import { ChatCompletionsAdapter, type ChatAdapterOptions } from '../http/adapter.js';
import { buildVllmResponsesBody } from './request.js';
import { ResponsesStreamDecoder } from './stream.js';

export function createVllmResponsesAdapter(options: ChatAdapterOptions): ChatCompletionsAdapter {
  return new ChatCompletionsAdapter(options, {
    kind: 'vllm-responses',
    buildBody: buildVllmResponsesBody,
    // vLLM serves /tokenize beside /v1/responses; it counts chat-shaped messages.
    tokenize: true,
    path: '/v1/responses',
    decoder: (requestId, scrub) => new ResponsesStreamDecoder(requestId, scrub),
  });
}

export { buildVllmResponsesBody, ResponsesStreamDecoder };
