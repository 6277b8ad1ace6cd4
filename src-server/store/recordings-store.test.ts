import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from './index.js';

let dir: string;
let clock: number;
let store: Store;
const open = (options: Parameters<typeof openStore>[0] = {}) =>
  openStore({ dataDir: dir, now: () => clock, sweepIntervalMs: 0, ...options });

const sse = (type: string, seq: number) => `event: ${type}\ndata: {"type":"${type}","sequence_number":${seq}}\n\n`;
const eventCount = (s: Store, id: string) =>
  (s.db.prepare('SELECT count(*) AS n FROM recording_events WHERE recording_id = ?').get(id) as { n: number }).n;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-rec-'));
  clock = 5_000;
});
afterEach(() => {
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('recording storage (record/replay)', () => {
  test('events and actions come back in order with offsets and exact bytes', () => {
    store = open();
    const id = store.recordings.startRecording({
      request: { model: 'm', input: 'hi' },
      requestId: 'req_1',
      sessionId: 'ses_1',
      model: 'm',
    });
    const binary = Uint8Array.from([0, 255, 10, 13, 0xe2, 0x82]);
    store.recordings.appendEvent(id, {
      seq: 0,
      offsetMs: 1.5,
      type: 'response.created',
      data: sse('response.created', 0),
    });
    store.recordings.appendAction(id, {
      offsetMs: 2,
      kind: 'tool_outputs',
      data: { tool_outputs: [{ call_id: 'c', output: 'x' }] },
    });
    store.recordings.appendEvent(id, { seq: 1, offsetMs: 3.25, type: 'raw', data: binary });
    store.recordings.updateRecording(id, {
      responseId: 'resp_1',
      httpStatus: 200,
      responseHeaders: { 'x-request-id': 'req_1' },
    });
    clock += 40;
    store.recordings.finishRecording(id, {
      status: 'completed',
      durationMs: 40,
      toolsUsed: ['get_weather'],
      textPreview: 'é'.repeat(600),
    });
    const rec = store.recordings.getRecording(id);
    expect(rec).toMatchObject({
      id,
      requestId: 'req_1',
      responseId: 'resp_1',
      sessionId: 'ses_1',
      status: 'completed',
      httpStatus: 200,
      durationMs: 40,
      toolsUsed: ['get_weather'],
      responseHeaders: { 'x-request-id': 'req_1' },
      request: { model: 'm', input: 'hi' },
      eventCount: 2,
      truncated: false,
    });
    expect(rec?.textPreview).toHaveLength(500);
    expect(rec?.events.map((e) => [e.seq, e.offsetMs, e.type])).toEqual([
      [0, 1.5, 'response.created'],
      [1, 3.25, 'raw'],
    ]);
    expect(rec?.events[0].data).toBe(sse('response.created', 0));
    expect(Buffer.compare(rec?.events[1].data as Buffer, Buffer.from(binary))).toBe(0);
    expect(rec?.actions).toEqual([
      { seq: 1, offsetMs: 2, kind: 'tool_outputs', data: { tool_outputs: [{ call_id: 'c', output: 'x' }] } },
    ]);
  });

  test('appends are buffered and written together on the next tick', async () => {
    store = open();
    const id = store.recordings.startRecording({ request: {} });
    for (let seq = 0; seq < 50; seq++)
      store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: sse('t', seq) });
    expect(eventCount(store, id)).toBe(0);
    await nextTick();
    expect(eventCount(store, id)).toBe(50);
  });

  test('a finished or deleted recording refuses further events', () => {
    store = open();
    const id = store.recordings.startRecording({ request: {} });
    store.recordings.finishRecording(id, { status: 'completed', durationMs: 1 });
    expect(store.recordings.appendEvent(id, { seq: 0, offsetMs: 0, type: 't', data: 'x' })).toBe(false);
    const other = store.recordings.startRecording({ request: {} });
    store.recordings.appendEvent(other, { seq: 0, offsetMs: 0, type: 't', data: 'x' });
    expect(store.recordings.deleteRecording(other)).toBe(true);
    store.recordings.flush();
    expect(store.recordings.getRecording(other)).toBeNull();
    expect(store.recordings.appendEvent('rec_unknown', { seq: 0, offsetMs: 0, type: 't', data: 'x' })).toBe(false);
  });

  test('a repeated seq is reported and the rest of the batch is kept', () => {
    const failures: unknown[] = [];
    store = open({ onError: (err) => failures.push(err) });
    const id = store.recordings.startRecording({ request: {} });
    for (const seq of [0, 1, 1, 2]) store.recordings.appendEvent(id, { seq, offsetMs: 0, type: 't', data: 'x' });
    store.recordings.flush();
    expect(failures).toHaveLength(1);
    expect(store.recordings.getEvents(id).map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(store.recordings.getSummary(id)?.eventCount).toBe(3);
  });

  test('library: search, session filter, paging, rename and tag', () => {
    store = open();
    const mk = (model: string, sessionId: string, preview: string) => {
      clock += 1;
      const id = store.recordings.startRecording({ request: {}, model, sessionId });
      store.recordings.finishRecording(id, { status: 'completed', durationMs: 5, textPreview: preview });
      return id;
    };
    const a = mk('qwen-7b', 'ses_a', 'The weather in Paris');
    const b = mk('llama-3', 'ses_a', 'A 100% sure answer');
    const c = mk('qwen-32b', 'ses_c', 'Nothing to see');
    expect(store.recordings.listRecordings().data.map((r) => r.id)).toEqual([c, b, a]);
    expect(store.recordings.listRecordings({ search: 'QWEN' }).data.map((r) => r.id)).toEqual([c, a]);
    expect(store.recordings.listRecordings({ search: '100%' }).data.map((r) => r.id)).toEqual([b]);
    expect(store.recordings.listRecordings({ search: '_' }).total).toBe(0);
    expect(store.recordings.listRecordings({ search: b }).data.map((r) => r.id)).toEqual([b]);
    expect(store.recordings.listRecordings({ sessionId: 'ses_a' }).total).toBe(2);
    expect(store.recordings.listRecordings({ limit: 1, offset: 1 })).toMatchObject({ total: 3, data: [{ id: b }] });
    expect(store.recordings.renameRecording(a, 'paris run')).toBe(true);
    expect(store.recordings.tagRecording(a, ['regression', ' regression ', 'vllm', ''])).toBe(true);
    expect(store.recordings.getSummary(a)).toMatchObject({ name: 'paris run', tags: ['regression', 'vllm'] });
    expect(store.recordings.listRecordings({ search: 'regress' }).data.map((r) => r.id)).toEqual([a]);
    expect(store.recordings.renameRecording('rec_nope', 'x')).toBe(false);
  });

  test('events page by seq', () => {
    store = open();
    const id = store.recordings.startRecording({ request: {} });
    for (let seq = 0; seq < 10; seq++) store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: 'x' });
    expect(store.recordings.getEvents(id, { afterSeq: 3, limit: 4 }).map((e) => e.seq)).toEqual([4, 5, 6, 7]);
  });

  test('recordings left open by a crashed process are marked interrupted on reopen', () => {
    store = open();
    const id = store.recordings.startRecording({ request: {} });
    store.recordings.appendEvent(id, { seq: 0, offsetMs: 0, type: 't', data: 'x' });
    store.recordings.flush();
    // Simulate the crash: the connection goes away without finishing the recording.
    store.db.close();
    store = open();
    expect(store.recordings.getRecording(id)).toMatchObject({ status: 'interrupted', eventCount: 1 });
  });
});

describe('recording quota', () => {
  const payload = 'z'.repeat(1000);

  test('oldest finished recordings are evicted first; the running one is kept', () => {
    store = open({ recordingsMaxBytes: 3500 });
    const finished: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock += 1;
      const id = store.recordings.startRecording({ request: {} });
      store.recordings.appendEvent(id, { seq: 0, offsetMs: 0, type: 't', data: payload });
      store.recordings.finishRecording(id, { status: 'completed', durationMs: 1 });
      finished.push(id);
    }
    clock += 1;
    const live = store.recordings.startRecording({ request: {} });
    store.recordings.appendEvent(live, { seq: 0, offsetMs: 0, type: 't', data: payload });
    store.recordings.flush();
    expect(store.recordings.getSummary(finished[0])).toBeNull();
    expect(store.recordings.getSummary(finished[1])).not.toBeNull();
    expect(store.recordings.getSummary(live)?.truncated).toBe(false);
    expect(store.recordings.stats().bytes).toBeLessThanOrEqual(3500);
  });

  test('when only running recordings remain over the quota they are truncated', () => {
    store = open({ recordingsMaxBytes: 2500 });
    const id = store.recordings.startRecording({ request: {} });
    for (let seq = 0; seq < 3; seq++)
      store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: payload });
    store.recordings.flush();
    expect(store.recordings.appendEvent(id, { seq: 3, offsetMs: 3, type: 't', data: payload })).toBe(false);
    store.recordings.finishRecording(id, { status: 'completed', durationMs: 3 });
    expect(store.recordings.getRecording(id)).toMatchObject({
      truncated: true,
      eventCount: 2,
      status: 'completed',
    });
    expect(store.recordings.stats().bytes).toBeLessThanOrEqual(2500);
  });
});
