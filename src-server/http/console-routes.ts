/**
 * GET /v1/console/logs: the gateway's live log tail for the console's Gateway panel, as SSE. The
 * kept backlog first (one `data:` event per JSON line), then each new line as it is logged.
 * Loopback clients only (log lines name paths, addresses and errors), and behind --api-key like
 * every other route (server.ts runs the auth guard before this handler).
 *
 * Memory per client is bounded: lines are skipped while the socket's unsent buffer is over
 * MAX_BUFFERED_BYTES, and a `dropped` event says how many were lost once it drains.
 */
import type { LogTail } from '../observability/log-tail.js';
import { processingHeader, type RequestContext } from './respond.js';
import { SSE_HEADERS, KEEP_ALIVE } from './sse-writer.js';
import { assertLoopbackClient } from './loopback.js';
import { contained } from '../engine/contain.js';
import { reportTo } from './report-failure.js';

/** Unsent bytes a slow log client may hold before its lines are dropped. */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Keep-alive comment while no line is logged, so idle proxies keep the stream open. */
const KEEP_ALIVE_MS = 15_000;

export function streamLogs(ctx: RequestContext, tail: LogTail): void {
  const { res } = ctx;
  assertLoopbackClient(ctx);
  res.writeHead(200, { ...ctx.headers, ...processingHeader(ctx), ...SSE_HEADERS });
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
