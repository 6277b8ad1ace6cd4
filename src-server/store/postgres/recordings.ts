/**
 * Recordings on PostgreSQL: the rules of ../recordings-store.ts (summaries, exact event bytes,
 * actions, quota eviction and truncation, tenancy) on the shared database, so a recording made
 * through one instance is listed, served, exported and replayed by every other.
 *
 * Write path, as on SQLite: `start`, `appendEvent` and `appendAction` only buffer; once per
 * event-loop tick the buffer is written in one transaction with one INSERT per table (the
 * events of every recording in the batch go in as arrays through `unnest`), and the counters of
 * the recordings it touched are updated by the same statement. Batches are written one after
 * the other (what is appended while one is written goes next, as one batch), so a recording's
 * start row is always in before its events. A failed batch is reported to onError and costs only
 * itself; nothing reaches the request, and no recording stays `recording` after its request
 * ended. Lost with the server (away: its commit may have gone through), its recordings are written
 * no further and marked `interrupted` once the server answers again. Refused (a full disk: the
 * server holds nothing of it), the recordings it started are written no further, the others stop
 * at what was written before, truncated, and its finishes and truncation flags go with the next
 * write. Either is tried again until it is in (after 250 ms, doubling up to every 5 s; once more
 * on close), without waiting for another recording's events.
 *
 * Quota (`--recordings-max-bytes`): under an advisory lock (instances take turns), the oldest
 * finished recordings are deleted until the batch fits; when only running ones remain, an event
 * that does not fit truncates its recording (flag `truncated`, later entries dropped).
 *
 * Session joins (RecordingMeta.joins): a run started to join the session of a response whose
 * run is not linked yet (another instance is recording it and has not stored its response id)
 * keeps the response's id in `joins`. It is moved into that run's session by whichever write
 * comes second: its own start, which looks for the link, or the link (`update` with the response
 * id), which moves the runs waiting for it. Both take the response's advisory lock first, so when
 * they run at the same time the second sees what the first committed. Locks are taken in one
 * order everywhere (RECORDING_LOCKS): a response's, the quota's, then rows.
 */
import type { Pool, PoolClient } from 'pg';
import type { RecordingStorage } from '../contract.js';
import {
  actionOp,
  eventOp,
  listQuery,
  patchRow,
  startRowOf,
  uniqueTags,
  type FinishRecordingInput,
  type ListRecordingsOptions,
  type RecordedActionInput,
  type RecordedEvent,
  type RecordedEventInput,
  type RecordingDetail,
  type RecordingMeta,
  type RecordingPatch,
  type RecordingSummary,
} from '../recordings-store.js';
import { toSummary, type SummaryRow } from '../recordings-sql.js';
import { refusedBatch, type PatchRow, type StartRow, type WriteOp } from '../recordings-writer.js';
import { isGatewayError } from '../../shared/protocol/errors.js';
import { inTransaction, queryRows } from './pool.js';
import { storeRetryDelayMs } from '../retry-delay.js';

export interface PostgresRecordingsOptions {
  /** Most bytes of recordings in the database (0 = no limit). */
  maxBytes?: number;
  /** This instance: the recordings it is writing carry its id until they finish. */
  instanceId: string;
  now?: () => number;
  /** A failed background write (the gateway logs it). */
  onError: (err: unknown) => void;
}

/**
 * Advisory locks. Quota checks of recordings are serialized across instances with `quota`
 * ("recquo"); session joins (RecordingMeta.joins) of one response with (`joins`, hashtext(its
 * id)), a key space of two 32-bit keys, apart from `quota`'s. Every transaction takes them in
 * this order, joins, quota, before any row: none waits for a lock while holding a later one.
 */
export const RECORDING_LOCKS = { quota: 0x72656371756f, joins: 0x726a6f69 } as const;
/** The runs of the same owner that produced the response `f.joins` names (the newest is joined). */
const PRODUCER_OF_JOINED = `p.response_id = f.joins AND p.owner = f.owner AND p.request_kind = 'response'
  AND p.joins IS NULL AND p.session_id IS NOT NULL`;
const OWNED = '($2::text IS NULL OR owner = $2)';
const SUMMARY_COLUMNS = `id, request_id, response_id, session_id, created_at, name, tags, status, http_status,
  model, duration_ms, tools_used, text_preview, truncated, event_count, bytes, request_kind, input_preview, rerun_of`;
/** The list filters of ../recordings-sql.ts, parameters $1 session, $2 owner, $3 exact, $4 like. */
const MATCHES = `($1::text IS NULL OR session_id = $1) AND ${OWNED}
  AND ($3::text IS NULL OR id = $3 OR response_id = $3 OR request_id = $3 OR rerun_of = $3
       OR ($4::text IS NOT NULL AND (name ILIKE $4 OR model ILIKE $4 OR status ILIKE $4 OR tags ILIKE $4
         OR tools_used ILIKE $4 OR text_preview ILIKE $4 OR input_preview ILIKE $4)))`;

type PgSummaryRow = Omit<SummaryRow, 'created_at' | 'bytes' | 'truncated'> & {
  created_at: string;
  bytes: string;
  truncated: boolean;
};

const summaryOf = (row: PgSummaryRow): RecordingSummary =>
  toSummary({ ...row, created_at: Number(row.created_at), bytes: Number(row.bytes), truncated: row.truncated ? 1 : 0 });

type Entry = Extract<WriteOp, { op: 'event' | 'action' }>;

interface Batch {
  ops: WriteOp[];
  /** Resolvers of `finish` calls whose finish is in this batch. */
  finished: Map<string, (ok: boolean) => void>;
  /** Resolves once the batch is written (or reported). */
  done: Promise<void>;
  written: () => void;
}

function newBatch(): Batch {
  let written = (): void => undefined;
  const done = new Promise<void>((resolve) => (written = resolve));
  return { ops: [], finished: new Map(), done, written };
}

export class PostgresRecordings implements RecordingStorage {
  /** Every instance of the gateway writes the same library. */
  readonly shared = true;
  private readonly maxBytes: number;
  private readonly now: () => number;
  /** Recordings this instance is writing: next action seq and whether the quota stopped them. */
  private readonly active = new Map<string, { actionSeq: number; truncated: boolean }>();
  private pending: Batch = newBatch();
  private scheduled: NodeJS.Immediate | undefined;
  /** The batch being written; what is appended meanwhile waits in `pending` and goes next, as one batch. */
  private writing: Batch | null = null;
  private closed = false;
  /** Recordings cut short by a batch lost with the server (away), to be marked `interrupted`. */
  private readonly cut = new Set<string>();
  /** Truncation flags and finishes of a batch the server refused (a full disk): for the next. */
  private readonly owedTruncations = new Set<string>();
  private readonly owedFinishes = new Map<string, PatchRow>();
  /** The next try at what failed batches left (repair), and the one running. */
  private repairTimer: NodeJS.Timeout | undefined;
  private repairing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresRecordingsOptions,
  ) {
    this.maxBytes = Math.max(0, options.maxBytes ?? 0);
    this.now = options.now ?? Date.now;
  }

  /** Recordings this instance left open when it stopped (same instance id) are marked `interrupted`. */
  async recoverInterrupted(): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.pool,
      "UPDATE recordings SET status = 'interrupted', instance_id = NULL WHERE status = 'recording' AND instance_id = $1 RETURNING id",
      [this.options.instanceId],
    );
    return rows.length;
  }

  start(meta: RecordingMeta): string {
    if (this.closed) throw new Error('The recordings store is closed.');
    const row: StartRow = { ...startRowOf(meta, this.now()), joins: meta.joins ?? null };
    this.pending.ops.push({ op: 'start', row });
    this.active.set(row.id, { actionSeq: 0, truncated: false });
    this.schedule();
    return row.id;
  }

  appendEvent(id: string, event: RecordedEventInput): boolean {
    const state = this.active.get(id);
    if (!state || state.truncated) return false;
    this.pending.ops.push(eventOp(id, event));
    this.schedule();
    return true;
  }

  appendAction(id: string, action: RecordedActionInput): boolean {
    const state = this.active.get(id);
    if (!state || state.truncated) return false;
    state.actionSeq += 1;
    this.pending.ops.push(actionOp(id, state.actionSeq, action));
    this.schedule();
    return true;
  }

  async update(id: string, patch: RecordingPatch): Promise<boolean> {
    await this.settled();
    const row = patchRow(id, patch, null, null);
    const responseId = row.response_id;
    if (responseId === null) return (await this.patch([row], this.pool)).length > 0;
    // A response linked to its run: the runs started to join its session (RecordingMeta.joins)
    // are moved into it in the same transaction. Under the response's lock, taken first (no row
    // is held while it waits), a joining start written at the same time on another instance is
    // either seen here or sees this link once it is committed. The joining runs' rows are taken
    // before this run's (a batch evicting finished runs meets them in that order too).
    return inTransaction(this.pool, async (client) => {
      await lockJoins(client, [responseId]);
      await client.query(
        `UPDATE recordings f SET session_id = p.session_id, joins = NULL
          FROM recordings p WHERE p.id = $1 AND f.joins = $2 AND p.owner = f.owner
            AND p.request_kind = 'response' AND p.joins IS NULL AND p.session_id IS NOT NULL`,
        [id, responseId],
      );
      return (await this.patch([row], client)).length > 0;
    });
  }

  finish(id: string, result: FinishRecordingInput): Promise<boolean> {
    const row = patchRow(id, result, result.status, result.durationMs);
    // Lost with a batch the server may hold: it ends `interrupted` (markCut), whatever its request
    // became.
    if (this.cut.has(id)) return Promise.resolve(false);
    if (!this.active.delete(id))
      return this.settled().then(async () => (await this.patch([row], this.pool)).length > 0);
    // Its start row is in this batch or an earlier one: the finish cannot miss it.
    const done = new Promise<boolean>((resolve) => this.pending.finished.set(id, resolve));
    this.pending.ops.push({ op: 'finish', row });
    this.schedule();
    return done;
  }

  /** Writes the buffer now and resolves once everything appended so far is written (or reported). */
  settled(): Promise<void> {
    if (this.pending.ops.length === 0) return this.writing?.done ?? Promise.resolve();
    const { done } = this.pending;
    this.writePending();
    return done;
  }

  async list(options: ListRecordingsOptions = {}): Promise<{ data: RecordingSummary[]; total: number }> {
    await this.settled();
    const q = listQuery(options);
    const params = [q.session, q.owner, q.exact, q.like];
    const [rows, count] = await Promise.all([
      queryRows<PgSummaryRow>(
        this.pool,
        `SELECT ${SUMMARY_COLUMNS} FROM recordings WHERE ${MATCHES} ORDER BY created_at DESC, seq DESC LIMIT $5 OFFSET $6`,
        [...params, q.limit, q.offset],
      ),
      queryRows<{ n: string }>(this.pool, `SELECT count(*) AS n FROM recordings WHERE ${MATCHES}`, params),
    ]);
    return { data: rows.map(summaryOf), total: Number(count[0]?.n ?? 0) };
  }

  async summary(id: string, owner?: string): Promise<RecordingSummary | null> {
    await this.settled();
    const rows = await queryRows<PgSummaryRow>(
      this.pool,
      `SELECT ${SUMMARY_COLUMNS} FROM recordings WHERE id = $1 AND ${OWNED}`,
      [id, owner ?? null],
    );
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  async detail(id: string, owner?: string): Promise<RecordingDetail | null> {
    await this.settled();
    // One snapshot: the summary, its events and actions as of the same moment.
    return inTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const rows = await queryRows<PgSummaryRow & { request: string; response_headers: string | null }>(
        client,
        `SELECT ${SUMMARY_COLUMNS}, request, response_headers FROM recordings WHERE id = $1 AND ${OWNED}`,
        [id, owner ?? null],
      );
      const row = rows[0];
      if (!row) return null;
      const actions = await queryRows<{ seq: number; offset_ms: number; kind: string; data: string }>(
        client,
        'SELECT seq, offset_ms, kind, data FROM recording_actions WHERE recording_id = $1 ORDER BY seq',
        [id],
      );
      const { request, response_headers: headers, ...summary } = row;
      return {
        ...summaryOf(summary),
        request: JSON.parse(request) as unknown,
        responseHeaders: headers === null ? null : (JSON.parse(headers) as Record<string, string>),
        events: await this.eventRows(client, id, -1, null),
        actions: actions.map((a) => ({
          seq: a.seq,
          offsetMs: a.offset_ms,
          kind: a.kind,
          data: JSON.parse(a.data) as unknown,
        })),
      };
    });
  }

  async events(id: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    await this.settled();
    const limit = options.limit === undefined || options.limit < 0 ? null : options.limit;
    return this.eventRows(this.pool, id, options.afterSeq ?? -1, limit);
  }

  private async eventRows(on: Pool | PoolClient, id: string, afterSeq: number, limit: number | null) {
    const rows = await queryRows<{ seq: number; offset_ms: number; type: string; data: Buffer; is_text: boolean }>(
      on,
      `SELECT seq, offset_ms, type, data, is_text FROM recording_events
        WHERE recording_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [id, afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: r.seq,
      offsetMs: r.offset_ms,
      type: r.type,
      data: r.is_text ? r.data.toString('utf8') : r.data,
    }));
  }

  async remove(id: string, owner?: string): Promise<boolean> {
    // What was buffered is written first and deleted with the rest; later batches skip its rows.
    await this.settled();
    const rows = await queryRows(this.pool, `DELETE FROM recordings WHERE id = $1 AND ${OWNED} RETURNING id`, [
      id,
      owner ?? null,
    ]);
    if (rows.length === 0) return false;
    this.active.delete(id);
    return true;
  }

  async rename(id: string, name: string | null): Promise<boolean> {
    await this.settled();
    return (
      (await queryRows(this.pool, 'UPDATE recordings SET name = $2 WHERE id = $1 RETURNING id', [id, name])).length > 0
    );
  }

  async tag(id: string, tags: string[]): Promise<boolean> {
    await this.settled();
    const rows = await queryRows(this.pool, 'UPDATE recordings SET tags = $2 WHERE id = $1 RETURNING id', [
      id,
      JSON.stringify(uniqueTags(tags)),
    ]);
    return rows.length > 0;
  }

  async sessionOf(responseId: string, owner?: string): Promise<string | null> {
    await this.settled();
    // A run still waiting to join the response's session does not answer for it.
    const rows = await queryRows<{ session_id: string | null }>(
      this.pool,
      `SELECT session_id FROM recordings WHERE response_id = $1 AND ${OWNED} AND joins IS NULL
        ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [responseId, owner ?? null],
    );
    return rows[0]?.session_id ?? null;
  }

  async totals(): Promise<{ count: number; bytes: number }> {
    await this.settled();
    const rows = await queryRows<{ count: string; bytes: string }>(
      this.pool,
      'SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM recordings',
      [],
    );
    return { count: Number(rows[0]?.count ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }

  /** Writes what is buffered; later starts are refused. */
  async close(): Promise<void> {
    await this.settled();
    this.closed = true;
    this.active.clear();
    clearTimeout(this.repairTimer);
    await this.repairing;
    // One last try at what failed batches left; recordings still open are marked when this
    // instance restarts.
    await this.repair().catch((err: unknown) => this.report(err));
  }

  /** What a refused batch left owed, still to be written. */
  private owes(): boolean {
    return this.owedTruncations.size > 0 || this.owedFinishes.size > 0;
  }

  /**
   * Writes what a refused batch left owed (in a batch of its own when none is due) and marks the
   * recordings cut short; rejects when the server does not answer.
   */
  private async repair(): Promise<void> {
    if (this.owes()) {
      this.writePending();
      await this.writing?.done;
    }
    if (this.cut.size > 0) await this.markCut();
  }

  /** Marks the recordings cut short as `interrupted`; rejects when the server does not answer. */
  private async markCut(): Promise<void> {
    const ids = [...this.cut];
    await queryRows(
      this.pool,
      `UPDATE recordings SET status = 'interrupted', instance_id = NULL
        WHERE id = ANY($1::text[]) AND status = 'recording' AND instance_id = $2`,
      [ids, this.options.instanceId],
    );
    for (const id of ids) this.cut.delete(id);
  }

  /**
   * Tries repair after storeRetryDelayMs, then again later until nothing is left: a
   * failed batch's leftovers do not wait for the next recording to be written.
   */
  private scheduleRepair(attempt = 0): void {
    if (this.repairTimer || this.repairing || this.closed) return;
    this.repairTimer = setTimeout(() => {
      this.repairTimer = undefined;
      this.repairing = this.repair().then(
        () => undefined,
        () => undefined,
      );
      void this.repairing.then(() => {
        this.repairing = undefined;
        if (this.cut.size > 0 || this.owes()) this.scheduleRepair(attempt + 1);
      });
    }, storeRetryDelayMs(attempt));
    this.repairTimer.unref();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.writePending();
    });
  }

  /**
   * Starts writing the buffer (one transaction) unless a write is in flight: then the buffer
   * grows until that one ends and goes next, so a slow or unreachable server costs one attempt at
   * a time, not one per tick.
   */
  private writePending(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.writing || (this.pending.ops.length === 0 && !this.owes())) return;
    void this.writeAll();
  }

  private async writeAll(): Promise<void> {
    do {
      const batch = this.pending;
      this.pending = newBatch();
      this.writing = batch;
      await this.write(batch);
      batch.written();
    } while (this.pending.ops.length > 0);
    this.writing = null;
  }

  /** One batch in one transaction; never rejects (failures go to onError). */
  private async write(batch: Batch): Promise<void> {
    const finished = new Set<string>();
    try {
      const report = await inTransaction(this.pool, (client) => this.apply(client, batch.ops));
      this.owedTruncations.clear();
      this.owedFinishes.clear();
      for (const id of report.failedStarts) this.active.delete(id);
      for (const id of report.truncated) {
        const state = this.active.get(id);
        if (state) state.truncated = true;
      }
      for (const id of report.finished) finished.add(id);
    } catch (err) {
      if (isGatewayError(err) && err.code === 'store_unavailable') this.lost(batch);
      else this.refused(batch);
      if (this.cut.size > 0 || this.owes()) this.scheduleRepair();
      this.report(err);
    }
    for (const [id, resolve] of batch.finished) resolve(finished.has(id));
  }

  /**
   * The server went away during the batch: its commit may have gone through with only the answer
   * lost, so what it holds is unknown. Its recordings are written no further and are marked
   * `interrupted` once the server answers (repair).
   */
  private lost(batch: Batch): void {
    for (const o of batch.ops) {
      const id = o.op === 'start' || o.op === 'finish' ? o.row.id : o.id;
      this.active.delete(id);
      this.cut.add(id);
    }
  }

  /**
   * The server refused the batch (a full disk): it holds nothing of it. The recordings it started
   * are written no further; those that lost events stop there, truncated (what they keep is a
   * prefix of what was sent); their finishes are owed, with the truncation flags, to the next
   * write.
   */
  private refused(batch: Batch): void {
    const { failedStarts, lostEntries, finishes } = refusedBatch(batch.ops);
    for (const id of failedStarts) this.active.delete(id);
    for (const id of lostEntries) {
      const state = this.active.get(id);
      if (state) state.truncated = true;
      this.owedTruncations.add(id);
    }
    for (const row of finishes) if (!failedStarts.has(row.id)) this.owedFinishes.set(row.id, row);
  }

  private report(err: unknown): void {
    try {
      this.options.onError(err);
    } catch {
      // A failing reporter must not break the write chain.
    }
  }

  private async apply(
    client: PoolClient,
    ops: WriteOp[],
  ): Promise<{ failedStarts: string[]; truncated: string[]; finished: string[] }> {
    // The locks first (RECORDING_LOCKS): the responses whose sessions starts join (update() writes
    // their links under the same locks), then the quota's.
    const joined = ops.flatMap((o) => (o.op === 'start' && o.row.joins ? [o.row.joins] : []));
    if (joined.length > 0) await lockJoins(client, joined);
    if (this.maxBytes > 0) await client.query('SELECT pg_advisory_xact_lock($1)', [RECORDING_LOCKS.quota]);
    // What a refused batch left owed, first; forgotten once this transaction commits (batches are
    // written one at a time, so nothing is owed meanwhile).
    const owedTruncations = [...this.owedTruncations];
    const owedFinishes = [...this.owedFinishes.values()];
    if (owedTruncations.length > 0)
      await client.query('UPDATE recordings SET truncated = true WHERE id = ANY($1::text[])', [owedTruncations]);
    if (owedFinishes.length > 0) await this.patch(owedFinishes, client);
    const starts: StartRow[] = [];
    const entries: Entry[] = [];
    const finishes: PatchRow[] = [];
    for (const o of ops) {
      if (o.op === 'start') starts.push(o.row);
      else if (o.op === 'finish') finishes.push(o.row);
      else entries.push(o);
    }
    let room = Number.POSITIVE_INFINITY;
    if (this.maxBytes > 0) {
      const startBytes = starts.reduce((n, s) => n + s.bytes, 0);
      room = (await this.makeRoom(client, startBytes + entries.reduce((n, e) => n + e.bytes, 0))) - startBytes;
    }
    const failedStarts = await this.insertStarts(client, starts);
    const failed = new Set(failedStarts);
    const joining = starts.filter((s) => s.joins && !failed.has(s.id)).map((s) => s.id);
    if (joining.length > 0) await this.joinLinked(client, joining);
    // In order: an entry that does not fit stops its recording (itself and all later ones dropped).
    const truncated = new Set<string>();
    const events: Extract<Entry, { op: 'event' }>[] = [];
    const actions: Extract<Entry, { op: 'action' }>[] = [];
    for (const e of entries) {
      if (failed.has(e.id) || truncated.has(e.id) || this.active.get(e.id)?.truncated) continue;
      if (e.bytes > room) {
        truncated.add(e.id);
        continue;
      }
      room -= e.bytes;
      if (e.op === 'event') events.push(e);
      else actions.push(e);
    }
    if (events.length > 0) await this.insertEvents(client, events);
    if (actions.length > 0) await this.insertActions(client, actions);
    if (truncated.size > 0)
      await client.query('UPDATE recordings SET truncated = true WHERE id = ANY($1::text[])', [[...truncated]]);
    const finished = finishes.length > 0 ? await this.patch(finishes, client) : [];
    return { failedStarts, truncated: [...truncated], finished };
  }

  /** Moves the runs `ids`, started to join a response's session, into it where it is linked. */
  private async joinLinked(client: PoolClient, ids: string[]): Promise<void> {
    await client.query(
      `WITH found AS (
        SELECT DISTINCT ON (f.id) f.id, p.session_id FROM recordings f JOIN recordings p ON ${PRODUCER_OF_JOINED}
          WHERE f.id = ANY($1::text[]) ORDER BY f.id, p.created_at DESC, p.seq DESC)
      UPDATE recordings f SET session_id = found.session_id, joins = NULL FROM found WHERE f.id = found.id`,
      [ids],
    );
  }

  /** Evicts the oldest finished recordings until `need` more bytes fit; returns the room left. */
  private async makeRoom(client: PoolClient, need: number): Promise<number> {
    const totals = await queryRows<{ bytes: string }>(
      client,
      'SELECT coalesce(sum(bytes), 0) AS bytes FROM recordings',
      [],
    );
    let total = Number(totals[0]?.bytes ?? 0);
    while (total + need > this.maxBytes) {
      const oldest = await queryRows<{ id: string; bytes: string }>(
        client,
        "SELECT id, bytes FROM recordings WHERE status <> 'recording' ORDER BY created_at, seq LIMIT 100",
        [],
      );
      if (oldest.length === 0) break;
      const victims: string[] = [];
      for (const r of oldest) {
        if (total + need <= this.maxBytes) break;
        victims.push(r.id);
        total -= Number(r.bytes);
      }
      await client.query('DELETE FROM recordings WHERE id = ANY($1::text[])', [victims]);
    }
    return this.maxBytes - total;
  }

  /** One INSERT for every start of the batch; returns the ids that could not be written (taken). */
  private async insertStarts(client: PoolClient, rows: StartRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const col = <K extends keyof StartRow>(k: K): StartRow[K][] => rows.map((r) => r[k]);
    const inserted = await queryRows<{ id: string }>(
      client,
      `INSERT INTO recordings (id, request_id, response_id, session_id, created_at, name, tags, request, status,
          model, bytes, owner, request_kind, input_preview, rerun_of, instance_id, joins)
        SELECT u.id, u.request_id, u.response_id, u.session_id, u.created_at, u.name, u.tags, u.request, 'recording',
          u.model, u.bytes, u.owner, u.request_kind, u.input_preview, u.rerun_of, $16, u.joins
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
          $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $17::text[])
          AS u(id, request_id, response_id, session_id, created_at, name, tags, request, model, bytes, owner,
            request_kind, input_preview, rerun_of, ord, joins)
        ORDER BY u.ord
      ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        col('id'),
        col('request_id'),
        col('response_id'),
        col('session_id'),
        col('created_at'),
        col('name'),
        col('tags'),
        col('request'),
        col('model'),
        col('bytes'),
        col('owner'),
        col('request_kind'),
        col('input_preview'),
        col('rerun_of'),
        rows.map((_, i) => i),
        this.options.instanceId,
        rows.map((r) => r.joins ?? null),
      ],
    );
    const written = new Set(inserted.map((r) => r.id));
    const failed = rows.filter((r) => !written.has(r.id)).map((r) => r.id);
    if (failed.length > 0) this.report(new Error(`Recording id already taken: ${failed.join(', ')}`));
    return failed;
  }

  /**
   * One statement for every event of the batch: the rows and the counters of their recordings.
   * Rows of a recording deleted meanwhile and repeated seqs are skipped, not the batch.
   */
  private async insertEvents(client: PoolClient, events: Extract<Entry, { op: 'event' }>[]): Promise<void> {
    await client.query(
      `WITH ins AS (
        INSERT INTO recording_events (recording_id, seq, offset_ms, type, data, is_text)
          SELECT u.recording_id, u.seq, u.offset_ms, u.type, u.data, u.is_text
          FROM unnest($1::text[], $2::int[], $3::float8[], $4::text[], $5::bytea[], $6::bool[])
            AS u(recording_id, seq, offset_ms, type, data, is_text)
          WHERE EXISTS (SELECT 1 FROM recordings r WHERE r.id = u.recording_id)
        ON CONFLICT (recording_id, seq) DO NOTHING
        RETURNING recording_id, octet_length(data) AS n)
      UPDATE recordings r SET bytes = r.bytes + g.n, event_count = r.event_count + g.c
        FROM (SELECT recording_id, sum(n) AS n, count(*) AS c FROM ins GROUP BY recording_id) g
        WHERE r.id = g.recording_id`,
      [
        events.map((e) => e.id),
        events.map((e) => e.seq),
        events.map((e) => e.offsetMs),
        events.map((e) => e.type),
        events.map((e) => (typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data))),
        events.map((e) => typeof e.data === 'string'),
      ],
    );
  }

  private async insertActions(client: PoolClient, actions: Extract<Entry, { op: 'action' }>[]): Promise<void> {
    await client.query(
      `WITH ins AS (
        INSERT INTO recording_actions (recording_id, seq, offset_ms, kind, data)
          SELECT u.recording_id, u.seq, u.offset_ms, u.kind, u.data
          FROM unnest($1::text[], $2::int[], $3::float8[], $4::text[], $5::text[])
            AS u(recording_id, seq, offset_ms, kind, data)
          WHERE EXISTS (SELECT 1 FROM recordings r WHERE r.id = u.recording_id)
        ON CONFLICT (recording_id, seq) DO NOTHING
        RETURNING recording_id, octet_length(data) AS n)
      UPDATE recordings r SET bytes = r.bytes + g.n
        FROM (SELECT recording_id, sum(n) AS n FROM ins GROUP BY recording_id) g
        WHERE r.id = g.recording_id`,
      [
        actions.map((a) => a.id),
        actions.map((a) => a.seq),
        actions.map((a) => a.offsetMs),
        actions.map((a) => a.kind),
        actions.map((a) => a.data),
      ],
    );
  }

  /** Patches (the SQLite engine's coalesce rules) in one statement; returns the ids changed. */
  private async patch(rows: PatchRow[], on: Pool | PoolClient): Promise<string[]> {
    const col = <K extends keyof PatchRow>(k: K): PatchRow[K][] => rows.map((r) => r[k]);
    const changed = await queryRows<{ id: string }>(
      on,
      `UPDATE recordings r SET
          response_id = coalesce(u.response_id, r.response_id), session_id = coalesce(u.session_id, r.session_id),
          http_status = coalesce(u.http_status, r.http_status),
          response_headers = coalesce(u.response_headers, r.response_headers), model = coalesce(u.model, r.model),
          tools_used = coalesce(u.tools_used, r.tools_used), text_preview = coalesce(u.text_preview, r.text_preview),
          status = coalesce(u.status, r.status), duration_ms = coalesce(u.duration_ms, r.duration_ms),
          instance_id = CASE WHEN u.status IS NULL THEN r.instance_id END
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
          $9::text[], $10::float8[])
          AS u(id, response_id, session_id, http_status, response_headers, model, tools_used, text_preview, status,
            duration_ms)
        WHERE r.id = u.id
        RETURNING r.id`,
      [
        col('id'),
        col('response_id'),
        col('session_id'),
        col('http_status'),
        col('response_headers'),
        col('model'),
        col('tools_used'),
        col('text_preview'),
        col('status'),
        col('duration_ms'),
      ],
    );
    return changed.map((r) => r.id);
  }
}

/**
 * Takes the join locks of these responses, in the order of their keys: two transactions taking
 * several never wait for each other in a cycle.
 */
async function lockJoins(client: PoolClient, responseIds: string[]): Promise<void> {
  await client.query(
    `SELECT pg_advisory_xact_lock(${RECORDING_LOCKS.joins}, k)
      FROM (SELECT DISTINCT hashtext(r) AS k FROM unnest($1::text[]) AS r ORDER BY k) AS keys`,
    [responseIds],
  );
}
