/**
 * The one shape every backend adapter has (vLLM Chat Completions, any OpenAI-compatible Chat
 * Completions server, the built-in simulator, later vLLM's native Responses).
 *
 * Adapters translate their wire format into neutral model parts; nothing downstream of an
 * adapter (the engine, the ResponseBuilder, the HTTP layer) ever sees a provider's format.
 */
import type { GatewayError } from '../protocol/errors.js';

/** A chat message in the OpenAI Chat Completions shape, which every backend here speaks. */
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

/** A backend-neutral generation request, produced by the engine from a Responses request. */
export interface ModelRequest {
  model: string;
  messages: ChatMessage[];
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
  /** End-user identifier forwarded as the chat `user` field. */
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
  signal: AbortSignal;
  requestId: string;
}

export interface BackendAdapter {
  /** Adapter kind: `vllm`, `openai-chat`, `simulator`. */
  readonly kind: string;
  /** Base URL of the upstream server (for logs, health and the capability report). */
  readonly baseUrl: string;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  /**
   * Starts a generation. Errors before the first part (unreachable, HTTP 4xx/5xx) reject with a
   * GatewayError; errors after it arrive as an `error` part, after which the iterator ends.
   */
  stream(request: ModelRequest, options: StreamOptions): Promise<AsyncIterable<ModelPart>>;
  /** Counts prompt tokens (vLLM `/tokenize`). */
  countTokens?(request: ModelRequest, signal?: AbortSignal): Promise<number>;
  close?(): Promise<void>;
}
