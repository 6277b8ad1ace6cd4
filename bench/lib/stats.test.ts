import { describe, expect, test } from 'vitest';
import { medianInterval, pairedDifferences, pairedRatios, percentile } from './stats.js';

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
    expect(summary.interval).toBeNull();
    // Six pairs are the fewest with a 95 % interval: the smallest and largest difference.
    const six = pairedDifferences([0, 0, 0, 0, 0, 0], [3, -1, 2, 5, 4, 1]);
    expect(six.interval).toMatchObject({ low: -1, high: 5 });
    expect(pairedDifferences([1, 1, 1, 1], [0, 1, 3, 6]).median).toBe(0);
    expect(() => pairedDifferences([1], [])).toThrow(/same length/);
  });
});

describe('confidence interval of a median', () => {
  test('order statistics from the binomial tail: the textbook ranks for n = 20 and n = 100', () => {
    const ranks = (n: number): { low: number; high: number; coverage: number } | null =>
      medianInterval(Array.from({ length: n }, (_, i) => n - i));
    // n = 20: x(6) and x(15), coverage 1 − 2 · P(B ≤ 5) = 0.9586.
    expect(ranks(20)).toEqual({ low: 6, high: 15, coverage: expect.closeTo(0.9586, 4) as number });
    // n = 100: x(40) and x(61), coverage 0.9648.
    expect(ranks(100)).toEqual({ low: 40, high: 61, coverage: expect.closeTo(0.9648, 4) as number });
    // 99 % needs wider ranks than 95 %.
    const wide = medianInterval(
      Array.from({ length: 100 }, (_, i) => i + 1),
      0.99,
    );
    expect(wide?.low).toBeLessThan(40);
    expect(wide?.high).toBeGreaterThan(61);
  });

  test('too few values for the confidence give no interval; non-finite values are left out', () => {
    expect(medianInterval([1, 2, 3, 4, 5])).toBeNull();
    expect(medianInterval([1, 2, 3, 4, 5, 6])).toEqual({ low: 1, high: 6, coverage: 0.96875 });
    expect(medianInterval([Number.NaN, 1, 2, 3, 4, 5, 6, Infinity])).toEqual({ low: 1, high: 6, coverage: 0.96875 });
    // A large sample does not underflow.
    const big = medianInterval(Array.from({ length: 5000 }, (_, i) => i));
    expect(big).not.toBeNull();
    expect(big!.low).toBeLessThan(2500);
    expect(big!.high).toBeGreaterThan(2499);
  });
});
