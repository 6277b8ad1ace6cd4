/**
 * CORS (M5): which browser origins may call the API (`--cors-origin`) and which response headers
 * their scripts may read. Bearer keys are not cookies, so credentials are never allowed.
 */
import type { IncomingMessage } from 'node:http';

/** Every header the gateway sets that a browser client may want to read. */
export const EXPOSED_HEADERS = [
  'x-request-id',
  'openai-version',
  'openai-processing-ms',
  'openai-organization',
  'openai-project',
  'x-responses-ignored-fields',
  'x-responses-gateway-overhead-ms',
  'x-should-retry',
  'retry-after',
  'retry-after-ms',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'x-ms-request-id',
  'x-ms-region',
  'apim-request-id',
  'api-supported-versions',
].join(', ');

export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(setting: string) {
    const list = setting
      .split(',')
      .map((s) => s.trim().replace(/\/$/, ''))
      .filter((s) => s !== '');
    this.any = list.includes('*');
    this.origins = new Set(list);
  }

  /** Headers for any response to this request (none when its origin is not allowed). */
  headers(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (this.any) return { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS };
    if (typeof origin !== 'string' || !this.origins.has(origin)) return this.origins.size > 0 ? { vary: 'origin' } : {};
    return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'origin' };
  }
}
