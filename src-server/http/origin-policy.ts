/**
 * Who may call which route from a browser (X5): the Host allow-list (host-check.ts), CORS, the
 * console's origin and per-launch secret, and the CSRF rules for state-changing requests.
 *
 * Why it exists: the gateway is keyless by default (the desktop app, web mode and `npm run gateway`
 * all are), and loopback.ts only checks the peer address, which every page in a browser on this
 * machine passes. So the browser's own signals decide:
 *
 * - Console and library routes (`/v1/console/*`, `/v1/recordings*`) answer only the console: a
 *   request without `Origin` (CLI clients, SDKs; browsers add it to every cross-origin request and
 *   every POST) or one whose `Origin` is the gateway's own origin or a `--console-origin`. A
 *   browser request that hides its origin (`Sec-Fetch-Site: cross-site`, e.g. `<script src>`) is
 *   refused too. With a console secret configured (desktop app) they also require it in the
 *   `X-Studio-Console-Secret` header. CORS headers go to console origins only, never `*`.
 * - The public API (responses, models, capabilities, health, metrics) sends CORS headers to the
 *   console origins and to `--cors-origin` (default: none — it used to be `*`, which let any page
 *   read and act on a keyless gateway; cors.ts keeps the list).
 * - Every state-changing request (POST, PUT, PATCH, DELETE) with an `Origin` that is not allowed
 *   for its route is a 403, and one with a content type a page can send without a preflight
 *   (`text/plain`, form encodings) is a 415, bodyless ones (cancel) included: a page cannot act
 *   through "simple" requests it is not allowed to read.
 * - Preflights (`OPTIONS`) are answered only for a route that exists with the requested method,
 *   for an origin allowed on it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GatewayConfig } from '../config/flags.js';
import { CONSOLE_SECRET_HEADER } from '../shared/protocol/console-auth.js';
import { errors } from '../shared/protocol/errors.js';
import { CorsPolicy, EXPOSED_HEADERS } from './cors.js';
import { HostAllowList } from './host-check.js';

/** Which policy a route follows. */
export type RouteAccess = 'console' | 'api';

/** Console and library routes by path (the route pattern, or the raw path when nothing matched). */
export function accessOf(path: string): RouteAccess {
  return path.startsWith('/v1/console/') || path === '/v1/recordings' || path.startsWith('/v1/recordings/')
    ? 'console'
    : 'api';
}

const STATE_CHANGING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Content types a page may send to another origin without a preflight (the CORS-safelisted ones). */
const SIMPLE_TYPES: ReadonlySet<string> = new Set([
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);
/** `Sec-Fetch-Site` values of a request another site's page made. */
const FOREIGN_SITES: ReadonlySet<string> = new Set(['cross-site', 'same-site']);
/** What a preflight may ask to send: header names, commas and spaces. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~, -]{0,2000}$/;

export type OriginSettings = Pick<
  GatewayConfig,
  'host' | 'allowedHosts' | 'corsOrigin' | 'consoleOrigins' | 'consoleSecret'
>;

/** One request's origin, judged once. */
export interface RequestOrigin {
  /** The `Host` header is one this gateway answers to. */
  readonly hostAllowed: boolean;
  /** The `Origin` header, if any. */
  readonly origin: string | undefined;
  /** The origin is the gateway's own (behind an allowed Host) or a `--console-origin`. */
  readonly console: boolean;
  /** The origin may use the public API (a console origin or one in `--cors-origin`). */
  readonly api: boolean;
}

export class OriginPolicy {
  readonly hosts: HostAllowList;
  readonly cors: CorsPolicy;
  private readonly consoleOrigins: ReadonlySet<string>;
  private readonly secretDigest: Buffer | null;

  constructor(settings: OriginSettings) {
    this.hosts = new HostAllowList(settings);
    this.cors = new CorsPolicy(settings.corsOrigin);
    this.consoleOrigins = new Set(settings.consoleOrigins.map((o) => o.trim().replace(/\/+$/, '')));
    this.secretDigest = settings.consoleSecret ? digest(settings.consoleSecret) : null;
  }

  judge(req: IncomingMessage): RequestOrigin {
    const hostAllowed = this.hosts.allows(req.headers.host);
    const raw = req.headers.origin;
    const origin = typeof raw === 'string' ? raw : undefined;
    if (origin === undefined) return { hostAllowed, origin, console: false, api: false };
    // Same origin only counts behind an allowed Host: a rebinding page is "same origin" too.
    const own = hostAllowed && req.headers.host !== undefined && origin === `http://${req.headers.host}`;
    const console = own || this.consoleOrigins.has(origin);
    return { hostAllowed, origin, console, api: console || this.cors.allows(origin) };
  }

  /** Throws the 403 for a Host this gateway does not answer to. */
  checkHost(o: RequestOrigin, req: IncomingMessage): void {
    if (!o.hostAllowed) throw errors.hostNotAllowed(String(req.headers.host));
  }

  /** CORS headers for any response to this request. */
  headers(o: RequestOrigin, access: RouteAccess): Record<string, string> {
    if (!o.hostAllowed) return { vary: 'origin' };
    if (o.origin !== undefined && (o.console || (access === 'api' && o.api && !this.cors.any))) return echo(o.origin);
    if (access === 'api' && this.cors.any) {
      return { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'origin' };
    }
    return { vary: 'origin' };
  }

  /** Runs before a matched route: throws the 403 (origin, console secret) or 415 (simple content type). */
  admit(o: RequestOrigin, req: IncomingMessage, method: string, access: RouteAccess): void {
    if (access === 'console') {
      if (o.origin !== undefined && !o.console) throw errors.originNotAllowed(o.origin, 'use the console routes');
      const site = req.headers['sec-fetch-site'];
      if (o.origin === undefined && typeof site === 'string' && FOREIGN_SITES.has(site))
        throw errors.originNotAllowed(`(hidden, Sec-Fetch-Site: ${site})`, 'use the console routes');
      if (this.secretDigest && !this.secretMatches(req.headers[CONSOLE_SECRET_HEADER]))
        throw errors.consoleSecretRequired(CONSOLE_SECRET_HEADER);
    }
    if (!STATE_CHANGING.has(method)) return;
    if (o.origin !== undefined && !o.api)
      throw errors.originNotAllowed(o.origin, `send ${method} requests to this gateway (see --cors-origin)`);
    const type = req.headers['content-type'];
    if (type !== undefined && SIMPLE_TYPES.has(type.split(';', 1)[0].trim().toLowerCase()))
      throw errors.unsupportedMediaType(type.slice(0, 100));
  }

  /**
   * An `OPTIONS` request for a route that exists with the requested method (`methods`: the
   * methods of the path). Returns the 204's headers, or throws 403 for an origin not allowed there.
   */
  preflight(
    o: RequestOrigin,
    req: IncomingMessage,
    access: RouteAccess,
    methods: readonly string[],
  ): Record<string, string> {
    const wanted = req.headers['access-control-request-headers'];
    const allowHeaders = typeof wanted === 'string' && HEADER_LIST.test(wanted) ? wanted : '';
    const common = {
      'access-control-allow-methods': methods.join(', '),
      ...(allowHeaders ? { 'access-control-allow-headers': allowHeaders } : {}),
      'access-control-max-age': '600',
    };
    if (o.origin === undefined) return { vary: 'origin', ...common };
    const allowed = access === 'console' ? o.console : o.api;
    if (!allowed)
      throw errors.originNotAllowed(o.origin, `call ${access === 'console' ? 'the console routes' : 'this gateway'}`);
    return { ...this.headers(o, access), ...common };
  }

  private secretMatches(value: string | string[] | undefined): boolean {
    if (typeof value !== 'string' || !this.secretDigest) return false;
    return timingSafeEqual(digest(value), this.secretDigest);
  }
}

function echo(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'origin' };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
