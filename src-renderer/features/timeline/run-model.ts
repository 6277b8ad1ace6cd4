/**
 * A run as the console sees it: the request, the raw event log and what the events assemble into
 * (message text, reasoning, summaries, tool arguments). Pure data + functions, no React, so the
 * same code is unit-tested and used by the store.
 *
 * Runs hold their rows in an append-only array that is mutated in place: copying a 100k-row array
 * on every event would make a long stream quadratic. The store bumps a version number instead.
 */
import type { ReceivedEvent } from '../../lib/gateway-client.js';
import { parseRateLimitEvent, parseRateLimitHeaders, type RateLimitSnapshot } from '../rate-limits/rate-limit-model.js';

export type Lifecycle = 'start' | 'delta' | 'done' | 'error' | 'other';

export interface TimelineRow extends ReceivedEvent {
  index: number;
  /** Ms since the previous event. */
  dt: number;
  itemId: string | null;
  outputIndex: number | null;
  lifecycle: Lifecycle;
  violations: string[];
}

export interface AssembledItem {
  key: string;
  itemId: string | null;
  outputIndex: number | null;
  type: string;
  name?: string;
  callId?: string;
  text: string;
  reasoning: string;
  summary: string;
  arguments: string;
  status: string;
  encryptedContent?: string;
  firstT: number;
  lastT: number;
}

export type RunStatus =
  'sending' | 'streaming' | 'waiting' | 'completed' | 'failed' | 'incomplete' | 'aborted' | 'error';

export interface RunError {
  message: string;
  code?: string;
  type?: string;
}

export interface ContextBlob {
  source: 'reasoning.encrypted_content' | 'response.additional_context';
  itemId: string | null;
  value: string;
  bytes: number;
  keyId?: string;
}

export interface Run {
  id: string;
  /** Run this one continues (previous_response_id or session submit). */
  linkedFrom?: string;
  /** Set when the run is a recording played back into the timeline (not a live request). */
  replayOf?: { recordingId: string; name: string };
  request: Record<string, unknown>;
  requestHeaders: Record<string, string>;
  sentAt: number;
  status: RunStatus;
  httpStatus?: number;
  responseHeaders: Record<string, string>;
  responseId?: string;
  rows: TimelineRow[];
  items: AssembledItem[];
  error?: RunError;
  usage?: { input_tokens?: number; output_tokens?: number };
  /** Time of the first content delta (text, reasoning or arguments). */
  firstTokenT?: number;
  lastT: number;
  deltaCount: number;
  /** Sum of row bytes, kept as rows arrive (summing 100k rows per frame would not be free). */
  bytes: number;
  /** Event types seen, for the type filter (kept as rows arrive). */
  types: Set<string>;
  rateLimits: RateLimitSnapshot[];
  blobs: ContextBlob[];
  violationCount: number;
}

/** Protocol checks per event and at the end of the stream (the stream validator in the app). */
export interface EventChecker {
  check(event: Record<string, unknown>, wire: { sseEvent?: string }): string[];
  finish(): string[];
}

export function newRun(
  id: string,
  request: Record<string, unknown>,
  requestHeaders: Record<string, string>,
  sentAt: number,
  linkedFrom?: string,
): Run {
  return {
    id,
    linkedFrom,
    request,
    requestHeaders,
    sentAt,
    status: 'sending',
    responseHeaders: {},
    rows: [],
    items: [],
    lastT: 0,
    deltaCount: 0,
    bytes: 0,
    types: new Set(),
    rateLimits: [],
    blobs: [],
    violationCount: 0,
  };
}

export function lifecycleOf(type: string): Lifecycle {
  if (type === 'error' || type.endsWith('.failed') || type.endsWith('.incomplete') || type === 'response.error')
    return 'error';
  if (type.endsWith('.delta')) return 'delta';
  if (type.endsWith('.done') || type.endsWith('.completed') || type === '[DONE]') return 'done';
  if (type.endsWith('.created') || type.endsWith('.added') || type.endsWith('.in_progress')) return 'start';
  return 'other';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function findItem(run: Run, itemId: string | null, outputIndex: number | null): AssembledItem | undefined {
  // Newest first: ids are unique, output indices restart in a continued run only.
  for (let i = run.items.length - 1; i >= 0; i--) {
    const it = run.items[i];
    if (itemId !== null && it.itemId === itemId) return it;
    if (itemId === null && outputIndex !== null && it.outputIndex === outputIndex) return it;
  }
  return undefined;
}

function upsertItem(run: Run, raw: Record<string, unknown>, outputIndex: number | null, t: number): AssembledItem {
  const itemId = str(raw.id) ?? null;
  let item = findItem(run, itemId, outputIndex);
  if (!item) {
    item = {
      key: itemId ?? `idx-${outputIndex ?? run.items.length}`,
      itemId,
      outputIndex,
      type: str(raw.type) ?? 'unknown',
      text: '',
      reasoning: '',
      summary: '',
      arguments: '',
      status: 'in_progress',
      firstT: t,
      lastT: t,
    };
    run.items.push(item);
  }
  item.type = str(raw.type) ?? item.type;
  item.name = str(raw.name) ?? item.name;
  item.callId = str(raw.call_id) ?? item.callId;
  item.status = str(raw.status) ?? item.status;
  if (typeof raw.arguments === 'string' && raw.arguments.length >= item.arguments.length)
    item.arguments = raw.arguments;
  if (typeof raw.encrypted_content === 'string') item.encryptedContent = raw.encrypted_content;
  item.lastT = t;
  return item;
}

function itemFor(run: Run, d: Record<string, unknown>, t: number): AssembledItem {
  const itemId = str(d.item_id) ?? null;
  const outputIndex = num(d.output_index);
  return (
    findItem(run, itemId, outputIndex) ?? upsertItem(run, { id: itemId ?? undefined, type: 'unknown' }, outputIndex, t)
  );
}

function noteDelta(run: Run, item: AssembledItem, t: number): void {
  run.deltaCount++;
  if (run.firstTokenT === undefined) run.firstTokenT = t;
  item.lastT = t;
}

function applyResponse(run: Run, response: Record<string, unknown> | undefined): void {
  if (!response) return;
  run.responseId = str(response.id) ?? run.responseId;
  const usage = obj(response.usage);
  if (usage)
    run.usage = {
      input_tokens: num(usage.input_tokens) ?? undefined,
      output_tokens: num(usage.output_tokens) ?? undefined,
    };
  const error = obj(response.error);
  if (error) run.error = { message: str(error.message) ?? 'response failed', code: str(error.code) };
  const output = Array.isArray(response.output) ? response.output : [];
  output.forEach((raw, i) => {
    const o = obj(raw);
    if (o && (o.id || o.type)) upsertItem(run, o, i, run.lastT);
  });
}

/** Applies one received event: appends a timeline row and updates the assembled view. */
export function applyEvent(run: Run, ev: ReceivedEvent, checker?: EventChecker): TimelineRow {
  const d = ev.data ?? {};
  const prevT = run.rows.length ? run.rows[run.rows.length - 1].t : 0;
  const violations = ev.parseError ? [`unparsable data: ${ev.parseError}`] : [];
  if (checker && ev.data) violations.push(...checker.check(ev.data, { sseEvent: ev.sseEvent }));
  const item = obj(d.item);
  const row: TimelineRow = {
    ...ev,
    index: run.rows.length,
    dt: ev.t - prevT,
    itemId: str(d.item_id) ?? str(item?.id) ?? null,
    outputIndex: num(d.output_index),
    lifecycle: lifecycleOf(ev.type),
    violations,
  };
  run.rows.push(row);
  run.bytes += row.bytes;
  run.types.add(row.type);
  run.violationCount += violations.length;
  run.lastT = ev.t;
  if (run.status === 'sending') run.status = 'streaming';

  const t = ev.t;
  const delta = str(d.delta) ?? '';
  switch (ev.type) {
    case 'response.created':
    case 'response.in_progress':
    case 'response.queued':
      applyResponse(run, obj(d.response));
      break;
    case 'response.completed':
      applyResponse(run, obj(d.response));
      run.status = 'completed';
      break;
    case 'response.incomplete':
      applyResponse(run, obj(d.response));
      run.status = 'incomplete';
      break;
    case 'response.failed':
      applyResponse(run, obj(d.response));
      run.status = 'failed';
      break;
    case 'error':
    case 'response.error': {
      const e = obj(d.error) ?? d;
      run.error = { message: str(e.message) ?? 'stream error', code: str(e.code) ?? undefined, type: str(e.type) };
      break;
    }
    case 'response.output_item.added':
    case 'response.output_item.done':
      if (item) {
        const it = upsertItem(run, item, num(d.output_index), t);
        if (ev.type.endsWith('.done') && it.encryptedContent)
          addBlob(run, { source: 'reasoning.encrypted_content', itemId: it.itemId, value: it.encryptedContent });
      }
      break;
    case 'response.output_text.delta':
    case 'response.refusal.delta': {
      const it = itemFor(run, d, t);
      it.text += delta;
      noteDelta(run, it, t);
      break;
    }
    case 'response.reasoning_text.delta':
    case 'response.reasoning.delta': {
      const it = itemFor(run, d, t);
      it.reasoning += delta;
      noteDelta(run, it, t);
      break;
    }
    case 'response.reasoning_summary_text.delta': {
      const it = itemFor(run, d, t);
      it.summary += delta;
      noteDelta(run, it, t);
      break;
    }
    case 'response.function_call_arguments.delta': {
      const it = itemFor(run, d, t);
      it.arguments += delta;
      noteDelta(run, it, t);
      break;
    }
    case 'response.function_call_arguments.done': {
      const it = itemFor(run, d, t);
      if (typeof d.arguments === 'string') it.arguments = d.arguments;
      break;
    }
    case 'response.rate_limits.updated': {
      const snap = parseRateLimitEvent(d, t);
      if (snap) run.rateLimits.push(snap);
      break;
    }
    case 'response.additional_context': {
      const value = str(d.encrypted_content) ?? str(obj(d.context)?.encrypted_content) ?? str(d.context) ?? '';
      if (value)
        addBlob(run, {
          source: 'response.additional_context',
          itemId: str(d.item_id) ?? null,
          value,
          keyId: str(d.key_id),
        });
      break;
    }
    default:
      break;
  }
  return row;
}

function addBlob(run: Run, blob: Omit<ContextBlob, 'bytes'>): void {
  if (run.blobs.some((b) => b.value === blob.value)) return;
  run.blobs.push({ ...blob, bytes: blob.value.length });
}

/** Records the HTTP answer (status, headers) before any event arrives. */
export function applyStart(run: Run, status: number, headers: Record<string, string>): void {
  run.httpStatus = status;
  run.responseHeaders = headers;
  const snap = parseRateLimitHeaders(headers, 0);
  if (snap) run.rateLimits.push(snap);
}

/** Marks how the stream ended when no terminal event said so; end-of-stream violations go on the last row. */
export function finishRun(
  run: Run,
  end: { aborted: boolean; transportError?: string; body?: unknown; status: number },
  checker?: EventChecker,
): void {
  if (checker && run.rows.length && !end.aborted) {
    const last = run.rows[run.rows.length - 1];
    const found = checker.finish();
    last.violations.push(...found);
    run.violationCount += found.length;
  }
  if (end.aborted) {
    if (run.status === 'streaming' || run.status === 'sending' || run.status === 'waiting') run.status = 'aborted';
    return;
  }
  if (end.body !== undefined) {
    const body = obj(end.body);
    const error = obj(body?.error);
    if (end.status >= 400 || error) {
      run.status = 'error';
      run.error = {
        message: str(error?.message) ?? (typeof end.body === 'string' ? end.body : `HTTP ${end.status}`),
        code: str(error?.code),
        type: str(error?.type),
      };
    } else {
      applyResponse(run, body);
      run.status = str(body?.status) === 'completed' ? 'completed' : 'error';
    }
    return;
  }
  if (end.transportError) {
    run.error = run.error ?? { message: end.transportError };
    run.status = 'error';
    return;
  }
  if (run.status === 'streaming' || run.status === 'sending') {
    // The stream closed without a terminal event: a protocol problem worth showing.
    run.error = run.error ?? { message: 'stream ended without response.completed / failed / incomplete' };
    run.status = 'error';
  }
}

export interface RunStats {
  ttftMs?: number;
  tokensPerSecond?: number;
  events: number;
  bytes: number;
}

export function runStats(run: Run): RunStats {
  const bytes = run.bytes;
  const tokens = run.usage?.output_tokens ?? run.deltaCount;
  const span = run.firstTokenT !== undefined ? run.lastT - run.firstTokenT : 0;
  return {
    ttftMs: run.firstTokenT,
    tokensPerSecond: span > 0 ? (tokens / span) * 1000 : undefined,
    events: run.rows.length,
    bytes,
  };
}

/** Filter by event type (exact or prefix) and free text in the raw JSON. */
export function filterRows(
  rows: readonly TimelineRow[],
  typeFilter: string,
  text: string,
): TimelineRow[] | readonly TimelineRow[] {
  if (!typeFilter && !text) return rows;
  const needle = text.toLowerCase();
  return rows.filter(
    (r) =>
      (!typeFilter || r.type === typeFilter || r.type.startsWith(typeFilter)) &&
      (!needle || r.raw.toLowerCase().includes(needle) || r.type.includes(needle)),
  );
}
