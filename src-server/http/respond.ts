/**
 * The request context every route receives, and the two ways a route answers without streaming:
 * JSON, or an OpenAI error body built from a GatewayError (M2).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { errors, isGatewayError, type GatewayError } from '../shared/protocol/errors.js';
import { troubleshootingHeader } from '../shared/protocol/troubleshooting.js';
import type { Logger } from '../logging/logger.js';
import type { Principal } from '../tenancy/owner.js';
import { BODY_TYPE } from '../shared/recording-format/format.js';
import type { ResponseWriter } from './response-writer.js';
import { ClientLeftError } from './body.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Writes the answer and reports it to the exchange's observers (the recorder): use it, not `res`. */
  readonly out: ResponseWriter;
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Path without the query string. */
  readonly path: string;
  readonly params: Record<string, string | undefined>;
  readonly query: URLSearchParams;
  /** Headers for whatever response this request gets (x-request-id, openai-version, …). */
  readonly headers: Record<string, string>;
  readonly log: Logger;
  /** Who the request acts as: the owner of what it creates and the objects it may see (X6). */
  readonly principal: Principal;
}

/** `openai-processing-ms`: time from arrival to the response headers. */
export function processingHeader(ctx: RequestContext): Record<string, string> {
  return { 'openai-processing-ms': String(Math.round(performance.now() - ctx.startedAt)) };
}

export function sendJson(ctx: RequestContext, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const { res, out } = ctx;
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  out.head(
    status,
    Object.assign({}, ctx.headers, extra, processingHeader(ctx), {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
    }),
  );
  out.end(payload, out.observed ? [{ type: BODY_TYPE, text: payload }] : undefined);
}

/** Anything thrown becomes a GatewayError; unexpected ones are logged and answered as 500 internal_error. */
export function toGatewayError(err: unknown, log: Logger): GatewayError {
  if (isGatewayError(err)) return err;
  log.error('unexpected error', { err });
  return errors.internal();
}

export function sendError(ctx: RequestContext, err: unknown, extra: Record<string, string> = {}): void {
  if (err instanceof ClientLeftError) {
    ctx.log.info('client disconnected', { during: 'request body' });
    ctx.res.destroy();
    return;
  }
  const e = toGatewayError(err, ctx.log);
  if (ctx.res.headersSent) {
    // Too late for a status line: end the connection so the client sees a failure, not a hang.
    ctx.log.warn('error after headers were sent', { code: e.code, message: e.message });
    ctx.res.destroy();
    return;
  }
  // The troubleshooting guide's entry for the code, when it has one (D5).
  sendJson(ctx, e.status, e.toBody(), Object.assign({}, troubleshootingHeader(e.code), e.headers, extra));
}
