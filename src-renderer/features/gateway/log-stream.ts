/**
 * Follows the gateway's live log stream (GET /v1/console/logs, SSE of JSON lines). fetch rather
 * than EventSource, because the stream sits behind --api-key like every route and EventSource
 * cannot send an Authorization header.
 */
import { createParser } from 'eventsource-parser';
import { gatewayFetch, type Connection } from '../../lib/gateway-client.js';

export interface LogLine {
  /** Position in this console's stream (stable React key). */
  seq: number;
  level: string;
  time: string;
  msg: string;
  /** Every other field of the line. */
  fields: Record<string, unknown>;
}

/** Lines the panel keeps; older ones are dropped (the gateway's own backlog is 500). */
export const MAX_LOG_LINES = 1000;

export function parseLogLine(raw: string, seq: number): LogLine | null {
  try {
    const obj = JSON.parse(raw) as Record<string, unknown>;
    if (!obj || typeof obj !== 'object') return null;
    const { level, time, msg, ...fields } = obj;
    return { seq, level: String(level ?? ''), time: String(time ?? ''), msg: String(msg ?? ''), fields };
  } catch {
    return null;
  }
}

/** `lines` plus `more`, keeping at most `max` (the newest). */
export function appendBounded<T>(lines: readonly T[], more: readonly T[], max = MAX_LOG_LINES): T[] {
  const all = lines.concat(more);
  return all.length > max ? all.slice(all.length - max) : all;
}

/**
 * Streams log lines until `signal` aborts or the gateway ends the stream. `onDropped` reports
 * lines the gateway skipped because this client read too slowly. Resolves with an error text
 * when the stream could not be opened (HTTP status or network), or null when it ended.
 */
export async function followLogs(
  conn: Connection,
  endpoint: string,
  onLines: (raw: string[]) => void,
  signal: AbortSignal,
  onDropped?: (n: number) => void,
): Promise<string | null> {
  let res: Response;
  try {
    res = await gatewayFetch(conn, endpoint, { signal });
  } catch (e) {
    return signal.aborted ? null : (e as Error).message;
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    let message = `HTTP ${res.status}`;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // Not an OpenAI error body: the status says enough.
    }
    return message;
  }
  let batch: string[] = [];
  const parser = createParser({
    onEvent: (e) => {
      if (e.event === 'dropped') {
        onDropped?.((JSON.parse(e.data) as { dropped?: number }).dropped ?? 0);
        return;
      }
      batch.push(e.data);
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return null;
      parser.feed(value);
      // One state update per network chunk, not per line: the backlog arrives in one burst.
      if (batch.length > 0) {
        onLines(batch);
        batch = [];
      }
    }
  } catch (e) {
    return signal.aborted ? null : (e as Error).message;
  }
}
