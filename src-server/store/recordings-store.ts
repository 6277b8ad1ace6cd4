/**
 * Recordings of runs: the redacted request, summary fields for the library search, every event
 * with its offset and exact bytes, and the actions (tool outputs) submitted during the run.
 *
 * Write path: `appendEvent` only buffers; the buffer is written in one transaction per event-loop
 * tick (`setImmediate`), so the streaming hot path never waits for SQLite and a process crash
 * loses at most the events of the tick in flight. `getRecording`, `finishRecording` and `close`
 * flush first.
 *
 * Quota policy (`recordingsMaxBytes`, 0 = no limit; bytes = request JSON + event data + action
 * data): before a batch of events is written (and when a recording starts), the oldest finished
 * recordings are deleted until the new bytes fit. Recordings still in progress are never evicted;
 * when only they remain, an event that does not fit truncates its recording: that event and all
 * later ones are dropped, and the recording is kept with the flag `truncated` so the console can
 * say so. The total therefore never exceeds the quota by more than one request. Recordings left `recording` by a crashed
 * process are marked `interrupted` on open (`recoverInterrupted`).
 */
import { randomBytes } from 'node:crypto';
import type { Database, Transaction } from 'better-sqlite3';
import { prepareStatements, toSummary, type Statements } from './recordings-sql.js';
import type { RecordingSummary } from '../recording/format.js';

export interface RecordingMeta {
  /** Generated (`rec_…`) when omitted. */
  id?: string;
  requestId?: string | null;
  responseId?: string | null;
  /** Shared by the runs of one conversation (previous_response_id continuations, tool outputs). */
  sessionId?: string | null;
  name?: string | null;
  tags?: string[];
  /** The normalized request, already redacted by the caller. */
  request: unknown;
  model?: string | null;
}

export interface RecordedEventInput {
  seq: number;
  offsetMs: number;
  type: string;
  /** The exact bytes written on the wire; a string is kept as text, bytes as a BLOB. */
  data: string | Uint8Array;
}

export interface RecordedActionInput {
  offsetMs: number;
  /** e.g. `tool_outputs`. */
  kind: string;
  data: unknown;
}

export interface RecordingPatch {
  responseId?: string | null;
  sessionId?: string | null;
  httpStatus?: number | null;
  responseHeaders?: Record<string, string> | null;
  model?: string | null;
  toolsUsed?: string[];
  textPreview?: string | null;
}

export interface FinishRecordingInput extends RecordingPatch {
  status: string;
  durationMs: number;
}

/** The summary type is isomorphic (the console reads it as JSON): defined beside the file format. */
export type { RecordingSummary };

export interface RecordedEvent {
  seq: number;
  offsetMs: number;
  type: string;
  data: string | Buffer;
}

export interface RecordedAction {
  seq: number;
  offsetMs: number;
  kind: string;
  data: unknown;
}

export interface RecordingDetail extends RecordingSummary {
  request: unknown;
  responseHeaders: Record<string, string> | null;
  events: RecordedEvent[];
  actions: RecordedAction[];
}

export interface ListRecordingsOptions {
  /** Case-insensitive substring of name, model, status, tags, tools, text preview; or an exact id. */
  search?: string;
  sessionId?: string;
  limit?: number;
  offset?: number;
}

export interface RecordingsStoreOptions {
  maxBytes?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

const TEXT_PREVIEW_CHARS = 500;

type Pending =
  | { kind: 'event'; id: string; bytes: number; event: RecordedEventInput }
  | { kind: 'action'; id: string; bytes: number; seq: number; offsetMs: number; actionKind: string; data: string };

const byteLength = (data: string | Uint8Array): number =>
  typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;

export class RecordingsStore {
  private readonly stmt: Statements;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  /** Recordings this process is writing: next action seq and whether the quota stopped them. */
  private readonly active = new Map<string, { actionSeq: number; truncated: boolean }>();
  private pending: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly flushTx: Transaction<(batch: Pending[]) => void>;

  constructor(
    private readonly db: Database,
    options: RecordingsStoreOptions = {},
  ) {
    this.stmt = prepareStatements(db);
    this.maxBytes = Math.max(0, options.maxBytes ?? 0);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((err: unknown) => console.error('recording store write failed', err));
    this.flushTx = db.transaction((batch: Pending[]) => this.writeBatch(batch));
  }

  startRecording(meta: RecordingMeta): string {
    const id = meta.id ?? `rec_${randomBytes(12).toString('hex')}`;
    const request = JSON.stringify(meta.request ?? null);
    this.db
      .transaction(() => {
        this.stmt.insert.run({
          id,
          request_id: meta.requestId ?? null,
          response_id: meta.responseId ?? null,
          session_id: meta.sessionId ?? null,
          created_at: this.now(),
          name: meta.name ?? null,
          tags: JSON.stringify(meta.tags ?? []),
          request,
          model: meta.model ?? null,
          bytes: Buffer.byteLength(request, 'utf8'),
        });
        // Its own request counts too: finished recordings make room for it.
        this.makeRoom(0);
      })
      .immediate();
    this.active.set(id, { actionSeq: 0, truncated: false });
    return id;
  }

  /** Buffers one event; false when the recording is not being written (finished, deleted, truncated). */
  appendEvent(id: string, event: RecordedEventInput): boolean {
    const state = this.active.get(id);
    if (!state || state.truncated) return false;
    this.pending.push({ kind: 'event', id, bytes: byteLength(event.data), event });
    this.schedule();
    return true;
  }

  /** Buffers an action (e.g. tool outputs submitted), ordered with the events around it. */
  appendAction(id: string, action: RecordedActionInput): boolean {
    const state = this.active.get(id);
    if (!state || state.truncated) return false;
    state.actionSeq += 1;
    const data = JSON.stringify(action.data ?? null);
    this.pending.push({
      kind: 'action',
      bytes: byteLength(data),
      id,
      seq: state.actionSeq,
      offsetMs: action.offsetMs,
      actionKind: action.kind,
      data,
    });
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      try {
        this.flush();
      } catch (err) {
        this.onError(err);
      }
    });
  }

  /** Writes everything buffered in one transaction; returns how many entries were written. */
  flush(): number {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.pending.length === 0) return 0;
    const batch = this.pending;
    this.pending = [];
    this.flushTx.immediate(batch);
    return batch.length;
  }

  private writeBatch(batch: Pending[]): void {
    let room = Number.POSITIVE_INFINITY;
    if (this.maxBytes > 0) room = this.makeRoom(batch.reduce((n, e) => n + e.bytes, 0));
    const growth = new Map<string, { bytes: number; events: number }>();
    for (const entry of batch) {
      const state = this.active.get(entry.id);
      if (!state || state.truncated) continue;
      if (entry.bytes > room) {
        // Only running recordings are left: this one stops growing instead of overrunning the quota.
        state.truncated = true;
        this.stmt.truncate.run(entry.id);
        continue;
      }
      try {
        if (entry.kind === 'event') {
          const e = entry.event;
          this.stmt.insertEvent.run(entry.id, e.seq, e.offsetMs, e.type, e.data);
        } else {
          this.stmt.insertAction.run(entry.id, entry.seq, entry.offsetMs, entry.actionKind, entry.data);
        }
      } catch (err) {
        // One bad row (a repeated seq) must not cost the rest of the batch; SQLite undid only it.
        this.onError(err);
        continue;
      }
      room -= entry.bytes;
      const g = growth.get(entry.id) ?? { bytes: 0, events: 0 };
      g.bytes += entry.bytes;
      if (entry.kind === 'event') g.events += 1;
      growth.set(entry.id, g);
    }
    for (const [id, g] of growth) this.stmt.grow.run(g.bytes, g.events, id);
  }

  /** Evicts the oldest finished recordings until `need` more bytes fit; returns the room left. */
  private makeRoom(need: number): number {
    if (this.maxBytes === 0) return Number.POSITIVE_INFINITY;
    for (;;) {
      const total = this.stmt.totals.get()?.bytes ?? 0;
      if (total + need <= this.maxBytes) return this.maxBytes - total;
      const victim = this.stmt.oldestFinished.get();
      if (!victim) return this.maxBytes - total;
      this.stmt.delete.run(victim.id);
    }
  }

  /** Sets fields known after the start (response id, HTTP status and headers, model …). */
  updateRecording(id: string, patch: RecordingPatch): boolean {
    return this.runPatch(id, patch, null, null);
  }

  finishRecording(id: string, result: FinishRecordingInput): boolean {
    this.flush();
    this.active.delete(id);
    return this.runPatch(id, result, result.status, result.durationMs);
  }

  private runPatch(id: string, patch: RecordingPatch, status: string | null, durationMs: number | null): boolean {
    return (
      this.stmt.patch.run({
        id,
        response_id: patch.responseId ?? null,
        session_id: patch.sessionId ?? null,
        http_status: patch.httpStatus ?? null,
        response_headers: patch.responseHeaders ? JSON.stringify(patch.responseHeaders) : null,
        model: patch.model ?? null,
        tools_used: patch.toolsUsed ? JSON.stringify(patch.toolsUsed) : null,
        text_preview: patch.textPreview == null ? null : patch.textPreview.slice(0, TEXT_PREVIEW_CHARS),
        status,
        duration_ms: durationMs,
      }).changes > 0
    );
  }

  listRecordings(options: ListRecordingsOptions = {}): { data: RecordingSummary[]; total: number } {
    this.flush();
    const search = options.search?.trim() || null;
    const params = {
      session: options.sessionId ?? null,
      exact: search,
      like: search === null ? null : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    };
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 50), 1), 1000);
    const offset = Math.max(Math.floor(options.offset ?? 0), 0);
    return {
      data: this.stmt.list.all({ ...params, limit, offset }).map(toSummary),
      total: this.stmt.count.get(params)?.n ?? 0,
    };
  }

  getSummary(id: string): RecordingSummary | null {
    const row = this.stmt.summary.get(id);
    return row ? toSummary(row) : null;
  }

  /** Events in seq order, a page at a time (a long recording need not sit in memory at once). */
  getEvents(id: string, options: { afterSeq?: number; limit?: number } = {}): RecordedEvent[] {
    this.flush();
    const rows = this.stmt.events.all(id, options.afterSeq ?? -1, options.limit ?? -1);
    return rows.map((r) => ({ seq: r.seq, offsetMs: r.offset_ms, type: r.type, data: r.data }));
  }

  getRecording(id: string): RecordingDetail | null {
    this.flush();
    const summary = this.getSummary(id);
    const detail = this.stmt.detail.get(id);
    if (!summary || !detail) return null;
    return {
      ...summary,
      request: JSON.parse(detail.request) as unknown,
      responseHeaders:
        detail.response_headers === null ? null : (JSON.parse(detail.response_headers) as Record<string, string>),
      events: this.getEvents(id),
      actions: this.stmt.actions.all(id).map((r) => ({
        seq: r.seq,
        offsetMs: r.offset_ms,
        kind: r.kind,
        data: JSON.parse(r.data) as unknown,
      })),
    };
  }

  deleteRecording(id: string): boolean {
    this.active.delete(id);
    this.pending = this.pending.filter((p) => p.id !== id);
    return this.stmt.delete.run(id).changes > 0;
  }

  renameRecording(id: string, name: string | null): boolean {
    return this.stmt.rename.run(name, id).changes > 0;
  }

  tagRecording(id: string, tags: string[]): boolean {
    const unique = [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
    return this.stmt.tag.run(JSON.stringify(unique), id).changes > 0;
  }

  /** Marks recordings a previous process left open as `interrupted`; returns how many. */
  recoverInterrupted(): number {
    return this.stmt.recover.run().changes;
  }

  stats(): { count: number; bytes: number } {
    return this.stmt.totals.get() ?? { count: 0, bytes: 0 };
  }

  /** Writes what is buffered; later appends are refused. */
  close(): void {
    this.flush();
    this.active.clear();
  }
}
