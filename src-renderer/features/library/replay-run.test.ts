import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../../src-server/config/flags.js';
import { createGateway, type Gateway } from '../../../src-server/gateway.js';
import type { ReplayClock } from '../../../src-server/shared/recording-format/replay.js';
import { streamResponse } from '../../lib/gateway-client.js';
import { createEventChecker } from '../../lib/stream-check.js';
import { applyEvent, applyStart, finishRun, newRun, type Run } from '../timeline/run-model.js';
import { groupOps } from './diff-groups.js';
import { library } from './library-client.js';
import { playRecording } from './replay-run.js';

let gateway: Gateway;
const conn = () => ({ baseUrl: gateway.url });
beforeAll(async () => {
  gateway = await createGateway({ ...defaultConfig(), port: 0, logLevel: 'silent', record: 'on' });
});
afterAll(async () => {
  await gateway.close();
});

const HEADERS = { 'X-Responses-Extensions': 'on', 'X-Responses-Dialect': 'openai' };

async function live(body: Record<string, unknown>, extra: Record<string, string> = {}): Promise<Run> {
  const headers = { ...HEADERS, ...extra };
  const r = newRun('live', body, headers, Date.now());
  const checker = createEventChecker('openai', true);
  const result = await streamResponse({
    connection: conn(),
    body,
    headers,
    onStart: (s) => applyStart(r, s.status, s.headers),
    onEvent: (ev) => applyEvent(r, ev, checker),
  });
  finishRun(r, result, checker);
  return r;
}

async function latestId(): Promise<string> {
  const page = await library.list(conn());
  return page.data[0].id;
}

/** A clock the test moves by hand: timing is checked without waiting on the wall clock. */
function manualClock(): ReplayClock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++next;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      timers = timers.filter((t) => t.id !== h);
    },
    advance(ms) {
      now += ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        due.fn();
      }
    },
  };
}

describe('sessions library: a recorded run replays into the timeline exactly as it looked live', () => {
  test('instant replay: same rows (types, raw data, sequence numbers), same text, same status, no violations', async () => {
    const original = await live({ model: 'sim-chat', input: 'Say something short', stream: true });
    expect(original.status).toBe('completed');
    const rec = await library.get(conn(), await latestId());
    const pb = playRecording(rec, 'replay-1', { speed: 'instant' });
    await pb.handle.done;
    const { run } = pb;
    expect(run.replayOf?.recordingId).toBe(rec.id);
    expect(run.rows.map((r) => [r.type, r.raw, r.sequenceNumber])).toEqual(
      original.rows.map((r) => [r.type, r.raw, r.sequenceNumber]),
    );
    expect(run.items.map((i) => i.text)).toEqual(original.items.map((i) => i.text));
    expect(run.status).toBe('completed');
    expect(run.violationCount).toBe(0);
    // Row times are the recorded offsets, in order.
    expect(run.rows.map((r) => r.t)).toEqual(rec.events.filter((e) => e.type !== 'sse.comment').map((e) => e.offsetMs));
  });

  test('1× replay with pause and step follows the recorded offsets on the replay clock', async () => {
    // Evenly spaced deltas, so half the recorded time holds about half the events.
    await live(
      { model: 'sim-chat', input: 'Count', stream: true },
      { 'x-simulator-token-ms': '5', 'x-simulator-deltas': '12' },
    );
    const rec = await library.get(conn(), await latestId());
    const clock = manualClock();
    const pb = playRecording(rec, 'replay-2', { speed: 1, paused: true, clock });
    expect(pb.run.rows.length).toBe(0);
    pb.handle.step();
    expect(pb.run.rows.length).toBe(1);
    pb.handle.resume();
    const last = rec.events[rec.events.length - 1].offsetMs;
    // Half the remaining recorded time: some but not all events are out.
    clock.advance((last - rec.events[0].offsetMs) / 2);
    const half = pb.run.rows.length;
    expect(half).toBeGreaterThan(1);
    expect(half).toBeLessThan(rec.events.length);
    pb.handle.pause();
    clock.advance(last * 10);
    expect(pb.run.rows.length).toBe(half);
    pb.handle.resume();
    clock.advance(last);
    await pb.handle.done;
    expect(pb.run.status).toBe('completed');
  });

  test('an HTTP error recording replays as the same error run', async () => {
    const original = await live({ model: 'no-such-model', input: 'x', stream: true });
    const rec = await library.get(conn(), await latestId());
    const pb = playRecording(rec, 'replay-3', { speed: 'instant' });
    await pb.handle.done;
    expect(pb.run.status).toBe(original.status);
    expect(pb.run.error?.message).toBe(original.error?.message);
  });
});

describe('sessions library REST from the console: rename, tag, search, export, import, diff, delete', () => {
  test('round trip; the same file imported twice is detected', { tags: ['U6'] }, async () => {
    await live({ model: 'sim-chat', input: 'Library round trip', stream: true });
    const id = await latestId();
    expect((await library.update(conn(), id, { name: 'my run', tags: ['a', 'b'] })).name).toBe('my run');
    expect((await library.list(conn(), { search: 'my run' })).data.map((r) => r.id)).toEqual([id]);
    const text = await library.exportText(conn(), id, 'jsonl');
    expect(text.split('\n')[0]).toContain('responses-studio-recording');
    const har = JSON.parse(await library.exportText(conn(), id, 'har')) as { log: { entries: unknown[] } };
    expect(har.log.entries.length).toBeGreaterThan(0);
    // The same file again is detected: nothing is added twice.
    expect(await library.importText(conn(), text)).toEqual({ ids: [], duplicates: [id] });
    // Deleted, then imported: the run comes back as it was, under its own id.
    const before = await library.get(conn(), id);
    await library.remove(conn(), id);
    const { ids } = await library.importText(conn(), text);
    expect(ids).toEqual([id]);
    const restored = await library.get(conn(), id);
    expect(restored.events).toEqual(before.events);
    expect(restored.inputPreview).toBe('Library round trip');
    expect((await library.diff(conn(), id, ids[0])).equal).toBe(true);
    // A different run differs in its final text; the grouped view keeps every op.
    await live({ model: 'sim-chat', input: 'Something else entirely, longer', stream: true });
    const other = await latestId();
    const diff = await library.diff(conn(), id, other);
    expect(groupOps(diff).reduce((n, g) => n + g.count, 0)).toBe(diff.sequence.length);
    await library.remove(conn(), ids[0]);
    await expect(library.get(conn(), ids[0])).rejects.toMatchObject({ status: 404 });
    await expect(library.importText(conn(), 'not a recording')).rejects.toMatchObject({ status: 400 });
  });
});

describe('diff view grouping', () => {
  test('missing, extra and reordered ops are grouped and marked', () => {
    const groups = groupOps({
      sequence: [
        { op: 'same', type: 'response.created', a: 0, b: 0 },
        { op: 'same', type: 'd', a: 1, b: 1 },
        { op: 'same', type: 'd', a: 2, b: 2 },
        { op: 'missing', type: 'response.output_text.done', a: 3 },
        { op: 'missing', type: 'x', a: 4 },
        { op: 'extra', type: 'x', b: 3 },
      ],
      reordered: ['x'],
    });
    expect(groups.map((g) => [g.op, g.type, g.count, g.reordered])).toEqual([
      ['same', 'response.created', 1, false],
      ['same', 'd', 2, false],
      ['missing', 'response.output_text.done', 1, false],
      ['missing', 'x', 1, true],
      ['extra', 'x', 1, true],
    ]);
  });
});

describe('a recorded WebSocket run', { tags: ['X2', 'U6'] }, () => {
  test('replays its frames into the timeline and shows them in its exchange', async () => {
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/v1/responses?dialect=openai&extensions=on`);
    const frames: { type: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () =>
        socket.send(JSON.stringify({ type: 'response.create', model: 'sim-chat+deltas=5', input: 'replay me' })),
      );
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string };
        frames.push(frame);
        if (frame.type === 'response.completed') resolve();
      });
      socket.once('error', reject);
    });
    socket.close();
    const rec = await library.get(conn(), await latestId());
    const pb = playRecording(rec, 'replay-ws', { speed: 'instant' });
    await pb.handle.done;
    expect(pb.run.rows.map((r) => r.type)).toEqual(frames.map((f) => f.type));
    expect(pb.run.status).toBe('completed');
    expect(pb.run.violationCount).toBe(0);
    const exchange = pb.run.exchanges[0];
    expect(exchange.transport).toBe('websocket');
    expect(exchange.frames?.map((f) => `${f.direction} ${f.type}`)).toEqual([
      'sent response.create',
      ...frames.map((f) => `received ${f.type}`),
    ]);
  });
});
