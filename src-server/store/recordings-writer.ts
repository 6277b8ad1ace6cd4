/**
 * The write side of the recordings store: applies a batch of appends (recording starts, events,
 * actions, finishes) in one SQLite transaction, with the quota policy of recordings-store.ts.
 * It runs on whichever thread owns the connection: the main thread (synchronous mode) or the
 * writer thread (recordings-writer-worker.ts), so it holds no state the other side needs to read
 * synchronously; what the store must learn (a recording truncated, a start that failed, a bad row)
 * comes back in the batch's report.
 *
 * Per-recording counters (`bytes`, `event_count`) are kept here in memory and written when the
 * recording finishes, when the caller asks (before reads, periodically): updating them on every
 * commit cost two extra row updates (the row and the totals trigger) per commit. After a crash,
 * `recoverInterrupted` recomputes them from the rows, so they never stay wrong.
 */
import type { Database, Transaction } from 'better-sqlite3';
import { prepareStatements, type Statements } from './recordings-sql.js';

export interface StartRow {
  id: string;
  request_id: string | null;
  response_id: string | null;
  session_id: string | null;
  created_at: number;
  name: string | null;
  tags: string;
  request: string;
  model: string | null;
  bytes: number;
  /** Owner id (tenancy, docs/state.md). */
  owner: string;
  request_kind: string;
  input_preview: string | null;
  rerun_of: string | null;
  /** The response whose session the run is to join (RecordingMeta.joins; PostgreSQL only). */
  joins?: string | null;
}

export interface PatchRow {
  id: string;
  response_id: string | null;
  session_id: string | null;
  http_status: number | null;
  response_headers: string | null;
  model: string | null;
  tools_used: string | null;
  text_preview: string | null;
  status: string | null;
  duration_ms: number | null;
}

/** One entry of a batch; plain data, so it crosses to the writer thread by structured clone. */
export type WriteOp =
  | { op: 'start'; row: StartRow }
  | {
      op: 'event';
      id: string;
      bytes: number;
      seq: number;
      offsetMs: number;
      type: string;
      data: string | Uint8Array;
    }
  | { op: 'action'; id: string; bytes: number; seq: number; offsetMs: number; kind: string; data: string }
  | { op: 'finish'; row: PatchRow };

/** Error fields that survive the thread boundary (an Error's own `code` would not). */
export interface WriteError {
  name: string;
  message: string;
  code?: string;
}

export interface WriteReport {
  /** Recordings the quota stopped in this batch. */
  truncated: string[];
  /** Recordings whose start row could not be written (later appends must be refused). */
  failedStarts: string[];
  /** Finished recordings whose row existed (the finish changed it). */
  finished: string[];
  errors: WriteError[];
}

export const emptyReport = (): WriteReport => ({ truncated: [], failedStarts: [], finished: [], errors: [] });

export function toWriteError(err: unknown): WriteError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** Back to an Error on the store's side, `code` included (SQLite's constraint codes). */
export function fromWriteError(e: WriteError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}

/**
 * What a batch the database refused as a whole (nothing of it written) leaves, for either store:
 * the recordings it started failed; the others lost their entries in it (they stop there,
 * truncated: what they keep is a prefix of what was sent), and the finishes in it of recordings it
 * did not start are owed to the next write. `finishes` lists every finish of the batch.
 */
export function refusedBatch(ops: WriteOp[]): {
  failedStarts: Set<string>;
  lostEntries: Set<string>;
  finishes: PatchRow[];
} {
  const failedStarts = new Set<string>();
  for (const o of ops) if (o.op === 'start') failedStarts.add(o.row.id);
  const lostEntries = new Set<string>();
  const finishes: PatchRow[] = [];
  for (const o of ops) {
    if (o.op === 'finish') finishes.push(o.row);
    else if (o.op !== 'start' && !failedStarts.has(o.id)) lostEntries.add(o.id);
  }
  return { failedStarts, lostEntries, finishes };
}

export class RecordingsWriter {
  private readonly stmt: Statements;
  /** Bytes and events written since the recording's counters were last stored. */
  private readonly growth = new Map<string, { bytes: number; events: number }>();
  private unwritten = 0;
  /** Recordings the quota stopped: their later entries are dropped. Forgotten when they finish. */
  private readonly truncated = new Set<string>();
  /** Integer keys of the recordings being written (the event rows' key). */
  private readonly keys = new Map<string, number>();
  /** Truncation flags and finishes of a failed transaction, written with the next one. */
  private readonly owedTruncations = new Set<string>();
  private readonly owedFinishes = new Map<string, PatchRow>();
  private readonly tx: Transaction<(ops: WriteOp[], counters: boolean, report: WriteReport) => void>;

  constructor(
    private readonly db: Database,
    private readonly maxBytes: number,
  ) {
    this.stmt = prepareStatements(db);
    this.tx = db.transaction((ops: WriteOp[], counters: boolean, report: WriteReport) =>
      this.applyInTx(ops, counters, report),
    );
  }

  /** True while truncation flags or finishes of a refused transaction wait for the next one. */
  get owes(): boolean {
    return this.owedTruncations.size + this.owedFinishes.size > 0;
  }

  /** Writes a batch in one IMMEDIATE transaction; `counters` also stores every pending counter. */
  apply(ops: WriteOp[], counters: boolean): WriteReport {
    const report = emptyReport();
    if (ops.length === 0 && !this.owes && (!counters || this.growth.size === 0)) return report;
    try {
      this.tx.immediate(ops, counters, report);
      this.owedTruncations.clear();
      this.owedFinishes.clear();
    } catch (err) {
      // The whole transaction was undone (the database stayed locked, the disk is full): nothing
      // of it is kept, and what this writer remembers of it is forgotten too.
      this.growth.clear();
      this.unwritten = 0;
      report.truncated = [];
      report.finished = [];
      report.failedStarts = [];
      report.errors.push(toWriteError(err));
      this.undo(ops, report);
    }
    return report;
  }

  /**
   * After a failed transaction: its starts failed (their keys, rolled back, may be given to the
   * next recording); a recording that lost events stops there, truncated, so that what it keeps
   * is a prefix of what was sent; its finish is owed. What is owed goes with the next batch.
   */
  private undo(ops: WriteOp[], report: WriteReport): void {
    const { failedStarts, lostEntries, finishes } = refusedBatch(ops);
    for (const id of failedStarts) {
      // Its entries still on the way are dropped until its finish (which changes nothing).
      this.keys.delete(id);
      this.truncated.add(id);
      report.failedStarts.push(id);
    }
    for (const id of lostEntries) {
      if (this.truncated.has(id)) continue;
      this.truncated.add(id);
      this.owedTruncations.add(id);
      report.truncated.push(id);
    }
    for (const row of finishes) {
      this.keys.delete(row.id);
      this.truncated.delete(row.id);
      if (!failedStarts.has(row.id)) this.owedFinishes.set(row.id, row);
    }
  }

  private applyInTx(ops: WriteOp[], counters: boolean, report: WriteReport): void {
    // What an earlier failed transaction left owed, first (a row already gone changes nothing).
    for (const id of this.owedTruncations) this.stmt.truncate.run(id);
    for (const row of this.owedFinishes.values()) this.stmt.patch.run(row);
    let need = 0;
    for (const o of ops) if (o.op === 'event' || o.op === 'action') need += o.bytes;
    let room = this.makeRoom(need);
    for (const o of ops) {
      if (o.op === 'start') {
        try {
          const inserted = this.stmt.insert.get(o.row);
          if (inserted) this.keys.set(o.row.id, inserted.key);
        } catch (err) {
          this.rowFailed(err);
          report.failedStarts.push(o.row.id);
          report.errors.push(toWriteError(err));
          continue;
        }
        // Its own request counts too: finished recordings make room for it (and what follows).
        room = this.makeRoom(need);
        continue;
      }
      if (o.op === 'finish') {
        this.storeCounters(o.row.id);
        this.truncated.delete(o.row.id);
        this.keys.delete(o.row.id);
        if (this.stmt.patch.run(o.row).changes > 0) report.finished.push(o.row.id);
        continue;
      }
      need -= o.bytes;
      if (this.truncated.has(o.id)) continue;
      if (o.bytes > room) {
        // Only running recordings are left: this one stops growing instead of overrunning the quota.
        this.truncated.add(o.id);
        this.stmt.truncate.run(o.id);
        report.truncated.push(o.id);
        continue;
      }
      try {
        if (o.op === 'event') this.stmt.insertEvent.run(this.keyOf(o.id), o.seq, o.offsetMs, o.type, o.data);
        else this.stmt.insertAction.run(o.id, o.seq, o.offsetMs, o.kind, o.data);
      } catch (err) {
        // One bad row (a repeated seq) must not cost the rest of the batch; SQLite undid only it.
        this.rowFailed(err);
        report.errors.push(toWriteError(err));
        continue;
      }
      room -= o.bytes;
      this.unwritten += o.bytes;
      const g = this.growth.get(o.id);
      if (g) {
        g.bytes += o.bytes;
        if (o.op === 'event') g.events += 1;
      } else {
        this.growth.set(o.id, { bytes: o.bytes, events: o.op === 'event' ? 1 : 0 });
      }
    }
    if (counters) for (const id of [...this.growth.keys()]) this.storeCounters(id);
  }

  /**
   * A row SQLite refused: a constraint undoes that statement alone, and the batch goes on. Anything
   * else (a full disk) may have rolled the whole transaction back, and what followed would be
   * committed statement by statement: the batch fails as a whole instead.
   */
  private rowFailed(err: unknown): void {
    const code = (err as { code?: unknown }).code;
    if (!this.db.inTransaction || typeof code !== 'string' || !code.startsWith('SQLITE_CONSTRAINT')) throw err;
  }

  /** The recording's integer key; one started by another writer (before a thread took over) is looked up. */
  private keyOf(id: string): number {
    let key = this.keys.get(id);
    if (key === undefined) {
      key = this.stmt.keyOf.get(id)?.key;
      // As the foreign key did before: an event needs its recording.
      if (key === undefined) throw new Error(`No recording ${id} to add an event to.`);
      this.keys.set(id, key);
    }
    return key;
  }

  private storeCounters(id: string): void {
    const g = this.growth.get(id);
    if (!g) return;
    this.growth.delete(id);
    this.unwritten -= g.bytes;
    this.stmt.grow.run(g.bytes, g.events, id);
  }

  /** Evicts the oldest finished recordings until `need` more bytes fit; returns the room left. */
  private makeRoom(need: number): number {
    if (this.maxBytes === 0) return Number.POSITIVE_INFINITY;
    for (;;) {
      // Bytes written but not yet in the counters count as stored.
      const total = (this.stmt.totals.get()?.bytes ?? 0) + this.unwritten;
      if (total + need <= this.maxBytes) return this.maxBytes - total;
      const victim = this.stmt.oldestFinished.get();
      if (!victim) return this.maxBytes - total;
      this.stmt.delete.run(victim.id);
    }
  }
}
