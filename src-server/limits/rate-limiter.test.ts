import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RateLimitConfigError, loadRateLimitConfig, parseRateLimitConfig } from './config.js';
import { formatResetDuration } from './duration.js';
import {
  RateLimiter,
  keyIdHex,
  type RateLimitCheck,
  type RateLimitIdentity,
  type RateLimiterOptions,
} from './rate-limiter.js';

class Clock {
  t = 1_000_000;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

const alice: RateLimitIdentity = { apiKey: 'sk-alice', address: '127.0.0.1' };
const bob: RateLimitIdentity = { apiKey: 'sk-bob', address: '127.0.0.1' };
const anon: RateLimitIdentity = { apiKey: null, address: '10.0.0.7' };

function limiter(options: Partial<RateLimiterOptions> & { rpm?: number; tpm?: number }, clock: Clock): RateLimiter {
  return new RateLimiter({
    defaults: { requestsPerMinute: options.rpm ?? 0, tokensPerMinute: options.tpm ?? 0 },
    overrides: options.overrides,
    now: clock.now,
  });
}

function refused(result: RateLimitCheck): Extract<RateLimitCheck, { allowed: false }> {
  if (result.allowed) throw new Error('expected a refusal');
  return result;
}

describe('H5 reset durations formatted like OpenAI', { tags: ['H5'] }, () => {
  test.each([
    [0, '0s'],
    [-5, '0s'],
    [0.2, '1ms'],
    [12, '12ms'],
    [547, '547ms'],
    [999.4, '1s'],
    [1000, '1s'],
    [8640, '8.64s'],
    [33_023, '33.023s'],
    [59_200, '59.2s'],
    [60_000, '1m0s'],
    [172_800, '2m52.8s'],
    [360_000, '6m0s'],
    [86_400, '1m26.4s'],
    [3_600_000, '1h0m0s'],
    [3_723_004, '1h2m3.004s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatResetDuration(ms)).toBe(text);
  });
});

describe('H5 request budget (token bucket)', { tags: ['H5'] }, () => {
  test('allows the per-minute budget, refuses the next with 429 rate_limit_exceeded, refills over time', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 3 }, clock);
    for (let i = 0; i < 3; i++) expect(rl.check(alice, 0).allowed).toBe(true);
    const no = refused(rl.check(alice, 0));
    expect(no.error.status).toBe(429);
    expect(no.error.type).toBe('rate_limit_error');
    expect(no.error.code).toBe('rate_limit_exceeded');
    expect(no.error.message).toMatch(/requests per min \(RPM\): Limit 3, Used 3, Requested 1/);
    // One request refills in 60 s / 3 = 20 s.
    expect(no.error.headers['retry-after']).toBe('20');
    expect(no.error.headers['retry-after-ms']).toBe('20000');
    clock.advance(19_999);
    expect(rl.check(alice, 0).allowed).toBe(false);
    clock.advance(1);
    expect(rl.check(alice, 0).allowed).toBe(true);
    expect(rl.check(alice, 0).allowed).toBe(false);
  });

  test('Retry-After is whole seconds and at least 1 even for a wait under a second', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 600 }, clock); // one request per 100 ms
    for (let i = 0; i < 600; i++) rl.check(alice, 0);
    const no = refused(rl.check(alice, 0));
    expect(no.error.headers['retry-after']).toBe('1');
    expect(no.error.headers['retry-after-ms']).toBe('100');
    expect(no.error.message).toMatch(/try again in 100ms/);
    clock.advance(100);
    expect(rl.check(alice, 0).allowed).toBe(true);
  });

  test('identities have separate budgets; clients without a key are limited by address', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 1 }, clock);
    expect(rl.check(alice, 0).allowed).toBe(true);
    expect(rl.check(alice, 0).allowed).toBe(false);
    expect(rl.check(bob, 0).allowed).toBe(true);
    expect(rl.check(anon, 0).allowed).toBe(true);
    const no = refused(rl.check(anon, 0));
    expect(no.error.message).toContain('client 10.0.0.7');
    expect(rl.check({ apiKey: null, address: '10.0.0.8' }, 0).allowed).toBe(true);
  });

  test('a refused request consumes nothing', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 2, tpm: 100 }, clock);
    expect(rl.check(alice, 80).allowed).toBe(true);
    refused(rl.check(alice, 50));
    expect(rl.headers(alice)['x-ratelimit-remaining-requests']).toBe('1');
    expect(rl.headers(alice)['x-ratelimit-remaining-tokens']).toBe('20');
  });
});

describe('H5 headers on every response', { tags: ['H5'] }, () => {
  test('limit / remaining / reset for requests and tokens, reset = time until the bucket is full', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 60, tpm: 150_000 }, clock);
    const ok = rl.check(alice, 16);
    expect(ok.headers).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '7ms',
    });
    clock.advance(500);
    expect(rl.headers(alice)['x-ratelimit-reset-requests']).toBe('500ms');
    expect(rl.headers(alice)['x-ratelimit-remaining-requests']).toBe('59');
  });

  test('the 429 carries the rate-limit headers next to Retry-After', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 1, tpm: 1000 }, clock);
    rl.check(alice, 10);
    const no = refused(rl.check(alice, 10));
    expect(no.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(no.headers['x-ratelimit-reset-requests']).toBe('1m0s');
    expect(no.error.headers['x-ratelimit-limit-requests']).toBe('1');
    expect(no.error.headers['retry-after']).toBe('60');
  });

  test('unlimited dimensions send no headers; no limits at all means disabled', () => {
    const clock = new Clock();
    expect(Object.keys(limiter({ rpm: 5 }, clock).check(alice, 100).headers)).toEqual([
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-reset-requests',
    ]);
    const off = limiter({}, clock);
    expect(off.enabled).toBe(false);
    const ok = off.check(alice, 1_000_000);
    expect(ok).toEqual({ allowed: true, headers: {}, reservedTokens: 1_000_000 });
    expect(limiter({ overrides: { keys: { 'sk-alice': { tokensPerMinute: 5 } } } }, clock).enabled).toBe(true);
  });
});

describe('H5 token budget and reconciliation', { tags: ['H5'] }, () => {
  test('estimates are reserved at admission and refused with a TPM message when they do not fit', () => {
    const clock = new Clock();
    const rl = limiter({ tpm: 1000 }, clock);
    expect(rl.check(alice, 700).allowed).toBe(true);
    const no = refused(rl.check(alice, 400));
    expect(no.error.message).toMatch(/tokens per min \(TPM\): Limit 1000, Used 700, Requested 400/);
    // 100 tokens missing at 1000 tokens / 60 s → 6 s.
    expect(no.error.headers['retry-after-ms']).toBe('6000');
    expect(no.error.headers['retry-after']).toBe('6');
    clock.advance(6000);
    expect(rl.check(alice, 400).allowed).toBe(true);
  });

  test('commitTokens refunds an over-estimate', () => {
    const clock = new Clock();
    const rl = limiter({ tpm: 1000 }, clock);
    const ok = rl.check(alice, 900);
    if (!ok.allowed) throw new Error('refused');
    expect(ok.reservedTokens).toBe(900);
    const after = rl.commitTokens(alice, 300, ok.reservedTokens);
    expect(after['x-ratelimit-remaining-tokens']).toBe('700');
    expect(rl.check(alice, 700).allowed).toBe(true);
  });

  test('commitTokens charges an under-estimate, possibly into debt that later requests wait out', () => {
    const clock = new Clock();
    const rl = limiter({ tpm: 600 }, clock); // 10 tokens per second
    const ok = rl.check(alice, 100);
    if (!ok.allowed) throw new Error('refused');
    rl.commitTokens(alice, 1200, ok.reservedTokens); // 600 over budget
    expect(rl.headers(alice)['x-ratelimit-remaining-tokens']).toBe('0');
    expect(rl.headers(alice)['x-ratelimit-reset-tokens']).toBe('2m0s');
    const no = refused(rl.check(alice, 10));
    expect(no.error.headers['retry-after-ms']).toBe('61000');
    clock.advance(61_000);
    expect(rl.check(alice, 10).allowed).toBe(true);
  });

  test('a refund never overfills the bucket; a failed request is refunded with 0', () => {
    const clock = new Clock();
    const rl = limiter({ tpm: 100 }, clock);
    const ok = rl.check(alice, 50);
    if (!ok.allowed) throw new Error('refused');
    clock.advance(60_000);
    expect(rl.commitTokens(alice, 0, ok.reservedTokens)['x-ratelimit-remaining-tokens']).toBe('100');
  });

  test('a request larger than the whole per-minute budget is admitted when the bucket is full', () => {
    const clock = new Clock();
    const rl = limiter({ tpm: 100 }, clock);
    expect(rl.check(alice, 250).allowed).toBe(true);
    const no = refused(rl.check(alice, 250));
    // 150 tokens of debt plus a full bucket of 100 → 2.5 minutes until it fits again.
    expect(no.error.headers['retry-after-ms']).toBe('150000');
  });
});

describe('H5 per-key overrides from the config file', { tags: ['H5'] }, () => {
  const overrides = parseRateLimitConfig({
    keys: {
      'sk-alice': { requestsPerMinute: 5 },
      'sk-team-*': { requestsPerMinute: 2, tokensPerMinute: 50 },
      'sk-team-lead-*': { requestsPerMinute: 3 },
      [`id:${keyIdHex('sk-carol').slice(0, 8)}`]: { requestsPerMinute: 0 },
      'address:10.0.0.7': { requestsPerMinute: 4 },
    },
  });

  test('exact key, id, longest prefix and address entries pick their limits; others use defaults', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 1, tpm: 1000, overrides }, clock);
    expect(rl.limitsFor(alice)).toEqual({ requestsPerMinute: 5, tokensPerMinute: 1000 });
    expect(rl.limitsFor({ apiKey: 'sk-team-x', address: '' })).toEqual({ requestsPerMinute: 2, tokensPerMinute: 50 });
    expect(rl.limitsFor({ apiKey: 'sk-team-lead-y', address: '' })).toEqual({
      requestsPerMinute: 3,
      tokensPerMinute: 1000,
    });
    expect(rl.limitsFor({ apiKey: 'sk-carol', address: '' })).toEqual({ requestsPerMinute: 0, tokensPerMinute: 1000 });
    expect(rl.limitsFor(anon)).toEqual({ requestsPerMinute: 4, tokensPerMinute: 1000 });
    expect(rl.limitsFor(bob)).toEqual({ requestsPerMinute: 1, tokensPerMinute: 1000 });
    // An address entry does not apply to a keyed client at that address.
    expect(rl.limitsFor({ apiKey: 'sk-zed', address: '10.0.0.7' }).requestsPerMinute).toBe(1);
  });

  test('overrides are enforced', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 1, overrides }, clock);
    for (let i = 0; i < 5; i++) expect(rl.check(alice, 0).allowed).toBe(true);
    expect(rl.check(alice, 0).allowed).toBe(false);
    for (let i = 0; i < 20; i++) expect(rl.check({ apiKey: 'sk-carol', address: '' }, 0).allowed).toBe(true);
    expect(rl.check(bob, 0).allowed).toBe(true);
    expect(rl.check(bob, 0).allowed).toBe(false);
  });

  test('the file is loaded and bad files are reported with the entry at fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-config-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ keys: { 'sk-a': { tokensPerMinute: 9 } } }));
      expect(loadRateLimitConfig(good)).toEqual({ keys: { 'sk-a': { tokensPerMinute: 9 } } });
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ keys: { 'sk-a': { tokensPerMinute: -1 } } }));
      expect(() => loadRateLimitConfig(bad)).toThrow(/keys\["sk-a"\]\.tokensPerMinute/);
      writeFileSync(bad, '{ not json');
      expect(() => loadRateLimitConfig(bad)).toThrow(/not valid JSON/);
      expect(() => loadRateLimitConfig(join(dir, 'missing.json'))).toThrow(RateLimitConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [[], /JSON object/],
    [{ limits: {} }, /unknown field "limits"/],
    [{ keys: { '*': {} } }, /must not be empty or match every key/],
    [{ keys: { 'id:xyz': {} } }, /hex digits/],
    [{ keys: { k: { rpm: 3 } } }, /unknown field "rpm"/],
    [{ keys: { k: { requestsPerMinute: 1.5 } } }, /whole number/],
  ])('invalid config %j is rejected', (value, message) => {
    expect(() => parseRateLimitConfig(value)).toThrow(message);
  });
});

describe('H5 rate_limits snapshot for response.rate_limits.updated', { tags: ['H5'] }, () => {
  test('lists requests and tokens like the realtime rate_limits.updated event', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 60, tpm: 6000 }, clock);
    rl.check(alice, 100);
    expect(rl.snapshot(alice)).toEqual({
      rate_limits: [
        { name: 'requests', limit: 60, remaining: 59, reset_seconds: 1 },
        { name: 'tokens', limit: 6000, remaining: 5900, reset_seconds: 1 },
      ],
    });
    clock.advance(250);
    expect(rl.snapshot(alice).rate_limits[0]).toEqual({
      name: 'requests',
      limit: 60,
      remaining: 59,
      reset_seconds: 0.75,
    });
  });
});

describe('H5 bounded memory', { tags: ['H5'] }, () => {
  test('identities idle for more than two windows are dropped; recent or indebted ones are kept', () => {
    const clock = new Clock();
    const rl = limiter({ rpm: 10, tpm: 100 }, clock);
    for (let i = 0; i < 1000; i++) rl.check({ apiKey: null, address: `10.1.${i >> 8}.${i & 255}` }, 1);
    const debtor = rl.check(alice, 10);
    if (!debtor.allowed) throw new Error('refused');
    rl.commitTokens(alice, 1000, debtor.reservedTokens); // ~9 minutes of debt
    expect(rl.size).toBe(1001);
    clock.advance(90_000);
    rl.check(bob, 1);
    expect(rl.size).toBe(1002); // 1.5 windows idle: still kept
    clock.advance(60_000);
    rl.check(bob, 1);
    expect(rl.size).toBe(2); // bob (active) and alice (still in debt)
    expect(rl.headers(alice)['x-ratelimit-remaining-tokens']).toBe('0');
    clock.advance(10 * 60_000);
    rl.check(bob, 1);
    expect(rl.size).toBe(1);
  });
});

describe('limits changed at run time (the console editor)', () => {
  test(
    'new defaults keep what each client spent; turning a limit off drops it, on starts full',
    { tags: ['H5', 'U4'] },
    () => {
      const clock = new Clock();
      const l = limiter({ rpm: 4 }, clock);
      expect(l.check(anon, 0).allowed).toBe(true);
      expect(l.check(anon, 0).allowed).toBe(true);
      l.setDefaults({ requestsPerMinute: 3, tokensPerMinute: 0 });
      expect(l.defaultLimits).toEqual({ requestsPerMinute: 3, tokensPerMinute: 0 });
      // 2 of 3 spent: one more, then a 429.
      expect(l.check(anon, 0).allowed).toBe(true);
      expect(refused(l.check(anon, 0)).headers['x-ratelimit-limit-requests']).toBe('3');
      l.setDefaults({ requestsPerMinute: 0, tokensPerMinute: 100 });
      expect(l.enabled).toBe(true);
      const ok = l.check(anon, 10);
      expect(ok.allowed && ok.headers).toEqual({
        'x-ratelimit-limit-tokens': '100',
        'x-ratelimit-remaining-tokens': '90',
        'x-ratelimit-reset-tokens': '6s',
      });
      l.setDefaults({ requestsPerMinute: 0, tokensPerMinute: 0 });
      expect(l.enabled).toBe(false);
    },
  );

  test(
    'a per-key override keeps its own figure; its other dimension follows the new default',
    { tags: ['H5', 'U4'] },
    () => {
      const clock = new Clock();
      const l = limiter({ rpm: 10, overrides: { keys: { 'sk-alice': { requestsPerMinute: 1 } } } }, clock);
      expect(l.check(alice, 0).allowed).toBe(true);
      l.setDefaults({ requestsPerMinute: 100, tokensPerMinute: 50 });
      expect(l.limitsFor(alice)).toEqual({ requestsPerMinute: 1, tokensPerMinute: 50 });
      expect(l.check(alice, 0).allowed).toBe(false);
      expect(l.limitsFor(bob)).toEqual({ requestsPerMinute: 100, tokensPerMinute: 50 });
    },
  );
});
