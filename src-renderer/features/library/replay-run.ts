/**
 * Plays a recorded run back into a timeline run. The recorded bytes go through the same SSE
 * parser, run model and stream validator as a live stream, so a replay looks exactly as the run
 * did live; timing comes from the shared replay scheduler (instant, 1×, N×, pause, step).
 */
import { createParser } from 'eventsource-parser';
import {
  BODY_TYPE,
  isWebSocketRun,
  type RecordedRun,
  type RunEvent,
} from '../../../src-server/shared/recording-format/format.js';
import {
  replay,
  type ReplayClock,
  type ReplayHandle,
  type ReplaySpeed,
} from '../../../src-server/shared/recording-format/replay.js';
import { toReceivedEvent } from '../../lib/gateway-client.js';
import type { Exchange } from '../../lib/exchange.js';
import { createEventChecker } from '../../lib/stream-check.js';
import { applyEvent, applyStart, finishRun, newRun, type Run } from '../timeline/run-model.js';

export interface PlaybackOptions {
  speed: ReplaySpeed;
  paused?: boolean;
  /** Called after every applied event (the store re-renders from it). */
  onUpdate?: () => void;
  /** Called once when the last event was applied or the playback was stopped. */
  onEnd?: () => void;
  clock?: ReplayClock;
}

export interface Playback {
  run: Run;
  handle: ReplayHandle;
  /** Number of recorded events. */
  total: number;
}

const header = (headers: Record<string, string>, name: string): string | undefined => {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
};

const shortTime = (ms: number) =>
  new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The first words of a text, for a name. */
function firstWords(text: string, max = 48): string {
  return text.length <= max ? text : `${text.slice(0, max).replace(/\s+\S*$/, '')}…`;
}

/**
 * A readable name for a recording: the name it was given; else the first words of its input (or
 * "tool outputs for call_…" for a submission), the model and the time; a re-run says so.
 */
export function recordingLabel(
  rec: Pick<RecordedRun, 'id' | 'name' | 'model' | 'createdAt'> &
    Partial<Pick<RecordedRun, 'inputPreview' | 'requestKind' | 'rerunOf'>>,
): string {
  if (rec.name) return rec.name;
  const what =
    rec.requestKind === 'tool_outputs'
      ? `↳ ${rec.inputPreview ?? 'tool outputs'}`
      : rec.inputPreview
        ? `“${firstWords(rec.inputPreview)}”`
        : rec.id.slice(-6);
  return [`${rec.rerunOf ? 're-run: ' : ''}${what}`, rec.model, shortTime(rec.createdAt)].filter(Boolean).join(' · ');
}

/** The HTTP exchange a recording kept: request as recorded, response headers, the exact bytes written. */
export function recordedExchange(rec: RecordedRun): Exchange {
  if (isWebSocketRun(rec)) return recordedWebSocketExchange(rec);
  const raw = rec.events.map((e) => e.data).join('');
  const sse = (header(rec.responseHeaders ?? {}, 'content-type') ?? '').includes('text/event-stream');
  return {
    transport: 'http',
    label: rec.requestKind === 'tool_outputs' ? 'Tool outputs (recorded)' : 'Create response (recorded)',
    method: rec.request.method,
    url: rec.request.path,
    requestHeaders: rec.request.headers,
    requestBody: typeof rec.request.body === 'string' ? rec.request.body : JSON.stringify(rec.request.body),
    sentAt: 0,
    sentAtEpoch: rec.createdAt,
    status: rec.httpStatus ?? undefined,
    responseHeaders: rec.responseHeaders ?? {},
    responseBody: raw,
    responseChars: raw.length,
    streaming: sse,
    durationMs: rec.durationMs ?? undefined,
    state: rec.status === 'aborted' ? 'failed' : 'done',
    error: rec.status === 'aborted' ? 'the client went away before the end (recorded as aborted)' : undefined,
  };
}

/** A WebSocket run's exchange: the message sent at 0 ms, then every frame received with its offset. */
function recordedWebSocketExchange(rec: RecordedRun): Exchange {
  const message = typeof rec.request.body === 'string' ? rec.request.body : JSON.stringify(rec.request.body);
  const bytes = (text: string): number => new TextEncoder().encode(text).length;
  const typeOf = (text: string): string => {
    try {
      const t = (JSON.parse(text) as { type?: unknown }).type;
      return typeof t === 'string' ? t : '';
    } catch {
      return '';
    }
  };
  return {
    transport: 'websocket',
    label: 'Create response (recorded, WebSocket)',
    method: rec.request.method,
    url: rec.request.path,
    requestHeaders: rec.request.headers,
    requestBody: message,
    sentAt: 0,
    sentAtEpoch: rec.createdAt,
    status: rec.httpStatus ?? undefined,
    responseHeaders: rec.responseHeaders ?? {},
    responseBody: '',
    responseChars: rec.events.reduce((n, e) => n + e.data.length, 0),
    streaming: true,
    frames: [
      { direction: 'sent', t: 0, text: message, bytes: bytes(message), type: typeOf(message) },
      ...rec.events.map((e) => ({
        direction: 'received' as const,
        t: e.offsetMs,
        text: e.data,
        bytes: bytes(e.data),
        type: e.type,
      })),
    ],
    durationMs: rec.durationMs ?? undefined,
    state: rec.status === 'aborted' ? 'failed' : 'done',
    error: rec.status === 'aborted' ? 'the client went away before the end (recorded as aborted)' : undefined,
  };
}

export function playRecording(rec: RecordedRun, runId: string, options: PlaybackOptions): Playback {
  const requestHeaders = rec.request.headers;
  const body =
    rec.request.body && typeof rec.request.body === 'object' && !Array.isArray(rec.request.body)
      ? (rec.request.body as Record<string, unknown>)
      : { raw: rec.request.body };
  const run = newRun(runId, body, requestHeaders, rec.createdAt);
  run.replayOf = { recordingId: rec.id, name: recordingLabel(rec) };
  // The recorded exchange: the request body is the recorded JSON, re-serialized.
  run.exchanges.push(recordedExchange(rec));
  // The validator judges the stream with the switches the request was sent with (newRun reads them).
  const checker = createEventChecker(run.dialect, run.extensions);
  applyStart(run, rec.httpStatus ?? 0, rec.responseHeaders ?? {});

  let t = 0;
  let bodyEnd: unknown;
  const parser = createParser({ onEvent: (m) => applyEvent(run, toReceivedEvent(m.event, m.data, t), checker) });
  const webSocket = isWebSocketRun(rec);
  const emit = (e: RunEvent): void => {
    t = e.offsetMs;
    if (webSocket) {
      // One frame per event; an error frame is the answer, as the live client treats it.
      const ev = toReceivedEvent(undefined, e.data, t);
      if (ev.type === 'error' && ev.sequenceNumber === null) bodyEnd = { error: ev.data?.error };
      else applyEvent(run, ev, checker);
    } else if (e.type === BODY_TYPE) {
      // A whole JSON answer (an error, or a non-streaming response), as the live client got it.
      try {
        bodyEnd = JSON.parse(e.data) as unknown;
      } catch {
        bodyEnd = e.data;
      }
    } else parser.feed(e.data);
    options.onUpdate?.();
  };
  const handle = replay(rec.events, emit, { speed: options.speed, paused: options.paused, clock: options.clock });
  let finished = false;
  void handle.done.then(() => {
    if (finished) return;
    finished = true;
    const complete = handle.position >= rec.events.length;
    const aborted = !complete || rec.status === 'aborted';
    finishRun(
      run,
      { aborted, status: rec.httpStatus ?? 0, body: complete ? bodyEnd : undefined },
      complete ? checker : undefined,
    );
    options.onUpdate?.();
    options.onEnd?.();
  });
  return { run, handle, total: rec.events.length };
}
