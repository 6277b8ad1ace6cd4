/**
 * The request-level protocol surface, built once per gateway from the config: Host, origin and
 * CORS rules (X5, M5), API-key auth (401) and the request's owner (X6), rate limiting (H5, M3),
 * service tiers (L8), the body `request_id` check (L7) and the Azure aliases (M1). server.ts,
 * responses-route.ts and the WebSocket transport call into it (admission is handed to the
 * responses service as the request's `admit`; the service reads `tiers`). The pieces live in
 * their own files (origin-policy.ts, cors.ts, auth.ts, owner.ts, rate-limit.ts, azure.ts,
 * shared/protocol/service-tier.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayConfig } from '../config/flags.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { errors } from '../shared/protocol/errors.js';
import { tierPolicy, type TierPolicy } from '../shared/protocol/service-tier.js';
import { authenticate, loadApiKeys, type ApiKeys } from './auth.js';
import { azureAliases, azureHeaders, azureRoute, isAzurePath, AZURE_API_VERSIONS } from './azure.js';
import { OriginPolicy } from './origin-policy.js';
import { Principals } from './owner.js';
import { admit, createRateLimiter, estimateTokens, identityOf, type RequestBudget } from './rate-limit.js';
import type { RequestContext } from './respond.js';
import type { Principal } from '../tenancy/owner.js';
import type { SharedBuckets } from '../cluster/shared-buckets.js';
import type { Logger } from '../logging/logger.js';

export interface SurfaceOptions {
  /** A limiter built elsewhere (tests inject one with a short window). */
  rateLimiter?: RateLimiter;
  /** Buckets shared with the other instances (--redis); the local limiter mirrors them. */
  sharedBuckets?: SharedBuckets;
}

/** Routes that answer without a key: load balancers probe health, browsers preflight. */
const OPEN_PATHS = new Set(['/healthz']);

export class Surface {
  readonly keys: ApiKeys;
  readonly limiter: RateLimiter;
  readonly tiers: TierPolicy;
  /** Host allow-list, CORS, console origins and secret, CSRF rules (origin-policy.ts). */
  readonly origins: OriginPolicy;
  private readonly principals: Principals;
  /** The key each request authenticated with (null: none). */
  private readonly authed = new WeakMap<IncomingMessage, string | null>();
  private readonly shared: SharedBuckets | undefined;
  private sharedFailed = false;

  constructor(
    private readonly config: GatewayConfig,
    options: SurfaceOptions = {},
  ) {
    this.keys = loadApiKeys(config);
    this.limiter = options.rateLimiter ?? createRateLimiter(config);
    this.tiers = tierPolicy(config);
    this.origins = new OriginPolicy(config);
    this.principals = new Principals(this.keys);
    this.shared = options.sharedBuckets;
  }

  /** Who the request acts as (tenancy): judged before routing, checked by `guard`. */
  principal(req: IncomingMessage, path: string): Principal {
    return this.principals.of(req, this.config.enableAzureApi && isAzurePath(path));
  }

  /**
   * Runs before a matched route: Azure headers, auth (throws the 401) and the caller's current
   * `x-ratelimit-*` headers on whatever response follows.
   */
  guard(ctx: RequestContext): void {
    const azure = this.config.enableAzureApi && isAzurePath(ctx.path);
    if (azure) Object.assign(ctx.headers, azureHeaders(ctx.requestId, this.config.azureRegion));
    if (OPEN_PATHS.has(ctx.path)) return;
    const key = authenticate(this.keys, ctx.req, azure);
    this.authed.set(ctx.req, key);
    if (this.limiter.enabled) Object.assign(ctx.headers, this.limiter.headers(identityOf(ctx.req, key)));
  }

  /**
   * Admits a create request against the budgets (throws the 429) and puts the updated headers on
   * the response. Returns the budget to settle with the real usage, or undefined when unlimited.
   */
  async admit(
    ctx: RequestContext,
    bodyBytes: number,
    maxOutputTokens: number | null | undefined,
  ): Promise<RequestBudget | undefined> {
    const admitted = await this.admitRequest(ctx.req, ctx.log, bodyBytes, maxOutputTokens);
    if (admitted) Object.assign(ctx.headers, admitted.headers);
    return admitted?.budget;
  }

  /**
   * The same admission for a request that is not an HTTP exchange of its own (a WebSocket
   * `response.create`: `req` is the connection's upgrade request, authenticated by `guard`).
   */
  async admitRequest(
    req: IncomingMessage,
    log: Logger,
    bodyBytes: number,
    maxOutputTokens: number | null | undefined,
  ): Promise<{ budget: RequestBudget; headers: Record<string, string> } | undefined> {
    if (!this.limiter.enabled) return undefined;
    const identity = identityOf(req, this.authed.get(req) ?? null);
    const estimate = estimateTokens(bodyBytes, maxOutputTokens);
    let onSettle: ((giveBack: number) => void) | undefined;
    const shared = this.shared;
    if (shared) {
      // One budget for every instance: the shared levels decide. While Redis is away each
      // instance enforces the budget on its own (logged once), so plain requests keep working.
      const key = this.limiter.identityKey(identity);
      const limits = this.limiter.limitsFor(identity);
      const windowMs = this.limiter.window;
      try {
        const levels = await shared.admit(key, limits, windowMs, estimate);
        this.limiter.mirror(identity, levels);
        if (this.sharedFailed) log.info('shared rate limits available again');
        this.sharedFailed = false;
        onSettle = (giveBack) => void shared.commit(key, limits, windowMs, giveBack).catch(() => undefined);
      } catch (err) {
        if (!this.sharedFailed) log.warn('shared rate limits unavailable; enforcing them per instance', { err });
        this.sharedFailed = true;
      }
    }
    return admit(this.limiter, identity, estimate, onSettle);
  }

  /** L7: a body `request_id` must agree with the `x-request-id` header; it is then removed. */
  checkBodyRequestId(ctx: RequestContext, body: unknown): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('request_id' in body)) return;
    const record = body as Record<string, unknown>;
    const given = record.request_id;
    const header = ctx.req.headers['x-request-id'];
    if (given !== null && typeof given !== 'string') throw errors.invalidType('request_id', 'a string');
    if (typeof given === 'string' && given !== ctx.requestId && header !== undefined) {
      throw errors.invalidValue(
        'request_id',
        `The body's request_id '${given.slice(0, 128)}' contradicts the x-request-id header '${ctx.requestId}'.`,
      );
    }
    delete record.request_id;
  }

  /** Registers a route and, with `--enable-azure-api`, its Azure aliases. */
  aliases<H extends (ctx: RequestContext) => Promise<void> | void>(
    path: string,
    handler: H,
  ): { path: string; handler: H }[] {
    if (!this.config.enableAzureApi) return [];
    return azureAliases(path).map((a) => ({
      path: a.path,
      handler: azureRoute(handler, a.kind, this.config.azureRegion) as H,
    }));
  }

  /** What `GET /v1/capabilities` reports about the surface. */
  report(): Record<string, unknown> {
    return {
      extensions: { default: this.config.extensions, header: 'X-Responses-Extensions' },
      reasoning_summaries: { mode: this.config.reasoningSummaryMode, values: ['auto', 'concise', 'detailed'] },
      rate_limits: {
        enabled: this.limiter.enabled,
        requests_per_minute: this.limiter.defaultLimits.requestsPerMinute,
        tokens_per_minute: this.limiter.defaultLimits.tokensPerMinute,
        per_key_overrides: this.config.rateLimitConfig !== undefined,
      },
      service_tiers: { default: this.tiers.defaultTier, allowed: [...this.tiers.allowed] },
      auth: { api_keys: this.keys.required },
      azure: this.config.enableAzureApi
        ? { enabled: true, region: this.config.azureRegion, api_versions: [...AZURE_API_VERSIONS] }
        : { enabled: false },
    };
  }
}
