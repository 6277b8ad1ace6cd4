/**
 * Stored responses on PostgreSQL: the same rules as the SQLite engine (../responses-store.ts has
 * the retention, quota and tenancy policy), shared by every instance using the database.
 *
 * Leases: a queued or in-progress response carries the id of the instance running it and a lease
 * time. Each instance renews its own leases (`renewLeases`) and fails the responses whose lease
 * ran out (`failExpiredLeases`): the instance died without finishing them (SIGKILL, power loss),
 * so nothing stays `in_progress` forever and no live instance's responses are touched.
 */
import type { Pool, PoolClient } from 'pg';
import { errors, isGatewayError } from '../../shared/protocol/errors.js';
import { ANONYMOUS_OWNER } from '../../tenancy/owner.js';
import type { FinalSave, ResponseStorage } from '../contract.js';
import {
  rowsOfSave,
  storedResponseOf,
  type ConversationResult,
  type InputItemList,
  type ListInputItemsOptions,
  type OwnerFilter,
  type ResponseJson,
  type ResponseLike,
  type SaveResponseInput,
  type SaveResult,
  type StoredResponse,
} from '../responses-store.js';
import { inTransaction, queryRows } from './pool.js';
import { storeRetryDelayMs } from '../retry-delay.js';

export interface PostgresResponsesOptions {
  ttlSeconds?: number;
  maxItems?: number;
  maxBytes?: number;
  now?: () => number;
  /** This instance (leases). */
  instanceId: string;
  /** How long a running response's lease lasts without renewal. */
  leaseMs: number;
}

interface Row {
  body: string;
  owner: string;
  request_id: string | null;
  previous_response_id: string | null;
  metadata: string | null;
  stored_at: string;
  expires_at: string | null;
}

/** Quota enforcement is serialized across instances with this advisory lock. */
const QUOTA_LOCK = 0x71756f7461;
/** How old the quota estimate's count may be before it is taken again. */
const TOTALS_TTL_MS = 1000;
const VISIBLE = '(expires_at IS NULL OR expires_at > $2)';
const OWNED = '($3::text IS NULL OR owner = $3)';

const FAILED_BY_LEASE = {
  error: { code: 'server_error', message: 'The gateway instance running this response stopped before it finished.' },
};

export class PostgresResponses implements ResponseStorage {
  private readonly ttlMs: number;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private pending: Promise<void>[] = [];
  /** Final saves the store could not take (away, or its disk full), already reported. */
  private readonly owed = new Set<FinalSave>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** Tries of the owed saves so far without one going in (storeRetryDelayMs). */
  private retryAttempt = 0;
  private closing = false;
  /** Last count of the table (quota estimate), with the saves of this instance added since. */
  private totals: { count: number; bytes: number; at: number } | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresResponsesOptions,
  ) {
    this.ttlMs = Math.max(0, options.ttlSeconds ?? 0) * 1000;
    this.maxItems = Math.max(0, options.maxItems ?? 0);
    this.maxBytes = Math.max(0, options.maxBytes ?? 0);
    this.now = options.now ?? Date.now;
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  private query<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    return queryRows<R>(this.pool, sql, params);
  }

  saveResponse(input: SaveResponseInput): Promise<SaveResult> {
    return this.transaction((client) => this.saveIn(client, input));
  }

  private async saveIn(client: PoolClient, input: SaveResponseInput): Promise<SaveResult> {
    const { response } = input;
    const now = this.now();
    const existing = (
      await client.query<{ expires_at: string | null; items_bytes: string; bytes: string }>(
        'SELECT expires_at, items_bytes, bytes FROM responses WHERE id = $1 FOR UPDATE',
        [response.id],
      )
    ).rows[0];
    const { body, metadata, itemsBytes, itemRows, bytes, status, terminal, previousResponseId } = rowsOfSave(
      input,
      existing ? Number(existing.items_bytes) : null,
      this.maxBytes,
    );
    const expiresAt =
      terminal && this.ttlMs > 0
        ? existing?.expires_at != null
          ? Number(existing.expires_at)
          : now + this.ttlMs
        : null;
    await client.query(
      `INSERT INTO responses (id, status, created_at, stored_at, updated_at, expires_at, request_id,
                              previous_response_id, metadata, body, items_bytes, bytes, owner, instance_id, lease_until)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at,
         updated_at = excluded.updated_at, expires_at = excluded.expires_at,
         request_id = excluded.request_id, previous_response_id = excluded.previous_response_id,
         metadata = excluded.metadata, body = excluded.body, items_bytes = excluded.items_bytes,
         bytes = excluded.bytes, instance_id = excluded.instance_id, lease_until = excluded.lease_until`,
      [
        response.id,
        status,
        response.created_at,
        now,
        expiresAt,
        input.requestId ?? null,
        previousResponseId,
        metadata,
        body,
        itemsBytes,
        bytes,
        input.owner ?? ANONYMOUS_OWNER,
        terminal ? null : this.options.instanceId,
        terminal ? null : now + this.options.leaseMs,
      ],
    );
    if (itemRows) {
      if (existing) await client.query('DELETE FROM response_input_items WHERE response_id = $1', [response.id]);
      if (itemRows.length > 0) {
        await client.query(
          `INSERT INTO response_input_items (response_id, position, item_id, body)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
          [response.id, itemRows.map((r) => r[0]), itemRows.map((r) => r[1]), itemRows.map((r) => r[2])],
        );
      }
    }
    if (this.maxItems === 0 && this.maxBytes === 0) return { evicted: [] };
    // The exact check (a lock shared by every instance and a count of the table) only when this
    // instance's running estimate says the store may be over a quota: saves far from the limits
    // never wait for each other.
    const totals = await this.totalsWith(client, {
      count: existing ? 0 : 1,
      bytes: bytes - (existing ? Number(existing.bytes) : 0),
    });
    if (!this.over(totals)) return { evicted: [] };
    await client.query('SELECT pg_advisory_xact_lock($1)', [QUOTA_LOCK]);
    const evicted = await this.enforceQuota(client, response.id, now);
    this.totals = null;
    return { evicted };
  }

  private over(t: { count: number; bytes: number }): boolean {
    return (this.maxItems > 0 && t.count > this.maxItems) || (this.maxBytes > 0 && t.bytes > this.maxBytes);
  }

  /**
   * The store's totals with this save: the table as this instance last counted it (at most
   * TOTALS_TTL_MS ago) plus its own saves since. Other instances' saves since the count are not in
   * it, so a quota is exact on one instance and may be passed by what the others saved meanwhile.
   */
  private async totalsWith(
    client: PoolClient,
    delta: { count: number; bytes: number },
  ): Promise<{ count: number; bytes: number }> {
    const now = Date.now();
    if (!this.totals || now - this.totals.at > TOTALS_TTL_MS) {
      // Counted inside this transaction: the row just written is already in it.
      const { rows } = await client.query<{ count: string; bytes: string }>(
        'SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM responses',
      );
      this.totals = { count: Number(rows[0].count), bytes: Number(rows[0].bytes), at: now };
    } else {
      this.totals.count += delta.count;
      this.totals.bytes += delta.bytes;
    }
    return { count: this.totals.count, bytes: this.totals.bytes };
  }

  private async overQuota(client: PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ count: string; bytes: string }>(
      'SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM responses',
    );
    return this.over({ count: Number(rows[0].count), bytes: Number(rows[0].bytes) });
  }

  private async enforceQuota(client: PoolClient, keepId: string, now: number): Promise<string[]> {
    const evicted: string[] = [];
    if (!(await this.overQuota(client))) return evicted;
    await client.query('DELETE FROM responses WHERE expires_at IS NOT NULL AND expires_at <= $1', [now]);
    while (await this.overQuota(client)) {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM responses WHERE status NOT IN ('queued', 'in_progress') AND id != $1 ORDER BY stored_at LIMIT 1`,
        [keepId],
      );
      if (rows.length === 0) {
        throw errors.storeFull(
          `The response store is full (limits: ${this.maxItems || 'no'} responses, ${this.maxBytes || 'no'} bytes) and every other stored response is still running.`,
        );
      }
      await client.query('DELETE FROM responses WHERE id = $1', [rows[0].id]);
      evicted.push(rows[0].id);
    }
    return evicted;
  }

  queueFinalSave(job: FinalSave): void {
    this.save(job, true);
  }

  /**
   * Each save is its own transaction: one that fails is reported alone. They start at once, so a
   * burst of finals (shutdown) runs over the pool's connections in parallel. A save the store could
   * not take — away (`store_unavailable`) or its disk full (`storage_full`) — is reported once and
   * tried again until it is in (after 250 ms, doubling up to every 5 s, and at every flush), with
   * its job's input as it is then: its owner may have changed it (what the client was told
   * instead). So the response does not stay in_progress under this instance's lease (renewed as
   * long as it lives).
   */
  private save(job: FinalSave, first: boolean): void {
    const done = this.saveResponse(job.input).then(
      () => {
        if (!first) this.retryAttempt = 0;
      },
      (err: unknown) => {
        if (first) job.onError(err);
        if (this.closing || !isGatewayError(err)) return;
        if (err.code !== 'store_unavailable' && err.code !== 'storage_full') return;
        this.owed.add(job);
        this.scheduleRetry();
      },
    );
    this.pending.push(done);
    void done.finally(() => {
      this.pending = this.pending.filter((p) => p !== done);
    });
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAttempt++;
      this.retryOwed();
    }, storeRetryDelayMs(this.retryAttempt));
    this.retryTimer.unref();
  }

  private retryOwed(): void {
    const jobs = [...this.owed];
    this.owed.clear();
    for (const job of jobs) this.save(job, false);
  }

  async flushFinalSaves(): Promise<void> {
    this.retryOwed();
    while (this.pending.length > 0) await Promise.all(this.pending);
  }

  /**
   * Closing: the final saves still owed get one last try now, then none (the lease of each
   * response they leave running runs out and another instance marks it failed).
   */
  async closeFinalSaves(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flushFinalSaves();
  }

  async getResponse<T extends ResponseLike = ResponseJson>(
    id: string,
    owner?: OwnerFilter,
  ): Promise<StoredResponse<T> | null> {
    const rows = await this.query<Row>(
      `SELECT body, owner, request_id, previous_response_id, metadata, stored_at, expires_at
       FROM responses WHERE id = $1 AND ${VISIBLE} AND ${OWNED}`,
      [id, this.now(), owner ?? null],
    );
    const row = rows[0];
    return row ? storedResponseOf<T>(row) : null;
  }

  async has(id: string, owner?: OwnerFilter): Promise<boolean> {
    const rows = await this.query(`SELECT 1 FROM responses WHERE id = $1 AND ${VISIBLE} AND ${OWNED}`, [
      id,
      this.now(),
      owner ?? null,
    ]);
    return rows.length > 0;
  }

  async deleteResponse(id: string, owner?: OwnerFilter): Promise<boolean> {
    const rows = await this.query<{ visible: boolean }>(
      `DELETE FROM responses WHERE id = $1 AND ($3::text IS NULL OR owner = $3)
       RETURNING (expires_at IS NULL OR expires_at > $2) AS visible`,
      [id, this.now(), owner ?? null],
    );
    return rows.some((r) => r.visible);
  }

  markStatus(id: string, status: string, patch: Record<string, unknown> = {}): Promise<boolean> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT body, owner, request_id, previous_response_id, metadata FROM responses
         WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2) FOR UPDATE`,
        [id, this.now()],
      );
      const row = rows[0];
      if (!row) return false;
      await this.resave(client, row, { ...patch, status });
      return true;
    });
  }

  /** Saves a stored row again with `patch` applied to its body; owner, ids and metadata stay. */
  private async resave(
    client: PoolClient,
    row: Pick<Row, 'body' | 'owner' | 'request_id' | 'previous_response_id' | 'metadata'>,
    patch: Record<string, unknown>,
  ): Promise<void> {
    const stored = storedResponseOf<ResponseJson>({ ...row, stored_at: 0, expires_at: null });
    await this.saveIn(client, {
      response: { ...stored.response, ...patch },
      requestId: stored.requestId,
      previousResponseId: stored.previousResponseId,
      metadata: stored.metadata,
      owner: stored.owner,
    });
  }

  async listInputItems(
    id: string,
    options: ListInputItemsOptions = {},
    owner?: OwnerFilter,
  ): Promise<InputItemList | null> {
    const limit = options.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw errors.invalidValue('limit', `Invalid 'limit': expected an integer from 1 to 100, got ${String(limit)}.`);
    }
    const order = options.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      throw errors.invalidValue('order', `Invalid 'order': expected 'asc' or 'desc', got '${String(order)}'.`);
    }
    if (!(await this.has(id, owner))) return null;
    let cursor = order === 'asc' ? -1 : 2 ** 31 - 1;
    if (options.after !== undefined) {
      const found = await this.query<{ position: number }>(
        'SELECT position FROM response_input_items WHERE response_id = $1 AND item_id = $2 ORDER BY position LIMIT 1',
        [id, options.after],
      );
      if (found.length === 0) {
        throw errors.invalidValue('after', `No input item with id '${options.after}' in response '${id}'.`);
      }
      cursor = found[0].position;
    }
    const rows = await this.query<{ item_id: string; body: string }>(
      order === 'asc'
        ? 'SELECT item_id, body FROM response_input_items WHERE response_id = $1 AND position > $2 ORDER BY position ASC LIMIT $3'
        : 'SELECT item_id, body FROM response_input_items WHERE response_id = $1 AND position < $2 ORDER BY position DESC LIMIT $3',
      [id, cursor, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      object: 'list',
      data: page.map((r) => JSON.parse(r.body) as unknown),
      first_id: page.length > 0 ? page[0].item_id : null,
      last_id: page.length > 0 ? page[page.length - 1].item_id : null,
      has_more: rows.length > limit,
    };
  }

  async getConversation(id: string, owner?: OwnerFilter): Promise<ConversationResult> {
    const chain: { id: string; output: readonly unknown[] }[] = [];
    const seen = new Set<string>();
    let next: string | null = id;
    while (next !== null && !seen.has(next)) {
      seen.add(next);
      const stored: StoredResponse | null = await this.getResponse(next, owner);
      if (!stored) return { found: false, missingId: next };
      chain.push({ id: next, output: stored.response.output });
      next = stored.previousResponseId;
    }
    chain.reverse();
    const ids = chain.map((l) => l.id);
    const rows = await this.query<{ response_id: string; body: string }>(
      'SELECT response_id, body FROM response_input_items WHERE response_id = ANY($1::text[]) ORDER BY position ASC',
      [ids],
    );
    const byResponse = new Map<string, unknown[]>();
    for (const r of rows) {
      const list = byResponse.get(r.response_id) ?? [];
      list.push(JSON.parse(r.body));
      byResponse.set(r.response_id, list);
    }
    const items: unknown[] = [];
    for (const link of chain) {
      items.push(...(byResponse.get(link.id) ?? []));
      items.push(...link.output);
    }
    return { found: true, items, responseIds: ids };
  }

  async sweepExpired(): Promise<number> {
    const rows = await this.query<{ id: string }>(
      'DELETE FROM responses WHERE expires_at IS NOT NULL AND expires_at <= $1 RETURNING id',
      [this.now()],
    );
    return rows.length;
  }

  async stats(): Promise<{ count: number; bytes: number }> {
    const rows = await this.query<{ count: string; bytes: string }>(
      'SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM responses',
      [],
    );
    return { count: Number(rows[0].count), bytes: Number(rows[0].bytes) };
  }

  /** Extends the leases of this instance's running responses; returns how many. */
  async renewLeases(): Promise<number> {
    const rows = await this.query(
      `UPDATE responses SET lease_until = $2 WHERE instance_id = $1 AND status IN ('queued', 'in_progress') RETURNING id`,
      [this.options.instanceId, this.now() + this.options.leaseMs],
    );
    return rows.length;
  }

  /** Fails running responses whose instance stopped renewing their lease; returns their ids. */
  async failExpiredLeases(): Promise<string[]> {
    const expired = await this.query<{ id: string }>(
      `SELECT id FROM responses WHERE status IN ('queued', 'in_progress') AND lease_until IS NOT NULL AND lease_until < $1`,
      [this.now()],
    );
    const failed: string[] = [];
    for (const { id } of expired) {
      const done = await this.transaction(async (client) => {
        // Checked again under the row lock: the owner may have finished or renewed it meanwhile.
        const { rows } = await client.query<{
          body: string;
          owner: string;
          request_id: string | null;
          previous_response_id: string | null;
          metadata: string | null;
        }>(
          `SELECT body, owner, request_id, previous_response_id, metadata FROM responses
           WHERE id = $1 AND status IN ('queued', 'in_progress') AND lease_until < $2 FOR UPDATE SKIP LOCKED`,
          [id, this.now()],
        );
        const row = rows[0];
        if (!row) return false;
        await this.resave(client, row, { ...FAILED_BY_LEASE, status: 'failed' });
        return true;
      });
      if (done) failed.push(id);
    }
    return failed;
  }
}
