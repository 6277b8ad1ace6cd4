/**
 * The HTTP side shared by the URL adapters (vLLM and OpenAI-compatible Chat Completions, vLLM's
 * native Responses): POST the wire format's body to its path over keep-alive undici connections
 * (client.ts), map error answers (errors.ts), decode the SSE body push-style with the wire
 * format's PartDecoder (part-stream.ts), and enforce `--backend-timeout` before the headers (504
 * rejection) and between chunks (an `error` part, E1). The caller's signal aborts the upstream
 * request (E5).
 */
import type { CancelSignal } from '../../cancel/cancel.js';
import { errors, isGatewayError, type GatewayError } from '../../shared/protocol/errors.js';
import { isJsonMediaType } from '../../shared/protocol/media-type.js';
import type { BackendAdapter, ModelInfo, ModelPart, ModelRequest, StreamOptions } from '../contract.js';
import { PartStream, type PartDecoder } from './part-stream.js';
import { parseErrorBody, retryAfterFrom, upstreamError } from './errors.js';
import { describe, UpstreamClient, type Exchange } from './client.js';
import { NO_SECRETS, SecretScrubber } from './secret-scrub.js';

export interface HttpAdapterOptions {
  /** Base URL with or without `/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Silence allowed before the response headers and between chunks. */
  timeoutSeconds: number;
}

/** What an adapter folder gives the transport: its request.ts and stream.ts, and its route. */
export interface WireFormat {
  kind: string;
  /** The generation route, e.g. `/v1/chat/completions`. */
  path: string;
  /** Neutral request → body (request.ts). May throw a GatewayError (400) for what the backend cannot honour. */
  buildBody(request: ModelRequest): Record<string, unknown>;
  /** The route's stream decoder (stream.ts). */
  decoder(requestId: string, scrub: SecretScrubber): PartDecoder;
  /** The body of vLLM's `POST /tokenize` for a request; absent when the server has no `/tokenize`. */
  tokenizeBody?(request: ModelRequest): Record<string, unknown>;
}

/** Strips a trailing slash and `/v1`, so paths can be appended to the server root. */
function serverRoot(baseUrl: string): string {
  let url = baseUrl.trim();
  while (url.endsWith('/')) url = url.slice(0, -1);
  if (url.endsWith('/v1')) url = url.slice(0, -3);
  return url;
}

export class HttpAdapter implements BackendAdapter {
  readonly kind: string;
  readonly baseUrl: string;
  private readonly root: string;
  private readonly timeoutMs: number;
  private readonly authHeaders: Record<string, string>;
  private readonly client: UpstreamClient;
  /** Backend text in errors loses the backend key and bearer-shaped strings (secret-scrub.ts). */
  private readonly scrub: SecretScrubber;

  constructor(
    options: HttpAdapterOptions,
    private readonly wire: WireFormat,
  ) {
    this.kind = wire.kind;
    this.root = serverRoot(options.baseUrl);
    // What logs and GET /v1/capabilities show: never the URL's user info.
    this.baseUrl = NO_SECRETS.text(this.root);
    this.timeoutMs = Math.max(1, options.timeoutSeconds * 1000);
    this.authHeaders = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    this.client = new UpstreamClient(this.root, this.timeoutMs);
    this.scrub = new SecretScrubber([options.apiKey]);
    const tokenizeBody = wire.tokenizeBody;
    this.countTokens = tokenizeBody
      ? (request, signal) => this.tokenize(tokenizeBody(request), request.headers, signal)
      : undefined;
  }

  async listModels(signal?: CancelSignal): Promise<ModelInfo[]> {
    const body = (await this.requestJson('GET', '/v1/models', undefined, undefined, signal)) as { data?: ModelInfo[] };
    if (!Array.isArray(body.data)) throw errors.backendProtocol('GET /v1/models did not return a model list.');
    return body.data;
  }

  /** Present only for servers with vLLM's `/tokenize`, so callers can test for the capability. */
  readonly countTokens: ((request: ModelRequest, signal?: CancelSignal) => Promise<number>) | undefined;

  private async tokenize(
    payload: Record<string, unknown>,
    headers: Record<string, string> | undefined,
    signal?: CancelSignal,
  ): Promise<number> {
    const body = (await this.requestJson('POST', '/tokenize', payload, headers, signal)) as { count?: unknown };
    if (typeof body.count !== 'number') throw errors.backendProtocol('POST /tokenize did not return a count.');
    return body.count;
  }

  async stream(request: ModelRequest, options: StreamOptions): Promise<AsyncIterable<ModelPart>> {
    const body = JSON.stringify(this.wire.buildBody(request));
    let exchange: Exchange;
    try {
      exchange = await this.client.send(
        'POST',
        this.wire.path,
        body,
        this.headers('text/event-stream', request.headers),
        options.signal,
      );
    } catch (error) {
      throw this.scrub.error(error);
    }
    const status = exchange.status;
    if (status < 200 || status > 299) throw await this.httpError(exchange, options.signal);
    if (isJsonMediaType(exchange.header('content-type'))) throw await this.notAStream(exchange, options.signal);
    return new PartStream(exchange, options.signal, this.timeoutMs, this.wire.decoder(options.requestId, this.scrub));
  }

  /** Closes the pooled upstream connections. */
  close(): Promise<void> {
    return this.client.close();
  }

  private headers(accept: string, extra: Record<string, string> | undefined): Record<string, string> {
    return Object.assign({ accept }, extra, this.authHeaders);
  }

  private async httpError(exchange: Exchange, signal: CancelSignal | undefined): Promise<GatewayError> {
    const status = exchange.status;
    const retry = retryAfterFrom(status, (name) => exchange.header(name));
    let text = '';
    try {
      text = await this.client.readText(exchange, signal);
    } catch {
      // The status alone still makes a useful error.
    }
    return this.scrub.error(upstreamError(status, parseErrorBody(text), retry));
  }

  /**
   * A server that ignores `stream: true` (or answers an error with a 200) sends one JSON body: said
   * so, with the start of the body, instead of "the stream ended early".
   */
  private async notAStream(exchange: Exchange, signal: CancelSignal | undefined): Promise<GatewayError> {
    // Read before the body: the exchange lets its headers go once a reader takes the body.
    const contentType = exchange.header('content-type');
    let text = '';
    try {
      text = await this.client.readText(exchange, signal);
    } catch {
      // The content type alone still says what went wrong.
    }
    const start = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return this.scrub.error(
      errors.backendProtocol(
        `The backend answered POST ${this.wire.path} with a JSON body (content-type ${contentType}) where an event stream was asked for: ${start}`,
      ),
    );
  }

  private async requestJson(
    method: 'GET' | 'POST',
    path: string,
    payload: unknown,
    headers: Record<string, string> | undefined,
    signal: CancelSignal | undefined,
  ): Promise<unknown> {
    let exchange: Exchange;
    try {
      exchange = await this.client.send(
        method,
        path,
        payload === undefined ? undefined : JSON.stringify(payload),
        this.headers('application/json', headers),
        signal,
      );
    } catch (error) {
      throw this.scrub.error(error);
    }
    try {
      const status = exchange.status;
      if (status < 200 || status > 299) throw await this.httpError(exchange, signal);
      const text = await this.client.readText(exchange, signal);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw errors.backendProtocol(`${method} ${path} returned invalid JSON.`);
      }
    } catch (error) {
      exchange.abort();
      if (isGatewayError(error)) throw error;
      if (signal?.aborted) throw signal.reason ?? error;
      throw this.scrub.error(errors.backendUnreachable(this.root, describe(error)));
    }
  }
}
