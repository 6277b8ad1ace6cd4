/**
 * The gateway's model request as a body for vLLM's native `POST /v1/responses`. The gateway keeps
 * state, sessions and summaries itself, so every call is self-contained: the whole conversation
 * goes in `input` (the neutral items one for one) with `instructions`, `store: false` (with
 * `VLLM_ENABLE_RESPONSES_API_STORE` set, vLLM would otherwise keep every response in memory for
 * good), never `previous_response_id` or `background`.
 *
 * Translated to what vLLM's ResponsesRequest accepts: tools and `tool_choice` in the flat
 * Responses shape, `text.format` for structured output, `reasoning.effort` (low|medium|high, as
 * on the Chat route), `include: ["message.output_text.logprobs"]` with `top_logprobs`, and vLLM's
 * `cache_salt` and `priority`. Refused with a 400 what vLLM's input cannot carry: images in a
 * tool result (vLLM's `function_call_output.output` is a string).
 */
import { GatewayError } from '../../shared/protocol/errors.js';
import { VLLM_EFFORT } from '../chat-completions/request.js';
import { contentText, type ModelContentPart, type ModelInputItem, type ModelRequest } from '../contract.js';

type Item = Record<string, unknown>;

function inputContent(content: string | readonly ModelContentPart[]): string | Item[] {
  if (typeof content === 'string') return content;
  return content.map((part) =>
    part.type === 'image'
      ? { type: 'input_image', image_url: part.url, detail: part.detail ?? 'auto' }
      : { type: 'input_text', text: part.text },
  );
}

function toolOutput(output: string | readonly ModelContentPart[]): string {
  if (typeof output === 'string') return output;
  if (output.some((part) => part.type === 'image'))
    throw new GatewayError(
      400,
      'invalid_request_error',
      'unsupported_backend_input',
      "vLLM's Responses endpoint takes tool outputs as text only; this function_call_output holds an image. Use --backend-kind vllm for image tool outputs.",
      'input',
    );
  return contentText(output);
}

/** Neutral input items → Responses input items, one for one (an empty assistant message is left out). */
export function inputItems(items: readonly ModelInputItem[]): Item[] {
  const input: Item[] = [];
  items.forEach((item, index) => {
    switch (item.type) {
      case 'message':
        if (item.role !== 'assistant') {
          input.push({ type: 'message', role: item.role, content: inputContent(item.content) });
          return;
        }
        {
          // vLLM reads an assistant message back as one output_text part, refusals included.
          const text = contentText(item.content);
          if (text)
            input.push({
              type: 'message',
              role: 'assistant',
              content: [{ type: 'output_text', text, annotations: [] }],
            });
        }
        return;
      case 'reasoning':
        input.push({
          type: 'reasoning',
          id: `rs_${index}`,
          summary: [],
          content: [{ type: 'reasoning_text', text: item.text }],
        });
        return;
      case 'function_call':
        input.push({ type: 'function_call', call_id: item.callId, name: item.name, arguments: item.arguments });
        return;
      case 'function_call_output':
        input.push({ type: 'function_call_output', call_id: item.callId, output: toolOutput(item.output) });
        return;
    }
  });
  return input;
}

export function buildVllmResponsesBody(request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    input: inputItems(request.input),
    stream: true,
    store: false,
  };
  if (request.instructions) body.instructions = request.instructions;
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
