/**
 * One HTTP exchange as the console made it: the request exactly as sent (method, absolute URL,
 * the headers the console set, the body string) and the answer as received (status, headers, the
 * raw body or the raw SSE text). The Exchange view shows it and "Copy as curl" rebuilds exactly
 * this request.
 *
 * `transport` is 'http' for every exchange today; a WebSocket transport would add its frames
 * (one entry per frame, with direction and time) as a second kind here.
 */

/** Request headers whose values are credentials: shown and copied as [REDACTED]. */
const SECRET_HEADER = /^(authorization|proxy-authorization|api-key|x-api-key|cookie)$|secret|token/i;
export const REDACTED = '[REDACTED]';

/** Raw answer text kept per exchange; beyond it the view says how much was not kept. */
export const MAX_KEPT_BODY_CHARS = 4 * 1024 * 1024;

export interface Exchange {
  transport: 'http';
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

  failed(message: string): void {
    this.exchange.state = 'failed';
    this.exchange.error = message;
    this.exchange.durationMs = this.now() - this.exchange.sentAt;
  }
}
