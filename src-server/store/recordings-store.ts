/**
 * Recordings of runs: the redacted request, summary fields for the library search, every event
 * with its offset and exact bytes, and the actions (tool outputs) submitted during the run.
 *
 * Write path: `appendEvent` only buffers; the buffer goes to the writer (recordings-writer.ts) once
 * per event-loop tick (`setImmediate`) as one transaction. By default the writer runs on this
 * thread with this connection; `useWriterThread()` (the gateway with `--record on` and a data dir)
 * moves it to a worker thread with its own connection, because the commits on the main thread
 * halved streaming throughput (docs/recording.md). Either way the streaming path never waits for
 * SQLite, and a process crash loses at most the batches not yet committed (the tick in flight;
 * with the thread, also a batch it has not finished, and under group commit — many recordings at
 * once, GROUP_COMMIT — the last `holdMs` of batches). Reads, `finishRecording` (without a thread)
 * and `close` flush first; with the thread, reads wait until it has committed what came before.
 *
 * Quota policy (`recordingsMaxBytes`, 0 = no limit; bytes = request JSON + event data + action
 * data): before a batch of events is written (and when a recording starts), the oldest finished
 * recordings are deleted until the new bytes fit. Recordings still in progress are never evicted;
 * when only they remain, an event that does not fit truncates its recording: that event and all
 * later ones are dropped, and the recording is kept with the flag `truncated` so the console can
 * say so. The total therefore never exceeds the quota by more than one request. Recordings left
 * `recording` by a crashed process are marked `interrupted` on open (`recoverInterrupted`), their
 * counters recomputed from their rows.
 */
import { performance } from 'node:perf_hooks';
import { createLogger, reportTo } from '../logging/logger.js';
import { newRecordingId } from '../ids/ids.js';
import type { Database } from 'better-sqlite3';
import { prepareStatements, toSummary, type Statements } from './recordings-sql.js';
import { WriterThread } from './recordings-writer-thread.js';
import {
  fromWriteError,
  RecordingsWriter,
  type PatchRow,
  type StartRow,
  type WriteOp,
  type WriteReport,
} from './recordings-writer.js';
import type { RecordingSummary } from '../shared/recording-format/format.js';
import type { RecordingStorage } from './contract.js';
import { ANONYMOUS_OWNER } from '../tenancy/owner.js';
import { requestSummary } from '../shared/recording-format/request-summary.js';

export interface RecordingMeta {
  /** Generated (`rec_…`) when omitted. */
  id?: string;
  requestId?: string | null;
  responseId?: string | null;
  /** Shared by the runs of one conversation (previous_response_id continuations, tool outputs). */
  sessionId?: string | null;
  /**
   * A shared engine (PostgreSQL): the response whose session this run belongs to although its
   * recording was not found (a tool-output submission that reached another instance before the
   * one running the response stored its id). The run starts in `sessionId` and is moved into the
   * session of the run that produced that response, of the same owner, as soon as both are in,
   * whichever is written first. The embedded engine, written by one process that knows its links
   * before it starts a run, ignores it.
   */
  joins?: string | null;
  name?: string | null;
  tags?: string[];
  /** The normalized request, already redacted by the caller. */
  request: unknown;
  model?: string | null;
  /** Owner id (tenancy, docs/state.md); default: anonymous. */
  owner?: string;
  /** Derived from the request when omitted (shared/recording-format/request-summary.ts). */
  requestKind?: 'response' | 'tool_outputs';
  inputPreview?: string | null;
  rerunOf?: string | null;
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
  /** Only this owner's recordings (tenancy); undefined lists every owner's. */
  owner?: string;
  limit?: number;
  offset?: number;
}

export interface RecordingsStoreOptions {
  maxBytes?: number;
  now?: () => number;
  /** A failed background write (the gateway passes its logger's; else an `error` JSON log line on stderr). */
  onError?: (err: unknown) => void;
  /** How often running recordings' counters are stored (default 1000 ms); they always are at finish and before reads. */
  countersEveryMs?: number;
  /**
   * Group commit with the writer thread (default `GROUP_COMMIT`): while at least `recordings`
   * recordings are being written, a batch goes to the thread at most every `holdMs`.
   */
  groupCommit?: { recordings: number; holdMs: number };
}

/**
 * Group commit (docs/recording.md#write-path): a commit of the writer thread costs about the same for
 * a few events as for hundreds (each dirty page is written whole), and paced streams put only a
 * few events into each event-loop tick. So while many recordings are being written at once, the
 * batches of several ticks go together; with few, every tick's batch goes at once, and a crash
 * loses at most the event in flight. Like PostgreSQL's `commit_delay` with `commit_siblings`.
 */
export const GROUP_COMMIT = { recordings: 8, holdMs: 25 } as const;

const TEXT_PREVIEW_CHARS = 500;
/** Longest search matched as a substring; longer ones match exact ids only. */
export const MAX_SEARCH_CHARS = 1000;

/** A whole number in [min, max]; `fallback` for anything else that is not a finite number. */
function wholeNumber(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(Math.max(Math.floor(value), min), max);
}

const byteLength = (data: string | Uint8Array): number =>
  typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;

/**
 * The embedded engine of recordings. Its synchronous methods are the SQLite module as it always
 * was (the CLI and the desktop shell use them); the RecordingStorage methods at the end are the
 * same calls answered as settled promises, which the gateway uses with either engine.
 */
export class RecordingsStore implements RecordingStorage {
  /** One process owns the file: nothing else writes this library. */
  readonly shared = false;
  private readonly stmt: Statements;
  /** Writes on this (the main) thread: in memory, and until useWriterThread() moved them. */
  private readonly writer: RecordingsWriter;
  private thread: WriterThread | null = null;
  /** A started writer thread that takes over once this thread's writer owes nothing. */
  private nextThread: WriterThread | null = null;
  private threadStarting: Promise<boolean> | undefined;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly countersEveryMs: number;
  /** Recordings this process is writing: next action seq and whether the quota stopped them. */
  private readonly active = new Map<string, { actionSeq: number; truncated: boolean }>();
  private pending: WriteOp[] = [];
  private scheduled: { cancel(): void } | undefined;
  /** performance.now() when the last batch went to the writer thread. */
  private postedAt = Number.NEGATIVE_INFINITY;
  private readonly groupCommit: { recordings: number; holdMs: number };
  /** Entries were written since the counters were last stored, or batches posted since the last wait. */
  private unsettled = false;
  private countersAt = Date.now();
  private closed = false;

  constructor(
    private readonly db: Database,
    options: RecordingsStoreOptions = {},
  ) {
    this.stmt = prepareStatements(db);
    this.maxBytes = Math.max(0, options.maxBytes ?? 0);
    this.now = options.now ?? Date.now;
    this.onError =
      options.onError ?? ((err: unknown) => reportTo(createLogger('error'))(err, 'a recording store write'));
    this.countersEveryMs = options.countersEveryMs ?? 1000;
    this.groupCommit = options.groupCommit ?? GROUP_COMMIT;
    this.writer = new RecordingsWriter(db, this.maxBytes);
  }

  /**
   * Moves the writes of recordings to a worker thread with its own connection to the database
   * file, so the streaming path never waits for SQLite (docs/recording.md, "Write path"). Writes
   * stay here until the thread is up (nothing blocks meanwhile); then reads and edits made here
   * wait for it to commit what was appended before them. Resolves false for an in-memory
   * database (a connection cannot be shared across threads) or when the thread cannot start.
   */
  useWriterThread(): Promise<boolean> {
    if (this.thread) return Promise.resolve(true);
    if (this.closed || this.db.memory) return Promise.resolve(false);
    this.threadStarting ??= WriterThread.start({ file: this.db.name, maxBytes: this.maxBytes }, (err) => {
      // The thread died: what it had not committed is lost; later writes happen here again.
      this.thread = null;
      this.nextThread = null;
      this.threadStarting = undefined;
      this.onError(err);
    }).then((thread) => {
      if (!thread) {
        this.threadStarting = undefined;
        return false;
      }
      if (this.closed) {
        thread.close([]);
        return false;
      }
      // Everything so far, counters included, is stored before the other connection takes over;
      // what a refused transaction left owed here (a full disk) too, at a later write.
      this.settle();
      if (this.writer.owes) this.nextThread = thread;
      else this.thread = thread;
      return true;
    });
    return this.threadStarting;
  }

  /**
   * Resolves once a writer thread that is still starting has started or failed; when the store was
   * closed meanwhile, that thread has closed its connection too. The thread opens the database
   * file as it starts, so a store that must be done with its files awaits this after close().
   */
  whenThreadSettled(): Promise<void> {
    return (this.threadStarting ?? Promise.resolve()).then(
      () => undefined,
      (err: unknown) => this.onError(err),
    );
  }

  /** Entries appended but not yet handed to the writer (held by group commit, or waiting for the tick's end). */
  get buffered(): number {
    return this.pending.length;
  }

  /** True while a writer thread does the writes. */
  get threaded(): boolean {
    return this.thread !== null;
  }

  startRecording(meta: RecordingMeta): string {
    const row = startRowOf(meta, this.now());
    const id = row.id;
    if (this.thread) {
      // Written with the tick's batch; a failure comes back in its report and stops the recording.
      // Counted as running first: group commit (GROUP_COMMIT) counts it when scheduling.
      this.active.set(id, { actionSeq: 0, truncated: false });
      this.pending.push({ op: 'start', row });
      this.schedule();
      return id;
    }
    const report = this.applyHere([{ op: 'start', row }], false);
    if (report.failedStarts.length > 0) throw fromWriteError(report.errors[0]);
    this.absorb(report);
    this.active.set(id, { actionSeq: 0, truncated: false });
    return id;
  }

  /** Buffers one event; false when the recording is not being written (finished, deleted, truncated). */
  appendEvent(id: string, event: RecordedEventInput): boolean {
    const state = this.active.get(id);
    if (!state || state.truncated) return false;
    this.pending.push(eventOp(id, event));
    this.schedule();
    return true;
  }

  /** Buffers an action (e.g. tool outputs submitted), ordered with the events around it. */
  appendAction(id: string, action: RecordedActionInput): boolean {
    const state = this.active.get(id);
    if (!state || state.truncated) return false;
    state.actionSeq += 1;
    this.pending.push(actionOp(id, state.actionSeq, action));
    this.schedule();
    return true;
  }

  /** The scheduled hand-over of the buffer (schedule()). */
  private readonly writeScheduled = (): void => {
    this.scheduled = undefined;
    try {
      this.writePending(false);
    } catch (err) {
      this.onError(err);
    }
  };

  private schedule(): void {
    if (this.scheduled) return;
    // Group commit (GROUP_COMMIT): with many recordings running, batches go at most every `holdMs`.
    const { recordings, holdMs } = this.groupCommit;
    const wait = this.thread && this.active.size >= recordings ? holdMs - (performance.now() - this.postedAt) : 0;
    if (wait > 0) {
      const timer = setTimeout(this.writeScheduled, wait);
      this.scheduled = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(this.writeScheduled);
      this.scheduled = { cancel: () => clearImmediate(immediate) };
    }
  }

  private unschedule(): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
  }

  /**
   * Hands the buffer to the writer: committed here, or posted to the thread (one message per
   * tick). Counters go along when asked or when `countersEveryMs` have passed.
   */
  private writePending(counters: boolean): WriteReport | null {
    this.unschedule();
    const due = counters || Date.now() - this.countersAt >= this.countersEveryMs;
    if (this.pending.length === 0 && !(due && this.unsettled)) return null;
    const batch = this.pending;
    this.pending = [];
    if (due) this.countersAt = Date.now();
    this.unsettled = !due || this.thread !== null;
    if (this.thread) {
      this.thread.post(batch, due);
      this.postedAt = performance.now();
      for (const report of this.thread.drain()) this.absorb(report);
      return null;
    }
    const report = this.applyHere(batch, due);
    this.absorb(report);
    return report;
  }

  /** Writes on this thread; a writer thread waiting for what was owed here takes over after. */
  private applyHere(ops: WriteOp[], counters: boolean): WriteReport {
    const report = this.writer.apply(ops, counters);
    if (this.nextThread && !this.writer.owes) {
      this.thread = this.nextThread;
      this.nextThread = null;
    }
    return report;
  }

  /** What the writer learned: truncations and failed starts stop appends; bad rows are reported. */
  private absorb(report: WriteReport): void {
    for (const id of report.truncated) {
      const state = this.active.get(id);
      if (state) state.truncated = true;
    }
    for (const id of report.failedStarts) this.active.delete(id);
    for (const e of report.errors) this.onError(fromWriteError(e));
  }

  /**
   * Read-your-writes: everything appended so far is committed and the counters are stored
   * (with a writer thread, this waits for it). Reads and edits made on this thread call it first.
   */
  private settle(): void {
    if (this.pending.length === 0 && !this.unsettled) return;
    this.writePending(true);
    if (this.thread) {
      this.thread.waitFor(this.thread.lastPosted);
      for (const report of this.thread.drain()) this.absorb(report);
    }
    this.unsettled = false;
  }

  /** Writes everything buffered (and waits for a writer thread to commit it); returns how many entries. */
  flush(): number {
    const n = this.pending.length;
    this.settle();
    return n;
  }

  /** Sets fields known after the start (response id, HTTP status and headers, model …). */
  updateRecording(id: string, patch: RecordingPatch): boolean {
    if (this.thread) this.settle();
    return this.stmt.patch.run(patchRow(id, patch, null, null)).changes > 0;
  }

  finishRecording(id: string, result: FinishRecordingInput): boolean {
    const row = patchRow(id, result, result.status, result.durationMs);
    const started = this.active.delete(id);
    if (this.thread && started) {
      // Its start row is on the way in the same ordered stream: the finish cannot miss it.
      this.pending.push({ op: 'finish', row });
      this.schedule();
      return true;
    }
    if (this.thread) {
      this.settle();
      return this.stmt.patch.run(row).changes > 0;
    }
    this.pending.push({ op: 'finish', row });
    return this.writePending(false)?.finished.includes(id) ?? false;
  }

  listRecordings(options: ListRecordingsOptions = {}): { data: RecordingSummary[]; total: number } {
    this.settle();
    const { limit, offset, ...params } = listQuery(options);
    return {
      data: this.stmt.list.all({ ...params, limit, offset }).map(toSummary),
      total: this.stmt.count.get(params)?.n ?? 0,
    };
  }

  /** The session of the newest recording of this owner that produced `responseId` (exact match), or null. */
  sessionOfNow(responseId: string, owner?: string): string | null {
    this.settle();
    return this.stmt.sessionOfResponse.get({ responseId, owner: owner ?? null })?.session_id ?? null;
  }

  /**
   * Tenancy: with an owner, another owner's recording is null, exactly like a missing one;
   * undefined sees every owner's (admins, the CLI, the store's own callers).
   */
  getSummary(id: string, owner?: string): RecordingSummary | null {
    this.settle();
    const row = this.stmt.summary.get({ id, owner: owner ?? null });
    return row ? toSummary(row) : null;
  }

  /** The owner id of a recording, or null when there is none with this id. */
  ownerOf(id: string): string | null {
    this.settle();
    return this.stmt.ownerOf.get(id)?.owner ?? null;
  }

  /** Events in seq order, a page at a time (a long recording need not sit in memory at once). */
  getEvents(id: string, options: { afterSeq?: number; limit?: number } = {}): RecordedEvent[] {
    this.settle();
    const rows = this.stmt.events.all(id, options.afterSeq ?? -1, options.limit ?? -1);
    return rows.map((r) => ({ seq: r.seq, offsetMs: r.offset_ms, type: r.type, data: r.data }));
  }

  getRecording(id: string, owner?: string): RecordingDetail | null {
    const summary = this.getSummary(id, owner);
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

  deleteRecording(id: string, owner?: string): boolean {
    if (owner !== undefined && this.ownerOf(id) !== owner) return false;
    this.active.delete(id);
    this.pending = this.pending.filter((p) => (p.op === 'start' || p.op === 'finish' ? p.row.id : p.id) !== id);
    // Its counters leave the writer's memory first (they count against the quota until stored).
    this.settle();
    return this.stmt.delete.run(id).changes > 0;
  }

  renameRecording(id: string, name: string | null): boolean {
    if (this.thread) this.settle();
    return this.stmt.rename.run(name, id).changes > 0;
  }

  tagRecording(id: string, tags: string[]): boolean {
    if (this.thread) this.settle();
    return this.stmt.tag.run(JSON.stringify(uniqueTags(tags)), id).changes > 0;
  }

  /** Marks recordings a previous process left open as `interrupted` (counters recomputed); returns how many. */
  recoverInterrupted(): number {
    if (this.thread) this.settle();
    return this.stmt.recover.run().changes;
  }

  stats(): { count: number; bytes: number } {
    this.settle();
    return this.stmt.totals.get() ?? { count: 0, bytes: 0 };
  }

  // RecordingStorage (contract.ts): the calls above, as the gateway uses them with either engine.
  start(meta: RecordingMeta): string {
    return this.startRecording(meta);
  }

  async update(id: string, patch: RecordingPatch): Promise<boolean> {
    return this.updateRecording(id, patch);
  }

  async finish(id: string, result: FinishRecordingInput): Promise<boolean> {
    return this.finishRecording(id, result);
  }

  async settled(): Promise<void> {
    this.settle();
  }

  async list(options?: ListRecordingsOptions): Promise<{ data: RecordingSummary[]; total: number }> {
    return this.listRecordings(options);
  }

  async summary(id: string, owner?: string): Promise<RecordingSummary | null> {
    return this.getSummary(id, owner);
  }

  async detail(id: string, owner?: string): Promise<RecordingDetail | null> {
    return this.getRecording(id, owner);
  }

  async events(id: string, options?: { afterSeq?: number; limit?: number }): Promise<RecordedEvent[]> {
    return this.getEvents(id, options);
  }

  async remove(id: string, owner?: string): Promise<boolean> {
    return this.deleteRecording(id, owner);
  }

  async rename(id: string, name: string | null): Promise<boolean> {
    return this.renameRecording(id, name);
  }

  async tag(id: string, tags: string[]): Promise<boolean> {
    return this.tagRecording(id, tags);
  }

  async sessionOf(responseId: string, owner?: string): Promise<string | null> {
    return this.sessionOfNow(responseId, owner);
  }

  async totals(): Promise<{ count: number; bytes: number }> {
    return this.stats();
  }

  /** Writes what is buffered (ending the writer thread); later appends are refused. */
  close(): void {
    this.nextThread?.close([]);
    this.nextThread = null;
    if (this.thread) {
      this.unschedule();
      const batch = this.pending;
      this.pending = [];
      const thread = this.thread;
      this.thread = null;
      for (const report of thread.close(batch)) this.absorb(report);
    } else {
      this.settle();
    }
    this.unsettled = false;
    this.closed = true;
    this.active.clear();
  }
}

/** The row a recording starts with (both engines): id generated when not given, summary fields derived. */
export function startRowOf(meta: RecordingMeta, createdAt: number): StartRow {
  const request = JSON.stringify(meta.request ?? null);
  const derived = requestSummary(meta.request);
  return {
    id: meta.id ?? newRecordingId(),
    request_id: meta.requestId ?? null,
    response_id: meta.responseId ?? null,
    session_id: meta.sessionId ?? null,
    created_at: createdAt,
    name: meta.name ?? null,
    tags: JSON.stringify(meta.tags ?? []),
    request,
    model: meta.model ?? null,
    bytes: Buffer.byteLength(request, 'utf8'),
    owner: meta.owner ?? ANONYMOUS_OWNER,
    request_kind: meta.requestKind ?? derived.requestKind,
    input_preview: meta.inputPreview !== undefined ? meta.inputPreview : derived.inputPreview,
    rerun_of: meta.rerunOf !== undefined ? meta.rerunOf : derived.rerunOf,
  };
}

/** The list options as both engines apply them: a search (substring or exact id), limit 1…1000 (50), offset. */
export function listQuery(options: ListRecordingsOptions): {
  session: string | null;
  owner: string | null;
  exact: string | null;
  like: string | null;
  limit: number;
  offset: number;
} {
  const search = options.search?.trim() || null;
  // SQLite refuses LIKE patterns over 50,000 bytes ("pattern too complex"): a longer search
  // matches exact ids only (no summary field holds that much text anyway).
  const substring = search !== null && search.length <= MAX_SEARCH_CHARS;
  return {
    session: options.sessionId ?? null,
    owner: options.owner ?? null,
    exact: search,
    like: substring ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
    limit: wholeNumber(options.limit, 50, 1, 1000),
    offset: wholeNumber(options.offset, 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Tags as stored: trimmed, empty ones dropped, each once. */
export const uniqueTags = (tags: string[]): string[] => [
  ...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0)),
];

/** What a buffered event is written as (both engines). */
export function eventOp(id: string, event: RecordedEventInput): WriteOp {
  const { seq, offsetMs, type, data } = event;
  return { op: 'event', id, bytes: byteLength(data), seq, offsetMs, type, data };
}

/** What a buffered action is written as (both engines): its data as JSON, `seq` counted per recording. */
export function actionOp(id: string, seq: number, action: RecordedActionInput): WriteOp {
  const data = JSON.stringify(action.data ?? null);
  return { op: 'action', id, bytes: byteLength(data), seq, offsetMs: action.offsetMs, kind: action.kind, data };
}

export function patchRow(
  id: string,
  patch: RecordingPatch,
  status: string | null,
  durationMs: number | null,
): PatchRow {
  return {
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
  };
}
