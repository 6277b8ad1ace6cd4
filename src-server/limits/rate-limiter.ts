/**
 * Request and token budgets per API key, or per client address when the request has no key (H5, M3).
 *
 * Algorithm: a token bucket per identity and dimension (requests, tokens). A bucket holds up to the
 * per-minute limit and refills continuously at limit / 60 s. Chosen over a sliding window because
 * it needs O(1) state per identity (two numbers, no request log), gives exact waits for
 * `Retry-After`, and matches OpenAI's header semantics: `x-ratelimit-reset-*` is the time until the
 * bucket is back to its initial (full) state, e.g. `1s` after one request at 60 RPM.
 *
 * Tokens are reserved at admission from an estimate (`check`) and reconciled when usage is known
 * (`commitTokens`): the difference is refunded or charged. A charge may push the bucket below zero
 * (debt), which later requests wait out. A request whose estimate exceeds the whole per-minute
 * token budget is admitted when the bucket is full (and leaves it in debt) instead of being refused
 * forever, which a retrying client could never get past.
 *
 * Headers and snapshot entries exist only for limited dimensions (0 = unlimited sends none).
 * Memory: identities idle for more than two windows whose buckets are full again are dropped
 * (a full bucket is the same as no state), swept at most once per window.
 */
import { createHash } from 'node:crypto';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import type { RateLimitOverrides, RateLimits } from './config.js';
import { formatResetDuration } from './duration.js';

export type { RateLimits, RateLimitOverrides } from './config.js';

export interface RateLimitIdentity {
  /** The API key the request authenticated with, or null. */
  apiKey: string | null;
  /** Client address (used when there is no key). */
  address: string;
}

export type RateLimitHeaders = Record<string, string>;

export type RateLimitCheck =
  | {
      allowed: true;
      headers: RateLimitHeaders;
      /** Pass to commitTokens once usage is known. */ reservedTokens: number;
    }
  | { allowed: false; error: GatewayError; headers: RateLimitHeaders };

/** Shape of the realtime API's `rate_limits.updated` entries, used by `response.rate_limits.updated`. */
export interface RateLimitEntry {
  name: 'requests' | 'tokens';
  limit: number;
  remaining: number;
  reset_seconds: number;
}

export interface RateLimiterOptions {
  defaults: RateLimits;
  overrides?: RateLimitOverrides;
  /** Milliseconds clock; injected by tests. */
  now?: () => number;
  /** Budget window; 60 000 ms (per minute) unless a test shortens it. */
  windowMs?: number;
}

interface Bucket {
  capacity: number;
  level: number;
}

interface IdentityState {
  requests: Bucket | null;
  tokens: Bucket | null;
  updatedAt: number;
  lastSeen: number;
  /** The identity's per-key override, if any (its fields win over the defaults). */
  override: Partial<RateLimits> | undefined;
}

/** Float slack so that a wait computed from the refill rate is always enough. */
const EPSILON = 1e-6;

export function keyIdHex(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** The limits set at least one budget. */
function limited(l: Partial<RateLimits>): boolean {
  return (l.requestsPerMinute ?? 0) > 0 || (l.tokensPerMinute ?? 0) > 0;
}

export class RateLimiter {
  private readonly states = new Map<string, IdentityState>();
  private readonly now: () => number;
  private readonly windowMs: number;
  private defaults: RateLimits;
  private readonly exact = new Map<string, Partial<RateLimits>>();
  private readonly ids: [string, Partial<RateLimits>][] = [];
  private readonly prefixes: [string, Partial<RateLimits>][] = [];
  /** Some per-key override sets a limit (the overrides are fixed at construction). */
  private readonly overridesLimited: boolean;
  private lastSweep: number;

  constructor(options: RateLimiterOptions) {
    this.defaults = options.defaults;
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? 60_000;
    let overridesLimited = false;
    for (const [name, override] of Object.entries(options.overrides?.keys ?? {})) {
      if (name.startsWith('id:')) this.ids.push([name.slice(3), override]);
      else if (name.endsWith('*')) this.prefixes.push([name.slice(0, -1), override]);
      else this.exact.set(name, override);
      overridesLimited ||= limited(override);
    }
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
    this.overridesLimited = overridesLimited;
    this.lastSweep = this.now();
  }

  /**
   * False when no limit is configured anywhere: callers may skip the limiter entirely. Asked on
   * every request: the overrides' part is decided once, the defaults' (which the console may
   * change) each time.
   */
  get enabled(): boolean {
    return this.overridesLimited || limited(this.defaults);
  }

  /** The limits for identities without an override. */
  get defaultLimits(): RateLimits {
    return { ...this.defaults };
  }

  /**
   * Changes the default limits at run time (the console's rate-limit editor). Identities that use
   * the defaults keep what they have used: each bucket gets the new capacity with the same
   * amount spent (never below zero); a dimension turned off drops its bucket, one turned on
   * starts full.
   */
  setDefaults(limits: RateLimits): void {
    const now = this.now();
    this.defaults = { ...limits };
    for (const state of this.states.values()) {
      this.refill(state, now);
      state.requests = resize(state.requests, state.override?.requestsPerMinute ?? limits.requestsPerMinute);
      state.tokens = resize(state.tokens, state.override?.tokensPerMinute ?? limits.tokensPerMinute);
    }
  }

  /** The budget window in ms (a minute unless a test shortens it). */
  get window(): number {
    return this.windowMs;
  }

  /** A stable id of the identity that holds no secret (the shared buckets' key). */
  identityKey(identity: RateLimitIdentity): string {
    return identity.apiKey === null ? `addr:${identity.address}` : `key:${keyIdHex(identity.apiKey).slice(0, 32)}`;
  }

  /**
   * Sets an identity's bucket levels to the ones the shared buckets found (several instances,
   * cluster/shared-buckets.ts): the next check decides, and headers report, from them.
   */
  mirror(identity: RateLimitIdentity, levels: { requests: number; tokens: number }): void {
    const state = this.stateFor(identity, this.now());
    if (state.requests) state.requests.level = Math.min(state.requests.capacity, levels.requests);
    if (state.tokens) state.tokens.level = Math.min(state.tokens.capacity, levels.tokens);
  }

  /** Number of identities currently tracked (memory bound). */
  get size(): number {
    return this.states.size;
  }

  /** The limits that apply to an identity (defaults merged with its override). */
  limitsFor(identity: RateLimitIdentity): RateLimits {
    const override = this.findOverride(identity);
    return {
      requestsPerMinute: override?.requestsPerMinute ?? this.defaults.requestsPerMinute,
      tokensPerMinute: override?.tokensPerMinute ?? this.defaults.tokensPerMinute,
    };
  }

  /**
   * Admits one request with an estimated token cost, reserving one request and the estimate, or
   * refuses it with a 429 whose Retry-After is the wait until both budgets suffice.
   */
  check(identity: RateLimitIdentity, estimatedTokens: number): RateLimitCheck {
    const now = this.now();
    this.sweep(now);
    const state = this.stateFor(identity, now);
    const estimate = Math.max(0, Math.ceil(Number.isFinite(estimatedTokens) ? estimatedTokens : 0));
    const requestWait = this.waitFor(state.requests, 1);
    const tokenWait = state.tokens ? this.waitFor(state.tokens, Math.min(estimate, state.tokens.capacity)) : 0;
    if (requestWait > 0 || tokenWait > 0) {
      const headers = this.headersOf(state);
      const error =
        requestWait >= tokenWait
          ? this.refusal(identity, 'requests per min (RPM)', state.requests as Bucket, 1, requestWait)
          : this.refusal(identity, 'tokens per min (TPM)', state.tokens as Bucket, estimate, tokenWait);
      return { allowed: false, error: withHeaders(error, headers), headers };
    }
    if (state.requests) state.requests.level -= 1;
    if (state.tokens) state.tokens.level -= estimate;
    return { allowed: true, headers: this.headersOf(state), reservedTokens: estimate };
  }

  /**
   * Reconciles a reservation with the real usage (input + output tokens); call it also with 0 when
   * a request fails before using anything, to refund. Returns the updated headers.
   */
  commitTokens(identity: RateLimitIdentity, actualTokens: number, reservedTokens: number): RateLimitHeaders {
    const now = this.now();
    const state = this.stateFor(identity, now);
    if (state.tokens) {
      const actual = Math.max(0, Math.ceil(Number.isFinite(actualTokens) ? actualTokens : 0));
      state.tokens.level = Math.min(state.tokens.capacity, state.tokens.level + reservedTokens - actual);
    }
    return this.headersOf(state);
  }

  /** Current headers for an identity without consuming anything. */
  headers(identity: RateLimitIdentity): RateLimitHeaders {
    return this.headersOf(this.stateFor(identity, this.now()));
  }

  /** Payload of the (ext) `response.rate_limits.updated` event. */
  snapshot(identity: RateLimitIdentity): { rate_limits: RateLimitEntry[] } {
    const state = this.stateFor(identity, this.now());
    const out: RateLimitEntry[] = [];
    for (const name of ['requests', 'tokens'] as const) {
      const b = state[name];
      if (!b) continue;
      out.push({
        name,
        limit: b.capacity,
        remaining: remainingOf(b),
        reset_seconds: Math.ceil(this.resetMs(b)) / 1000,
      });
    }
    return { rate_limits: out };
  }

  private findOverride(identity: RateLimitIdentity): Partial<RateLimits> | undefined {
    if (identity.apiKey === null) return this.exact.get(`address:${identity.address}`);
    const key = identity.apiKey;
    const exact = this.exact.get(key);
    if (exact) return exact;
    if (this.ids.length > 0) {
      const hex = keyIdHex(key);
      const byId = this.ids.find(([id]) => hex.startsWith(id));
      if (byId) return byId[1];
    }
    return this.prefixes.find(([prefix]) => key.startsWith(prefix))?.[1];
  }

  private stateFor(identity: RateLimitIdentity, now: number): IdentityState {
    // Keys are hashed so that raw secrets are not kept as map keys for the process lifetime.
    const id = this.identityKey(identity);
    let state = this.states.get(id);
    if (!state) {
      const limits = this.limitsFor(identity);
      state = {
        requests: resize(null, limits.requestsPerMinute),
        tokens: resize(null, limits.tokensPerMinute),
        updatedAt: now,
        lastSeen: now,
        override: this.findOverride(identity),
      };
      this.states.set(id, state);
    }
    this.refill(state, now);
    state.lastSeen = state.updatedAt;
    return state;
  }

  private refill(state: IdentityState, now: number): void {
    const elapsed = Math.max(0, now - state.updatedAt);
    for (const b of [state.requests, state.tokens]) {
      if (b) b.level = Math.min(b.capacity, b.level + (elapsed * b.capacity) / this.windowMs);
    }
    state.updatedAt = Math.max(state.updatedAt, now);
  }

  /** Milliseconds until `need` units are available (0 if they are now). */
  private waitFor(bucket: Bucket | null, need: number): number {
    if (!bucket || bucket.level + EPSILON >= need) return 0;
    return ((need - bucket.level) * this.windowMs) / bucket.capacity;
  }

  private resetMs(bucket: Bucket): number {
    return Math.max(0, ((bucket.capacity - bucket.level) * this.windowMs) / bucket.capacity);
  }

  private headersOf(state: IdentityState): RateLimitHeaders {
    const headers: RateLimitHeaders = {};
    for (const name of ['requests', 'tokens'] as const) {
      const b = state[name];
      if (!b) continue;
      headers[`x-ratelimit-limit-${name}`] = String(b.capacity);
      headers[`x-ratelimit-remaining-${name}`] = String(remainingOf(b));
      headers[`x-ratelimit-reset-${name}`] = formatResetDuration(this.resetMs(b));
    }
    return headers;
  }

  private refusal(
    identity: RateLimitIdentity,
    what: string,
    bucket: Bucket,
    requested: number,
    waitMs: number,
  ): GatewayError {
    const who = identity.apiKey === null ? `client ${identity.address}` : 'this API key';
    const used = Math.max(0, Math.ceil(bucket.capacity - bucket.level - EPSILON));
    return errors.rateLimited(
      `Rate limit reached for ${who} on ${what}: Limit ${bucket.capacity}, Used ${used}, Requested ${requested}. ` +
        `Please try again in ${formatResetDuration(waitMs)}.`,
      Math.ceil(waitMs),
    );
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [id, state] of this.states) {
      if (now - state.lastSeen <= 2 * this.windowMs) continue;
      const elapsed = now - state.updatedAt;
      // Only drop state that has refilled completely; an identity still in token debt keeps it.
      const full = (b: Bucket | null): boolean => !b || b.level + (elapsed * b.capacity) / this.windowMs >= b.capacity;
      if (full(state.requests) && full(state.tokens)) this.states.delete(id);
    }
  }
}

/** A bucket with a new capacity and the same amount spent; null when the capacity is 0 (unlimited). */
function resize(bucket: Bucket | null, capacity: number): Bucket | null {
  if (capacity <= 0) return null;
  if (!bucket) return { capacity, level: capacity };
  const spent = bucket.capacity - bucket.level;
  return { capacity, level: Math.max(0, capacity - spent) };
}

function remainingOf(bucket: Bucket): number {
  return Math.max(0, Math.floor(bucket.level + EPSILON));
}

/** The 429 carries the rate-limit headers too, next to Retry-After / retry-after-ms. */
function withHeaders(error: GatewayError, headers: RateLimitHeaders): GatewayError {
  Object.assign(error.headers, headers);
  return error;
}
