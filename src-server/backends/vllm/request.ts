/**
 * vLLM's Chat Completions body: the standard fields plus vLLM's extensions — `cache_salt`
 * (prefix-cache isolation, H1), `priority` (L8), `reasoning_effort` and
 * `chat_template_kwargs.enable_thinking` (thinking on/off for templates that read it).
 */
import type { ModelRequest } from '../contract.js';
import { baseChatBody, type ChatCompletionsBody } from '../chat-completions/request.js';

/** vLLM validates `reasoning_effort` against low|medium|high. */
const VLLM_EFFORT = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' } as const;

export function buildVllmBody(request: ModelRequest): ChatCompletionsBody {
  const body = baseChatBody(request);
  // vLLM takes max_tokens on every version; max_completion_tokens only on newer ones.
  if (request.maxOutputTokens !== undefined) body.max_tokens = request.maxOutputTokens;
  if (request.reasoningEffort === 'none') body.chat_template_kwargs = { enable_thinking: false };
  else if (request.reasoningEffort !== undefined) body.reasoning_effort = VLLM_EFFORT[request.reasoningEffort];
  if (request.cacheSalt !== undefined) body.cache_salt = request.cacheSalt;
  if (request.priority !== undefined) body.priority = request.priority;
  return body;
}
