/**
 * A RecordedRun built from given events, for tests and the benchmark that need a recording
 * without running a gateway. Every summary field has a neutral default; pass what matters.
 */
import type { RecordedRun, RunEvent } from '../../src-server/shared/recording-format/format.js';

export function recordedRun(events: RunEvent[], fields: Partial<RecordedRun> = {}): RecordedRun {
  return {
    id: 'rec_test',
    sessionId: null,
    requestId: null,
    responseId: null,
    createdAt: 0,
    name: null,
    tags: [],
    status: 'completed',
    httpStatus: 200,
    model: 'sim-chat',
    durationMs: events.length ? events[events.length - 1].offsetMs : 0,
    toolsUsed: [],
    textPreview: null,
    truncated: false,
    requestKind: 'response',
    inputPreview: 'hi',
    rerunOf: null,
    request: {
      method: 'POST',
      path: '/v1/responses',
      headers: {},
      body: { model: 'sim-chat', input: 'hi', stream: true },
    },
    responseHeaders: { 'content-type': 'text/event-stream; charset=utf-8' },
    events,
    actions: [],
    ...fields,
  };
}
