/**
 * GET /metrics: the gateway's Prometheus metrics (observability/gateway-metrics.ts,
 * docs/observability.md) in the text exposition format, or `?format=json` for the console.
 */
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { errors } from '../shared/protocol/errors.js';
import { processingHeader, sendJson, type RequestContext } from './respond.js';

export async function serveMetrics(ctx: RequestContext, metrics: GatewayMetrics): Promise<void> {
  const format = ctx.query.get('format');
  if (format === 'json') {
    sendJson(ctx, 200, { object: 'metrics', data: await metrics.json() });
    return;
  }
  if (format !== null && format !== 'prometheus')
    throw errors.invalidValue('format', "format must be 'json' or 'prometheus'.");
  const text = await metrics.text();
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    ...ctx.headers,
    ...processingHeader(ctx),
    'content-type': metrics.contentType,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
