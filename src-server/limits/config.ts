/**
 * Per-key rate-limit overrides (`--rate-limit-config FILE`). File format (JSON):
 *
 *     {
 *       "keys": {
 *         "sk-exact-key-value":    { "requestsPerMinute": 600, "tokensPerMinute": 200000 },
 *         "sk-team-a-*":           { "requestsPerMinute": 120 },
 *         "id:3f2a9c01":           { "tokensPerMinute": 0 },
 *         "address:192.168.1.20":  { "requestsPerMinute": 10 }
 *       }
 *     }
 *
 * Entry names: an exact API key; a key prefix ending in `*`; `id:<hex>`, a prefix (at least 8 hex
 * digits) of sha256(key) in hex — so the file need not contain secrets; `address:<ip>` for clients
 * that send no key. A missing field falls back to the flag default; 0 means unlimited.
 * Precedence: exact key, then `id:`, then the longest matching prefix, then the defaults.
 */
import { readFileSync } from 'node:fs';

export interface RateLimits {
  /** Requests per minute; 0 = unlimited. */
  requestsPerMinute: number;
  /** Tokens (input + output) per minute; 0 = unlimited. */
  tokensPerMinute: number;
}

export type RateLimitOverride = Partial<RateLimits>;

export interface RateLimitOverrides {
  keys: Record<string, RateLimitOverride>;
}

/** A bad config file: reported at startup with the file and the offending entry. */
export class RateLimitConfigError extends Error {}

export function parseRateLimitConfig(value: unknown, source = 'rate limit config'): RateLimitOverrides {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RateLimitConfigError(`${source}: expected a JSON object with a "keys" object.`);
  }
  const root = value as Record<string, unknown>;
  for (const field of Object.keys(root)) {
    if (field !== 'keys')
      throw new RateLimitConfigError(`${source}: unknown field "${field}" (only "keys" is allowed).`);
  }
  const keys = root.keys ?? {};
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new RateLimitConfigError(`${source}: "keys" must be an object.`);
  }
  const out: Record<string, RateLimitOverride> = {};
  for (const [name, entry] of Object.entries(keys as Record<string, unknown>)) {
    const where = `${source}: keys["${name}"]`;
    if (name === '' || name === '*')
      throw new RateLimitConfigError(`${where}: an entry name must not be empty or match every key.`);
    if (name.startsWith('id:') && !/^id:[0-9a-f]{8,64}$/.test(name)) {
      throw new RateLimitConfigError(
        `${where}: "id:" must be followed by 8 to 64 lower-case hex digits of sha256(key).`,
      );
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new RateLimitConfigError(`${where}: expected an object.`);
    }
    const override: RateLimitOverride = {};
    for (const [field, v] of Object.entries(entry as Record<string, unknown>)) {
      if (field !== 'requestsPerMinute' && field !== 'tokensPerMinute') {
        throw new RateLimitConfigError(
          `${where}: unknown field "${field}" (allowed: requestsPerMinute, tokensPerMinute).`,
        );
      }
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new RateLimitConfigError(`${where}.${field}: expected a whole number ≥ 0 (0 = unlimited).`);
      }
      override[field] = v;
    }
    out[name] = override;
  }
  return { keys: out };
}

export function loadRateLimitConfig(file: string): RateLimitOverrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RateLimitConfigError(`Cannot read the rate limit config ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RateLimitConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  return parseRateLimitConfig(value, file);
}
