import { describe, expect, test } from 'vitest';
import { replay, type ReplayClock } from '../../src-server/shared/recording-format/replay.js';
import { startReplayServer } from '../../src-server/recording/replay-server.js';
import { SseSplitter } from '../../src-server/shared/recording-format/sse-split.js';
import { recordedRun } from '../support/recorded-run.js';

/** A manual clock: time moves only when the test advances it, timers fire in due order. */
function manualClock(): ReplayClock & { advance(ms: number): void; pending(): number[] } {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    pending() {
      return [...timers.values()].map((t) => t.at).sort((a, b) => a - b);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
  };
}

const items = [0, 100, 250, 600].map((offsetMs, i) => ({ offsetMs, i }));

describe('replay timing (record/replay)', { tags: ['U6'] }, () => {
  test('1× emits each item at its recorded offset; 2× at half', () => {
    for (const speed of [1, 2]) {
      const clock = manualClock();
      const at: number[] = [];
      replay(items, () => at.push(clock.now()), { speed, clock });
      clock.advance(1000);
      expect(at).toEqual(items.map((x) => x.offsetMs / speed));
    }
  });

  test('instant emits everything synchronously', () => {
    const seen: number[] = [];
    const h = replay(items, (x) => seen.push(x.i), { speed: 'instant' });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(h.position).toBe(4);
  });

  test('pause keeps the remaining wait; step emits one item and keeps the spacing after it', () => {
    const clock = manualClock();
    const at: [number, number][] = [];
    const h = replay(items, (x) => at.push([x.i, clock.now()]), { clock });
    clock.advance(150); // items 0 and 1 out; item 2 due in 100 ms
    h.pause();
    clock.advance(1000);
    expect(at).toEqual([
      [0, 0],
      [1, 100],
    ]);
    expect(h.step()).toBe(true); // item 2 now, at 1150
    clock.advance(50);
    h.resume(); // item 3 is 350 ms after item 2; 50 of them passed while paused and are skipped
    clock.advance(400);
    expect(at).toEqual([
      [0, 0],
      [1, 100],
      [2, 1150],
      [3, 1550],
    ]);
  });

  test('speed changes apply from the current position; stop ends early', async () => {
    const clock = manualClock();
    const at: number[] = [];
    const h = replay(items, () => at.push(clock.now()), { clock });
    clock.advance(100); // 0 and 1 out, item 2 due in 150
    h.setSpeed(3); // now due in 50
    clock.advance(50);
    expect(at).toEqual([0, 100, 150]);
    h.stop();
    clock.advance(1000);
    expect(at).toHaveLength(3);
    await h.done;
  });

  test('with the real clock: every item, in order, none before its offset', { tags: ['U6'] }, async () => {
    // Not a timing assertion: the replayer emits an item only once its due time has come, so no
    // item can be early whatever the load; how late a loaded machine runs it is not asserted.
    const recorded = Array.from({ length: 20 }, (_, i) => ({ offsetMs: 20 + i * 7, i }));
    const start = performance.now();
    const seen: { i: number; at: number }[] = [];
    await replay(recorded, (x) => seen.push({ i: x.i, at: performance.now() - start }), { speed: 1 }).done;
    expect(seen.map((x) => x.i)).toEqual(recorded.map((x) => x.i));
    for (const { i, at } of seen) expect(at, `item ${i}`).toBeGreaterThanOrEqual(recorded[i].offsetMs);
  });

  describe('the replay server', () => {
    const events = Array.from({ length: 20 }, (_, seq) => ({
      seq,
      offsetMs: 100 + seq * 47,
      type: 'response.output_text.delta',
      data: `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${seq},"delta":"w"}\n\n`,
    }));
    const run = recordedRun(events, {
      id: 'rec_t',
      durationMs: 1000,
      request: { method: 'POST', path: '/v1/responses', headers: {}, body: { model: 'sim-chat', input: 't' } },
    });
    const file = { sessionId: null, exportedAt: '', runs: [run] };

    /** Reads SSE events from a response body one at a time. */
    function eventReader(res: Response): () => Promise<string> {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const splitter = new SseSplitter();
      const decoder = new TextDecoder();
      const queue: string[] = [];
      return async () => {
        while (queue.length === 0) {
          const { value, done } = await reader.read();
          if (done) throw new Error('the stream ended');
          queue.push(...splitter.push(decoder.decode(value, { stream: true })).map((p) => p.data));
        }
        return queue.shift() as string;
      };
    }

    test.each([1, 2])(
      'at %i× schedules each recorded event at its offset / speed and sends it then (driven clock)',
      { tags: ['U6'] },
      async (speed) => {
        const clock = manualClock();
        const server = await startReplayServer({ file, speed, clock });
        try {
          const res = await fetch(`${server.url}/v1/responses`, {
            method: 'POST',
            body: JSON.stringify(run.request.body),
          });
          const next = eventReader(res);
          for (const e of events) {
            // The schedule: the one pending timer is due exactly at this event's offset / speed.
            expect(clock.pending()).toEqual([e.offsetMs / speed]);
            clock.advance(e.offsetMs / speed - clock.now());
            expect(await next()).toBe(e.data);
          }
          expect(clock.pending()).toEqual([]);
        } finally {
          await server.close();
        }
      },
    );

    test(
      'with the real clock, as a client sees it: every byte, in order, none before its offset',
      { tags: ['U6'] },
      async () => {
        const server = await startReplayServer({ file });
        try {
          // Offsets count from the request's arrival, which is after this point: a lower bound that
          // holds on any machine. How late a loaded machine delivers is not asserted (no slack).
          const sent = performance.now();
          const res = await fetch(`${server.url}/v1/responses`, {
            method: 'POST',
            body: JSON.stringify(run.request.body),
          });
          const next = eventReader(res);
          for (const e of events) {
            expect(await next()).toBe(e.data);
            expect(performance.now() - sent, `event ${e.seq}`).toBeGreaterThanOrEqual(e.offsetMs);
          }
        } finally {
          await server.close();
        }
      },
    );
  });
});
