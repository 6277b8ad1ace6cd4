/**
 * Rate-limit snapshots from `x-ratelimit-*` response headers and `response.rate_limits.updated`
 * events (same numbers, two channels), plus the 429 Retry-After countdown.
 */
export interface RateLimitGauge {
  name: 'requests' | 'tokens' | string;
  limit: number;
  remaining: number;
  /** Seconds until the window resets, when known. */
  resetSeconds?: number;
}

export interface RateLimitSnapshot {
  source: 'headers' | 'event';
  /** Ms since the run was sent. */
  t: number;
  gauges: RateLimitGauge[];
}

/** Parses OpenAI reset strings: "1s", "6m0s", "250ms", or a bare number of seconds. */
export function parseResetSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const bare = Number(value);
  if (Number.isFinite(bare)) return bare;
  let total = 0;
  let matched = false;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
  }
  return matched ? total : undefined;
}

export function parseRateLimitHeaders(headers: Record<string, string>, t: number): RateLimitSnapshot | null {
  const gauges: RateLimitGauge[] = [];
  for (const name of ['requests', 'tokens']) {
    const limit = Number(headers[`x-ratelimit-limit-${name}`]);
    const remaining = Number(headers[`x-ratelimit-remaining-${name}`]);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || headers[`x-ratelimit-limit-${name}`] === undefined)
      continue;
    gauges.push({ name, limit, remaining, resetSeconds: parseResetSeconds(headers[`x-ratelimit-reset-${name}`]) });
  }
  return gauges.length ? { source: 'headers', t, gauges } : null;
}

export function parseRateLimitEvent(data: Record<string, unknown>, t: number): RateLimitSnapshot | null {
  const list = Array.isArray(data.rate_limits) ? data.rate_limits : [];
  const gauges: RateLimitGauge[] = [];
  for (const raw of list) {
    if (!raw || typeof raw !== 'object') continue;
    const r = raw as Record<string, unknown>;
    if (typeof r.name !== 'string' || typeof r.limit !== 'number' || typeof r.remaining !== 'number') continue;
    gauges.push({
      name: r.name,
      limit: r.limit,
      remaining: r.remaining,
      resetSeconds: typeof r.reset_seconds === 'number' ? r.reset_seconds : undefined,
    });
  }
  return gauges.length ? { source: 'event', t, gauges } : null;
}

/** Seconds to wait after a 429: `retry-after-ms` wins over `Retry-After` (seconds or HTTP date). */
export function retryAfterSeconds(headers: Record<string, string>, nowMs: number): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms)) return ms / 1000;
  const ra = headers['retry-after'];
  if (ra === undefined) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return secs;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, (date - nowMs) / 1000) : undefined;
}
