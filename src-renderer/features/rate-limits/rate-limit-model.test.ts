import { describe, expect, test } from 'vitest';
import { parseRateLimitHeaders, parseResetSeconds, retryAfterSeconds } from './rate-limit-model.js';

describe('H5 rate-limit gauges from headers', { tags: ['H5'] }, () => {
  test('x-ratelimit-* headers become request and token gauges', () => {
    const snap = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-limit-tokens': '1000',
        'x-ratelimit-remaining-tokens': '870',
        'x-ratelimit-reset-tokens': '6m0s',
      },
      0,
    );
    expect(snap?.gauges).toEqual([
      { name: 'requests', limit: 60, remaining: 59, resetSeconds: 1 },
      { name: 'tokens', limit: 1000, remaining: 870, resetSeconds: 360 },
    ]);
  });
  test('no headers, no snapshot', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'text/event-stream' }, 0)).toBeNull();
  });
  test('reset strings in OpenAI style', () => {
    expect(parseResetSeconds('250ms')).toBe(0.25);
    expect(parseResetSeconds('1m30s')).toBe(90);
    expect(parseResetSeconds('2')).toBe(2);
    expect(parseResetSeconds('soon')).toBeUndefined();
  });
  test('429 countdown: retry-after-ms wins, then Retry-After seconds or date', () => {
    expect(retryAfterSeconds({ 'retry-after-ms': '1500', 'retry-after': '2' }, 0)).toBe(1.5);
    expect(retryAfterSeconds({ 'retry-after': '3' }, 0)).toBe(3);
    expect(retryAfterSeconds({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6);
    expect(retryAfterSeconds({}, 0)).toBeUndefined();
  });
});
