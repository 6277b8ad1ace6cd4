/**
 * Serves a recording as a backend: each request is matched to a recorded one and answered with
 * the recorded status, headers and stream at the recorded timing (replay.ts).
 *
 * Match rules: method, path, and the request body canonicalized (keys sorted, `ignore` fields
 * dropped at the top level). Several recorded runs with the same key are served first-in,
 * first-out; once all were served the queue starts over, so a fixture can be used repeatedly.
 * A request that matches nothing gets a 404 `recording_not_matched` error naming the key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, type GatewayError } from '../shared/protocol/errors.js';
import type { RecordedRun, RecordingFile } from '../shared/recording-format/format.js';
import { replay, type ReplayClock, type ReplayHandle, type ReplaySpeed } from '../shared/recording-format/replay.js';

/** Fields that legitimately vary between otherwise equal requests. */
export const DEFAULT_MATCH_IGNORE = ['metadata', 'user', 'safety_identifier', 'prompt_cache_key', 'stream_options'];

export interface ReplayServerOptions {
  file: RecordingFile;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  speed?: ReplaySpeed;
  /** Top-level body fields left out of the match key (default DEFAULT_MATCH_IGNORE). */
  ignore?: readonly string[];
  /** The clock the recorded offsets are scheduled on (default: real time; tests drive their own). */
  clock?: ReplayClock;
}

export interface ReplayServer {
  url: string;
  port: number;
  server: Server;
  /** Requests that matched nothing so far. */
  readonly unmatched: number;
  close(): Promise<void>;
}

/** Headers that describe the original connection, not the content. */
const DROP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The match key of a request: `METHOD path canonical-body`. */
export function matchKey(method: string, path: string, body: unknown, ignore: ReadonlySet<string>): string {
  let b = body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    b = Object.fromEntries(Object.entries(body).filter(([k]) => !ignore.has(k)));
  }
  return `${method.toUpperCase()} ${path} ${canonical(b)}`;
}

export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const ignore = new Set(options.ignore ?? DEFAULT_MATCH_IGNORE);
  const queues = new Map<string, { runs: RecordedRun[]; next: number }>();
  for (const run of options.file.runs) {
    const key = matchKey(run.request.method, run.request.path, run.request.body, ignore);
    const q = queues.get(key) ?? { runs: [], next: 0 };
    q.runs.push(run);
    queues.set(key, q);
  }
  const models = [...new Set(options.file.runs.map((r) => r.model).filter((m): m is string => m !== null))];
  let unmatched = 0;
  const live = new Set<ReplayHandle>();

  const sendError = (res: ServerResponse, e: GatewayError): void => {
    const body = JSON.stringify(e.toBody());
    res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = (req.url ?? '/').split('?', 1)[0];
    // The console (web mode) calls it from another origin, like the gateway.
    res.setHeader('access-control-allow-origin', '*');
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
      });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (method === 'GET' && /\/models$/.test(path)) {
      const body = JSON.stringify({
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'recording' })),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    let body: unknown = raw === '' ? null : raw;
    try {
      body = raw === '' ? null : (JSON.parse(raw) as unknown);
    } catch {
      // Non-JSON bodies match as text.
    }
    const key = matchKey(method, path, body, ignore);
    const q = queues.get(key);
    if (!q) {
      unmatched++;
      sendError(
        res,
        errors.notFound(`No recorded request matches this one (key: ${key.slice(0, 300)}).`, 'recording_not_matched'),
      );
      return;
    }
    const run = q.runs[q.next];
    q.next = (q.next + 1) % q.runs.length;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(run.responseHeaders ?? {})) if (!DROP_HEADERS.has(k)) headers[k] = v;
    res.writeHead(run.httpStatus ?? 200, headers);
    res.flushHeaders();
    // Events due in the same tick go out in one write (instant speed: one write in all).
    let pending = '';
    const flush = (): void => {
      if (pending !== '' && !res.destroyed) res.write(pending);
      pending = '';
    };
    const handleReplay = replay(
      run.events,
      (e) => {
        if (pending === '') setImmediate(flush);
        pending += e.data;
      },
      { speed: options.speed ?? 1, ...(options.clock ? { clock: options.clock } : {}) },
    );
    live.add(handleReplay);
    res.once('close', () => handleReplay.stop());
    await handleReplay.done;
    live.delete(handleReplay);
    flush();
    if (!res.destroyed) res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, errors.internal());
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    get unmatched() {
      return unmatched;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of live) h.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
