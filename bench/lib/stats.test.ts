import { describe, expect, test } from 'vitest';
import { pairedRatios, percentile } from './stats.js';

describe('bench statistics', () => {
  test('nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  test('paired ratios follow each pair, not the two medians', () => {
    // The machine slows down between pairs; the candidate is 10 % cheaper in every pair.
    const base = [100, 200, 400, 800];
    const candidate = base.map((b) => b * 0.9);
    const summary = pairedRatios(base, candidate);
    expect(summary.pairs).toBe(4);
    expect(summary.median).toBeCloseTo(0.9, 10);
    expect(summary.q1).toBeCloseTo(0.9, 10);
    expect(summary.q3).toBeCloseTo(0.9, 10);
  });

  test('quartiles show the spread of the pairs, and a zero base is left out', () => {
    const summary = pairedRatios([10, 10, 10, 10, 0], [8, 9, 11, 12, 5]);
    expect(summary.pairs).toBe(4);
    expect(summary.q1).toBe(0.8);
    expect(summary.median).toBe(0.9);
    expect(summary.q3).toBe(1.1);
    expect(() => pairedRatios([1], [1, 2])).toThrow(/same length/);
  });
});
