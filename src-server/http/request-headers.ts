/**
 * Per-request header handling (M5, L7): the request id, the OpenAI headers every response
 * carries, and the per-request switches (dialect, extensions) read from request headers.
 */
import type { IncomingMessage } from 'node:http';
import { errors } from '../shared/protocol/errors.js';
import type { Dialect } from '../shared/protocol/events.js';
import { newRequestId } from '../ids/ids.js';

/** The API version the gateway speaks, sent as `openai-version` like the real API. */
export const OPENAI_VERSION = '2020-10-01';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is a sane token, else a fresh `req_…` id. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && SANE_ID.test(given)) return given;
  return newRequestId();
}

/** Headers on every response, errors included. `openai-processing-ms` is added when headers are written. */
export function baseHeaders(req: IncomingMessage, requestId: string): Record<string, string> {
  const out: Record<string, string> = { 'x-request-id': requestId, 'openai-version': OPENAI_VERSION };
  for (const name of ['openai-organization', 'openai-project'] as const) {
    const v = req.headers[name];
    if (typeof v === 'string' && v.length <= 256 && !/[\r\n]/.test(v)) out[name] = v;
  }
  return out;
}

function single(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * `X-Responses-Dialect` overrides `--responses-dialect`. A bad value is the client's mistake and
 * gets a 400 rather than a silent fallback, so a typo never changes event names unnoticed.
 */
export function dialectFor(req: IncomingMessage, fallback: Dialect): Dialect {
  const raw = single(req, 'x-responses-dialect');
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'openai' || v === 'open-responses') return v;
  throw errors.invalidHeader('X-Responses-Dialect', `must be 'openai' or 'open-responses', got '${raw.slice(0, 64)}'`);
}

/** `X-Responses-Extensions: on|off` overrides `--responses-extensions`. */
export function extensionsFor(req: IncomingMessage, fallback: boolean): boolean {
  const raw = single(req, 'x-responses-extensions');
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'on' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'false' || v === '0') return false;
  throw errors.invalidHeader('X-Responses-Extensions', `must be 'on' or 'off', got '${raw.slice(0, 64)}'`);
}

/** `x-simulator-*` request headers, forwarded to the backend (simulator latency / fault selection). */
export function simulatorHeaders(req: IncomingMessage): Record<string, string> | undefined {
  // Asked on every create request: no entries array.
  let out: Record<string, string> | undefined;
  const headers = req.headers;
  for (const name in headers) {
    if (!name.startsWith('x-simulator-')) continue;
    const value = headers[name];
    if (value === undefined) continue;
    (out ??= {})[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
