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

/** Median and quartiles of per-pair values (ratios or differences) of two paired samples. */
export interface Paired {
  pairs: number;
  /** Median of the per-pair values. */
  median: number;
  /** First and third quartile of the same values: half of the pairs lie between them. */
  q1: number;
  q3: number;
  /** 95 % confidence interval of the median (`medianInterval`); null below 6 pairs. */
  interval: MedianInterval | null;
}

function paired(
  base: readonly number[],
  candidate: readonly number[],
  combine: (b: number, c: number) => number,
): Paired {
  if (base.length !== candidate.length) throw new Error('paired samples need the same length');
  const values = base.map((b, i) => combine(b, candidate[i])).filter((v) => Number.isFinite(v));
  return {
    pairs: values.length,
    median: percentile(values, 50),
    q1: percentile(values, 25),
    q3: percentile(values, 75),
    interval: medianInterval(values),
  };
}

/**
 * Paired comparison of two builds measured in alternating windows: the ratio of each pair
 * (candidate ÷ base), summarized by its median and quartiles. Pairing cancels what drifts
 * between windows (CPU frequency, other load), which the medians of the two sides would keep.
 */
export function pairedRatios(base: readonly number[], candidate: readonly number[]): Paired {
  return paired(base, candidate, (b, c) => c / b);
}

/**
 * The same for differences (candidate − base) of values measured in the same round, such as the
 * p99 of two paths that took turns: what one round's conditions did to both cancels out.
 */
export function pairedDifferences(base: readonly number[], candidate: readonly number[]): Paired {
  return paired(base, candidate, (b, c) => c - b);
}

/** A confidence interval of a sample's median. */
export interface MedianInterval {
  low: number;
  high: number;
  /** Its actual coverage (at least the confidence asked for). */
  coverage: number;
}

/**
 * Distribution-free confidence interval of the median: the order statistics x(j) and x(n+1−j)
 * for the largest j whose binomial tail leaves at least `confidence` between them (nothing is
 * assumed of the distribution, which for per-round p99 differences is wide and skewed). Null
 * when the sample is too small for that confidence (fewer than 6 values for 95 %).
 */
export function medianInterval(samples: readonly number[], confidence = 0.95): MedianInterval | null {
  const sorted = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  // P(B <= k) for B ~ Binomial(n, 1/2), k = 0, 1, …; in logarithms so that a large n does not underflow.
  let logPmf = -n * Math.LN2;
  let tail = 0;
  let j = 0;
  for (let k = 0; k < n / 2; k++) {
    if (k > 0) logPmf += Math.log((n - k + 1) / k);
    const next = tail + Math.exp(logPmf);
    if (1 - 2 * next < confidence) break;
    tail = next;
    j = k + 1;
  }
  if (j === 0) return null;
  return { low: sorted[j - 1], high: sorted[n - j], coverage: 1 - 2 * tail };
}
