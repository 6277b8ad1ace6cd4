/**
 * vLLM's native `POST /v1/responses`, as the simulator imitates it: the request is turned into the
 * chat-shaped request the reply planner reads (the way vLLM renders Responses input through its
 * chat template), and a planned reply is written in vLLM's Responses event sequence.
 *
 * What vLLM's non-harmony streaming path (`process_simple_stream` / the simple streaming event
 * processor in vllm/entrypoints/openai/responses/) does, and this file reproduces:
 * - SSE with an `event:` line per event and no `[DONE]`;
 * - streamed item ids are bare 32-hex uuids (no `msg_` / `rs_` / `fc_` prefix), and the
 *   `response.completed` body is built separately, so its item ids and function `call_id`s differ
 *   from the streamed ones;
 * - reasoning is a `reasoning` item with `reasoning_text` content (`response.reasoning_text.*`),
 *   never a summary;
 * - a function call's `output_item.added` carries the first arguments fragment, which the first
 *   `function_call_arguments.delta` then repeats (both are made from the same parser delta); the
 *   argument deltas carry no `call_id`;
 * - `output_text.delta` logprobs have no `bytes`;
 * - a reply cut by `max_output_tokens` still ends with `response.completed` (status `incomplete`);
 * - an engine failure mid-stream is one `error` event holding vLLM's error body (integer `code`,
 *   exception-style `type`), after which the stream just ends: no `response.failed`;
 * - HTTP errors use vLLM's nested body `{"error":{"message","type","param","code":404}}`.
 */
import type { Prng } from './prng.js';
import type { SerializedStream, UsageNumbers } from './chunks.js';
import { tokenLogprob } from './chunks.js';
import type { ReplyPlan, SimRequest, SimTool } from './reply.js';
import type { PromptMessage } from './tokenizer.js';

/** The request could not be turned into a prompt (answered with a 400). */
export class ResponsesInputError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function partsToChat(content: unknown, param: string): unknown {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new ResponsesInputError(`${param} must be a string or a list of parts.`, param);
  return content.map((part: unknown, i) => {
    if (!isObject(part)) throw new ResponsesInputError(`${param}[${i}] must be an object.`, `${param}[${i}]`);
    if (part.type === 'input_text' || part.type === 'output_text' || part.type === 'text')
      return { type: 'text', text: String(part.text ?? '') };
    if (part.type === 'input_image') return { type: 'image_url', image_url: { url: String(part.image_url ?? '') } };
    throw new ResponsesInputError(`Unsupported content part type '${String(part.type)}'.`, `${param}[${i}].type`);
  });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
}

/** The fields of vLLM's ResponsesRequest the simulator reads. */
export interface SimResponsesRequest {
  model?: string;
  input?: unknown;
  instructions?: string | null;
  tools?: unknown[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  text?: { format?: { type?: string; name?: string; schema?: Json; strict?: boolean } };
  reasoning?: { effort?: string | null } | null;
  chat_template_kwargs?: { enable_thinking?: boolean };
  max_output_tokens?: number | null;
  include?: string[];
  top_logprobs?: number;
  temperature?: number;
  top_p?: number;
  stream?: boolean;
  cache_salt?: string;
  user?: string;
}

/** Renders Responses input as chat messages; consecutive assistant-side items form one message. */
function inputMessages(body: SimResponsesRequest): PromptMessage[] {
  const messages: PromptMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '')
    messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  if (!Array.isArray(body.input))
    throw new ResponsesInputError("'input' must be a string or a list of items.", 'input');
  let assistant: (PromptMessage & { tool_calls?: unknown[] }) | undefined;
  const openAssistant = (): PromptMessage & { tool_calls?: unknown[] } => {
    if (!assistant) {
      assistant = { role: 'assistant', content: null };
      messages.push(assistant);
    }
    return assistant;
  };
  body.input.forEach((item: unknown, i) => {
    const param = `input[${i}]`;
    if (!isObject(item)) throw new ResponsesInputError(`${param} must be an object.`, param);
    const type = item.type ?? 'message';
    if (type === 'message' && item.role === 'assistant') {
      openAssistant().content = textOf(item.content);
    } else if (type === 'message') {
      assistant = undefined;
      const role = String(item.role);
      messages.push({
        role,
        content: role === 'user' ? partsToChat(item.content, `${param}.content`) : textOf(item.content),
      });
    } else if (type === 'reasoning') {
      const content = Array.isArray(item.content) ? item.content : [];
      openAssistant().reasoning = textOf(content);
    } else if (type === 'function_call') {
      const a = openAssistant();
      a.tool_calls = [
        ...(a.tool_calls ?? []),
        { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } },
      ];
    } else if (type === 'function_call_output') {
      assistant = undefined;
      if (typeof item.output !== 'string')
        throw new ResponsesInputError(`${param}.output must be a string.`, `${param}.output`);
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: item.output } as PromptMessage);
    } else {
      throw new ResponsesInputError(`Unsupported input item type '${String(type)}'.`, `${param}.type`);
    }
  });
  return messages;
}

/** The chat-shaped request the planner, the tokenizer and the prefix cache read. */
export function responsesToChat(body: SimResponsesRequest): SimRequest {
  const messages = inputMessages(body);
  const tools: SimTool[] = (body.tools ?? []).map((tool: unknown, i) => {
    if (!isObject(tool) || tool.type !== 'function')
      throw new ResponsesInputError(`Only function tools are supported (tools[${i}]).`, `tools[${i}].type`);
    const fn: SimTool['function'] = { name: String(tool.name) };
    if (typeof tool.description === 'string') fn.description = tool.description;
    if (isObject(tool.parameters)) fn.parameters = tool.parameters;
    return { type: 'function', function: fn };
  });
  const chat: SimRequest = { model: body.model, messages, stream: body.stream === true };
  if (tools.length > 0) chat.tools = tools;
  const choice = body.tool_choice;
  if (typeof choice === 'string') chat.tool_choice = choice as 'none' | 'auto' | 'required';
  else if (isObject(choice)) chat.tool_choice = { type: 'function', function: { name: String(choice.name) } };
  if (body.parallel_tool_calls !== undefined) chat.parallel_tool_calls = body.parallel_tool_calls;
  const format = body.text?.format;
  if (format?.type === 'json_schema' && format.schema)
    chat.response_format = { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } };
  else if (format?.type === 'json_object') chat.response_format = { type: 'json_object' };
  if (body.reasoning?.effort) chat.reasoning_effort = body.reasoning.effort;
  if (body.chat_template_kwargs) chat.chat_template_kwargs = body.chat_template_kwargs;
  if (typeof body.max_output_tokens === 'number') chat.max_tokens = body.max_output_tokens;
  if (body.include?.includes('message.output_text.logprobs')) {
    chat.logprobs = true;
    if (typeof body.top_logprobs === 'number') chat.top_logprobs = body.top_logprobs;
  }
  if (typeof body.cache_salt === 'string') chat.cache_salt = body.cache_salt;
  return chat;
}

export interface ResponsesEnvelope {
  id: string;
  createdAt: number;
  model: string;
}

function usageJson(plan: ReplyPlan, u: UsageNumbers): Json {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: plan.completionTokens,
    output_tokens_details: { reasoning_tokens: plan.reasoningTokens },
    total_tokens: u.promptTokens + plan.completionTokens,
  };
}

/** vLLM's `ResponsesResponse.from_request`: the request's settings echoed around the output. */
function responseObject(env: ResponsesEnvelope, body: SimResponsesRequest, fields: Json): Json {
  return {
    id: env.id,
    created_at: env.createdAt,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    metadata: null,
    model: env.model,
    object: 'response',
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    temperature: body.temperature ?? 1,
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    background: false,
    max_output_tokens: body.max_output_tokens ?? null,
    previous_response_id: null,
    reasoning: body.reasoning ?? null,
    service_tier: 'auto',
    status: 'in_progress',
    text: body.text ?? null,
    top_logprobs: body.top_logprobs ?? 0,
    truncation: 'disabled',
    user: body.user ?? null,
    usage: null,
    ...fields,
  };
}

/** The output items of the final response body (fresh ids, as vLLM's full generator makes). */
function finalOutput(plan: ReplyPlan, rng: Prng): Json[] {
  const output: Json[] = [];
  if (plan.reasoning.length > 0)
    output.push({
      id: `rs_${rng.hex(32)}`,
      type: 'reasoning',
      summary: [],
      content: [{ type: 'reasoning_text', text: plan.reasoning.join('') }],
      encrypted_content: null,
      status: null,
    });
  if (plan.content.length > 0)
    output.push({
      id: `msg_${rng.hex(32)}`,
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: plan.content.join(''), annotations: [], logprobs: null }],
    });
  for (const call of plan.toolCalls)
    output.push({
      id: `fc_${rng.hex(32)}`,
      type: 'function_call',
      call_id: `call_${rng.hex(24)}`,
      name: call.name,
      arguments: call.pieces.join('') + call.tail,
      status: 'completed',
    });
  return output;
}

function finalFields(plan: ReplyPlan, usage: UsageNumbers, rng: Prng): Json {
  const incomplete = plan.finish === 'length';
  return {
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    output: finalOutput(plan, rng),
    usage: usageJson(plan, usage),
  };
}

export interface ResponsesSerializeOptions {
  logprobs: boolean;
  topLogprobs: number;
}

/** Logprobs as vLLM's Responses deltas carry them: token, logprob, top_logprobs — no bytes. */
function deltaLogprobs(rng: Prng, token: string, top: number): Json[] {
  const lp = tokenLogprob(rng, token, top);
  return [
    {
      token: lp.token,
      logprob: lp.logprob,
      top_logprobs: lp.top_logprobs.map((t) => ({ token: t.token, logprob: t.logprob })),
    },
  ];
}

/**
 * The event stream as SSE strings: `head` (created, in_progress), one entry of `deltas` per
 * reasoning / text / arguments delta (with the item boundary events that precede it), and `tail`
 * (the last item's done events and response.completed).
 */
export function serializeResponsesStream(
  env: ResponsesEnvelope,
  body: SimResponsesRequest,
  plan: ReplyPlan,
  usage: UsageNumbers,
  opts: ResponsesSerializeOptions,
  rng: Prng,
): SerializedStream {
  let seq = 0;
  const event = (type: string, fields: Json): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
  const initial = responseObject(env, body, {});
  const head = event('response.created', { response: initial }) + event('response.in_progress', { response: initial });
  const deltas: string[] = [];
  let outputIndex = -1;
  /** Events that close the open item, prepended to whatever comes next. */
  let closing = '';

  const open = (item: Json, part?: Json): string => {
    outputIndex++;
    let out = closing + event('response.output_item.added', { output_index: outputIndex, item });
    if (part)
      out += event('response.content_part.added', {
        output_index: outputIndex,
        item_id: item.id,
        content_index: 0,
        part,
      });
    closing = '';
    return out;
  };

  if (plan.reasoning.length > 0) {
    const id = rng.hex(32);
    let text = '';
    const prefix = open(
      { type: 'reasoning', id, summary: [], status: 'in_progress' },
      { type: 'reasoning_text', text: '' },
    );
    plan.reasoning.forEach((t, i) => {
      text += t;
      deltas.push(
        (i === 0 ? prefix : '') +
          event('response.reasoning_text.delta', {
            content_index: 0,
            output_index: outputIndex,
            item_id: id,
            delta: t,
          }),
      );
    });
    const index = outputIndex;
    closing =
      event('response.reasoning_text.done', { item_id: id, output_index: index, content_index: 0, text }) +
      event('response.content_part.done', {
        item_id: id,
        output_index: index,
        content_index: 0,
        part: { type: 'reasoning_text', text },
      }) +
      event('response.output_item.done', {
        output_index: index,
        item: {
          type: 'reasoning',
          id,
          summary: [],
          content: [{ type: 'reasoning_text', text }],
          status: 'completed',
        },
      });
  }

  if (plan.content.length > 0) {
    const id = rng.hex(32);
    let text = '';
    const prefix = open(
      { id, type: 'message', role: 'assistant', content: [], status: 'in_progress' },
      { type: 'output_text', text: '', annotations: [], logprobs: [] },
    );
    plan.content.forEach((t, i) => {
      text += t;
      const logprobs = opts.logprobs ? deltaLogprobs(rng, t, opts.topLogprobs) : [];
      deltas.push(
        (i === 0 ? prefix : '') +
          event('response.output_text.delta', {
            content_index: 0,
            output_index: outputIndex,
            item_id: id,
            delta: t,
            logprobs,
          }),
      );
    });
    const index = outputIndex;
    const part = { type: 'output_text', text, annotations: [] };
    closing =
      event('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] }) +
      event('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part }) +
      event('response.output_item.done', {
        output_index: index,
        item: { type: 'message', role: 'assistant', content: [part], status: 'completed', id },
      });
  }

  for (const call of plan.toolCalls) {
    const id = rng.hex(32);
    const callId = `call_${rng.hex(32)}`;
    const pieces = call.tail ? [...call.pieces, call.tail] : call.pieces;
    // The added item holds the first fragment, and the first delta repeats it.
    const first = pieces[0] ?? '';
    const prefix = open({
      type: 'function_call',
      id,
      call_id: callId,
      name: call.name,
      arguments: first,
      status: 'in_progress',
    });
    if (pieces.length === 0) deltas.push(prefix);
    pieces.forEach((p, i) => {
      deltas.push(
        (i === 0 ? prefix : '') +
          event('response.function_call_arguments.delta', { output_index: outputIndex, item_id: id, delta: p }),
      );
    });
    const args = pieces.join('');
    closing =
      event('response.function_call_arguments.done', {
        output_index: outputIndex,
        item_id: id,
        arguments: args,
        name: call.name,
      }) +
      event('response.output_item.done', {
        output_index: outputIndex,
        item: { type: 'function_call', name: call.name, arguments: args, status: 'completed', id, call_id: callId },
      });
  }

  const tail =
    closing + event('response.completed', { response: responseObject(env, body, finalFields(plan, usage, rng)) });
  return { head, deltas, tail };
}

/** The non-streaming body: the whole response object. */
export function responsesBody(
  env: ResponsesEnvelope,
  body: SimResponsesRequest,
  plan: ReplyPlan,
  usage: UsageNumbers,
  rng: Prng,
): string {
  return JSON.stringify(responseObject(env, body, finalFields(plan, usage, rng)));
}

/** The `error` event vLLM writes when generation fails mid-stream (its ErrorResponse body). */
export function responsesErrorEvent(message: string): string {
  const error = { message, type: 'InternalServerError', param: null, code: 500 };
  return `event: error\ndata: ${JSON.stringify({ error })}\n\n`;
}
