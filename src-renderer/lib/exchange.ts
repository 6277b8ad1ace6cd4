/**
 * One HTTP exchange as the console made it: the request exactly as sent (method, absolute URL,
 * the headers the console set, the body string) and the answer as received (status, headers, the
 * raw body or the raw SSE text). The Exchange view shows it and "Copy as curl" rebuilds exactly
 * this request.
 *
 * A WebSocket exchange (`transport: 'websocket'`) is the upgrade (`GET ws://…/v1/responses`, 101)
 * plus every frame in both directions with its time: the `response.create` message sent, each
 * event or error frame received.
 */

/** Request headers whose values are credentials: shown and copied as [REDACTED]. */
const SECRET_HEADER = /^(authorization|proxy-authorization|api-key|x-api-key|cookie)$|secret|token/i;
export const REDACTED = '[REDACTED]';

/** Raw answer text kept per exchange; beyond it the view says how much was not kept. */
export const MAX_KEPT_BODY_CHARS = 4 * 1024 * 1024;

/** One WebSocket frame as the console sent or received it. */
export interface ExchangeFrame {
  direction: 'sent' | 'received';
  /** Ms since the exchange was sent (the upgrade request). */
  t: number;
  /** The frame's text (kept up to MAX_KEPT_BODY_CHARS per exchange). */
  text: string;
  /** UTF-8 bytes of the frame. */
  bytes: number;
  /** The JSON `type` of the frame, when it has one. */
  type: string;
}

export interface Exchange {
  transport: 'http' | 'websocket';
  /** WebSocket exchanges: every frame, both directions, in order. */
  frames?: ExchangeFrame[];
  /** What the request was for: "Create response", "Tool outputs", … */
  label: string;
  method: string;
  url: string;
  /** The headers the console set (credentials redacted); the browser adds its own (Origin, User-Agent, …). */
  requestHeaders: Record<string, string>;
  /** The body exactly as sent ('' when none). */
  requestBody: string;
  /** Performance clock at send (ms). */
  sentAt: number;
  /** Wall-clock time of the send. */
  sentAtEpoch: number;
  status?: number;
  responseHeaders?: Record<string, string>;
  /** The raw answer: the JSON/text body, or the SSE text as it arrived. */
  responseBody: string;
  /** Characters received in total (may exceed what is kept). */
  responseChars: number;
  /** True when the answer was an SSE stream. */
  streaming: boolean;
  /** Ms from send to the last byte, once the exchange ended. */
  durationMs?: number;
  /** Transport failure or abort: the exchange ended without a complete answer. */
  error?: string;
  state: 'sending' | 'receiving' | 'done' | 'failed';
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADER.test(k) ? REDACTED : v;
  return out;
}

/** Fills an Exchange as the request goes out and its answer comes back. */
export class ExchangeRecorder {
  readonly exchange: Exchange;
  /** Characters of frame text received so far (what is kept stops at MAX_KEPT_BODY_CHARS). */
  private frameChars = 0;

  constructor(
    label: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.exchange = {
      transport: 'http',
      label,
      method: 'GET',
      url: '',
      requestHeaders: {},
      requestBody: '',
      sentAt: now(),
      sentAtEpoch: Date.now(),
      responseBody: '',
      responseChars: 0,
      streaming: false,
      state: 'sending',
    };
  }

  sent(request: { method: string; url: string; headers: Record<string, string>; body: string }): void {
    const x = this.exchange;
    x.method = request.method;
    x.url = request.url;
    x.requestHeaders = redactHeaders(request.headers);
    x.requestBody = request.body;
    x.sentAt = this.now();
    x.sentAtEpoch = Date.now();
  }

  answered(status: number, headers: Record<string, string>): void {
    this.exchange.status = status;
    this.exchange.responseHeaders = headers;
    this.exchange.state = 'receiving';
  }

  body(text: string): void {
    const x = this.exchange;
    x.responseChars += text.length;
    const room = MAX_KEPT_BODY_CHARS - x.responseBody.length;
    if (room > 0) x.responseBody += text.length <= room ? text : text.slice(0, room);
  }

  ended(): void {
    this.exchange.state = 'done';
    this.exchange.durationMs = this.now() - this.exchange.sentAt;
  }

  /** WebSocket: one frame sent or received, at the current time. */
  frame(direction: ExchangeFrame['direction'], text: string): void {
    const x = this.exchange;
    x.transport = 'websocket';
    x.frames ??= [];
    x.responseChars += text.length;
    let type = '';
    try {
      const parsed = JSON.parse(text) as { type?: unknown };
      if (typeof parsed.type === 'string') type = parsed.type;
    } catch {
      // Not JSON: shown as text.
    }
    const kept = this.frameChars;
    this.frameChars += text.length;
    x.frames.push({
      direction,
      t: this.now() - x.sentAt,
      text: kept + text.length <= MAX_KEPT_BODY_CHARS ? text : text.slice(0, Math.max(0, MAX_KEPT_BODY_CHARS - kept)),
      bytes: new TextEncoder().encode(text).length,
      type,
    });
  }

  failed(message: string): void {
    this.exchange.state = 'failed';
    this.exchange.error = message;
    this.exchange.durationMs = this.now() - this.exchange.sentAt;
  }
}
