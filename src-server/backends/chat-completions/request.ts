/**
 * The Chat Completions request body both URL adapters share. Each adapter adds its own extras
 * (vLLM: cache_salt, priority, chat_template_kwargs; OpenAI-compatible: nothing non-standard).
 */
import type { ChatMessage, ModelRequest, ModelResponseFormat, ModelToolChoice } from '../contract.js';

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

/** Builds the standard part of the body; `messages` is passed in so adapters can rewrite it. */
export function baseChatBody(request: ModelRequest, messages: ChatMessage[] = request.messages): ChatCompletionsBody {
  const body: ChatCompletionsBody = {
    model: request.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => {
      const fn: ChatTool['function'] = { name: t.name };
      if (t.description !== undefined) fn.description = t.description;
      if (t.parameters !== undefined) fn.parameters = t.parameters;
      if (t.strict !== undefined) fn.strict = t.strict;
      return { type: 'function', function: fn };
    });
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
