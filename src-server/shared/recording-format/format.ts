/**
 * The recording file format (JSON Lines, version 1), shared by the server, the CLI and the console:
 * no node: imports. Reference: docs/recording.md.
 *
 *   {"format":"responses-studio-recording","version":1,"exportedAt":…,"sessionId":…,"runs":N}
 *   {"kind":"run","id":…,"request":{method,path,headers,body},"httpStatus":…,…}
 *   {"kind":"event","seq":0,"offsetMs":1.2,"type":"response.created","data":"event: …\n\n"}
 *   {"kind":"action","seq":1,"offsetMs":40,"action":"tool_outputs","data":{…}}
 *   {"kind":"run",…}   ← the next run of the same session, followed by its events and actions
 */

import { requestSummary } from './request-summary.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthWithin } from '../protocol/json-depth.js';

export const RECORDING_FORMAT = 'responses-studio-recording';
export const RECORDING_VERSION = 1;

/**
 * Recording, session and response ids a file may carry: 1–128 characters of `A-Za-z0-9._:-`, not
 * starting with `.` (what the gateway generates: `rec_…`, `ses_…`, `resp_…`). Checked on import,
 * because ids name files on export and appear in URLs: `../../x` must never get in.
 */
export const RECORDING_ID = /^[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,127}$/;
/** Request ids: the rule the gateway applies to `x-request-id` (docs/headers.md). */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Levels a run line adds above the request body it carries (`{"request":{"body":…}}`). */
const LINE_DEPTH_OVERHEAD = 2;

export interface ParseOptions {
  /** Deepest request body or action data accepted (the gateway's `--max-request-depth`). */
  maxDepth?: number;
}

/** Pseudo event types for bytes that are not a Responses event. */
export const DONE_TYPE = '[DONE]';
export const COMMENT_TYPE = 'sse.comment';
/** A whole non-SSE response body (JSON answers, errors). */
export const BODY_TYPE = 'http.body';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Redacted request headers (lower-case names). */
  headers: Record<string, string>;
  /** Parsed JSON body (redacted), or the raw text when it was not JSON. */
  body: unknown;
}

export interface RunEvent {
  seq: number;
  /** Milliseconds since the request arrived. */
  offsetMs: number;
  type: string;
  /** The exact text written to the client for this event (SSE framing included). */
  data: string;
}

export interface RunAction {
  seq: number;
  offsetMs: number;
  /** e.g. `tool_outputs`. */
  action: string;
  data: unknown;
}

/** One recorded run as listed by the library (`GET /v1/recordings`). */
export interface RecordingSummary {
  id: string;
  requestId: string | null;
  responseId: string | null;
  sessionId: string | null;
  createdAt: number;
  name: string | null;
  tags: string[];
  status: string;
  httpStatus: number | null;
  model: string | null;
  durationMs: number | null;
  toolsUsed: string[];
  textPreview: string | null;
  truncated: boolean;
  eventCount: number;
  bytes: number;
  /** A create request, or a session-mode tool-outputs submission. */
  requestKind: 'response' | 'tool_outputs';
  /** The start of the request's input (the last user text), for a readable name. */
  inputPreview: string | null;
  /** The recording this run re-ran, when it is a re-run. */
  rerunOf: string | null;
}

export interface RecordedRun extends Omit<RecordingSummary, 'eventCount' | 'bytes'> {
  request: RecordedRequest;
  responseHeaders: Record<string, string> | null;
  events: RunEvent[];
  actions: RunAction[];
}

export interface RecordingFile {
  sessionId: string | null;
  exportedAt: string;
  runs: RecordedRun[];
}

export class RecordingFormatError extends Error {}

type RunMeta = Omit<RecordedRun, 'events' | 'actions'>;

/** Serializes runs to the JSON Lines text (one trailing newline). */
export function toJsonl(file: RecordingFile): string {
  const lines: string[] = [
    JSON.stringify({
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      exportedAt: file.exportedAt,
      sessionId: file.sessionId,
      runs: file.runs.length,
    }),
  ];
  for (const run of file.runs) {
    const { events, actions, ...meta } = run;
    lines.push(JSON.stringify({ kind: 'run', ...meta }));
    // Events and actions interleave by time, as they happened.
    let a = 0;
    for (const e of events) {
      while (a < actions.length && actions[a].offsetMs <= e.offsetMs) lines.push(actionLine(actions[a++]));
      lines.push(JSON.stringify({ kind: 'event', seq: e.seq, offsetMs: e.offsetMs, type: e.type, data: e.data }));
    }
    while (a < actions.length) lines.push(actionLine(actions[a++]));
  }
  return lines.join('\n') + '\n';
}

function actionLine(a: RunAction): string {
  return JSON.stringify({ kind: 'action', seq: a.seq, offsetMs: a.offsetMs, action: a.action, data: a.data });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Parses a recording file; throws RecordingFormatError naming the line on anything malformed: not
 * JSON, nested deeper than the body limit allows (checked before parsing, so nothing later walks
 * a value that would overflow the stack), or an id outside RECORDING_ID / REQUEST_ID.
 */
export function parseJsonl(text: string, options: ParseOptions = {}): RecordingFile {
  const maxLineDepth = (options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH) + LINE_DEPTH_OVERHEAD;
  const lines = text.split('\n');
  let header: Record<string, unknown> | undefined;
  const runs: RecordedRun[] = [];
  let current: RecordedRun | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (jsonDepthWithin(line, maxLineDepth) === -1)
      throw new RecordingFormatError(`line ${i + 1}: nested deeper than ${maxLineDepth} levels`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RecordingFormatError(`line ${i + 1}: not JSON`);
    }
    if (!isObject(value)) throw new RecordingFormatError(`line ${i + 1}: expected an object`);
    if (!header) {
      if (value.format !== RECORDING_FORMAT) throw new RecordingFormatError(`line 1: not a ${RECORDING_FORMAT} file`);
      if (typeof value.version !== 'number' || value.version > RECORDING_VERSION)
        throw new RecordingFormatError(`line 1: unsupported version ${String(value.version)}`);
      checkId(str(value.sessionId), 'sessionId', RECORDING_ID, i + 1);
      header = value;
      continue;
    }
    if (value.kind === 'run') {
      current = toRun(value, i + 1);
      runs.push(current);
    } else if (value.kind === 'event' || value.kind === 'action') {
      if (!current) throw new RecordingFormatError(`line ${i + 1}: ${value.kind} before any run`);
      const seq = num(value.seq);
      const offsetMs = num(value.offsetMs);
      if (seq === null || offsetMs === null)
        throw new RecordingFormatError(`line ${i + 1}: seq and offsetMs must be numbers`);
      if (value.kind === 'event') {
        const type = str(value.type);
        const data = str(value.data);
        if (type === null || data === null)
          throw new RecordingFormatError(`line ${i + 1}: event needs type and data strings`);
        current.events.push({ seq, offsetMs, type, data });
      } else {
        const action = str(value.action);
        if (action === null) throw new RecordingFormatError(`line ${i + 1}: action needs an action name`);
        current.actions.push({ seq, offsetMs, action, data: value.data ?? null });
      }
    }
    // Unknown kinds are skipped: later minor additions stay readable by this version.
  }
  if (!header) throw new RecordingFormatError('empty file');
  return { sessionId: str(header.sessionId), exportedAt: str(header.exportedAt) ?? '', runs };
}

/** Throws when a present id breaks its rule (null: absent, allowed where the format allows it). */
function checkId(id: string | null, field: string, rule: RegExp, line: number): void {
  if (id === null || rule.test(id)) return;
  throw new RecordingFormatError(
    `line ${line}: invalid ${field} ${JSON.stringify(id.slice(0, 64))}: ids are 1-128 characters of A-Za-z0-9._:-${rule === RECORDING_ID ? " and do not start with '.'" : ''}`,
  );
}

function toRun(v: Record<string, unknown>, line: number): RecordedRun {
  const id = str(v.id);
  const request = v.request;
  if (id === null || !isObject(request) || typeof request.method !== 'string' || typeof request.path !== 'string')
    throw new RecordingFormatError(`line ${line}: run needs an id and a request with method and path`);
  checkId(id, 'id', RECORDING_ID, line);
  checkId(str(v.sessionId), 'sessionId', RECORDING_ID, line);
  checkId(str(v.responseId), 'responseId', RECORDING_ID, line);
  checkId(str(v.requestId), 'requestId', REQUEST_ID, line);
  const meta: RunMeta = {
    id,
    sessionId: str(v.sessionId),
    requestId: str(v.requestId),
    responseId: str(v.responseId),
    createdAt: num(v.createdAt) ?? 0,
    name: str(v.name),
    tags: Array.isArray(v.tags) ? v.tags.filter((t): t is string => typeof t === 'string') : [],
    status: str(v.status) ?? 'unknown',
    httpStatus: num(v.httpStatus),
    model: str(v.model),
    durationMs: num(v.durationMs),
    toolsUsed: Array.isArray(v.toolsUsed) ? v.toolsUsed.filter((t): t is string => typeof t === 'string') : [],
    textPreview: str(v.textPreview),
    truncated: v.truncated === true,
    request: {
      method: request.method,
      path: request.path,
      headers: isObject(request.headers) ? (request.headers as Record<string, string>) : {},
      body: request.body ?? null,
    },
    responseHeaders: isObject(v.responseHeaders) ? (v.responseHeaders as Record<string, string>) : null,
    requestKind: 'response',
    inputPreview: null,
    rerunOf: null,
  };
  // Files written before these fields existed: derived from the request, as the store does.
  const derived = requestSummary(meta.request);
  meta.requestKind =
    v.requestKind === 'tool_outputs' || v.requestKind === 'response' ? v.requestKind : derived.requestKind;
  meta.inputPreview = str(v.inputPreview) ?? derived.inputPreview;
  meta.rerunOf = str(v.rerunOf) ?? derived.rerunOf;
  return { ...meta, events: [], actions: [] };
}

/**
 * A run recorded from the WebSocket transport: its request is the `response.create` message with
 * the upgrade request's headers, and each event's data is one frame's JSON, without SSE framing.
 */
export function isWebSocketRun(run: Pick<RecordedRun, 'request'>): boolean {
  return (run.request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The Response object a run ended with: from the terminal event, or the JSON body. */
export function finalResponse(run: Pick<RecordedRun, 'events'>): Record<string, unknown> | null {
  for (let i = run.events.length - 1; i >= 0; i--) {
    const e = run.events[i];
    if (e.type === BODY_TYPE) {
      const body = parseData(e.data, true);
      return isObject(body) && body.object === 'response' ? body : null;
    }
    if (/^response\.(completed|failed|incomplete)$/.test(e.type)) {
      const payload = parseData(e.data, false);
      return isObject(payload) && isObject(payload.response) ? payload.response : null;
    }
  }
  return null;
}

/** The JSON of an SSE event's `data:` lines (or a whole body when `raw`). */
export function parseData(data: string, raw: boolean): unknown {
  let text = data;
  // A WebSocket frame is recorded as sent: the event's JSON, without SSE framing.
  if (!raw && !data.startsWith('{')) {
    // Fast path: the gateway writes one `data: ` line per event.
    let at = data.startsWith('data: ') ? 0 : data.indexOf('\ndata: ');
    if (at > 0) at += 1;
    const end = at >= 0 ? data.indexOf('\n', at) : -1;
    if (at >= 0 && (end === -1 || data.indexOf('\ndata:', end) === -1)) {
      text = data.slice(at + 6, end === -1 ? undefined : end);
    } else {
      const parts: string[] = [];
      for (const line of data.split('\n'))
        if (line.startsWith('data:')) parts.push(line.slice(line[5] === ' ' ? 6 : 5));
      text = parts.join('\n');
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
