/**
 * The body for any OpenAI-compatible Chat Completions server: standard parameters only, so strict
 * servers never reject a field (no cache_salt, priority or input `reasoning`).
 */
import type { ModelRequest } from '../contract.js';
import { baseChatBody, chatMessages, type ChatCompletionsBody, type ChatMessage } from '../chat-completions/request.js';

function standardMessage(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant' || message.reasoning === undefined) return message;
  const { reasoning: _reasoning, ...rest } = message;
  return rest;
}

export function buildOpenAIChatBody(request: ModelRequest): ChatCompletionsBody {
  const body = baseChatBody(request, chatMessages(request).map(standardMessage));
  if (request.maxOutputTokens !== undefined) body.max_completion_tokens = request.maxOutputTokens;
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort;
  return body;
}
