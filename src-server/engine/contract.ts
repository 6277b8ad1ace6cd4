/**
 * What the engine offers the HTTP layer (and, later, the store, the recorder and the session
 * manager). Every event of a response leaves the engine through ResponseRun's taps: one place,
 * same events, same order, with timing.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { Response as OpenAIResponse } from 'openai/resources/responses/responses';
import type { GatewayConfig } from '../config/flags.js';
import type { Logger } from '../logging/logger.js';
import type { GatewayError } from '../shared/protocol/errors.js';
import type { Dialect } from '../shared/protocol/events.js';

export type { Dialect };

/** An event as written on the wire: dialect applied, `sequence_number` assigned. */
export interface WireEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** Called for every event in order; `offsetMs` is the time since the request started. */
export type EventTap = (event: WireEvent, offsetMs: number) => void;

/**
 * Flow control from a client transport back to the engine (E8). Before it reads the next part of
 * the backend's stream, a run asks each of its flows; a transport whose client has not yet taken
 * what was sent answers with a promise, and the run reads nothing more (so the backend's socket
 * fills and pauses) until that promise resolves. SSE implements it with `res.write()`'s return
 * value and 'drain' (http/sse-writer.ts); a WebSocket transport with `ws.bufferedAmount`.
 */
export interface ClientFlow {
  /**
   * undefined when the client can take more now (the hot path allocates nothing); otherwise a
   * promise that resolves once it can, or once the client is gone. Never rejects.
   */
  whenWritable(): Promise<void> | undefined;
}

export interface RunOptions {
  requestId: string;
  /** The request's logger: contained failures, stream-validator violations (rule id, at warn). */
  logger: Logger;
  dialect: Dialect;
  /** Extension events (brief: "(ext)") on or off for this response. */
  extensions: boolean;
  /** Headers forwarded to the backend (simulator fault/latency selection: `x-simulator-*`). */
  backendHeaders?: Record<string, string>;
  /** Aborted when the client goes away (E5) or the response is cancelled. */
  signal: CancelSignal;
  config: GatewayConfig;
  /** When the request arrived (`performance.now()` clock); event offsets count from here. Default: run start. */
  startedAt?: number;
  /** vLLM scheduling priority resolved from `service_tier` (L8). */
  priority?: number;
  /** The request's rate-limit budget (H5): the (ext) `response.rate_limits.updated` events read it. */
  rateLimits?: RunRateLimits;
  /** Told the code of each `error` part the run reads from the backend stream (the metrics count them). */
  onBackendError?: (code: string) => void;
  /** The events go to a client as they happen (SSE, WebSocket), not only the final Response. */
  streamed?: boolean;
}

/** A rate-limit budget as the engine sees it (http/rate-limit.ts implements it). */
export interface RunRateLimits {
  /** Current entries without consuming anything. */
  snapshot(): RateLimitEntryLike[];
  /** Reconciles the token reservation with the real usage (once); returns the updated entries. */
  settle(actualTokens: number): RateLimitEntryLike[];
}

export interface RateLimitEntryLike {
  name: 'requests' | 'tokens';
  limit: number;
  remaining: number;
  reset_seconds: number;
}

/**
 * The Response object as the gateway serves it: every field of openai-node's `Response` (except
 * the SDK-computed `output_text`) plus the fields the Open Responses `ResponseResource` requires.
 * Error codes and incomplete reasons are the gateway's own strings (wider than openai-node's enums).
 */
export type ResponseObject = Omit<
  OpenAIResponse,
  'output_text' | 'error' | 'incomplete_details' | 'completed_at' | 'usage'
> & {
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  completed_at: number | null;
  usage: OpenAIResponse['usage'] | null;
  presence_penalty: number;
  frequency_penalty: number;
  max_tool_calls: number | null;
  store: boolean;
};

export interface ResponseRun {
  readonly id: string;
  /** The current snapshot of the Response object. */
  snapshot(): ResponseObject;
  /** Subscribe to events; returns an unsubscribe function. Events already emitted are not replayed. */
  onEvent(tap: EventTap): () => void;
  /**
   * Begins the run's events now (`response.created` first) instead of on the next macrotask, for a
   * transport that has subscribed and wants them in the same tick as the backend's answer. Called
   * again, or before a network store's save (the start gate) is done, it does nothing.
   */
  start(): void;
  /** Resolves with the final Response once a terminal event was emitted (never rejects). */
  readonly finished: Promise<ResponseObject>;
  /** call_ids of function calls whose arguments are not valid JSON (E7): delivered verbatim, flagged here. */
  readonly invalidArgumentCallIds: readonly string[];
  /** Stops generation: aborts the backend and ends the response as incomplete/cancelled. */
  cancel(reason: 'client_disconnected' | 'cancelled'): void;
  /** Stops generation: aborts the backend and ends the response with `error` + `response.failed`. */
  fail(error: GatewayError): void;
  /**
   * Makes the run wait for this client before it reads more from the backend (E8); returns the
   * function that removes it. A run without flows (a background run) never waits.
   */
  throttle(flow: ClientFlow): () => void;
  /**
   * Keep-alive (L4) with extensions on: emits `response.ping` and returns true; false when the
   * stream has no extensions (the HTTP layer then writes an SSE comment) or already ended.
   */
  ping?(): boolean;
}
