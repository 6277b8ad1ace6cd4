/**
 * HAR 1.2 export (isomorphic), so browsers' network panels and HAR viewers open a recording. The
 * response body is the exact stream; per-event timing rides in the `_sseEvents` extension field
 * (`_`-prefixed fields are allowed by HAR 1.2), tool outputs in `_actions`.
 */
import { BODY_TYPE, parseData, type RecordedRun, type RecordingFile } from '../shared/recording-format/format.js';

interface HarHeader {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: [];
    headers: HarHeader[];
    queryString: [];
    postData?: { mimeType: string; text: string };
    headersSize: -1;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: [];
    headers: HarHeader[];
    content: { size: number; mimeType: string; text: string };
    redirectURL: '';
    headersSize: -1;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  _recordingId: string;
  _sessionId: string | null;
  _sseEvents: { offsetMs: number; type: string; data: unknown }[];
  _actions: { offsetMs: number; action: string; data: unknown }[];
}

export interface Har {
  log: { version: '1.2'; creator: { name: string; version: string }; entries: HarEntry[] };
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
const headerList = (h: Record<string, string> | null): HarHeader[] =>
  Object.entries(h ?? {}).map(([name, value]) => ({ name, value }));

export function toHar(file: RecordingFile, creatorVersion = '1'): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: 'responses-studio', version: creatorVersion },
      entries: file.runs.map(harEntry),
    },
  };
}

function harEntry(run: RecordedRun): HarEntry {
  const body = run.request.body;
  const postText = typeof body === 'string' ? body : JSON.stringify(body);
  const text = run.events.map((e) => e.data).join('');
  const first = run.events[0]?.offsetMs ?? 0;
  const last = run.events.at(-1)?.offsetMs ?? first;
  const host = run.request.headers.host ?? 'localhost';
  return {
    startedDateTime: new Date(run.createdAt).toISOString(),
    time: run.durationMs ?? last,
    request: {
      method: run.request.method,
      url: `http://${host}${run.request.path}`,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(run.request.headers),
      queryString: [],
      ...(body === null ? {} : { postData: { mimeType: 'application/json', text: postText } }),
      headersSize: -1,
      bodySize: body === null ? 0 : utf8Length(postText),
    },
    response: {
      status: run.httpStatus ?? 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(run.responseHeaders),
      content: {
        size: utf8Length(text),
        mimeType: run.responseHeaders?.['content-type'] ?? 'application/octet-stream',
        text,
      },
      redirectURL: '',
      headersSize: -1,
      bodySize: utf8Length(text),
    },
    cache: {},
    timings: { send: 0, wait: first, receive: Math.max(0, (run.durationMs ?? last) - first) },
    _recordingId: run.id,
    _sessionId: run.sessionId,
    _sseEvents: run.events
      .filter((e) => e.type !== BODY_TYPE)
      .map((e) => ({ offsetMs: e.offsetMs, type: e.type, data: parseData(e.data, false) ?? e.data })),
    _actions: run.actions.map((a) => ({ offsetMs: a.offsetMs, action: a.action, data: a.data })),
  };
}
