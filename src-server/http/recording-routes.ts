/**
 * REST for the console's sessions library (docs/recording.md): list and search, open, rename,
 * tag, delete, export (JSON Lines or HAR), import, diff two runs, re-run a session.
 */
import type { HTTPMethod } from 'find-my-way';
import { errors } from '../shared/protocol/errors.js';
import { diffRuns } from '../shared/recording-format/diff.js';
import { runFromDetail, sessionFile, importFile } from '../recording/export.js';
import { parseJsonl, RecordingFormatError, toJsonl } from '../shared/recording-format/format.js';
import { toHar } from '../recording/har.js';
import type { RecordingService } from '../recording/service.js';
import { ownerScope } from '../tenancy/owner.js';
import { checkJsonContentType, checkMediaType, parseJson, readBody } from './body.js';
import { attachment } from './download.js';
import { rerunRecording, type RerunDeps } from './rerun-route.js';
import { queryInteger } from './list-query.js';
import { sendJson, type RequestContext } from './respond.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../shared/protocol/json-depth.js';

type Register = (method: HTTPMethod, path: string, handler: (ctx: RequestContext) => Promise<void> | void) => void;

/** Largest importable file. */
const IMPORT_MAX_BYTES = 256 * 1024 * 1024;
const JSON_MAX_BYTES = 1024 * 1024;

/** Media types of an import: a JSON Lines file (or JSON); never one a page can send without a preflight. */
const IMPORT_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/json'];

export interface RecordingRouteOptions extends RerunDeps {
  /** `--max-request-depth`: for JSON bodies and for the request bodies inside imported files. */
  maxDepth?: number;
}

/**
 * Tenancy: every read and change is scoped to the request's owner (`ctx.principal`); another
 * key's recording answers the same 404 as a missing one.
 */
export function registerRecordingRoutes(
  route: Register,
  service: RecordingService,
  options: RecordingRouteOptions,
): void {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const store = service.recordings;
  const idOf = (ctx: RequestContext): string => ctx.params.id ?? '';
  const scope = (ctx: RequestContext): string | undefined => ownerScope(ctx.principal);
  const detail = async (ctx: RequestContext, id: string) => {
    const d = await store.detail(id, scope(ctx));
    if (!d) throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
    return runFromDetail(d);
  };
  route('GET', '/v1/recordings', async (ctx) => {
    const q = ctx.query;
    const page = await store.list({
      search: q.get('search') ?? undefined,
      sessionId: q.get('session') ?? undefined,
      limit: queryInteger(q, 'limit', 1, 1000),
      offset: queryInteger(q, 'offset', 0, Number.MAX_SAFE_INTEGER),
      owner: scope(ctx),
    });
    sendJson(ctx, 200, { object: 'list', data: page.data, total: page.total, recording: service.recorder !== null });
  });

  route('GET', '/v1/recordings/diff', async (ctx) => {
    const a = ctx.query.get('a');
    const b = ctx.query.get('b');
    if (!a || !b) throw errors.missingRequired(!a ? 'a' : 'b');
    sendJson(ctx, 200, diffRuns(await detail(ctx, a), await detail(ctx, b)));
  });

  route('POST', '/v1/recordings/import', async (ctx) => {
    const badType = checkMediaType(ctx.req, IMPORT_TYPES);
    if (badType) throw badType;
    const text = (await readBody(ctx.req, IMPORT_MAX_BYTES, ctx.out.requestBody)).toString('utf8');
    let result: Awaited<ReturnType<typeof importFile>>;
    try {
      result = await importFile(store, parseJsonl(text, { maxDepth }), ctx.principal.owner);
    } catch (err) {
      if (err instanceof RecordingFormatError)
        throw errors.invalidValue('body', `Not a recording file: ${err.message}`);
      throw err;
    }
    // `duplicates`: runs the library already holds (the same file imported again), not added twice.
    sendJson(ctx, 200, { ids: result.ids, duplicates: result.duplicates });
  });

  route('GET', '/v1/recordings/:id', async (ctx) => sendJson(ctx, 200, await detail(ctx, idOf(ctx))));

  route('PATCH', '/v1/recordings/:id', async (ctx) => {
    const id = idOf(ctx);
    await detail(ctx, id);
    const badType = checkJsonContentType(ctx.req);
    if (badType) throw badType;
    const body = parseJson(await readBody(ctx.req, JSON_MAX_BYTES, ctx.out.requestBody), maxDepth) as Record<
      string,
      unknown
    > | null;
    if (typeof body !== 'object' || body === null) throw errors.invalidBody(typeof body);
    if ('name' in body) {
      if (body.name !== null && typeof body.name !== 'string') throw errors.invalidType('name', 'a string or null');
      await store.rename(id, body.name);
    }
    if ('tags' in body) {
      if (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))
        throw errors.invalidType('tags', 'an array of strings');
      await store.tag(id, body.tags as string[]);
    }
    sendJson(ctx, 200, await store.summary(id));
  });

  route('DELETE', '/v1/recordings/:id', async (ctx) => {
    const id = idOf(ctx);
    if (!(await store.remove(id, scope(ctx))))
      throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
    sendJson(ctx, 200, { id, object: 'recording.deleted', deleted: true });
  });

  route('GET', '/v1/recordings/:id/export', async (ctx) => {
    const id = idOf(ctx);
    const file = await sessionFile(store, id, scope(ctx));
    if (!file) throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
    const har = ctx.query.get('format') === 'har';
    const payload = har ? JSON.stringify(toHar(file)) : toJsonl(file);
    const { res } = ctx;
    res.writeHead(200, {
      ...ctx.headers,
      'content-type': har ? 'application/json' : 'application/x-ndjson',
      'content-disposition': attachment(`${id}.${har ? 'har' : 'jsonl'}`),
      'content-length': String(Buffer.byteLength(payload)),
    });
    res.end(payload);
  });

  route('POST', '/v1/recordings/:id/rerun', (ctx) => rerunRecording(ctx, service, options, maxDepth));
}
