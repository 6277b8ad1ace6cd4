/**
 * REST for the console's sessions library (docs/recording.md): list and search, open, rename,
 * tag, delete, export (JSON Lines or HAR), import, diff two runs, re-run a session.
 */
import type { HTTPMethod } from 'find-my-way';
import { errors } from '../protocol/errors.js';
import { diffRuns } from '../recording/diff.js';
import { runFromDetail, sessionFile, importFile, sessionRuns } from '../recording/export.js';
import { parseJsonl, RecordingFormatError, toJsonl } from '../recording/format.js';
import { toHar } from '../recording/har.js';
import { rerunSession } from '../recording/rerun.js';
import type { RecordingService } from '../recording/service.js';
import { parseJson, readBody } from './body.js';
import { queryInteger } from './list-query.js';
import { sendJson, type RequestContext } from './respond.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../protocol/json-depth.js';

type Register = (method: HTTPMethod, path: string, handler: (ctx: RequestContext) => Promise<void> | void) => void;

/** Largest importable file. */
const IMPORT_MAX_BYTES = 256 * 1024 * 1024;
const JSON_MAX_BYTES = 1024 * 1024;

export interface RecordingRouteLimits {
  /** `--max-request-depth`: for JSON bodies and for the request bodies inside imported files. */
  maxDepth: number;
}

export function registerRecordingRoutes(
  route: Register,
  service: RecordingService,
  limits: RecordingRouteLimits = { maxDepth: DEFAULT_MAX_JSON_DEPTH },
): void {
  const { maxDepth } = limits;
  const store = service.recordings;
  const idOf = (ctx: RequestContext): string => ctx.params.id ?? '';
  const detail = (id: string) => {
    const d = store.getRecording(id);
    if (!d) throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
    return runFromDetail(d);
  };
  route('GET', '/v1/recordings', (ctx) => {
    const q = ctx.query;
    const page = store.listRecordings({
      search: q.get('search') ?? undefined,
      sessionId: q.get('session') ?? undefined,
      limit: queryInteger(q, 'limit', 1, 1000),
      offset: queryInteger(q, 'offset', 0, Number.MAX_SAFE_INTEGER),
    });
    sendJson(ctx, 200, { object: 'list', data: page.data, total: page.total, recording: service.recorder !== null });
  });

  route('GET', '/v1/recordings/diff', (ctx) => {
    const a = ctx.query.get('a');
    const b = ctx.query.get('b');
    if (!a || !b) throw errors.missingRequired(!a ? 'a' : 'b');
    sendJson(ctx, 200, diffRuns(detail(a), detail(b)));
  });

  route('POST', '/v1/recordings/import', async (ctx) => {
    const text = (await readBody(ctx.req, IMPORT_MAX_BYTES)).toString('utf8');
    let ids: string[];
    try {
      ids = importFile(store, parseJsonl(text, { maxDepth }));
    } catch (err) {
      if (err instanceof RecordingFormatError)
        throw errors.invalidValue('body', `Not a recording file: ${err.message}`);
      throw err;
    }
    sendJson(ctx, 200, { ids });
  });

  route('GET', '/v1/recordings/:id', (ctx) => sendJson(ctx, 200, detail(idOf(ctx))));

  route('PATCH', '/v1/recordings/:id', async (ctx) => {
    const id = idOf(ctx);
    detail(id);
    const body = parseJson(await readBody(ctx.req, JSON_MAX_BYTES), maxDepth) as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null) throw errors.invalidBody(typeof body);
    if ('name' in body) {
      if (body.name !== null && typeof body.name !== 'string') throw errors.invalidType('name', 'a string or null');
      store.renameRecording(id, body.name);
    }
    if ('tags' in body) {
      if (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))
        throw errors.invalidType('tags', 'an array of strings');
      store.tagRecording(id, body.tags as string[]);
    }
    sendJson(ctx, 200, store.getSummary(id));
  });

  route('DELETE', '/v1/recordings/:id', (ctx) => {
    const id = idOf(ctx);
    if (!store.deleteRecording(id)) throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
    sendJson(ctx, 200, { id, object: 'recording.deleted', deleted: true });
  });

  route('GET', '/v1/recordings/:id/export', (ctx) => {
    const id = idOf(ctx);
    const file = sessionFile(store, id);
    if (!file) throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
    const har = ctx.query.get('format') === 'har';
    const payload = har ? JSON.stringify(toHar(file)) : toJsonl(file);
    const { res } = ctx;
    res.writeHead(200, {
      ...ctx.headers,
      'content-type': har ? 'application/json' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="${id}.${har ? 'har' : 'jsonl'}"`,
      'content-length': String(Buffer.byteLength(payload)),
    });
    res.end(payload);
  });

  route('POST', '/v1/recordings/:id/rerun', async (ctx) => {
    const id = idOf(ctx);
    detail(id);
    const raw = await readBody(ctx.req, JSON_MAX_BYTES);
    const body = (raw.length === 0 ? {} : (parseJson(raw, maxDepth) ?? {})) as {
      baseUrl?: unknown;
      headers?: unknown;
    };
    const external = typeof body.baseUrl === 'string' && body.baseUrl !== '';
    const baseUrl = external ? (body.baseUrl as string) : `http://${ctx.req.headers.host ?? '127.0.0.1'}`;
    const headers =
      typeof body.headers === 'object' && body.headers !== null ? (body.headers as Record<string, string>) : {};
    const result = await rerunSession(sessionRuns(store, id), { baseUrl, headers });
    // Against this gateway the recorder already keeps the new runs; elsewhere they are stored here.
    const stored =
      external || service.recorder === null
        ? importFile(store, { sessionId: result.runs[0]?.sessionId ?? null, exportedAt: '', runs: result.runs })
        : [];
    sendJson(ctx, 200, { runs: result.runs.map((r) => r.id), stored, diffs: result.diffs });
  });
}
