import { describe, expect, test } from 'vitest';
import { pairedDifferences, pairedRatios, percentile } from './stats.js';

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

  test('paired differences follow each round', () => {
    // Round conditions move both paths; the candidate is 2 ms slower in every round.
    const base = [20, 40, 25, 60];
    const summary = pairedDifferences(base, [22, 42, 27, 62]);
    expect(summary.pairs).toBe(4);
    expect(summary.median).toBe(2);
    expect(summary.q1).toBe(2);
    expect(summary.q3).toBe(2);
    expect(pairedDifferences([1, 1, 1, 1], [0, 1, 3, 6]).median).toBe(0);
    expect(() => pairedDifferences([1], [])).toThrow(/same length/);
  });
});
