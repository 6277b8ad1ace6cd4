/**
 * The console's only way to reach a gateway: every HTTP call goes through `gatewayFetch`, which
 * adds the connection's headers and, when asked, records the exchange exactly as it went (method,
 * URL, headers and body as sent, status, response headers, raw body or SSE bytes). Runs the same
 * in a browser and in the Electron window (everything goes over HTTP, the preload only adds OS
 * services).
 */
import { createParser } from 'eventsource-parser';
import { CONSOLE_SECRET_HEADER } from '../../src-server/shared/protocol/console-auth.js';
import { bridge } from './bridge.js';
import { ExchangeRecorder, type Exchange } from './exchange.js';

export type { Exchange } from './exchange.js';

export interface Connection {
  /** Base URL of a Responses API server; '' means the origin that served the console. */
  baseUrl: string;
  apiKey?: string;
}

/** One SSE event as the console saw it, with its arrival time and size on the wire. */
export interface ReceivedEvent {
  /** Parsed JSON payload, or null for `[DONE]` / unparsable data. */
  data: Record<string, unknown> | null;
  type: string;
  /** SSE `event:` field, when present. */
  sseEvent?: string;
  sequenceNumber: number | null;
  /** Raw `data:` text. */
  raw: string;
  /** UTF-8 bytes of the data line. */
  bytes: number;
  /** Milliseconds since the request was sent. */
  t: number;
  parseError?: string;
}

export interface StreamStart {
  status: number;
  headers: Record<string, string>;
}

export interface StreamResult extends StreamStart {
  /** Body of a non-SSE answer (an error or a non-streaming response). */
  body?: unknown;
  aborted: boolean;
  /** Transport failure (network, reset) — never an HTTP status. */
  transportError?: string;
}

export interface StreamRequest {
  connection: Connection;
  body: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  onStart?: (start: StreamStart) => void;
  onEvent: (event: ReceivedEvent) => void;
  /** Receives the exchange record as soon as the request is sent; it fills in as the answer arrives. */
  onExchange?: (exchange: Exchange) => void;
  /** Clock, injectable for tests. */
  now?: () => number;
}

const encoder = new TextEncoder();

export function apiUrl(connection: Connection, path: string): string {
  return `${connection.baseUrl.replace(/\/+$/, '')}${path}`;
}

/** The URL as a user would type it: relative URLs resolved against the page that served the console. */
export function absoluteUrl(url: string): string {
  if (/^https?:\/\//.test(url)) return url;
  return typeof location !== 'undefined' ? new URL(url, location.href).toString() : url;
}

/**
 * The credentials of every request to a gateway: the connection's API key, and in the desktop app
 * this launch's console secret (from the preload), which the app's gateways require on their
 * console and library routes (docs/headers.md).
 */
export function authHeaders(connection: Connection): Record<string, string> {
  const headers: Record<string, string> = connection.apiKey ? { authorization: `Bearer ${connection.apiKey}` } : {};
  const secret = bridge()?.consoleSecret;
  if (secret) headers[CONSOLE_SECRET_HEADER] = secret;
  return headers;
}

export function headersToRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => (out[key.toLowerCase()] = value));
  return out;
}

export interface GatewayFetchInit {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is; objects are sent as JSON with `content-type: application/json`. */
  body?: string | object;
  signal?: AbortSignal;
  /** Record this exchange (request as sent, answer as received). */
  record?: ExchangeRecorder;
}

/**
 * Every request the console makes. State-changing requests always carry a body with its content
 * type: JSON objects as `application/json`.
 */
export async function gatewayFetch(
  connection: Connection,
  path: string,
  init: GatewayFetchInit = {},
): Promise<Response> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { ...authHeaders(connection), ...init.headers };
  let body: string | undefined;
  if (typeof init.body === 'string') body = init.body;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const url = apiUrl(connection, path);
  init.record?.sent({ method, url: absoluteUrl(url), headers, body: body ?? '' });
  return fetch(url, { method, headers, body, signal: init.signal });
}

/** Turns one SSE message into a ReceivedEvent. Exported for the timeline's own tests. */
export function toReceivedEvent(eventName: string | undefined, raw: string, t: number): ReceivedEvent {
  const ev = parseData(eventName, raw, t);
  if (eventName !== undefined) ev.sseEvent = eventName;
  return ev;
}

function parseData(eventName: string | undefined, raw: string, t: number): ReceivedEvent {
  const bytes = encoder.encode(raw).length;
  if (raw === '[DONE]') return { data: null, type: '[DONE]', sequenceNumber: null, raw, bytes, t };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return {
        data: null,
        type: eventName ?? 'unknown',
        sequenceNumber: null,
        raw,
        bytes,
        t,
        parseError: 'data is not a JSON object',
      };
    }
    const data = parsed as Record<string, unknown>;
    const type = typeof data.type === 'string' ? data.type : (eventName ?? 'unknown');
    const sequenceNumber = typeof data.sequence_number === 'number' ? data.sequence_number : null;
    return { data, type, sequenceNumber, raw, bytes, t };
  } catch (e) {
    return {
      data: null,
      type: eventName ?? 'unknown',
      sequenceNumber: null,
      raw,
      bytes,
      t,
      parseError: (e as Error).message,
    };
  }
}

/** Parses a body as JSON, keeping the text when it is not JSON (errors are shown verbatim). */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * POSTs a Responses request and streams its events. Resolves when the stream ends. A
 * non-streaming answer (JSON) comes back whole in `body`.
 */
export async function streamResponse(req: StreamRequest): Promise<StreamResult> {
  const now = req.now ?? (() => performance.now());
  const started = now();
  const record = new ExchangeRecorder('Create response', now);
  let res: Response;
  try {
    const pending = gatewayFetch(req.connection, '/v1/responses', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...req.headers },
      body: JSON.stringify(req.body),
      signal: req.signal,
      record,
    });
    req.onExchange?.(record.exchange);
    res = await pending;
  } catch (e) {
    const aborted = req.signal?.aborted ?? false;
    record.failed(aborted ? 'aborted before an answer arrived' : (e as Error).message);
    return { status: 0, headers: {}, aborted, transportError: aborted ? undefined : (e as Error).message };
  }
  const start: StreamStart = { status: res.status, headers: headersToRecord(res.headers) };
  record.answered(start.status, start.headers);
  req.onStart?.(start);
  const contentType = start.headers['content-type'] ?? '';
  if (!contentType.includes('text/event-stream') || !res.body) {
    let text = '';
    try {
      text = await res.text();
    } catch (e) {
      const aborted = req.signal?.aborted ?? false;
      record.failed(aborted ? 'aborted while the body arrived' : (e as Error).message);
      return { ...start, aborted, transportError: aborted ? undefined : (e as Error).message };
    }
    record.body(text);
    record.ended();
    return { ...start, body: parseBody(text), aborted: false };
  }
  record.exchange.streaming = true;
  const parser = createParser({
    onEvent: (message) => req.onEvent(toReceivedEvent(message.event, message.data, now() - started)),
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      record.body(value);
      parser.feed(value);
    }
  } catch (e) {
    const aborted = req.signal?.aborted ?? false;
    record.failed(aborted ? 'aborted by the user' : (e as Error).message);
    return { ...start, aborted, transportError: aborted ? undefined : (e as Error).message };
  }
  record.ended();
  return { ...start, aborted: false };
}

export interface JsonAnswer<T> {
  status: number;
  body: T | null;
  headers?: Record<string, string>;
  error?: string;
}

async function jsonAnswer<T>(res: Response, record?: ExchangeRecorder): Promise<JsonAnswer<T>> {
  const headers = headersToRecord(res.headers);
  record?.answered(res.status, headers);
  const text = await res.text();
  record?.body(text);
  record?.ended();
  try {
    return { status: res.status, body: JSON.parse(text) as T, headers };
  } catch {
    return { status: res.status, body: null, headers, error: text.slice(0, 500) || `HTTP ${res.status}` };
  }
}

export async function getJson<T = unknown>(
  connection: Connection,
  path: string,
  signal?: AbortSignal,
): Promise<JsonAnswer<T>> {
  try {
    return await jsonAnswer<T>(await gatewayFetch(connection, path, { signal }));
  } catch (e) {
    return { status: 0, body: null, error: (e as Error).message };
  }
}

/** Sends JSON (POST unless `method` says otherwise) and reads a JSON answer. */
export async function sendJson<T = unknown>(
  connection: Connection,
  path: string,
  body: unknown,
  options: { method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; record?: ExchangeRecorder } = {},
): Promise<JsonAnswer<T>> {
  try {
    const res = await gatewayFetch(connection, path, {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
      record: options.record,
    });
    return await jsonAnswer<T>(res, options.record);
  } catch (e) {
    options.record?.failed((e as Error).message);
    return { status: 0, body: null, error: (e as Error).message };
  }
}

export function postJson<T = unknown>(connection: Connection, path: string, body: unknown): Promise<JsonAnswer<T>> {
  return sendJson<T>(connection, path, body);
}

/** The `ws://` / `wss://` URL of a connection's Responses WebSocket (relative base URLs: the console's origin). */
export function webSocketUrl(connection: Connection, query: Record<string, string> = {}): string {
  const url = new URL(absoluteUrl(apiUrl(connection, '/v1/responses')));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

const TERMINAL_TYPES = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/**
 * Sends one Responses request over the WebSocket transport (docs/streaming.md#websocket): opens
 * `GET /v1/responses` as a WebSocket, sends the body as a `response.create` message and feeds
 * every event frame to `onEvent`, like streamResponse does with SSE. The exchange records the
 * upgrade and every frame, both directions, with its time. An error frame ends the request as
 * an error answer with the frame's status. Browsers cannot set headers on a WebSocket: the
 * dialect and extension switches travel as query parameters, and a gateway that requires an API
 * key cannot be reached this way (its upgrade answers 401).
 */
export function streamResponseOverWebSocket(req: StreamRequest): Promise<StreamResult> {
  const now = req.now ?? (() => performance.now());
  const started = now();
  const record = new ExchangeRecorder('Create response (WebSocket)', now);
  const headers = req.headers ?? {};
  const query: Record<string, string> = {};
  const header = (name: string): string | undefined =>
    Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const dialect = header('x-responses-dialect');
  const extensions = header('x-responses-extensions');
  if (dialect) query.dialect = dialect;
  if (extensions) query.extensions = extensions;
  const url = webSocketUrl(req.connection, query);
  const { stream: _stream, background: _background, ...fields } = req.body as Record<string, unknown>;
  const message = JSON.stringify({ type: 'response.create', ...fields });
  record.sent({ method: 'GET', url, headers: {}, body: message });
  record.exchange.transport = 'websocket';
  record.exchange.streaming = true;
  req.onExchange?.(record.exchange);
  return new Promise<StreamResult>((resolve) => {
    let settled = false;
    let opened = false;
    const socket = new WebSocket(url);
    const finish = (result: StreamResult, failure?: string): void => {
      if (settled) return;
      settled = true;
      req.signal?.removeEventListener('abort', onAbort);
      if (failure) record.failed(failure);
      else record.ended();
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
      resolve(result);
    };
    const onAbort = (): void => finish({ status: opened ? 101 : 0, headers: {}, aborted: true }, 'aborted by the user');
    req.signal?.addEventListener('abort', onAbort, { once: true });
    socket.onopen = () => {
      opened = true;
      record.answered(101, {});
      req.onStart?.({ status: 101, headers: {} });
      record.frame('sent', message);
      socket.send(message);
    };
    socket.onmessage = (e: MessageEvent) => {
      const text = typeof e.data === 'string' ? e.data : '';
      record.frame('received', text);
      const ev = toReceivedEvent(undefined, text, now() - started);
      const data = ev.data;
      if (data && data.type === 'error' && typeof data.sequence_number !== 'number') {
        const status = typeof data.status === 'number' ? data.status : 400;
        // The exchange's status is the error frame's (the upgrade itself was a 101).
        record.exchange.status = status;
        finish({ status, headers: {}, body: { error: data.error }, aborted: false });
        return;
      }
      req.onEvent(ev);
      if (TERMINAL_TYPES.has(ev.type)) finish({ status: 101, headers: {}, aborted: false });
    };
    socket.onclose = (e: CloseEvent) => {
      const why = opened
        ? `the WebSocket closed (${e.code}${e.reason ? `: ${e.reason}` : ''}) before the response ended`
        : 'the WebSocket upgrade was refused (the gateway needs no API key for the console to use WebSockets)';
      finish({ status: opened ? 101 : 0, headers: {}, aborted: false, transportError: why }, why);
    };
  });
}
