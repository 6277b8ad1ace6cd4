/**
 * The console's own endpoints, all under /v1/console/ and answered only to clients on this
 * machine. GET /v1/console/logs (always): the gateway's live log tail for the console's Gateway panel, as SSE. The
 * kept backlog first (one `data:` event per JSON line), then each new line as it is logged.
 * Loopback clients only (log lines name paths, addresses and errors), and behind --api-key like
 * every other route (server.ts runs the auth guard before this handler).
 *
 * Memory per client is bounded: lines are skipped while the socket's unsent buffer is over
 * MAX_BUFFERED_BYTES, and a `dropped` event says how many were lost once it drains.
 */
import type { LogTail } from '../observability/log-tail.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { errors } from '../shared/protocol/errors.js';
import { BUILTIN_PROFILE, PROFILE_ID, type ConsoleServices } from '../console/services.js';
import { parseSavedRequests, SAVED_REQUESTS_MAX_BYTES, SavedRequestsError } from '../shared/saved-requests.js';
import { checkJsonContentType, parseJson, readBody } from './body.js';
import { sendJson, type RequestContext } from './respond.js';
import { KEEP_ALIVE, sseHeaders } from './sse-writer.js';
import { assertLoopbackClient } from './loopback.js';
import { contained } from '../engine/contain.js';
import { reportTo } from '../logging/logger.js';

/** Unsent bytes a slow log client may hold before its lines are dropped. */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Keep-alive comment while no line is logged, so idle proxies keep the stream open. */
const KEEP_ALIVE_MS = 15_000;

export function streamLogs(ctx: RequestContext, tail: LogTail): void {
  const { res } = ctx;
  assertLoopbackClient(ctx);
  res.writeHead(200, sseHeaders(ctx));
  let dropped = 0;
  const send = (line: string): void => {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      res.write(`event: dropped\ndata: {"dropped":${dropped}}\n\n`);
      dropped = 0;
    }
    // A log line is one JSON object without newlines, so it is one `data:` field.
    res.write(`data: ${line}\n\n`);
  };
  res.write(
    tail
      .backlog()
      .map((line) => `data: ${line}\n\n`)
      .join('') || KEEP_ALIVE,
  );
  const keepAlive = setInterval(
    contained(
      'writing a log-stream keep-alive',
      () => {
        if (res.writableLength <= MAX_BUFFERED_BYTES) res.write(KEEP_ALIVE);
      },
      reportTo(ctx.log),
    ),
    KEEP_ALIVE_MS,
  );
  keepAlive.unref();
  let unsubscribe = (): void => undefined;
  const stop = (): void => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  unsubscribe = tail.subscribe(send, () => {
    stop();
    res.end();
  });
  res.once('close', stop);
}

type Register = (
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  handler: (ctx: RequestContext) => Promise<void> | void,
) => void;

/** Console endpoints served when the gateway hosts the console (docs/console.md lists them). */
export const CONSOLE_ENDPOINTS = {
  rateLimits: '/v1/console/rate-limits',
  profiles: '/v1/console/profiles',
  savedRequests: '/v1/console/saved-requests',
} as const;

const JSON_MAX_BYTES = 64 * 1024;

/** A JSON object body; state-changing console requests must say application/json. */
async function readObject(ctx: RequestContext, limit: number): Promise<Record<string, unknown>> {
  const ct = ctx.req.headers['content-type'];
  if (ct === undefined || ct === '') throw errors.unsupportedMediaType('(none)');
  const bad = checkJsonContentType(ctx.req);
  if (bad) throw bad;
  const body = parseJson(await readBody(ctx.req, limit, ctx.out.requestBody));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalidBody(typeof body);
  return body as Record<string, unknown>;
}

function wholeNumber(body: Record<string, unknown>, param: string): number | undefined {
  const v = body[param];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1e12)
    throw errors.invalidType(param, 'a whole number ≥ 0 (0 = unlimited)');
  return v;
}

/** What the capability report says about these endpoints (`gateway.console`). */
export function consoleReport(services: ConsoleServices): Record<string, unknown> {
  return {
    ...(services.rateLimitEditing ? { rate_limits: CONSOLE_ENDPOINTS.rateLimits } : {}),
    ...(services.profiles ? { profiles: CONSOLE_ENDPOINTS.profiles, key_storage: services.profiles.keyStorage } : {}),
    ...(services.savedRequests
      ? {
          saved_requests: CONSOLE_ENDPOINTS.savedRequests,
          saved_requests_persistent: services.savedRequests.persistent,
        }
      : {}),
  };
}

export function registerConsoleRoutes(
  route: Register,
  deps: { services: ConsoleServices; limiter: RateLimiter },
): void {
  const { services, limiter } = deps;
  if (services.rateLimitEditing) {
    const limits = () => {
      const d = limiter.defaultLimits;
      return {
        object: 'console.rate_limits',
        enabled: limiter.enabled,
        requests_per_minute: d.requestsPerMinute,
        tokens_per_minute: d.tokensPerMinute,
      };
    };
    route('GET', CONSOLE_ENDPOINTS.rateLimits, (ctx) => {
      assertLoopbackClient(ctx);
      sendJson(ctx, 200, limits());
    });
    route('PUT', CONSOLE_ENDPOINTS.rateLimits, async (ctx) => {
      assertLoopbackClient(ctx);
      const body = await readObject(ctx, JSON_MAX_BYTES);
      for (const key of Object.keys(body))
        if (key !== 'requests_per_minute' && key !== 'tokens_per_minute') throw errors.unknownParameter(key);
      const current = limiter.defaultLimits;
      limiter.setDefaults({
        requestsPerMinute: wholeNumber(body, 'requests_per_minute') ?? current.requestsPerMinute,
        tokensPerMinute: wholeNumber(body, 'tokens_per_minute') ?? current.tokensPerMinute,
      });
      ctx.log.info('rate limits changed from the console', { ...limiter.defaultLimits });
      sendJson(ctx, 200, limits());
    });
  }

  const profiles = services.profiles;
  if (profiles) {
    const wire = (p: Awaited<ReturnType<typeof profiles.list>>[number]) => ({
      id: p.profileId,
      object: 'console.profile_gateway',
      backend_url: p.backendUrl,
      backend_kind: p.backendKind,
      url: p.url,
      has_key: p.hasKey,
    });
    route('GET', CONSOLE_ENDPOINTS.profiles, async (ctx) => {
      assertLoopbackClient(ctx);
      const list = await profiles.list();
      sendJson(ctx, 200, { object: 'list', key_storage: profiles.keyStorage, data: list.map(wire) });
    });
    route('POST', `${CONSOLE_ENDPOINTS.profiles}/:id/connect`, async (ctx) => {
      assertLoopbackClient(ctx);
      const id = ctx.params.id ?? '';
      if (!PROFILE_ID.test(id) || id === BUILTIN_PROFILE)
        throw errors.invalidValue('id', `'${id.slice(0, 64)}' is not a backend profile id.`);
      const body = await readObject(ctx, JSON_MAX_BYTES);
      const url = body.backend_url;
      if (typeof url !== 'string' || url.length > 2048) throw errors.invalidType('backend_url', 'a URL');
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw errors.invalidValue('backend_url', `'backend_url' is not a URL: '${url.slice(0, 200)}'.`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw errors.invalidValue('backend_url', "'backend_url' must be an http(s) URL.");
      const kind = body.backend_kind ?? 'vllm';
      if (kind !== 'vllm' && kind !== 'vllm-responses' && kind !== 'openai-chat')
        throw errors.invalidValue('backend_kind', "'backend_kind' must be 'vllm', 'vllm-responses' or 'openai-chat'.");
      const key = body.api_key;
      if (key !== undefined && key !== null && (typeof key !== 'string' || key.length > 16_384))
        throw errors.invalidType('api_key', 'a string or null');
      const info = await profiles
        .connect({ profileId: id, backendUrl: url, backendKind: kind }, key as string | null | undefined)
        .catch((e: unknown) => {
          throw errors.invalidValue('backend_url', `The profile gateway could not start: ${(e as Error).message}`);
        });
      ctx.log.info('profile gateway connected', { profile: id, backendUrl: url, url: info.url });
      sendJson(ctx, 200, wire(info));
    });
  }

  const saved = services.savedRequests;
  if (saved) {
    route('GET', CONSOLE_ENDPOINTS.savedRequests, async (ctx) => {
      assertLoopbackClient(ctx);
      sendJson(ctx, 200, { ...(await saved.read()), persistent: saved.persistent });
    });
    route('PUT', CONSOLE_ENDPOINTS.savedRequests, async (ctx) => {
      assertLoopbackClient(ctx);
      const body = await readObject(ctx, SAVED_REQUESTS_MAX_BYTES);
      delete body.persistent;
      let doc;
      try {
        doc = parseSavedRequests(body);
      } catch (e) {
        if (e instanceof SavedRequestsError) throw errors.invalidValue(e.param, e.message);
        throw e;
      }
      await saved.write(doc);
      sendJson(ctx, 200, { ...doc, persistent: saved.persistent });
    });
  }
}
