/**
 * The rate limiter (limits/) wired to requests (H5, M3): one budget per API key, or per client
 * address when the gateway has no keys. `POST …/responses` is admitted against the request and
 * token budgets (429 with Retry-After when exhausted) and reconciles its token reservation with
 * the real usage when the response ends; every response carries the current `x-ratelimit-*`
 * headers.
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayConfig } from '../config/flags.js';
import type { RunRateLimits } from '../engine/contract.js';
import { loadRateLimitConfig } from '../limits/config.js';
import { RateLimiter, type RateLimitEntry, type RateLimitIdentity } from '../limits/rate-limiter.js';

export function createRateLimiter(config: GatewayConfig): RateLimiter {
  return new RateLimiter({
    defaults: {
      requestsPerMinute: config.rateLimitRequestsPerMinute,
      tokensPerMinute: config.rateLimitTokensPerMinute,
    },
    overrides: config.rateLimitConfig ? loadRateLimitConfig(config.rateLimitConfig) : undefined,
  });
}

export function identityOf(req: IncomingMessage, apiKey: string | null): RateLimitIdentity {
  return { apiKey, address: req.socket.remoteAddress ?? 'unknown' };
}

/**
 * Rough token cost of a request before the backend counted it: about 4 bytes of JSON per token,
 * plus the output budget when the request sets one. Reconciled later with the real usage.
 */
export function estimateTokens(bodyBytes: number, maxOutputTokens: number | null | undefined): number {
  return Math.ceil(bodyBytes / 4) + (typeof maxOutputTokens === 'number' ? maxOutputTokens : 0);
}

/**
 * One admitted request's budget: settled once with the real usage, whoever gets there first.
 *
 * The request dimension is reported as it was at admission for the whole response: the bucket
 * refills continuously, so a live reading a few milliseconds later would already have given the
 * request back, and the stream's `response.rate_limits.updated` events would contradict the
 * `x-ratelimit-remaining-requests` header sent with it. The request itself counts until it ends;
 * tokens are reported live (they are reconciled with the real usage).
 */
export class RequestBudget implements RunRateLimits {
  private settled = false;
  private readonly admittedRequests: RateLimitEntry | undefined;
  private readonly admittedHeaders: Record<string, string>;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly identity: RateLimitIdentity,
    private readonly reservedTokens: number,
    /** Shared buckets: gives the difference back to (or charges it on) the shared bucket too. */
    private readonly onSettle?: (giveBack: number) => void,
  ) {
    this.admittedRequests = limiter.snapshot(identity).rate_limits.find((e) => e.name === 'requests');
    this.admittedHeaders = limiter.headers(identity);
  }

  snapshot(): RateLimitEntry[] {
    return this.limiter
      .snapshot(this.identity)
      .rate_limits.map((e) => (e.name === 'requests' && this.admittedRequests ? { ...this.admittedRequests } : e));
  }

  /** The caller's `x-ratelimit-*` headers now (the request dimension as admitted). */
  headers(): Record<string, string> {
    const live = this.limiter.headers(this.identity);
    for (const [name, value] of Object.entries(this.admittedHeaders))
      if (name.endsWith('-requests')) live[name] = value;
    return live;
  }

  /** Reconciles the reservation (0 tokens refunds it); later calls change nothing. */
  settle(actualTokens: number): RateLimitEntry[] {
    if (!this.settled) {
      this.settled = true;
      this.limiter.commitTokens(this.identity, actualTokens, this.reservedTokens);
      const actual = Math.max(0, Math.ceil(Number.isFinite(actualTokens) ? actualTokens : 0));
      this.onSettle?.(this.reservedTokens - actual);
    }
    return this.snapshot();
  }
}

/**
 * Admits a request: throws the 429 GatewayError (with Retry-After and the rate-limit headers)
 * or returns its budget and the headers to send.
 */
export function admit(
  limiter: RateLimiter,
  identity: RateLimitIdentity,
  estimate: number,
  onSettle?: (giveBack: number) => void,
): { budget: RequestBudget; headers: Record<string, string> } {
  const result = limiter.check(identity, estimate);
  if (!result.allowed) throw result.error;
  const budget = new RequestBudget(limiter, identity, result.reservedTokens, onSettle);
  return { budget, headers: budget.headers() };
}
