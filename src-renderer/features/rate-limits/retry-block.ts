/**
 * After a 429 with Retry-After, the console holds Send for that profile until the wait is over
 * (sending earlier only earns another 429). Pure: the runs and the clock come in.
 */
import { retryAfterSeconds } from './rate-limit-model.js';
import type { Run } from '../timeline/run-model.js';

export interface RetryBlock {
  runId: string;
  /** Wall clock when sending is allowed again. */
  until: number;
  leftMs: number;
  retryAfterSeconds: number;
}

/** The newest live 429 of this profile, while its Retry-After has not elapsed; null otherwise. */
export function lastRateLimited(runs: readonly Run[], profileId: string): Run | undefined {
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i];
    if (r.replayOf || (r.profileId ?? 'builtin') !== profileId || r.httpStatus === undefined) continue;
    return r.httpStatus === 429 ? r : undefined;
  }
  return undefined;
}

export function retryBlock(runs: readonly Run[], profileId: string, now: number): RetryBlock | null {
  const r = lastRateLimited(runs, profileId);
  if (!r) return null;
  const at = r.answeredAt ?? r.sentAt;
  const secs = retryAfterSeconds(r.responseHeaders, at);
  if (secs === undefined) return null;
  const until = at + secs * 1000;
  return until > now ? { runId: r.id, until, leftMs: until - now, retryAfterSeconds: secs } : null;
}
