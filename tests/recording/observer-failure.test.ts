/**
 * A recorder that fails mid-exchange: the failure is contained by the exchange's taps and logged
 * through the request's logger, that run is recorded no further (and still closed), and the client
 * gets its whole answer. The next request is recorded as usual.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RecordingsStore } from '../../src-server/store/recordings-store.js';
import { SseSplitter } from '../../src-server/shared/recording-format/sse-split.js';
import { postJson, startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { FAST, finishedRecording, tempDir } from './helpers.js';

let h: GatewayHarness;
let store: RecordingsStore;
let dir: string;

beforeAll(async () => {
  dir = tempDir('rs-rec-fail-');
  h = await startGateway({ record: 'on', dataDir: dir, logLevel: 'warn' });
  store = h.gateway.recording?.recordings as RecordingsStore;
});
afterAll(async () => {
  await h.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Makes the store's `appendEvent` throw from its `nth` call on (counted from now); returns the undo. */
function failAppendsFrom(nth: number): () => void {
  const original = store.appendEvent.bind(store);
  let calls = 0;
  store.appendEvent = (id, event) => {
    if (++calls >= nth) throw new Error('recordings disk on fire');
    return original(id, event);
  };
  return () => {
    store.appendEvent = original;
  };
}

function observerFailures(requestId: string): Record<string, unknown>[] {
  return h.logs.filter(
    (l) => l.requestId === requestId && l.level === 'error' && String(l.msg).startsWith('an exchange observer at'),
  );
}

describe('a failing recorder never reaches the request (X7)', { tags: ['U6', 'X7'] }, () => {
  test('a stream whose recorder throws mid-way is answered whole; the run is closed with what was kept', async () => {
    const restore = failAppendsFrom(4);
    let text: string;
    let requestId: string;
    try {
      const res = await postJson(
        `${h.url}/v1/responses`,
        { model: 'sim-chat', input: 'Keep going whatever the recorder does', stream: true },
        FAST,
      );
      expect(res.status).toBe(200);
      requestId = res.headers.get('x-request-id') as string;
      text = await res.text();
    } finally {
      restore();
    }
    const events = new SseSplitter().push(text);
    expect(events[0].type).toBe('response.created');
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(events.length).toBeGreaterThan(5);
    const failures = observerFailures(requestId);
    expect(failures).toHaveLength(1);
    expect(failures[0].msg).toBe('an exchange observer at a written piece failed');
    // Closed, not left open: the three events stored before the failure, nothing after it.
    await expect.poll(() => store.listRecordings({ search: requestId }).data[0]?.status).toBe('completed');
    const rec = store.getRecording(store.listRecordings({ search: requestId }).data[0].id);
    expect(rec?.events.map((e) => e.type)).toEqual(events.slice(0, 3).map((e) => e.type));
  });

  test('a JSON answer whose recorder throws is answered whole; the next request is recorded', async () => {
    const restore = failAppendsFrom(1);
    let requestId: string;
    try {
      const res = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'JSON please' }, FAST);
      expect(res.status).toBe(200);
      requestId = res.headers.get('x-request-id') as string;
      expect(((await res.json()) as { status: string }).status).toBe('completed');
    } finally {
      restore();
    }
    expect(observerFailures(requestId)).toHaveLength(1);
    const next = await postJson(`${h.url}/v1/responses`, { model: 'sim-chat', input: 'Recorded again' }, FAST);
    const nextBody = await next.text();
    const summary = await finishedRecording(store, next.headers.get('x-request-id') as string);
    expect(store.getRecording(summary.id)?.events.map((e) => e.data)).toEqual([nextBody]);
    expect(observerFailures(next.headers.get('x-request-id') as string)).toHaveLength(0);
  });
});
