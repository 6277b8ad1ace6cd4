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
 * Neutral stream parts. Tool calls are identified by `index` (the backend's tool-call slot);
 * `tool-call-start` always precedes the deltas of that index.
 */
export type ModelPart =
  | { type: 'text-delta'; text: string; logprobs?: TokenLogprob[] }
  | { type: 'refusal-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'tool-call-start'; index: number; callId: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'usage'; usage: ModelUsage }
  | { type: 'finish'; reason: FinishReason }
  /** A failure after the stream started (error chunk, malformed JSON, truncation, stall). */
  | { type: 'error'; error: GatewayError };

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
