import { describe, expect, test } from 'vitest';
import type { StreamRecord } from './sse-client.js';
import { percentile } from './stats.js';
import { analyze, burstTimings, gaps, gapsBySetUp, lags } from './streams.js';

function record(datas: string[], names?: (string | undefined)[]): StreamRecord {
  return {
    status: 200,
    startedAt: 100,
    reads: datas.length,
    error: undefined,
    events: datas.map((data, i) => ({ event: names?.[i], data, at: 101 + i * 10 })),
  };
}

function responses(deltas: string[], mutate?: (events: Record<string, unknown>[]) => void): StreamRecord {
  const events: Record<string, unknown>[] = [
    { type: 'response.created' },
    ...deltas.map((delta) => ({ type: 'response.output_text.delta', delta })),
    { type: 'response.output_text.done', text: deltas.join('') },
    { type: 'response.completed' },
  ];
  events.forEach((e, i) => (e.sequence_number = i));
  mutate?.(events);
  return record(
    events.map((e) => JSON.stringify(e)),
    events.map((e) => String(e.type)),
  );
}

describe('stream integrity checks (lost / reordered events)', () => {
  test('a whole Responses stream has no problems and yields delta timings', () => {
    const a = analyze('responses', responses(['a', 'b', 'c']), 3);
    expect(a.problems).toEqual([]);
    expect(a.firstEventMs).toBe(1);
    expect(a.firstDeltaMs).toBe(11);
    expect(gaps(a.deltaAt)).toEqual([10, 10]);
  });

  test('a sequence gap is reported', () => {
    const a = analyze(
      'responses',
      responses(['a', 'b'], (e) => (e[2].sequence_number = 5)),
      2,
    );
    expect(a.problems.some((p) => p.includes('sequence_number 5'))).toBe(true);
  });

  test('a lost delta is reported by count and by the done text', () => {
    const a = analyze(
      'responses',
      responses(['a', 'b', 'c'], (e) => (e[3].delta = '')),
      4,
    );
    expect(a.problems.some((p) => p.includes('expected 4 content deltas, got 3'))).toBe(true);
    expect(a.problems.some((p) => p.includes('differs from the concatenated deltas'))).toBe(true);
  });

  test('a stream that does not end with response.completed is reported', () => {
    const a = analyze(
      'responses',
      responses(['a'], (e) => (e[3].type = 'response.failed')),
      1,
    );
    expect(a.problems.some((p) => p.includes('not response.completed'))).toBe(true);
  });

  test('chat chunks count only non-empty content and need [DONE]', () => {
    const chunk = (content: string | null): string => JSON.stringify({ choices: [{ delta: { content } }] });
    expect(analyze('chat', record([chunk(''), chunk('x'), chunk(null), chunk('y'), '[DONE]']), 2).problems).toEqual([]);
    expect(analyze('chat', record([chunk('x')]), 1).problems).toEqual(['no [DONE]']);
  });
});

describe('percentile', () => {
  test('nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('paced timings', () => {
  test("schedule lag is measured against the stream's own best offset", () => {
    // 20 ms apart, the third delta 5 ms late.
    expect(lags([100, 120, 145, 160], 20)).toEqual([0, 0, 5, 0]);
    // A late first delta does not make the others look early.
    expect(lags([110, 120, 140], 20)).toEqual([10, 0, 0]);
  });

  test('a burst pools the gaps and lags of all its streams', () => {
    const t = burstTimings([{ deltaAt: [0, 20, 40] }, { deltaAt: [5, 30] }], 20);
    expect(t.gaps).toEqual([20, 20, 25]);
    expect(t.lags).toEqual([0, 0, 0, 0, 5]);
  });

  test("a burst's gaps split by the delta they end: during the set-up and after it", () => {
    const split = gapsBySetUp([{ deltaAt: [0, 30, 50, 70, 90] }, { deltaAt: [5, 20] }, { deltaAt: [7] }], 2);
    expect(split.setUp).toEqual([30, 20, 15]);
    expect(split.after).toEqual([20, 20]);
  });
});
