/**
 * Reset durations as OpenAI writes them in `x-ratelimit-reset-*` headers: Go's time.Duration
 * notation at millisecond precision — `12ms`, `1s`, `33.023s`, `2m52.8s`, `6m0s`, `1h0m0s`.
 */

/** Formats a duration in milliseconds (rounded up to a whole millisecond, never negative). */
export function formatResetDuration(ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, Math.ceil(ms - 1e-9)) : 0;
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  const whole = Math.floor(secondsMs / 1000);
  const frac = secondsMs % 1000;
  // Go drops trailing zeros of the fraction: 52.800s → 52.8s.
  const seconds = frac === 0 ? `${whole}s` : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
