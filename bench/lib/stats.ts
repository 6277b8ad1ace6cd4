/** Small order statistics for latency samples (milliseconds). */

/** Nearest-rank percentile (p in 0..100) of an unsorted sample; NaN for an empty sample. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: samples.length === 0 ? Number.NaN : samples.reduce((a, b) => (b > a ? b : a), -Infinity),
  };
}

/** Rounds for display and JSON (3 decimals is below timer resolution anyway). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface PairedRatios {
  pairs: number;
  /** Median of the per-pair ratios candidate ÷ base. */
  median: number;
  /** First and third quartile of the same ratios: half of the pairs lie between them. */
  q1: number;
  q3: number;
}

/**
 * Paired comparison of two builds measured in alternating windows: the ratio of each pair
 * (candidate ÷ base), summarized by its median and quartiles. Pairing cancels what drifts
 * between windows (CPU frequency, other load), which the medians of the two sides would keep.
 */
export function pairedRatios(base: readonly number[], candidate: readonly number[]): PairedRatios {
  if (base.length !== candidate.length) throw new Error('paired samples need the same length');
  const ratios = base.map((b, i) => candidate[i] / b).filter((r) => Number.isFinite(r));
  return {
    pairs: ratios.length,
    median: percentile(ratios, 50),
    q1: percentile(ratios, 25),
    q3: percentile(ratios, 75),
  };
}
