/**
 * E4: no SSE event larger than `--responses-sse-event-max-bytes` because of a long delta. A delta
 * event whose serialized SSE frame would exceed the limit is split into several delta events of
 * the same type (each gets its own sequence number downstream); their deltas concatenate to the
 * original, so `.done` texts still match (the validator's text.concat rule).
 *
 * Events that carry whole accumulated content (`.done`, `output_item.done`, lifecycle snapshots)
 * cannot be split without changing the protocol; they are as large as the content itself.
 */
import type { EventStage, ResponseEvent } from './events.js';

/** The fields of a delta event that splitting reads and writes. */
type DeltaFields = { type: string; delta?: unknown; logprobs?: unknown };

const encoder = new TextEncoder();

/** Room left for the sequence number (up to 15 digits) that the emitter adds later. */
const SEQUENCE_ROOM = '"sequence_number":999999999999999,'.length;

function frameBytes(event: DeltaFields): number {
  return encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).length + SEQUENCE_ROOM;
}

/** Bytes a piece of text takes inside a JSON string (escapes included). */
function jsonBytes(text: string): number {
  return encoder.encode(JSON.stringify(text)).length - 2;
}

/**
 * Splits `text` into pieces of at most `budget` JSON-encoded bytes, never inside a surrogate pair.
 * Assumes budget >= 12 (the largest escape of one code point).
 */
export function splitText(text: string, budget: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let size = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) as number;
    const width = code > 0xffff ? 2 : 1;
    const bytes = jsonBytes(text.slice(i, i + width));
    if (size + bytes > budget && i > start) {
      pieces.push(text.slice(start, i));
      start = i;
      size = 0;
    }
    size += bytes;
    i += width;
  }
  if (start < text.length || pieces.length === 0) pieces.push(text.slice(start));
  return pieces;
}

/**
 * E4 as a stage of the event chain: the event itself (nothing allocated) unless its delta is too
 * large, else several copies carrying consecutive pieces of its `delta`.
 */
export function splitDeltaStage(maxBytes: number): EventStage {
  return (event) => {
    const fields = event as DeltaFields;
    const delta = fields.delta;
    if (typeof delta !== 'string' || maxBytes <= 0 || !event.type.endsWith('.delta')) return event;
    // Cheap bound first: UTF-8 and escapes take at most 6 bytes per UTF-16 unit.
    if (delta.length * 6 + 512 < maxBytes) return event;
    const total = frameBytes(fields);
    if (total <= maxBytes) return event;
    const overhead = frameBytes({ ...fields, delta: '', logprobs: [] });
    const budget = maxBytes - overhead;
    if (budget < 12) return event;
    // Token logprobs cannot be cut with the text: the first piece keeps them.
    return splitText(delta, budget).map((piece, i) => {
      const out: DeltaFields = { ...event, delta: piece };
      if (i > 0 && Array.isArray(fields.logprobs)) out.logprobs = [];
      return out as ResponseEvent;
    });
  };
}
