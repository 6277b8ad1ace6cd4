/**
 * CORS (M5): the `--cors-origin` list of browser origins that may call the public API, and which
 * response headers their scripts may read. Bearer keys are not cookies, so credentials are never
 * allowed.
 *
 * The default is no origin at all. It used to be `*`, which on a keyless gateway (the desktop
 * app, web mode, the default `npm run gateway`) let any page on any origin read stored responses
 * and act on the gateway. origin-policy.ts applies this list to the public API only; console and
 * library routes follow the console origins (`--console-origin`) and never this list.
 */

/** Every header the gateway sets that a browser client may want to read. */
export const EXPOSED_HEADERS = [
  'x-request-id',
  'openai-version',
  'openai-processing-ms',
  'openai-organization',
  'openai-project',
  'x-responses-ignored-fields',
  'x-responses-omitted-tools',
  'x-responses-truncation',
  'x-responses-truncated-items',
  'x-responses-gateway-overhead-ms',
  'x-should-retry',
  'x-studio-instance',
  'x-responses-troubleshooting',
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
  /** `*`: any origin may call the public API. */
  readonly any: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(setting: string) {
    const list = setting
      .split(',')
      .map((s) => s.trim().replace(/\/$/, ''))
      .filter((s) => s !== '');
    this.any = list.includes('*');
    this.origins = new Set(list);
  }

  allows(origin: string): boolean {
    return this.any || this.origins.has(origin);
  }
}
