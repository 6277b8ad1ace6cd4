/**
 * Re-run: sends recorded requests again to any Responses server (a gateway, a replay server,
 * another provider) and captures the new runs the way the recorder does (exact bytes, offsets),
 * then diffs each with its original.
 *
 * Within a session, ids the server generates are carried over: a later request's
 * `previous_response_id`, function-call `call_id`s and item ids that point at an earlier recorded
 * run are replaced by the ids of its re-run (calls are paired in order, per tool name). Recorded
 * tool-output submissions (session mode) are posted to the new response once the model has made
 * the calls they answer.
 */
import { newRecordingId, newRecordingSessionId } from '../ids/ids.js';
import { performance } from 'node:perf_hooks';
import { diffRuns, type DiffOptions, type RecordingDiff } from '../shared/recording-format/diff.js';
import {
  BODY_TYPE,
  finalResponse,
  parseData,
  type RecordedRun,
  type RunEvent,
} from '../shared/recording-format/format.js';
import { SseSplitter } from '../shared/recording-format/sse-split.js';
import { responseSummary } from '../shared/recording-format/summary.js';
import { requestSummary, RERUN_OF_HEADER } from '../shared/recording-format/request-summary.js';

export interface RerunTarget {
  /** Server root, e.g. http://127.0.0.1:8080 (a trailing /v1 is removed: recorded paths have it). */
  baseUrl: string;
  /** Sent with every request (e.g. authorization for the target). */
  headers?: Record<string, string>;
  /** The target records into this same library (a profile gateway of the console's host): its runs are not imported again. */
  recordsHere?: boolean;
}

export interface RerunResult {
  runs: RecordedRun[];
  /** diffs[i] compares runs[i] with the recorded run it re-ran. */
  diffs: { recordedId: string; rerunId: string; diff: RecordingDiff }[];
}

/** Recorded request headers worth sending again (per-request switches, simulator settings). */
const FORWARD = /^(x-responses-|x-simulator-|openai-organization$|openai-project$)/;
const TOOL_OUTPUTS = /\/responses\/([^/]+)\/tool_outputs$/;
const SUBMIT_RETRIES = 200;
const SUBMIT_RETRY_MS = 10;
const RESPONSE_ID = /"id"\s*:\s*"(resp_[^"]+)"/;

interface CallRef {
  name: string;
  callId: string;
  itemId: string | null;
}

/** Function calls a run made, in order (from output_item.done events or the final Response). */
export function functionCalls(events: readonly RunEvent[]): CallRef[] {
  const out: CallRef[] = [];
  for (const e of events) {
    if (e.type !== 'response.output_item.done') continue;
    const item = (parseData(e.data, false) as { item?: Record<string, unknown> } | null)?.item;
    if (item?.type === 'function_call' && typeof item.call_id === 'string')
      out.push({ name: String(item.name), callId: item.call_id, itemId: typeof item.id === 'string' ? item.id : null });
  }
  if (out.length === 0) {
    const body = events.find((e) => e.type === BODY_TYPE);
    const output = body ? (parseData(body.data, true) as { output?: unknown[] } | null)?.output : undefined;
    for (const item of (output ?? []) as Record<string, unknown>[]) {
      if (item?.type === 'function_call' && typeof item.call_id === 'string')
        out.push({
          name: String(item.name),
          callId: item.call_id,
          itemId: typeof item.id === 'string' ? item.id : null,
        });
    }
  }
  return out;
}

function substitute(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  return value;
}

/** Pairs recorded calls with new ones (in order, per name) and remembers their id changes. */
function mapCalls(recorded: CallRef[], fresh: CallRef[], ids: Map<string, string>): void {
  const byName = new Map<string, CallRef[]>();
  for (const c of fresh) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  for (const r of recorded) {
    const n = byName.get(r.name)?.shift();
    if (!n) continue;
    ids.set(r.callId, n.callId);
    if (r.itemId && n.itemId) ids.set(r.itemId, n.itemId);
  }
}

const collectCallIds = (v: unknown, out: Set<string>): Set<string> => {
  if (Array.isArray(v)) for (const x of v) collectCallIds(x, out);
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) {
      if (k === 'call_id' && typeof x === 'string') out.add(x);
      else collectCallIds(x, out);
    }
  return out;
};

interface Sent {
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

export async function rerunSession(
  recorded: readonly RecordedRun[],
  target: RerunTarget,
  options: DiffOptions = {},
): Promise<RerunResult> {
  const base = target.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const ids = new Map<string, string>();
  const result: RerunResult = { runs: [], diffs: [] };
  const sessionId = newRecordingSessionId();
  // Tool-output submissions are driven by the run they answer, not sent on their own.
  const submissions = recorded.filter((r) => TOOL_OUTPUTS.test(r.request.path));
  for (const original of recorded) {
    if (TOOL_OUTPUTS.test(original.request.path)) continue;
    const recordedCalls = functionCalls(original.events);
    const pending = submissions.filter((s) => TOOL_OUTPUTS.exec(s.request.path)?.[1] === original.responseId);
    const sent = prepare(original, ids, target);
    const side: Promise<void>[] = [];
    const fresh: CallRef[] = [];
    let newResponseId: string | null = null;
    const run = await capture(base, sent, original, sessionId, (event) => {
      if (newResponseId === null) newResponseId = RESPONSE_ID.exec(event.data)?.[1] ?? null;
      if (event.type !== 'response.output_item.done' || pending.length === 0) return;
      fresh.push(...functionCalls([event]));
      mapCalls(recordedCalls.slice(0, fresh.length), [...fresh], ids);
      while (pending.length > 0 && newResponseId !== null) {
        const wanted = [...collectCallIds(pending[0].request.body, new Set())];
        if (!wanted.every((c) => ids.has(c))) break;
        const submission = pending.shift() as RecordedRun;
        ids.set(original.responseId ?? '', newResponseId);
        const s = prepare(submission, ids, target);
        side.push(capture(base, s, submission, sessionId, () => undefined).then((r) => void result.runs.push(r)));
      }
    });
    await Promise.all(side);
    result.runs.push(run);
    if (original.responseId && run.responseId) ids.set(original.responseId, run.responseId);
    mapCalls(recordedCalls, functionCalls(run.events), ids);
    result.diffs.push({ recordedId: original.id, rerunId: run.id, diff: diffRuns(original, run, options) });
  }
  return result;
}

function prepare(run: RecordedRun, ids: ReadonlyMap<string, string>, target: RerunTarget): Sent {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(run.request.headers)) if (FORWARD.test(k)) headers[k] = v;
  Object.assign(headers, target.headers ?? {});
  // The target's recorder (a gateway of this project) links its recording to the original.
  headers[RERUN_OF_HEADER] = run.id;
  let path = run.request.path;
  const m = TOOL_OUTPUTS.exec(path);
  if (m) path = path.replace(m[1], ids.get(m[1]) ?? m[1]);
  return { path, body: substitute(run.request.body, ids), headers };
}

/** Sends one request and records the answer like the gateway's recorder does. */
async function capture(
  base: string,
  sent: Sent,
  original: RecordedRun,
  sessionId: string,
  onEvent: (event: RunEvent) => void,
): Promise<RecordedRun> {
  const startedAt = performance.now();
  const createdAt = Date.now();
  const events: RunEvent[] = [];
  const push = (type: string, data: string): void => {
    const e: RunEvent = { seq: events.length, offsetMs: performance.now() - startedAt, type, data };
    events.push(e);
    onEvent(e);
  };
  const send = (): Promise<Response> =>
    fetch(`${base}${sent.path}`, {
      method: original.request.method,
      headers: sent.headers,
      body: typeof sent.body === 'string' ? sent.body : JSON.stringify(sent.body),
    });
  let res = await send();
  // A tool-output submission can arrive while the response still finishes its turn (409): try again.
  for (let i = 0; TOOL_OUTPUTS.test(sent.path) && res.status === 409 && i < SUBMIT_RETRIES; i++) {
    const text = await res.text();
    if (!text.includes('response_not_waiting')) {
      res = new Response(text, { status: 409, headers: res.headers });
      break;
    }
    await new Promise((r) => setTimeout(r, SUBMIT_RETRY_MS));
    res = await send();
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  const sse = (headers['content-type'] ?? '').startsWith('text/event-stream') ? new SseSplitter() : null;
  let body = '';
  const decoder = new TextDecoder();
  if (res.body) {
    for await (const chunk of res.body) {
      const text = decoder.decode(chunk as Uint8Array, { stream: true });
      if (!sse) body += text;
      else for (const p of sse.push(text)) push(p.type, p.data);
    }
  }
  const tail = decoder.decode();
  if (sse) {
    for (const p of sse.push(tail)) push(p.type, p.data);
    const rest = sse.rest();
    if (rest) push(rest.type, rest.data);
  } else push(BODY_TYPE, body + tail);
  const response = finalResponse({ events });
  const summary = responseSummary(response);
  const request = {
    method: original.request.method,
    path: sent.path,
    headers: redactHeaders(sent.headers),
    body: sent.body,
  };
  return {
    id: newRecordingId(),
    sessionId,
    requestId: headers['x-request-id'] ?? null,
    responseId: events.map((e) => RESPONSE_ID.exec(e.data)?.[1]).find((x) => x !== undefined) ?? null,
    createdAt,
    name: original.name === null ? null : `${original.name} (re-run)`,
    tags: ['rerun'],
    status: typeof response?.status === 'string' ? response.status : res.status >= 400 ? 'error' : 'completed',
    httpStatus: res.status,
    model: summary.model,
    durationMs: performance.now() - startedAt,
    toolsUsed: summary.toolsUsed,
    textPreview: summary.text,
    truncated: false,
    request,
    responseHeaders: headers,
    events,
    actions: [],
    ...requestSummary(request),
  };
}

const redactHeaders = (h: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h).map(([k, v]) => [k, /^(authorization|api-key|x-api-key)$/i.test(k) ? '[REDACTED]' : v]),
  );

/** Target id of the gateway itself: always available, resolved from its own listening address. */
export const SELF_TARGET = 'self';

/**
 * The re-run targets a gateway's host configures (the desktop app: one per backend profile whose
 * gateway it started). `POST /v1/recordings/{id}/rerun` names one by id; nothing else can be
 * reached, so recorded prompts go only where the user pointed a profile.
 */
export interface RerunTargetResolver {
  /** The ids that resolve now (for error messages and the console). */
  ids(): string[];
  /** The target of `id`, or null when there is none. */
  resolve(id: string): RerunTarget | null | Promise<RerunTarget | null>;
}
