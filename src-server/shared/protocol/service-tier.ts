/**
 * L8 `service_tier`: which values a client may send (`--responses-allowed-service-tiers`), what
 * `auto` (or no value) resolves to (`--responses-default-service-tier`), and the vLLM scheduling
 * `priority` each tier maps to (lower runs first; vLLM's default is 0). The resolved tier is what
 * the response echoes. Non-default tiers need vLLM started with `--scheduling-policy priority`;
 * `default` sends no priority at all, so a vLLM without that policy keeps working.
 */
import { errors } from './errors.js';

export const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority'] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];
export type ResolvedTier = Exclude<ServiceTier, 'auto'>;

/** The mapping table (docs/rate-limits.md "Service tiers"). `undefined`: no priority field is sent. */
export const TIER_PRIORITY: Readonly<Record<ResolvedTier, number | undefined>> = {
  priority: -10,
  scale: -5,
  default: undefined,
  flex: 10,
};

export interface TierPolicy {
  defaultTier: ResolvedTier;
  allowed: ReadonlySet<string>;
}

export function tierPolicy(config: { defaultServiceTier: string; allowedServiceTiers: string }): TierPolicy {
  const allowed = new Set(
    config.allowedServiceTiers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  for (const t of allowed) {
    if (!(SERVICE_TIERS as readonly string[]).includes(t))
      throw new Error(`--responses-allowed-service-tiers: unknown tier '${t}' (known: ${SERVICE_TIERS.join(', ')})`);
  }
  return { defaultTier: config.defaultServiceTier as ResolvedTier, allowed };
}

/**
 * The tier a request runs in and its vLLM priority. Throws a 400 (param `service_tier`) naming a
 * value that is not allowed. A request without `service_tier` gets the default tier.
 */
export function resolveServiceTier(
  requested: string | null | undefined,
  policy: TierPolicy,
): { tier: ResolvedTier; priority: number | undefined } {
  if (requested !== undefined && requested !== null && !policy.allowed.has(requested)) {
    throw errors.invalidValue(
      'service_tier',
      `Invalid value for 'service_tier': '${requested}' is not allowed on this gateway. Allowed values: ${[...policy.allowed].join(', ')}.`,
    );
  }
  const tier =
    requested === undefined || requested === null || requested === 'auto'
      ? policy.defaultTier
      : (requested as ResolvedTier);
  return { tier, priority: TIER_PRIORITY[tier] };
}
