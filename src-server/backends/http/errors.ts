/**
 * Upstream error bodies → GatewayError (M2, M3). vLLM answers `{"object":"error","message",
 * "type":"NotFoundError","param","code":404}` (newer builds nest the same fields under `error`),
 * OpenAI-compatible servers `{"error":{...,"code":"string"}}`, FastAPI validation `{"detail":[...]}`.
 * Integer codes and vLLM's exception-style types are remapped to OpenAI strings.
 */
import { errors, retryHeaders, type GatewayError, type OpenAIErrorType } from '../../shared/protocol/errors.js';

const OPENAI_TYPES: ReadonlySet<string> = new Set<OpenAIErrorType>([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'rate_limit_error',
  'server_error',
  'api_error',
  'timeout_error',
]);

interface ErrorFields {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

function fieldsOf(body: unknown): ErrorFields | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.error === 'object' && b.error !== null) return b.error as ErrorFields;
  if (typeof b.error === 'string') return { message: b.error, code: b.code, type: b.type };
  if (b.object === 'error' || typeof b.message === 'string') return b as ErrorFields;
  if (b.detail !== undefined) return { message: typeof b.detail === 'string' ? b.detail : JSON.stringify(b.detail) };
  return undefined;
}

function typeForStatus(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 408 || status === 504) return 'timeout_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function codeForStatus(status: number, message: string): string {
  switch (status) {
    case 400:
    case 422:
      // vLLM Chat: "This model's maximum context length is N tokens. However, you requested M tokens …";
      // vLLM Responses: "The engine prompt length N exceeds the max_model_len M. Please reduce prompt."
      return /maximum context length|exceeds the max_model_len/i.test(message)
        ? 'context_length_exceeded'
        : 'invalid_request_error';
    case 401:
      return 'invalid_api_key';
    case 403:
      return 'permission_denied';
    case 404:
      return /model/i.test(message) ? 'model_not_found' : 'not_found';
    case 408:
      return 'request_timeout';
    case 409:
      return 'conflict';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_exceeded';
    case 501:
      return 'not_implemented';
    case 503:
      return 'server_overloaded';
    case 504:
      return 'backend_timeout';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

/** `Retry-After` / `retry-after-ms` from a 429/503, normalised to both headers (M3). */
export function retryAfterFrom(status: number, header: (name: string) => string | null): Record<string, string> {
  if (status !== 429 && status !== 503) return {};
  const ms = header('retry-after-ms');
  const after = header('retry-after');
  if (ms !== null && Number.isFinite(Number(ms))) {
    const out = retryHeaders(Number(ms));
    if (after !== null && /^\d+$/.test(after)) out['retry-after'] = String(Math.max(1, Number(after)));
    return out;
  }
  if (after === null) return {};
  if (/^\d+(\.\d+)?$/.test(after)) return retryHeaders(Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isFinite(date) ? retryHeaders(Math.max(0, date - Date.now())) : {};
}

/** An upstream error (HTTP status or an error object inside the stream) as a GatewayError. */
export function upstreamError(status: number, body: unknown, headers: Record<string, string> = {}): GatewayError {
  const f = fieldsOf(body) ?? {};
  // Error chunks inside a 200 stream carry their own code; fall back to it for the status.
  const numericCode = typeof f.code === 'number' && f.code >= 400 && f.code < 600 ? f.code : undefined;
  const effective = status >= 400 ? status : (numericCode ?? 500);
  const message =
    typeof f.message === 'string' && f.message !== '' ? f.message : `The backend answered with HTTP ${effective}.`;
  const code = typeof f.code === 'string' && f.code !== '' ? f.code : codeForStatus(effective, message);
  // OpenAI reports an unknown model as an invalid request, not a missing resource.
  const type =
    typeof f.type === 'string' && OPENAI_TYPES.has(f.type)
      ? (f.type as OpenAIErrorType)
      : code === 'model_not_found'
        ? 'invalid_request_error'
        : typeForStatus(effective);
  const param =
    typeof f.param === 'string'
      ? f.param
      : effective === 404 && code === 'model_not_found'
        ? 'model'
        : code === 'context_length_exceeded'
          ? 'input'
          : null;
  return errors.backendError(effective, message, code, type, param, headers);
}

/** Parses an error body that may be JSON or plain text. */
export function parseErrorBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.trim().slice(0, 2000) };
  }
}
