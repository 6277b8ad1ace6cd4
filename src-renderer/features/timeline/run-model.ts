/**
 * A run as the console sees it: the request, the HTTP exchanges, the raw event log and what the
 * events assemble into (assembled.ts). Pure data + functions, no React, so the same code is
 * unit-tested and used by the store.
 *
 * Runs hold their rows in an append-only array that is mutated in place: copying a 100k-row array
 * on every event would make a long stream quadratic. The store bumps a version number instead.
 */
import type { ReceivedEvent } from '../../lib/gateway-client.js';
import type { Exchange } from '../../lib/exchange.js';
import { classifyEventType, type Dialect, type EventKind } from '../../../src-server/shared/protocol/events.js';
import { tokenRate } from '../../../src-server/shared/recording-format/diff.js';
import { parseRateLimitEvent, parseRateLimitHeaders, type RateLimitSnapshot } from '../rate-limits/rate-limit-model.js';
import {
  absorbItem,
  applyDelta,
  DELTA_FIELDS,
  DONE_FIELDS,
  interruptItems,
  newItem,
  setFinal,
  type AssembledItem,
} from './assembled.js';

export type { AssembledItem } from './assembled.js';

export type Lifecycle = 'start' | 'delta' | 'done' | 'error' | 'other';

export interface TimelineRow extends ReceivedEvent {
  index: number;
  /** Ms since the previous event. */
  dt: number;
  itemId: string | null;
  outputIndex: number | null;
  lifecycle: Lifecycle;
  /** Official event of the run's dialect, extension event, the other dialect's name, or unknown. */
  kind: EventKind;
  /** A delta under a second name (an alias) whose content was already counted from the first. */
  alias: boolean;
  violations: string[];
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

/** A session-mode response waiting for tool outputs, as the gateway reported it. */
export interface ToolWait {
  pendingCallIds: string[];
  /** Local clock (Date.now()) of the last event before the wait: the timeout runs from there. */
  since: number;
  /** The gateway's --responses-tool-timeout in seconds (0: waits forever), when it reports it. */
  timeoutSeconds?: number;
}

export interface Run {
  id: string;
  /** Run this one continues (previous_response_id or session submit). */
  linkedFrom?: string;
  /** Set when the run is a recording played back into the timeline (not a live request). */
  replayOf?: { recordingId: string; name: string };
  /** Connection profile the request went to. */
  profileId?: string;
  request: Record<string, unknown>;
  requestHeaders: Record<string, string>;
  /** Event dialect and extensions the request asked for (its headers; openai and off by default). */
  dialect: Dialect;
  extensions: boolean;
  /** Simulator fault the request injected (x-simulator-fault), so the console says the failure was asked for. */
  injectedFault?: string;
  /** Wall clock at send. */
  sentAt: number;
  /** Wall clock when the status line arrived (live runs): Retry-After counts from here. */
  answeredAt?: number;
  status: RunStatus;
  httpStatus?: number;
  responseHeaders: Record<string, string>;
  responseId?: string;
  /** The HTTP exchanges of this run: the create request first, then tool-output submissions. */
  exchanges: Exchange[];
  /** A non-streaming answer: the JSON body as received (a Response, or an error). */
  body?: unknown;
  rows: TimelineRow[];
  items: AssembledItem[];
  error?: RunError;
  usage?: { input_tokens?: number; output_tokens?: number };
  /** Status of the Response object itself (from lifecycle events or the JSON body). */
  responseStatus?: string;
  /** Time of the first content delta (text, reasoning or arguments). */
  firstTokenT?: number;
  /** Time of the last content delta. */
  lastTokenT?: number;
  lastT: number;
  deltaCount: number;
  /** Sum of row bytes, kept as rows arrive (summing 100k rows per frame would not be free). */
  bytes: number;
  /** Event types seen, for the type filter (kept as rows arrive). */
  types: Set<string>;
  rateLimits: RateLimitSnapshot[];
  blobs: ContextBlob[];
  violationCount: number;
  /** Session mode: the gateway holds the stream open for these calls. */
  waiting?: ToolWait;
  /** Set once the run has ended (any way): the wall-clock time. */
  endedAt?: number;
}

/** Protocol checks per event and at the end of the stream (the stream validator in the app). */
export interface EventChecker {
  check(event: Record<string, unknown>, wire: { sseEvent?: string }): string[];
  finish(): string[];
}

export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export function newRun(
  id: string,
  request: Record<string, unknown>,
  requestHeaders: Record<string, string>,
  sentAt: number,
  linkedFrom?: string,
): Run {
  const ext = headerValue(requestHeaders, 'x-responses-extensions');
  return {
    id,
    linkedFrom,
    request,
    requestHeaders,
    dialect: headerValue(requestHeaders, 'x-responses-dialect') === 'open-responses' ? 'open-responses' : 'openai',
    extensions: ext !== undefined && ext.trim().toLowerCase() === 'on',
    injectedFault: headerValue(requestHeaders, 'x-simulator-fault') || undefined,
    sentAt,
    status: 'sending',
    responseHeaders: {},
    exchanges: [],
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

export function isLive(run: Run): boolean {
  return run.status === 'sending' || run.status === 'streaming' || run.status === 'waiting';
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

function itemAt(run: Run, itemId: string | null, outputIndex: number | null, t: number): AssembledItem {
  let item = findItem(run, itemId, outputIndex);
  if (!item) {
    item = newItem(itemId ?? `idx-${outputIndex ?? run.items.length}`, itemId, outputIndex, t);
    run.items.push(item);
  }
  return item;
}

function upsertItem(
  run: Run,
  raw: Record<string, unknown>,
  outputIndex: number | null,
  t: number,
  final: boolean,
): AssembledItem {
  const item = itemAt(run, str(raw.id) ?? null, outputIndex, t);
  absorbItem(item, raw, final);
  item.lastT = t;
  return item;
}

function applyResponse(run: Run, response: Record<string, unknown> | undefined, final: boolean): void {
  if (!response) return;
  run.responseId = str(response.id) ?? run.responseId;
  run.responseStatus = str(response.status) ?? run.responseStatus;
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
    if (o && (o.id || o.type)) {
      const it = upsertItem(run, o, i, run.lastT, final);
      if (final && it.encryptedContent)
        addBlob(run, { source: 'reasoning.encrypted_content', itemId: it.itemId, value: it.encryptedContent });
    }
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
    kind: ev.type === '[DONE]' ? 'official' : classifyEventType(ev.type, run.dialect),
    alias: false,
    violations,
  };
  run.rows.push(row);
  run.bytes += row.bytes;
  run.types.add(row.type);
  run.violationCount += violations.length;
  run.lastT = ev.t;
  if (run.status === 'sending' || run.status === 'waiting') run.status = 'streaming';
  // Any event means the gateway is no longer (only) waiting for tool outputs.
  run.waiting = undefined;

  const t = ev.t;
  const deltaField = DELTA_FIELDS[ev.type];
  if (deltaField !== undefined) {
    const it = itemAt(run, str(d.item_id) ?? null, num(d.output_index), t);
    const index = num(d.summary_index) ?? num(d.content_index) ?? 0;
    if (applyDelta(it, ev.type, deltaField, index, str(d.delta) ?? '')) {
      run.deltaCount++;
      run.firstTokenT ??= t;
      run.lastTokenT = t;
      it.lastT = t;
    } else row.alias = true;
    return row;
  }
  const doneField = DONE_FIELDS[ev.type];
  if (doneField !== undefined) {
    const [field, prop] = doneField;
    const it = itemAt(run, str(d.item_id) ?? null, num(d.output_index), t);
    const value = str(d[prop]);
    if (value !== undefined) setFinal(it, field, num(d.summary_index) ?? num(d.content_index) ?? 0, value);
    it.lastT = t;
    return row;
  }
  switch (ev.type) {
    case 'response.created':
    case 'response.in_progress':
    case 'response.queued':
      applyResponse(run, obj(d.response), false);
      break;
    case 'response.completed':
      applyResponse(run, obj(d.response), true);
      run.status = 'completed';
      break;
    case 'response.incomplete':
      applyResponse(run, obj(d.response), true);
      run.status = 'incomplete';
      break;
    case 'response.failed':
      applyResponse(run, obj(d.response), true);
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
        const done = ev.type.endsWith('.done');
        const it = upsertItem(run, item, num(d.output_index), t, done);
        if (done && it.encryptedContent)
          addBlob(run, { source: 'reasoning.encrypted_content', itemId: it.itemId, value: it.encryptedContent });
      }
      break;
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
  run.waiting = undefined;
  run.endedAt = Date.now();
  if (checker && run.rows.length && !end.aborted) {
    const last = run.rows[run.rows.length - 1];
    const found = checker.finish();
    last.violations.push(...found);
    run.violationCount += found.length;
  }
  if (end.aborted) {
    if (isLive(run)) run.status = 'aborted';
    interruptItems(run.items, 'the stream was aborted before this item was done');
    return;
  }
  if (end.body !== undefined) {
    run.body = end.body;
    const body = obj(end.body);
    const error = obj(body?.error);
    if (end.status >= 400 || (error && body?.object !== 'response')) {
      run.status = 'error';
      run.error = {
        message: str(error?.message) ?? (typeof end.body === 'string' ? end.body : `HTTP ${end.status}`),
        code: str(error?.code),
        type: str(error?.type),
      };
    } else {
      applyResponse(run, body, true);
      const status = str(body?.status);
      run.status =
        status === 'completed' || status === 'incomplete' || status === 'failed'
          ? status
          : status === 'queued' || status === 'in_progress'
            ? 'completed'
            : 'error';
      if (run.status === 'error') run.error ??= { message: `unexpected answer: status ${status ?? 'missing'}` };
    }
    return;
  }
  if (end.transportError) {
    run.error = run.error ?? { message: end.transportError };
    run.status = 'error';
    interruptItems(run.items, `the connection failed: ${end.transportError}`);
    return;
  }
  if (run.status === 'streaming' || run.status === 'sending') {
    // The stream closed without a terminal event: a protocol problem worth showing.
    run.error = run.error ?? { message: 'stream ended without response.completed / failed / incomplete' };
    run.status = 'error';
  }
  interruptItems(run.items, 'the stream ended before this item was done');
}

export interface RunStats {
  ttftMs?: number;
  /** Undefined when the run is too short for a meaningful rate (see tokenRate). */
  tokensPerSecond?: number;
  events: number;
  bytes: number;
}

export function runStats(run: Run): RunStats {
  const tokens = run.usage?.output_tokens ?? run.deltaCount;
  const span = run.firstTokenT !== undefined && run.lastTokenT !== undefined ? run.lastTokenT - run.firstTokenT : 0;
  return {
    ttftMs: run.firstTokenT,
    tokensPerSecond: tokenRate(tokens, span) ?? undefined,
    events: run.rows.length,
    bytes: run.bytes,
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
