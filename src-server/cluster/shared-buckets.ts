/**
 * Rate-limit buckets shared by every instance (H5 across instances, docs/deploy.md): the token
 * bucket of limits/rate-limiter.ts, kept in a Redis hash and updated by one Lua script, so that
 * admissions on N instances draw from one budget atomically. The script answers the levels it
 * found; the instance mirrors them into its local limiter, which then makes the same decision and
 * computes the same headers and Retry-After as a single instance would.
 */
import type { Redis } from 'ioredis';
import type { RateLimits } from '../limits/rate-limiter.js';

/**
 * KEYS[1] bucket hash. ARGV: mode ('admit' | 'commit'), window ms, request capacity, token
 * capacity, token estimate (admit) or tokens to give back, possibly negative (commit).
 * Returns {allowed, requests level before, tokens level before} as strings (Lua numbers would be
 * truncated to integers in the reply). The clock is Redis's own: one clock for every instance.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode = ARGV[1]
local window = tonumber(ARGV[2])
local rcap = tonumber(ARGV[3])
local tcap = tonumber(ARGV[4])
local amount = tonumber(ARGV[5])
local eps = 1e-6
local state = redis.call('HMGET', KEYS[1], 'r', 't', 'at')
local r = tonumber(state[1]) or rcap
local tk = tonumber(state[2]) or tcap
local at = tonumber(state[3]) or now
local elapsed = math.max(0, now - at)
if rcap > 0 then r = math.min(rcap, r + elapsed * rcap / window) end
if tcap > 0 then tk = math.min(tcap, tk + elapsed * tcap / window) end
local r0, t0 = r, tk
local allowed = 1
if mode == 'admit' then
  local needT = math.min(amount, tcap)
  if (rcap > 0 and r + eps < 1) or (tcap > 0 and tk + eps < needT) then
    allowed = 0
  else
    if rcap > 0 then r = r - 1 end
    if tcap > 0 then tk = tk - amount end
  end
else
  if tcap > 0 then tk = math.min(tcap, tk + amount) end
end
redis.call('HSET', KEYS[1], 'r', tostring(r), 't', tostring(tk), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], window * 2)
return {tostring(allowed), tostring(r0), tostring(t0)}
`;

export interface SharedLevels {
  allowed: boolean;
  /** Levels found before this admission (after refill). */
  requests: number;
  tokens: number;
}

export class SharedBuckets {
  constructor(
    private readonly redis: () => Redis,
    private readonly keyOf: (identityKey: string) => string,
  ) {}

  async admit(identityKey: string, limits: RateLimits, windowMs: number, estimate: number): Promise<SharedLevels> {
    return this.run('admit', identityKey, limits, windowMs, estimate);
  }

  /** Gives back `reserved - actual` tokens (a negative number charges the difference). */
  async commit(identityKey: string, limits: RateLimits, windowMs: number, giveBack: number): Promise<void> {
    await this.run('commit', identityKey, limits, windowMs, giveBack);
  }

  private async run(
    mode: 'admit' | 'commit',
    identityKey: string,
    limits: RateLimits,
    windowMs: number,
    amount: number,
  ): Promise<SharedLevels> {
    const reply = (await this.redis().eval(
      SCRIPT,
      1,
      this.keyOf(`ratelimit:${identityKey}`),
      mode,
      String(windowMs),
      String(Math.max(0, limits.requestsPerMinute)),
      String(Math.max(0, limits.tokensPerMinute)),
      String(amount),
    )) as [string, string, string];
    return { allowed: reply[0] === '1', requests: Number(reply[1]), tokens: Number(reply[2]) };
  }
}
