/**
 * Plays a recorded run back into a timeline run. The recorded bytes go through the same SSE
 * parser, run model and stream validator as a live stream, so a replay looks exactly as the run
 * did live; timing comes from the shared replay scheduler (instant, 1×, N×, pause, step).
 */
import { createParser } from 'eventsource-parser';
import { BODY_TYPE, type RecordedRun, type RunEvent } from '../../../src-server/recording/format.js';
import { replay, type ReplayClock, type ReplayHandle, type ReplaySpeed } from '../../../src-server/recording/replay.js';
import { toReceivedEvent } from '../../lib/gateway-client.js';
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

/** A display name for a recording: its name, else model and id. */
export function recordingLabel(rec: Pick<RecordedRun, 'id' | 'name' | 'model'>): string {
  return rec.name ?? `${rec.model ?? '?'} ${rec.id.slice(-6)}`;
}

export function playRecording(rec: RecordedRun, runId: string, options: PlaybackOptions): Playback {
  const requestHeaders = rec.request.headers;
  const body =
    rec.request.body && typeof rec.request.body === 'object' && !Array.isArray(rec.request.body)
      ? (rec.request.body as Record<string, unknown>)
      : { raw: rec.request.body };
  const run = newRun(runId, body, requestHeaders, rec.createdAt);
  run.replayOf = { recordingId: rec.id, name: recordingLabel(rec) };
  // The validator judges the stream with the switches the request was sent with.
  const dialect = header(requestHeaders, 'x-responses-dialect') === 'open-responses' ? 'open-responses' : 'openai';
  const ext = header(requestHeaders, 'x-responses-extensions');
  const checker = createEventChecker(dialect, ext === undefined ? false : ext.trim().toLowerCase() === 'on');
  applyStart(run, rec.httpStatus ?? 0, rec.responseHeaders ?? {});

  let t = 0;
  let bodyEnd: unknown;
  const parser = createParser({ onEvent: (m) => applyEvent(run, toReceivedEvent(m.event, m.data, t), checker) });
  const emit = (e: RunEvent): void => {
    t = e.offsetMs;
    if (e.type === BODY_TYPE) {
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
