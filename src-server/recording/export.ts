/** Between the recordings store and the file format: export a session, import a file. */
import type { RecordingStorage } from '../store/contract.js';
import type { RecordingDetail, RecordingSummary } from '../store/recordings-store.js';
import type { RecordedRequest, RecordedRun, RecordingFile } from '../shared/recording-format/format.js';

export function runFromDetail(d: RecordingDetail): RecordedRun {
  const request = (d.request ?? {}) as Partial<RecordedRequest>;
  return {
    id: d.id,
    sessionId: d.sessionId,
    requestId: d.requestId,
    responseId: d.responseId,
    createdAt: d.createdAt,
    name: d.name,
    tags: d.tags,
    status: d.status,
    httpStatus: d.httpStatus,
    model: d.model,
    durationMs: d.durationMs,
    toolsUsed: d.toolsUsed,
    textPreview: d.textPreview,
    truncated: d.truncated,
    requestKind: d.requestKind,
    inputPreview: d.inputPreview,
    rerunOf: d.rerunOf,
    request: {
      method: request.method ?? 'POST',
      path: request.path ?? '/v1/responses',
      headers: request.headers ?? {},
      body: request.body ?? null,
    },
    responseHeaders: d.responseHeaders,
    events: d.events.map((e) => ({
      seq: e.seq,
      offsetMs: e.offsetMs,
      type: e.type,
      data: typeof e.data === 'string' ? e.data : e.data.toString('utf8'),
    })),
    actions: d.actions.map((a) => ({ seq: a.seq, offsetMs: a.offsetMs, action: a.kind, data: a.data })),
  };
}

/**
 * Every run of the session `id` belongs to (`id` is a recording or a session id), oldest first.
 * With an owner, only that owner's runs (tenancy); undefined: every owner's.
 */
export async function sessionRuns(recordings: RecordingStorage, id: string, owner?: string): Promise<RecordedRun[]> {
  const own = await recordings.summary(id, owner);
  const sessionId = own ? own.sessionId : id;
  const ids =
    sessionId === null
      ? [id]
      : (await recordings.list({ sessionId, limit: 1000, owner })).data.map((r) => r.id).reverse();
  const runs: RecordedRun[] = [];
  for (const rid of ids) {
    const detail = await recordings.detail(rid, owner);
    if (detail) runs.push(runFromDetail(detail));
  }
  return runs;
}

export async function sessionFile(
  recordings: RecordingStorage,
  id: string,
  owner?: string,
): Promise<RecordingFile | null> {
  const runs = await sessionRuns(recordings, id, owner);
  if (runs.length === 0) return null;
  return { sessionId: runs[0].sessionId, exportedAt: new Date().toISOString(), runs };
}

/**
 * A file name stem for an id: characters outside `A-Za-z0-9._-` become `_`, leading dots are
 * dropped, at most 128 characters. Ids are validated on import (format.ts RECORDING_ID), but a
 * store written before that rule may hold anything: export never builds a path from a raw id.
 */
export function fileStemFor(id: string): string {
  const stem = id
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 128);
  return stem === '' ? 'session' : stem;
}

/** Every session in the store, each as the id of its oldest run. */
export async function allSessions(recordings: RecordingStorage): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = (await recordings.list({ limit: 1000, offset })).data;
    for (const r of page) {
      const key = r.sessionId ?? r.id;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r.id);
    }
    if (page.length < 1000) return out;
  }
}

/** What an import did: the new recording ids, and the runs that were already in the library. */
export interface ImportResult {
  ids: string[];
  /** Ids of runs skipped because the library already holds that very run (same id, same content). */
  duplicates: string[];
}

/** The same recorded run (`have` is the library's summary under its id): creation time, response id and every event's bytes. */
async function sameRun(
  recordings: RecordingStorage,
  have: RecordingSummary | null,
  run: RecordedRun,
): Promise<boolean> {
  if (!have || have.createdAt !== run.createdAt || have.responseId !== run.responseId) return false;
  if (have.eventCount !== run.events.length) return false;
  const detail = await recordings.detail(run.id);
  if (!detail) return false;
  return detail.events.every((e, i) => {
    const data = typeof e.data === 'string' ? e.data : e.data.toString('utf8');
    return data === run.events[i].data;
  });
}

/**
 * Adds a file's runs to the store. A run the library already holds (the same file imported
 * twice) is skipped and reported; a different run with a taken id gets a fresh id. A session
 * keeps its id so its runs stay linked. The runs belong to `owner` (tenancy; default:
 * anonymous), whoever recorded them first.
 */
export async function importFile(
  recordings: RecordingStorage,
  file: RecordingFile,
  owner?: string,
): Promise<ImportResult> {
  const ids: string[] = [];
  const duplicates: string[] = [];
  for (const run of file.runs) {
    const have = await recordings.summary(run.id);
    if (await sameRun(recordings, have, run)) {
      duplicates.push(run.id);
      continue;
    }
    const taken = have !== null;
    const id = recordings.start({
      ...(taken ? {} : { id: run.id }),
      requestId: run.requestId,
      responseId: run.responseId,
      sessionId: run.sessionId ?? file.sessionId,
      name: run.name,
      tags: run.tags,
      request: run.request,
      model: run.model,
      ...(owner === undefined ? {} : { owner }),
      requestKind: run.requestKind,
      inputPreview: run.inputPreview,
      rerunOf: run.rerunOf,
    });
    for (const e of run.events)
      recordings.appendEvent(id, { seq: e.seq, offsetMs: e.offsetMs, type: e.type, data: e.data });
    for (const a of run.actions) recordings.appendAction(id, { offsetMs: a.offsetMs, kind: a.action, data: a.data });
    await recordings.finish(id, {
      status: run.status,
      durationMs: run.durationMs ?? 0,
      httpStatus: run.httpStatus,
      responseHeaders: run.responseHeaders,
      toolsUsed: run.toolsUsed,
      textPreview: run.textPreview,
    });
    ids.push(id);
  }
  return { ids, duplicates };
}
