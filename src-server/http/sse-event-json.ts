/**
 * An event's JSON for the SSE `data:` line. Text deltas, most of a stream's events, have a fixed
 * shape: theirs is filled into a template (their strings still go through JSON.stringify), about
 * half the cost of serializing the object. The opening lifecycle events reuse the JSON of a
 * response object already serialized (shared/protocol/response-json.ts). Every other event, and
 * one whose keys, key order or value types are not exactly the template's, goes through
 * JSON.stringify, so the bytes are always what JSON.stringify(event) writes.
 */
import type { WireEvent } from '../engine/contract.js';
import { isTerminalEventType } from '../shared/protocol/events.js';
import { responseJson } from '../shared/protocol/response-json.js';

const TEXT_DELTA = 'response.output_text.delta';
/** The keys of a text delta in the order the engine builds them (the emitter numbers it last). */
const TEXT_DELTA_KEYS = ['type', 'item_id', 'output_index', 'content_index', 'delta', 'logprobs', 'sequence_number'];

/** The keys of an opening lifecycle event (`response.created`, `queued`, `in_progress`) in the engine's order. */
const LIFECYCLE_KEYS = ['type', 'response', 'sequence_number'];
export function eventJson(event: WireEvent): string {
  if (event.type === TEXT_DELTA) return textDeltaJson(event) ?? JSON.stringify(event);
  // A terminal event's response is written once: keeping its JSON would only hold memory.
  if ('response' in event && !isTerminalEventType(event.type)) return lifecycleJson(event) ?? JSON.stringify(event);
  return JSON.stringify(event);
}

/** A lifecycle event with its response's JSON reused; undefined when the event is not exactly that shape. */
function lifecycleJson(event: WireEvent): string | undefined {
  let k = 0;
  for (const key in event) if (key !== LIFECYCLE_KEYS[k++]) return undefined;
  const response = event.response;
  if (k !== LIFECYCLE_KEYS.length || typeof response !== 'object' || response === null) return undefined;
  if (!isIndex(event.sequence_number) || 'toJSON' in response) return undefined;
  return `{"type":${JSON.stringify(event.type)},"response":${responseJson(response)},"sequence_number":${event.sequence_number}}`;
}

/** The template for a text delta without logprobs; undefined when the event is not exactly that shape. */
function textDeltaJson(event: WireEvent): string | undefined {
  let k = 0;
  for (const key in event) if (key !== TEXT_DELTA_KEYS[k++]) return undefined;
  if (k !== TEXT_DELTA_KEYS.length) return undefined;
  const { item_id: itemId, output_index: output, content_index: content, delta, logprobs } = event;
  if (
    typeof itemId !== 'string' ||
    typeof delta !== 'string' ||
    !isIndex(output) ||
    !isIndex(content) ||
    !isIndex(event.sequence_number) ||
    !Array.isArray(logprobs) ||
    logprobs.length !== 0
  )
    return undefined;
  return `{"type":"${TEXT_DELTA}","item_id":${JSON.stringify(itemId)},"output_index":${output},"content_index":${content},"delta":${JSON.stringify(delta)},"logprobs":[],"sequence_number":${event.sequence_number}}`;
}

/** A number JSON writes as its decimal digits (an integer index). */
function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0);
}
