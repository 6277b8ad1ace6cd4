/** Shared by the robustness tests: bodies that used to take the process down, and the error envelope check. */
import { expect } from 'vitest';

/** JSON text of a value nested `depth` levels deep: `{"a":{"a":…}}` or `[[…]]`. */
export function deepJson(depth: number, kind: 'object' | 'array' = 'object', leaf = '1'): string {
  return kind === 'object'
    ? '{"a":'.repeat(depth) + leaf + '}'.repeat(depth)
    : '['.repeat(depth) + leaf + ']'.repeat(depth);
}

export interface ErrorEnvelope {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** The OpenAI error envelope, exactly: `{"error": {message, type, param, code}}` with those types. */
export function envelopeProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not an object';
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return `top-level keys ${JSON.stringify(keys)}`;
  const e = (body as { error: unknown }).error;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'error is not an object';
  const f = e as Record<string, unknown>;
  for (const k of ['message', 'type', 'param', 'code']) if (!(k in f)) return `error.${k} is missing`;
  if (typeof f.message !== 'string' || f.message === '') return 'error.message is not a non-empty string';
  if (typeof f.type !== 'string') return 'error.type is not a string';
  if (f.param !== null && typeof f.param !== 'string') return 'error.param is not a string or null';
  if (f.code !== null && typeof f.code !== 'string') return 'error.code is not a string or null';
  return null;
}

/** Asserts status and envelope of an error response; returns the error. */
export async function expectError(
  res: Response,
  status: number,
  fields: Partial<ErrorEnvelope> = {},
): Promise<ErrorEnvelope> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}: not JSON: ${text.slice(0, 300)}`);
  }
  expect(envelopeProblem(body), text.slice(0, 300)).toBeNull();
  const error = (body as { error: ErrorEnvelope }).error;
  expect({ status: res.status, ...pick(error, Object.keys(fields)) }, text.slice(0, 300)).toEqual({
    status,
    ...fields,
  });
  return error;
}

function pick(e: ErrorEnvelope, keys: string[]): Partial<ErrorEnvelope> {
  return Object.fromEntries(keys.map((k) => [k, e[k as keyof ErrorEnvelope]]));
}

/** The function tools a fuzzed request may carry (the simulator calls one of them). */
export const FUZZ_TOOLS = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } },
];
