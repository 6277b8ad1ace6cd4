/**
 * Neutral ModelRequest → Chat Completions body: the standard part (baseChatBody), then each backend
 * kind's variant — vLLM's extensions (buildVllmBody) or standard fields only for any
 * OpenAI-compatible server (buildOpenAIChatBody).
 *
 * The conversation becomes Chat messages (docs/translation.md): `instructions` a leading system
 * message; system and developer messages keep their role with their text; an assistant message
 * and the function calls after it merge into one assistant message with `tool_calls` (a call with
 * no assistant text before it opens one with `content: null`); reasoning from history waits for
 * the assistant message it belongs to and rides on it as `reasoning` (vLLM reads it back; the
 * OpenAI-compatible variant drops it); a function call output is a `tool` message. Images become
 * `image_url` parts; a user message of one text part is sent as a plain string.
 */
import {
  contentText,
  type ModelContentPart,
  type ModelRequest,
  type ModelResponseFormat,
  type ModelToolChoice,
} from '../contract.js';

/** A chat message in the OpenAI Chat Completions shape. */
export type ChatContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | {
      role: 'assistant';
      content: string | null;
      /** Reasoning restored from history (vLLM accepts `reasoning` / `reasoning_content` on input). */
      reasoning?: string;
      tool_calls?: ChatToolCall[];
    }
  | { role: 'tool'; tool_call_id: string; content: string | ChatContentPart[] };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function chatParts(content: readonly ModelContentPart[]): ChatContentPart[] {
  return content.map((part): ChatContentPart =>
    part.type === 'image'
      ? { type: 'image_url', image_url: part.detail ? { url: part.url, detail: part.detail } : { url: part.url } }
      : { type: 'text', text: part.text },
  );
}

function userContent(content: string | readonly ModelContentPart[]): string | ChatContentPart[] {
  if (typeof content === 'string') return content;
  const parts = chatParts(content);
  if (parts.length === 1 && parts[0].type === 'text') return parts[0].text;
  return parts;
}

/** The request's conversation as Chat Completions messages. */
export function chatMessages(request: ModelRequest): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  // Reasoning from history waits for the assistant message it belongs to.
  let pendingReasoning: string | undefined;
  const takeReasoning = (target: AssistantMessage): void => {
    if (pendingReasoning === undefined) return;
    target.reasoning = target.reasoning ? target.reasoning + pendingReasoning : pendingReasoning;
    pendingReasoning = undefined;
  };
  /** The assistant message of the current turn, if the last message is one (tool calls merge into it). */
  const currentAssistant = (): AssistantMessage | undefined => {
    const last = messages[messages.length - 1];
    return last && last.role === 'assistant' ? last : undefined;
  };
  for (const item of request.input) {
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') {
          const target: AssistantMessage = { role: 'assistant', content: contentText(item.content) };
          takeReasoning(target);
          messages.push(target);
        } else if (item.role === 'user') messages.push({ role: 'user', content: userContent(item.content) });
        else messages.push({ role: item.role, content: contentText(item.content) });
        break;
      case 'reasoning':
        pendingReasoning = (pendingReasoning ?? '') + item.text;
        break;
      case 'function_call': {
        let target = currentAssistant();
        if (!target) {
          target = { role: 'assistant', content: null };
          messages.push(target);
        }
        takeReasoning(target);
        (target.tool_calls ??= []).push({
          id: item.callId,
          type: 'function',
          function: { name: item.name, arguments: item.arguments },
        });
        break;
      }
      case 'function_call_output':
        messages.push({
          role: 'tool',
          tool_call_id: item.callId,
          content: typeof item.output === 'string' ? item.output : chatParts(item.output),
        });
        break;
    }
  }
  return messages;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ChatToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ChatResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };
    };

/** The standard Chat Completions fields this gateway sends; extras are added per adapter. */
export interface ChatCompletionsBody {
  model: string;
  messages: ChatMessage[];
  stream: true;
  stream_options: { include_usage: true };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ChatResponseFormat;
  temperature?: number;
  top_p?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  user?: string;
  [extra: string]: unknown;
}

export function chatToolChoice(choice: ModelToolChoice): ChatToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

export function chatResponseFormat(format: ModelResponseFormat): ChatResponseFormat {
  if (format.type !== 'json_schema') return format;
  const json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean; description?: string } = {
    name: format.name,
    schema: format.schema,
  };
  if (format.strict !== undefined) json_schema.strict = format.strict;
  if (format.description !== undefined) json_schema.description = format.description;
  return { type: 'json_schema', json_schema };
}

export function chatTools(request: ModelRequest): ChatTool[] | undefined {
  if (!request.tools || request.tools.length === 0) return undefined;
  return request.tools.map((t) => {
    const fn: ChatTool['function'] = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    if (t.parameters !== undefined) fn.parameters = t.parameters;
    if (t.strict !== undefined) fn.strict = t.strict;
    return { type: 'function', function: fn };
  });
}

/**
 * The body of vLLM's `POST /tokenize` for this request: the chat messages and tools the model's
 * chat template renders, whichever generation route the adapter uses.
 */
export function tokenizeBody(request: ModelRequest): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    model: request.model,
    messages: chatMessages(request),
    add_generation_prompt: true,
  };
  const tools = chatTools(request);
  if (tools) payload.tools = tools;
  return payload;
}

/** Builds the standard part of the body; `messages` is passed in so variants can rewrite them. */
export function baseChatBody(
  request: ModelRequest,
  messages: ChatMessage[] = chatMessages(request),
): ChatCompletionsBody {
  const body: ChatCompletionsBody = {
    model: request.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  const tools = chatTools(request);
  if (tools) {
    body.tools = tools;
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.toolChoice !== undefined && body.tools) body.tool_choice = chatToolChoice(request.toolChoice);
  if (request.responseFormat && request.responseFormat.type !== 'text')
    body.response_format = chatResponseFormat(request.responseFormat);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.logprobs) {
    body.logprobs = true;
    if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  }
  if (request.user !== undefined) body.user = request.user;
  return body;
}

/** vLLM validates `reasoning_effort` (and `reasoning.effort` on its Responses route) against low|medium|high. */
export const VLLM_EFFORT = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' } as const;

/**
 * vLLM's Chat Completions body (`--backend-kind vllm`, the simulator): the standard fields plus
 * vLLM's extensions — `cache_salt` (prefix-cache isolation, H1), `priority` (L8),
 * `reasoning_effort` and `chat_template_kwargs.enable_thinking` (thinking on/off for templates
 * that read it), and the history's reasoning on assistant messages.
 */
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

function standardMessage(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant' || message.reasoning === undefined) return message;
  const { reasoning: _reasoning, ...rest } = message;
  return rest;
}

/**
 * The body for any OpenAI-compatible Chat Completions server (`--backend-kind openai-chat`):
 * standard parameters only, so strict servers never reject a field (no cache_salt, priority or
 * input `reasoning`).
 */
export function buildOpenAIChatBody(request: ModelRequest): ChatCompletionsBody {
  const body = baseChatBody(request, chatMessages(request).map(standardMessage));
  if (request.maxOutputTokens !== undefined) body.max_completion_tokens = request.maxOutputTokens;
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort;
  return body;
}
