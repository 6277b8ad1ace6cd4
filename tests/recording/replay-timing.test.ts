import { describe, expect, test } from 'vitest';
import { replay, type ReplayClock } from '../../src-server/recording/replay.js';
import { startReplayServer } from '../../src-server/recording/replay-server.js';
import { SseSplitter } from '../../src-server/recording/sse-split.js';
import { recordedRun } from '../support/recorded-run.js';

/** A manual clock: time moves only when the test advances it, timers fire in due order. */
function manualClock(): ReplayClock & { advance(ms: number): void } {
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

describe('replay timing (record/replay)', () => {
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

  test('with the real clock, 20 events over ~1 s arrive within 5% of their recorded offsets', async () => {
    const recorded = Array.from({ length: 20 }, (_, i) => ({ offsetMs: 100 + i * 47 }));
    const start = performance.now();
    const measured: number[] = [];
    await replay(recorded, () => measured.push(performance.now() - start), { speed: 1 }).done;
    const span = recorded[recorded.length - 1].offsetMs;
    // Every event within 5% of the recording's span; the typical one within 5% of its own offset.
    // (A loaded machine can stall one timer for a few ms; what the replayer owns is the schedule.)
    const ofSpan = measured.map((m, i) => Math.abs(m - recorded[i].offsetMs) / span);
    expect(Math.max(...ofSpan)).toBeLessThanOrEqual(0.05);
    const ofOffset = measured
      .map((m, i) => Math.abs(m - recorded[i].offsetMs) / recorded[i].offsetMs)
      .sort((x, y) => x - y);
    expect(ofOffset[Math.floor(ofOffset.length / 2)]).toBeLessThanOrEqual(0.05);
  });

  test('the replay server streams a recording at 1× within 5% of its offsets, as a client sees it', async () => {
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
    const server = await startReplayServer({ file: { sessionId: null, exportedAt: '', runs: [run] } });
    try {
      const res = await fetch(`${server.url}/v1/responses`, { method: 'POST', body: JSON.stringify(run.request.body) });
      const start = performance.now();
      const splitter = new SseSplitter();
      const decoder = new TextDecoder();
      const measured: number[] = [];
      const bodies: string[] = [];
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        for (const p of splitter.push(decoder.decode(chunk, { stream: true }))) {
          measured.push(performance.now() - start);
          bodies.push(p.data);
        }
      }
      expect(bodies).toEqual(events.map((e) => e.data));
      // Offsets relative to the first event: the client's connection and body start-up cancel out.
      const span = events[19].offsetMs - events[0].offsetMs;
      const ofSpan = measured.map(
        (m, i) => Math.abs(m - measured[0] - (events[i].offsetMs - events[0].offsetMs)) / span,
      );
      expect(Math.max(...ofSpan)).toBeLessThanOrEqual(0.05);
    } finally {
      await server.close();
    }
  });
});
