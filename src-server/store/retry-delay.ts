/**
 * How long a write the store could not take (the server away, its disk full) waits before its
 * next try: 250 ms, doubling with each try, at most 5 s. One policy for final saves, recordings
 * and conversation appends.
 */
export function storeRetryDelayMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** attempt);
}
