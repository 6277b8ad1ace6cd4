/**
 * The HTTP side shared by the vLLM and OpenAI-compatible adapters: POST /v1/chat/completions with
 * Node's fetch (undici's global agent keeps connections alive), decode the SSE body with
 * eventsource-parser, and enforce `--backend-timeout` before the headers (504 rejection) and
 * between chunks (an `error` part, E1). The caller's signal aborts the upstream request (E5).
 */
import { createParser } from 'eventsource-parser';
import { errors, isGatewayError, type GatewayError } from '../../protocol/errors.js';
import type { BackendAdapter, ModelInfo, ModelPart, ModelRequest, StreamOptions } from '../contract.js';
import { ChatStreamDecoder } from './stream.js';
import { parseErrorBody, retryAfterFrom, upstreamError } from './upstream-error.js';

export interface ChatAdapterOptions {
  /** Base URL with or without `/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Silence allowed before the response headers and between chunks. */
  timeoutSeconds: number;
}

export interface ChatAdapterDialect {
  kind: string;
  buildBody(request: ModelRequest): Record<string, unknown>;
  /** Whether the server has vLLM's `/tokenize`. */
  tokenize: boolean;
}

/** Strips a trailing slash and `/v1`, so paths can be appended to the server root. */
export function serverRoot(baseUrl: string): string {
  let url = baseUrl.trim();
  while (url.endsWith('/')) url = url.slice(0, -1);
  if (url.endsWith('/v1')) url = url.slice(0, -3);
  return url;
}

/** Why a request was aborted by us rather than by the caller. */
type AbortCause = 'none' | 'headers-timeout' | 'stall';

export class ChatCompletionsAdapter implements BackendAdapter {
  readonly kind: string;
  readonly baseUrl: string;
  private readonly root: string;
  private readonly timeoutMs: number;
  private readonly authHeaders: Record<string, string>;

  constructor(
    options: ChatAdapterOptions,
    private readonly dialect: ChatAdapterDialect,
  ) {
    this.kind = dialect.kind;
    this.root = serverRoot(options.baseUrl);
    this.baseUrl = this.root;
    this.timeoutMs = Math.max(1, options.timeoutSeconds * 1000);
    this.authHeaders = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    this.countTokens = dialect.tokenize ? (request, signal) => this.tokenize(request, signal) : undefined;
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const body = (await this.requestJson('GET', '/v1/models', undefined, undefined, signal)) as { data?: ModelInfo[] };
    if (!Array.isArray(body.data)) throw errors.backendProtocol('GET /v1/models did not return a model list.');
    return body.data;
  }

  /** Present only for servers with vLLM's `/tokenize`, so callers can test for the capability. */
  readonly countTokens: ((request: ModelRequest, signal?: AbortSignal) => Promise<number>) | undefined;

  private async tokenize(request: ModelRequest, signal?: AbortSignal): Promise<number> {
    const payload: Record<string, unknown> = { model: request.model, messages: request.messages, add_generation_prompt: true };
    const chat = this.dialect.buildBody(request);
    if (chat.tools) payload.tools = chat.tools;
    const body = (await this.requestJson('POST', '/tokenize', payload, request.headers, signal)) as { count?: unknown };
    if (typeof body.count !== 'number') throw errors.backendProtocol('POST /tokenize did not return a count.');
    return body.count;
  }

  async stream(request: ModelRequest, options: StreamOptions): Promise<AsyncIterable<ModelPart>> {
    const body = JSON.stringify(this.dialect.buildBody(request));
    const { response, controller, state, detach } = await this.send(
      'POST',
      '/v1/chat/completions',
      body,
      { accept: 'text/event-stream', ...request.headers },
      options.signal,
    );
    if (!response.ok || !response.body) {
      try {
        throw await this.httpError(response, state);
      } finally {
        detach();
      }
    }
    return this.parts(response.body, controller, state, detach, options);
  }

  private async *parts(
    body: ReadableStream<Uint8Array>,
    controller: AbortController,
    state: { cause: AbortCause },
    detach: () => void,
    options: StreamOptions,
  ): AsyncGenerator<ModelPart> {
    const decoder = new ChatStreamDecoder(options.requestId);
    const parser = createParser({ onEvent: (event) => decoder.feed(event.data) });
    const text = new TextDecoder();
    const reader = body.getReader();
    // One lazily re-armed timer per stream instead of one per chunk (hot path).
    let waitingSince = Date.now();
    let waiting = false;
    const timeoutMs = this.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      const idle = waiting ? Date.now() - waitingSince : 0;
      if (idle >= timeoutMs) {
        state.cause = 'stall';
        controller.abort();
        return;
      }
      timer = setTimeout(check, timeoutMs - idle);
    };
    timer = setTimeout(check, timeoutMs);
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        waitingSince = Date.now();
        waiting = true;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (options.signal.aborted) {
            yield { type: 'finish', reason: 'abort' };
          } else if (state.cause === 'stall') {
            yield { type: 'error', error: errors.backendTimeout(timeoutMs / 1000) };
          } else {
            yield { type: 'error', error: errors.backendProtocol(`The backend connection broke mid-stream: ${describe(error)}`) };
          }
          return;
        } finally {
          waiting = false;
        }
        if (chunk.done) {
          parser.reset({ consume: true });
          decoder.end();
        } else {
          parser.feed(text.decode(chunk.value, { stream: true }));
        }
        const parts = decoder.parts;
        if (parts.length > 0) {
          decoder.parts = [];
          for (let i = 0; i < parts.length; i++) yield parts[i];
        }
        if (decoder.ended) return;
      }
    } finally {
      clearTimeout(timer);
      detach();
      // Leaving early (consumer stopped, stall) frees the upstream at once; after the last part the
      // rest of the body (chunk terminator) is drained so the connection stays reusable.
      if (!decoder.ended) controller.abort();
      else drain(reader, controller, timeoutMs);
    }
  }

  /** fetch with the caller's signal linked and the headers timeout armed. */
  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; controller: AbortController; state: { cause: AbortCause }; detach: () => void }> {
    const controller = new AbortController();
    const state: { cause: AbortCause } = { cause: 'none' };
    const onAbort = (): void => controller.abort(signal?.reason);
    if (signal) {
      if (signal.aborted) throw signal.reason ?? new DOMException('Aborted', 'AbortError');
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const detach = (): void => signal?.removeEventListener('abort', onAbort);
    const headersTimer = setTimeout(() => {
      state.cause = 'headers-timeout';
      controller.abort();
    }, this.timeoutMs);
    const init: RequestInit = {
      method,
      signal: controller.signal,
      headers: { ...headers, ...this.authHeaders, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    };
    if (body !== undefined) init.body = body;
    try {
      const response = await fetch(this.root + path, init);
      return { response, controller, state, detach };
    } catch (error) {
      detach();
      if (signal?.aborted) throw signal.reason ?? error;
      if (state.cause === 'headers-timeout') throw errors.backendTimeout(this.timeoutMs / 1000);
      throw errors.backendUnreachable(this.root, describe(error));
    } finally {
      clearTimeout(headersTimer);
    }
  }

  private async httpError(response: Response, state: { cause: AbortCause }): Promise<GatewayError> {
    const retry = retryAfterFrom(response.status, response.headers);
    let text = '';
    try {
      text = await withTimeout(response.text(), this.timeoutMs, () => (state.cause = 'stall'));
    } catch {
      // The status alone still makes a useful error.
    }
    return upstreamError(response.status, parseErrorBody(text), retry);
  }

  private async requestJson(
    method: string,
    path: string,
    payload: unknown,
    headers: Record<string, string> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const { response, controller, state, detach } = await this.send(
      method,
      path,
      payload === undefined ? undefined : JSON.stringify(payload),
      { accept: 'application/json', ...headers },
      signal,
    );
    try {
      if (!response.ok) throw await this.httpError(response, state);
      const text = await withTimeout(response.text(), this.timeoutMs, () => undefined);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw errors.backendProtocol(`${method} ${path} returned invalid JSON.`);
      }
    } catch (error) {
      controller.abort();
      if (isGatewayError(error)) throw error;
      if (signal?.aborted) throw signal.reason ?? error;
      throw errors.backendUnreachable(this.root, describe(error));
    } finally {
      detach();
    }
  }
}

function drain(reader: ReadableStreamDefaultReader<Uint8Array>, controller: AbortController, timeoutMs: number): void {
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const next = (): void => {
    reader.read().then(
      (r) => (r.done ? clearTimeout(timer) : next()),
      () => clearTimeout(timer),
    );
  };
  next();
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(errors.backendTimeout(ms / 1000));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** fetch hides the socket error in `cause`; surface its code (ECONNREFUSED, UND_ERR_SOCKET …). */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
