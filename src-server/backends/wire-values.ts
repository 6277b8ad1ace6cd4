/**
 * Checks of the values a wire's stream carries, shared by every decoder (chat-completions/,
 * vllm-responses/): a text field, a token count, token logprobs. A decoder that finds a value
 * failing them ends the stream with `backend_protocol_error` naming the field.
 */
import type { TokenLogprob } from './contract.js';

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Absent, null, or a string: what a text field of a chunk may be. */
export function optionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A required token count: absent is 0, a whole number ≥ 0 is itself, anything else undefined. */
export function count(value: unknown): number | undefined {
  if (value === undefined || value === null) return 0;
  return isCount(value) ? value : undefined;
}

function isTokenLogprob(value: unknown, top: boolean): boolean {
  if (!isJsonObject(value) || typeof value.token !== 'string' || typeof value.logprob !== 'number') return false;
  const bytes = value.bytes;
  if (bytes !== undefined && bytes !== null && !(Array.isArray(bytes) && bytes.every((b) => Number.isInteger(b))))
    return false;
  if (top) return true;
  const alternatives = value.top_logprobs;
  return (
    alternatives === undefined ||
    alternatives === null ||
    (Array.isArray(alternatives) && alternatives.every((t) => isTokenLogprob(t, true)))
  );
}

/** Token logprobs as Chat chunks and vLLM's Responses deltas carry them (`bytes` optional). */
export function isLogprobList(value: unknown): value is TokenLogprob[] {
  return Array.isArray(value) && value.every((entry) => isTokenLogprob(entry, false));
}
