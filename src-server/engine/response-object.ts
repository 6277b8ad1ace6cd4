/**
 * The initial Response object of a run: the request's settings echoed with OpenAI's defaults, so
 * that every field of openai-node's `Response` (but the SDK-computed `output_text`) and every
 * required field of Open Responses' `ResponseResource` is present from `response.created` on.
 */
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { ModelUsage, TokenLogprob } from '../backends/contract.js';
import type { ResponseOutputText } from '../shared/protocol/types.js';
import type { ResponseObject, WireEvent } from './contract.js';
import { streamErrorFields, type GatewayError } from '../shared/protocol/errors.js';

type OutputLogprob = NonNullable<ResponseOutputText['logprobs']>[number] & { bytes: number[] };

/** Open Responses fields that the openai-node create params do not type. */
interface ExtraRequestFields {
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
}

export function initialResponse(request: CreateResponseRequest, id: string, createdAt: number): ResponseObject {
  const extra = request as CreateResponseRequest & ExtraRequestFields;
  const response: ResponseObject = {
    id,
    object: 'response',
    // openai-node 7 types it on every Response: null is the standard access (no domain program).
    access_programs: null,
    created_at: createdAt,
    completed_at: null,
    status: 'in_progress',
    background: request.background ?? false,
    conversation: conversationOf(request),
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    metadata: request.metadata ?? {},
    model: request.model,
    moderation: null,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    presence_penalty: extra.presence_penalty ?? 0,
    frequency_penalty: extra.frequency_penalty ?? 0,
    previous_response_id: request.previous_response_id ?? null,
    prompt: request.prompt ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    prompt_cache_retention: request.prompt_cache_retention ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    safety_identifier: request.safety_identifier ?? null,
    service_tier: request.service_tier ?? 'default',
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' }, verbosity: request.text?.verbosity ?? 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: echoTools(request.tools),
    top_logprobs: request.top_logprobs ?? 0,
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? 'disabled',
    usage: null,
  };
  // Typed as non-nullable by openai-node: present only when the request set them.
  if (request.user !== undefined) response.user = request.user;
  if (request.prompt_cache_options) {
    const { mode = 'implicit', ttl = '30m' } = request.prompt_cache_options;
    response.prompt_cache_options = { mode, ttl };
  }
  return response;
}

type EchoedTool = ResponseObject['tools'][number];
type LooseTool = Record<string, unknown> & { type: string };

/**
 * The tools in effect, each with every field openai-node's types and the Open Responses schema
 * require (`description: null`, `strict: null`, `parameters: null` when the request left them out),
 * so that the echo validates in both dialects and can be sent again as is.
 */
/**
 * A copy of a Response with another status (queued, or a session's state after its terminal
 * event). A spread copy whose existing key is then overridden is as cheap as the copy in V8.
 */
export function withStatus(response: ResponseObject, status: ResponseObject['status']): ResponseObject {
  const copy = { ...response };
  copy.status = status;
  return copy;
}

export function echoTools(tools: CreateResponseRequest['tools']): EchoedTool[] {
  return (tools ?? []).map((tool) => echoTool(tool as unknown as LooseTool) as unknown as EchoedTool);
}

function echoTool(tool: LooseTool): LooseTool {
  // A function tool that has its fields already (what SDKs send) is a plain copy, the cheapest.
  if (
    tool.type === 'function' &&
    tool.description !== undefined &&
    tool.parameters !== undefined &&
    tool.strict !== undefined
  )
    return { ...tool };
  const echo = copyOwn(tool);
  switch (tool.type) {
    case 'function':
      echo.description = tool.description ?? null;
      echo.parameters = tool.parameters ?? null;
      echo.strict = tool.strict ?? null;
      break;
    case 'custom':
      echo.format = tool.format ?? { type: 'text' };
      break;
    case 'namespace':
      echo.description = tool.description ?? '';
      echo.tools = (tool.tools as LooseTool[]).map(echoTool);
      break;
    case 'shell':
      echo.environment = tool.environment ?? null;
      break;
  }
  return echo;
}

/**
 * A copy of a client's object, key by key as `{ ...tool }` makes it (a `__proto__` key stays a
 * key), but cheaper where fields are added afterwards: V8 builds a spread followed by new fields
 * in its runtime, about a microsecond per tool (0.08 µs this way), and clients send dozens.
 */
function copyOwn(source: LooseTool): LooseTool {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: source[key], enumerable: true, writable: true, configurable: true });
    else out[key] = source[key];
  }
  return out as LooseTool;
}

const encoder = new TextEncoder();
const utf8 = (token: string): number[] => Array.from(encoder.encode(token));

export function toOutputLogprob(lp: TokenLogprob): OutputLogprob {
  return {
    token: lp.token,
    logprob: lp.logprob,
    bytes: lp.bytes ?? utf8(lp.token),
    top_logprobs: lp.top_logprobs.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes ?? utf8(t.token) })),
  };
}

export function toUsage(usage: ModelUsage): NonNullable<ResponseObject['usage']> {
  return {
    input_tokens: usage.inputTokens,
    // vLLM reports no cache writes; openai-node types the field as required.
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, cache_write_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** `conversation` as the Response echoes it: `{id}` whether the request sent an id or `{id}`. */
function conversationOf(request: CreateResponseRequest): { id: string } | null {
  const value = (request as { conversation?: unknown }).conversation;
  if (typeof value === 'string') return { id: value };
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string')
    return { id: (value as { id: string }).id };
  return null;
}

/**
 * A final response whose state could not be stored (a full disk, the store away), as its client
 * is told and the store keeps it: failed with that error. One that failed already keeps its own.
 */
export function failedWith(final: ResponseObject, error: GatewayError): ResponseObject {
  if (final.status === 'failed') return final;
  const failed = withStatus(final, 'failed');
  failed.error = { code: error.code, message: error.message };
  failed.completed_at = null;
  return failed;
}

/**
 * What a client is told instead of a response's terminal event when its final state could not be
 * stored: `error` and `response.failed` with that error (failedWith), as a run that fails ends. A
 * response that failed already (its own `error` event sent before) is told as it is: a stream has
 * one `error` and one terminal event.
 */
export function unstoredEnding(terminal: WireEvent, error: GatewayError): WireEvent[] {
  if (terminal.type === 'response.failed') return [terminal];
  const seq = terminal.sequence_number;
  const response = failedWith(terminal.response as ResponseObject, error);
  return [
    { type: 'error', sequence_number: seq, ...streamErrorFields(error) },
    { type: 'response.failed', sequence_number: seq + 1, response },
  ];
}
