/**
 * The one shape every backend adapter has (vLLM Chat Completions, any OpenAI-compatible Chat
 * Completions server, the built-in simulator, vLLM's native Responses).
 *
 * The engine hands an adapter a neutral ModelRequest and gets neutral model parts back; the adapter
 * alone knows its wire format, both ways. Nothing upstream of an adapter (the engine, the
 * ResponseBuilder, the HTTP layer) ever sees a provider's format. README.md gives every adapter
 * folder's shape.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { GatewayError } from '../shared/protocol/errors.js';

/**
 * Content of a message or a tool output. Images carry a URL (http(s) or data URL) and the detail
 * the gateway's backends know (`original` arrives as `high`).
 */
export type ModelContentPart =
  | { type: 'text'; text: string }
  | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' }
  /** A refusal the model gave earlier (assistant messages sent back). */
  | { type: 'refusal'; text: string };

/** The text of content, refusals included and images left out: what a text-only field carries. */
export function contentText(content: string | readonly ModelContentPart[]): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'image' ? '' : part.text)).join('');
}

/**
 * One item of the conversation the model sees, in order, with the history already expanded by the
 * engine (a `previous_response_id` chain, a conversation, a session's earlier turns). Client tools
 * (custom, shell, apply_patch …) arrive as the function calls the model was offered. System and
 * developer messages hold text, user messages text and images, assistant messages text and
 * refusals; a tool output text and images.
 */
export type ModelInputItem =
  | { type: 'message'; role: 'system' | 'developer' | 'user' | 'assistant'; content: string | ModelContentPart[] }
  /** Reasoning the model produced in an earlier turn (its text, or its summary when that is all there is). */
  | { type: 'reasoning'; text: string }
  | { type: 'function_call'; callId: string; name: string; arguments: string }
  /** The result of a call; sent even when its call is not in the input (stateless clients do that). */
  | { type: 'function_call_output'; callId: string; output: string | ModelContentPart[] };

export interface ModelTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export type ModelToolChoice = 'none' | 'auto' | 'required' | { name: string };

export type ModelResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

/**
 * A backend-neutral generation request, produced by the engine from a Responses request: what the
 * model is asked, in the gateway's own types. Each adapter's request.ts turns it into its wire
 * format (Chat Completions messages, vLLM's Responses input …).
 */
export interface ModelRequest {
  model: string;
  /** The system prompt (`instructions`). */
  instructions?: string;
  input: ModelInputItem[];
  tools?: ModelTool[];
  toolChoice?: ModelToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ModelResponseFormat;
  reasoningEffort?: 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  /** Token log-probabilities of the output text (`include: message.output_text.logprobs`). */
  logprobs?: boolean;
  topLogprobs?: number;
  /** vLLM prefix-cache isolation key (from `prompt_cache_key`). */
  cacheSalt?: string;
  /** vLLM scheduling priority (lower runs first), from `service_tier`. */
  priority?: number;
  /** End-user identifier (`safety_identifier`, else `user`). */
  user?: string;
  /** Free-form headers to forward to the backend (e.g. simulator fault selection). */
  headers?: Record<string, string>;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'abort';

/**
 * Neutral stream parts, framed as the AI SDK's stream parts are: each output item of the response
 * is opened by a start part and closed by an end part, with its deltas in between, so the engine
 * never guesses where an item begins or ends.
 *
 * - `text-start` … `text-end`: one assistant message; its `text-delta`s and `refusal-delta`s become
 *   its content parts (a switch between text and refusal starts a new content part);
 * - `reasoning-start` … `reasoning-end`: one reasoning item;
 * - `tool-call-start` … `tool-call-end`: one tool call, identified by `index` (the backend's
 *   tool-call slot); calls may be open beside each other (parallel calls);
 * - `finish` closes whatever is still open (as completed, or incomplete when cut short) and is the
 *   last part but for `usage`; `error` ends the stream after a failure.
 *
 * Every adapter's stream is framed (backends/part-framing.ts frames the wires that have no item
 * boundaries of their own). Empty deltas carry nothing and open nothing.
 */
export type ModelPart =
  | { type: 'text-start' }
  | { type: 'text-delta'; text: string; logprobs?: TokenLogprob[] }
  | { type: 'refusal-delta'; text: string }
  | { type: 'text-end' }
  | { type: 'reasoning-start' }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'reasoning-end' }
  | { type: 'tool-call-start'; index: number; callId: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'tool-call-end'; index: number }
  | { type: 'usage'; usage: ModelUsage }
  | { type: 'finish'; reason: FinishReason }
  /** A failure after the stream started (error chunk, malformed JSON, truncation, stall). */
  | { type: 'error'; error: GatewayError };

/** A delta part that carries nothing (a role-only first chunk, say): it opens no item. */
export function isEmptyDelta(part: ModelPart): boolean {
  switch (part.type) {
    case 'text-delta':
      return part.text === '' && !part.logprobs?.length;
    case 'refusal-delta':
    case 'reasoning-delta':
      return part.text === '';
    case 'tool-call-delta':
      return part.argumentsDelta === '';
    default:
      return false;
  }
}

export interface ModelInfo {
  id: string;
  created?: number;
  owned_by?: string;
  max_model_len?: number;
}

export interface StreamOptions {
  signal: CancelSignal;
  requestId: string;
}

export interface BackendAdapter {
  /** Adapter kind: `vllm`, `openai-chat`, `vllm-responses`, `simulator`. */
  readonly kind: string;
  /** Base URL of the upstream server (for logs, health and the capability report). */
  readonly baseUrl: string;
  listModels(signal?: CancelSignal): Promise<ModelInfo[]>;
  /**
   * Starts a generation. Errors before the first part (unreachable, HTTP 4xx/5xx) reject with a
   * GatewayError; errors after it arrive as an `error` part, after which the iterator ends.
   */
  stream(request: ModelRequest, options: StreamOptions): Promise<AsyncIterable<ModelPart>>;
  /** Counts prompt tokens as the backend will see them (vLLM `/tokenize`, in the adapter's wire format). */
  countTokens?(request: ModelRequest, signal?: CancelSignal): Promise<number>;
  close?(): Promise<void>;
}
