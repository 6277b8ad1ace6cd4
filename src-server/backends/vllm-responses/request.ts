/**
 * The gateway's model request as a body for vLLM's native `POST /v1/responses`. The gateway keeps
 * state, sessions and summaries itself, so every call is self-contained: the whole conversation
 * goes in `input`, `store: false` (with `VLLM_ENABLE_RESPONSES_API_STORE` set, vLLM would
 * otherwise keep every response in memory for good), never `previous_response_id` or `background`.
 *
 * Translated to what vLLM's ResponsesRequest accepts: tools and `tool_choice` in the flat
 * Responses shape, `text.format` for structured output, `reasoning.effort` (low|medium|high, as
 * on the Chat route), `include: ["message.output_text.logprobs"]` with `top_logprobs`, and vLLM's
 * `cache_salt` and `priority`. Refused with a 400 what vLLM's input cannot carry: images in a
 * tool result (vLLM's `function_call_output.output` is a string).
 */
import { GatewayError } from '../../protocol/errors.js';
import type { ChatContentPart, ChatMessage, ModelRequest } from '../contract.js';

/** vLLM validates `reasoning.effort` against low|medium|high. */
const VLLM_EFFORT = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' } as const;

type Item = Record<string, unknown>;

function userContent(content: string | ChatContentPart[]): string | Item[] {
  if (typeof content === 'string') return content;
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'input_text', text: part.text }
      : { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail ?? 'auto' },
  );
}

function toolOutput(content: string | ChatContentPart[]): string {
  if (typeof content === 'string') return content;
  if (content.some((part) => part.type !== 'text'))
    throw new GatewayError(
      400,
      'invalid_request_error',
      'unsupported_backend_input',
      "vLLM's Responses endpoint takes tool outputs as text only; this function_call_output holds an image. Use --backend-kind vllm for image tool outputs.",
      'input',
    );
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Chat-shaped history → Responses input items. */
export function inputItems(messages: readonly ChatMessage[]): Item[] {
  const input: Item[] = [];
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        input.push({ type: 'message', role: message.role, content: message.content });
        return;
      case 'user':
        input.push({ type: 'message', role: 'user', content: userContent(message.content) });
        return;
      case 'assistant':
        if (message.reasoning)
          input.push({
            type: 'reasoning',
            id: `rs_${index}`,
            summary: [],
            content: [{ type: 'reasoning_text', text: message.reasoning }],
          });
        if (message.content)
          input.push({
            type: 'message',
            role: 'assistant',
            content: [{ type: 'output_text', text: message.content, annotations: [] }],
          });
        for (const call of message.tool_calls ?? [])
          input.push({
            type: 'function_call',
            call_id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          });
        return;
      case 'tool':
        input.push({
          type: 'function_call_output',
          call_id: message.tool_call_id,
          output: toolOutput(message.content),
        });
        return;
    }
  });
  return input;
}

export function buildVllmResponsesBody(request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    input: inputItems(request.messages),
    stream: true,
    store: false,
  };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => {
      const tool: Record<string, unknown> = { type: 'function', name: t.name };
      if (t.description !== undefined) tool.description = t.description;
      tool.parameters = t.parameters ?? { type: 'object', properties: {} };
      if (t.strict !== undefined) tool.strict = t.strict;
      return tool;
    });
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
    if (request.toolChoice !== undefined)
      body.tool_choice =
        typeof request.toolChoice === 'string'
          ? request.toolChoice
          : { type: 'function', name: request.toolChoice.name };
  }
  const format = request.responseFormat;
  if (format && format.type === 'json_schema') {
    const f: Record<string, unknown> = { type: 'json_schema', name: format.name, schema: format.schema };
    if (format.strict !== undefined) f.strict = format.strict;
    if (format.description !== undefined) f.description = format.description;
    body.text = { format: f };
  } else if (format && format.type === 'json_object') body.text = { format: { type: 'json_object' } };
  if (request.reasoningEffort === 'none') body.chat_template_kwargs = { enable_thinking: false };
  else if (request.reasoningEffort !== undefined) body.reasoning = { effort: VLLM_EFFORT[request.reasoningEffort] };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxOutputTokens !== undefined) body.max_output_tokens = request.maxOutputTokens;
  if (request.logprobs) {
    body.include = ['message.output_text.logprobs'];
    if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  }
  if (request.user !== undefined) body.user = request.user;
  if (request.cacheSalt !== undefined) body.cache_salt = request.cacheSalt;
  if (request.priority !== undefined) body.priority = request.priority;
  return body;
}
