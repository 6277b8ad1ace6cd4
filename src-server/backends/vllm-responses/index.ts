/**
 * vLLM's native `/v1/responses`, proxied and repaired (`--backend-kind vllm-responses`): the
 * neutral request becomes vLLM's Responses body (request.ts) and its event stream comes back as the
 * same neutral ModelParts every adapter produces (stream.ts), so ids, indices, the event sequence,
 * dialects, extensions, the store, sessions and recordings are the gateway's own, as on the Chat
 * route. HTTP, timeouts, aborts and error answers are the URL adapters' shared transport (../http/).
 */
import { tokenizeBody } from '../chat-completions/request.js';
import { HttpAdapter, type HttpAdapterOptions } from '../http/adapter.js';
import type { SecretScrubber } from '../http/secret-scrub.js';
import { buildVllmResponsesBody } from './request.js';
import { ResponsesStreamDecoder } from './stream.js';

export function createVllmResponsesAdapter(options: HttpAdapterOptions): HttpAdapter {
  return new HttpAdapter(options, {
    kind: 'vllm-responses',
    path: '/v1/responses',
    buildBody: buildVllmResponsesBody,
    decoder: (requestId: string, scrub: SecretScrubber) => new ResponsesStreamDecoder(requestId, scrub),
    // vLLM serves /tokenize beside /v1/responses; it counts what the chat template renders.
    tokenizeBody,
  });
}
