/**
 * Turns a recorded stream into timings and checks it is whole: the direct path reads the
 * simulator's Chat Completions chunks, the gateway path reads Responses events. A stream that
 * lost, duplicated or reordered anything is a broken run, not a slow one.
 */
import type { StreamRecord } from './sse-client.js';

export type PathKind = 'chat' | 'responses';

export interface StreamAnalysis {
  /** Arrival of the first SSE data event, relative to the request start (ms). */
  firstEventMs: number;
  /** Arrival of the first content delta, relative to the request start (ms). */
  firstDeltaMs: number;
  /** Arrival times (performance.now()) of every content delta, in order. */
  deltaAt: number[];
  deltaText: string[];
  /** Empty when the stream is whole. */
  problems: string[];
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null } }[];
}

interface ResponsesEvent {
  type?: string;
  sequence_number?: number;
  delta?: string;
  text?: string;
}

export function analyze(kind: PathKind, record: StreamRecord, expectedDeltas: number): StreamAnalysis {
  const out: StreamAnalysis = {
    firstEventMs: Number.NaN,
    firstDeltaMs: Number.NaN,
    deltaAt: [],
    deltaText: [],
    problems: [],
  };
  if (record.error !== undefined) out.problems.push(record.error);
  if (record.events.length > 0) out.firstEventMs = record.events[0].at - record.startedAt;
  if (kind === 'chat') analyzeChat(record, out);
  else analyzeResponses(record, out);
  if (out.deltaAt.length > 0) out.firstDeltaMs = out.deltaAt[0] - record.startedAt;
  if (out.deltaAt.length !== expectedDeltas)
    out.problems.push(`expected ${expectedDeltas} content deltas, got ${out.deltaAt.length}`);
  return out;
}

function parse<T>(data: string, out: StreamAnalysis): T | undefined {
  try {
    return JSON.parse(data) as T;
  } catch {
    out.problems.push(`unparseable event data: ${data.slice(0, 80)}`);
    return undefined;
  }
}

function analyzeChat(record: StreamRecord, out: StreamAnalysis): void {
  let sawDone = false;
  for (const ev of record.events) {
    if (ev.data === '[DONE]') {
      sawDone = true;
      continue;
    }
    if (sawDone) out.problems.push('chunk after [DONE]');
    const chunk = parse<ChatChunk>(ev.data, out);
    const content = chunk?.choices?.[0]?.delta?.content;
    if (typeof content === 'string' && content.length > 0) {
      out.deltaAt.push(ev.at);
      out.deltaText.push(content);
    }
  }
  if (!sawDone) out.problems.push('no [DONE]');
}

function analyzeResponses(record: StreamRecord, out: StreamAnalysis): void {
  let seq = 0;
  let last: string | undefined;
  let doneText: string | undefined;
  for (const ev of record.events) {
    if (ev.data === '[DONE]') continue;
    const event = parse<ResponsesEvent>(ev.data, out);
    if (!event) continue;
    if (event.sequence_number !== seq)
      out.problems.push(
        `sequence_number ${String(event.sequence_number)} where ${seq} was due (${String(event.type)})`,
      );
    seq++;
    if (ev.event !== undefined && ev.event !== event.type)
      out.problems.push(`event name ${ev.event} differs from type ${String(event.type)}`);
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') {
      out.deltaAt.push(ev.at);
      out.deltaText.push(event.delta);
    } else if (event.type === 'response.output_text.done') {
      doneText = event.text;
    }
    last = event.type;
  }
  if (last !== 'response.completed') out.problems.push(`last event is ${String(last)}, not response.completed`);
  if (doneText !== undefined && doneText !== out.deltaText.join(''))
    out.problems.push('output_text.done text differs from the concatenated deltas');
}

/**
 * Lag of delta k behind the stream's own best schedule: offset_k = arrival_k − k × tokenMs, lag_k =
 * offset_k − min(offset). Anchoring on the earliest offset (not on delta 0) keeps a late first
 * delta from making the rest look early.
 */
export function lags(deltaAt: readonly number[], tokenMs: number): number[] {
  const offsets = deltaAt.map((at, k) => at - k * tokenMs);
  const best = offsets.reduce((a, b) => (b < a ? b : a), Infinity);
  return offsets.map((o) => o - best);
}

/** The gaps and schedule lags of all streams of one paced burst, pooled (ms). */
export function burstTimings(
  streams: readonly Pick<StreamAnalysis, 'deltaAt'>[],
  tokenMs: number,
): { gaps: number[]; lags: number[] } {
  const out = { gaps: [] as number[], lags: [] as number[] };
  for (const s of streams) {
    out.gaps.push(...gaps(s.deltaAt));
    out.lags.push(...lags(s.deltaAt, tokenMs));
  }
  return out;
}

/**
 * The gaps of a burst split by the delta they end: those ending at deltas 1…`setUpDeltas` (while
 * the burst's other streams may still be being set up: their requests, backend requests and first
 * events share the event loop with these deltas) and the later ones, pooled over all streams (ms).
 */
export function gapsBySetUp(
  streams: readonly Pick<StreamAnalysis, 'deltaAt'>[],
  setUpDeltas: number,
): { setUp: number[]; after: number[] } {
  const setUp: number[] = [];
  const after: number[] = [];
  // Gap i ends at delta i + 1.
  for (const s of streams) gaps(s.deltaAt).forEach((gap, i) => (i < setUpDeltas ? setUp : after).push(gap));
  return { setUp, after };
}

/** Gaps between consecutive content deltas of one stream (ms). */
export function gaps(deltaAt: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < deltaAt.length; i++) out.push(deltaAt[i] - deltaAt[i - 1]);
  return out;
}
