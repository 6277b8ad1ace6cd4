/**
 * `POST /v1/recordings/{id}/rerun` (docs/recording.md): sends a recorded session again to a
 * configured target and diffs the new runs with the recorded ones.
 *
 * The body names a target id, `{"target": "self"}` (the default) or one the host configured
 * (the desktop app: a backend profile's gateway). The URL is never taken from the request — not
 * from a `baseUrl` field and not from the `Host` header — so recorded prompts go only to servers
 * the user configured: "self" is this gateway's own listening address, and a re-run there acts as
 * the caller (its `Authorization` is passed on, so the new runs are the caller's too).
 */
import { errors, isGatewayError } from '../shared/protocol/errors.js';
import { importFile, sessionRuns } from '../recording/export.js';
import { rerunSession, SELF_TARGET, type RerunTarget, type RerunTargetResolver } from '../recording/rerun.js';
import type { RecordingService } from '../recording/service.js';
import { ownerScope } from '../tenancy/owner.js';
import { checkJsonContentType, parseJson, readBody } from './body.js';
import { sendJson, type RequestContext } from './respond.js';

export interface RerunDeps {
  /** This gateway's own URL, from its listening address (never from a request). */
  selfUrl: () => string;
  /** Targets the host configured; absent: only "self". */
  targets?: RerunTargetResolver;
}

const BODY_MAX_BYTES = 64 * 1024;
/** Request headers a re-run on this gateway passes on: the caller's credentials. */
const CALLER_HEADERS = ['authorization', 'api-key'] as const;

export async function rerunRecording(
  ctx: RequestContext,
  service: RecordingService,
  deps: RerunDeps,
  maxDepth: number,
): Promise<void> {
  const id = ctx.params.id ?? '';
  const owner = ownerScope(ctx.principal);
  if (!(await service.recordings.summary(id, owner)))
    throw errors.notFound(`No recording with id '${id}'.`, 'recording_not_found');
  const badType = checkJsonContentType(ctx.req);
  if (badType) throw badType;
  const raw = await readBody(ctx.req, BODY_MAX_BYTES, ctx.out.requestBody);
  const body = raw.length === 0 ? {} : parseJson(raw, maxDepth);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalidBody(typeof body);
  for (const field of Object.keys(body)) {
    if (field === 'baseUrl' || field === 'headers')
      throw errors.unsupportedParameter(field, 'Name a configured target instead: {"target": "<id>"}.');
    if (field !== 'target') throw errors.unknownParameter(field);
  }
  const name = (body as { target?: unknown }).target ?? SELF_TARGET;
  if (typeof name !== 'string') throw errors.invalidType('target', 'a string');
  const target = await resolveTarget(ctx, name, deps);

  let result: Awaited<ReturnType<typeof rerunSession>>;
  try {
    result = await rerunSession(await sessionRuns(service.recordings, id, owner), target);
  } catch (err) {
    if (isGatewayError(err)) throw err;
    throw errors.rerunTargetFailed(
      name,
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
    );
  }
  // On this gateway (or a profile gateway recording into this library) the recorder already
  // keeps the new runs; elsewhere they are stored here.
  const recorded = name === SELF_TARGET || target.recordsHere === true;
  const stored =
    !recorded || service.recorder === null
      ? (
          await importFile(
            service.recordings,
            { sessionId: result.runs[0]?.sessionId ?? null, exportedAt: '', runs: result.runs },
            ctx.principal.owner,
          )
        ).ids
      : [];
  sendJson(ctx, 200, { runs: result.runs.map((r) => r.id), stored, diffs: result.diffs });
}

async function resolveTarget(ctx: RequestContext, name: string, deps: RerunDeps): Promise<RerunTarget> {
  if (name === SELF_TARGET) {
    const headers: Record<string, string> = {};
    for (const h of CALLER_HEADERS) {
      const v = ctx.req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    return { baseUrl: deps.selfUrl(), headers };
  }
  const target = deps.targets ? await deps.targets.resolve(name) : null;
  if (!target) {
    const known = [SELF_TARGET, ...(deps.targets?.ids() ?? [])].map((t) => `'${t}'`).join(', ');
    throw errors.invalidValue('target', `Unknown re-run target '${name.slice(0, 200)}': expected one of ${known}.`);
  }
  return target;
}
