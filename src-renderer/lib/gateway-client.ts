/**
 * The console's only way to reach the gateway: fetch + SSE parsing. Runs the same in a browser
 * and in the Electron window (everything goes over HTTP, the preload only adds OS services).
 */
import { createParser } from 'eventsource-parser';
import { CONSOLE_SECRET_HEADER } from '../../src-server/protocol/console-auth.js';
import { bridge } from './bridge.js';

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
  /** Clock, injectable for tests. */
  now?: () => number;
}

const encoder = new TextEncoder();

export function apiUrl(connection: Connection, path: string): string {
  return `${connection.baseUrl.replace(/\/+$/, '')}${path}`;
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

function headersToRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => (out[key.toLowerCase()] = value));
  return out;
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

/** POSTs a Responses request and streams its events. Resolves when the stream ends. */
export async function streamResponse(req: StreamRequest): Promise<StreamResult> {
  const now = req.now ?? (() => performance.now());
  const started = now();
  let res: Response;
  try {
    res = await fetch(apiUrl(req.connection, '/v1/responses'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...authHeaders(req.connection),
        ...req.headers,
      },
      body: JSON.stringify(req.body),
      signal: req.signal,
    });
  } catch (e) {
    const aborted = req.signal?.aborted ?? false;
    return { status: 0, headers: {}, aborted, transportError: aborted ? undefined : (e as Error).message };
  }
  const start: StreamStart = { status: res.status, headers: headersToRecord(res.headers) };
  req.onStart?.(start);
  const contentType = start.headers['content-type'] ?? '';
  if (!contentType.includes('text/event-stream') || !res.body) {
    const text = await res.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text so the error is still shown verbatim.
    }
    return { ...start, body, aborted: false };
  }
  const parser = createParser({
    onEvent: (message) => req.onEvent(toReceivedEvent(message.event, message.data, now() - started)),
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch (e) {
    const aborted = req.signal?.aborted ?? false;
    return { ...start, aborted, transportError: aborted ? undefined : (e as Error).message };
  }
  return { ...start, aborted: false };
}

export async function getJson<T = unknown>(
  connection: Connection,
  path: string,
  signal?: AbortSignal,
): Promise<{ status: number; body: T | null; error?: string }> {
  try {
    const res = await fetch(apiUrl(connection, path), { headers: authHeaders(connection), signal });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      return { status: res.status, body: null, error: `not JSON: ${text.slice(0, 200)}` };
    }
  } catch (e) {
    return { status: 0, body: null, error: (e as Error).message };
  }
}

export async function postJson<T = unknown>(
  connection: Connection,
  path: string,
  body: unknown,
): Promise<{ status: number; body: T | null; error?: string }> {
  try {
    const res = await fetch(apiUrl(connection, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(connection) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      return { status: res.status, body: null, error: text.slice(0, 500) };
    }
  } catch (e) {
    return { status: 0, body: null, error: (e as Error).message };
  }
}
