/**
 * Stored responses (M6): the Response JSON (its `output` is the output items), its input items,
 * and the `previous_response_id` links used to rebuild a conversation.
 *
 * Retention policy (quoted by the docs):
 * - TTL (`--responses-store-ttl-seconds`, 0 = keep forever) counts from the moment a response
 *   reaches a terminal status (completed, failed, incomplete, cancelled). A response past its TTL
 *   is gone at once for every read (GET, input items, chaining, delete answer 404) even before
 *   the background sweep physically deletes it. Queued and in-progress responses never expire.
 * - Quotas: `--responses-store-max-items` (number of responses) and `--responses-store-max-bytes`
 *   (UTF-8 bytes of the stored JSON: response, metadata and input items); 0 = no limit.
 *   Saving a response that would go over a quota first drops expired responses, then evicts the
 *   oldest finished responses (by first save time) until it fits. Queued or in-progress
 *   responses and the response being saved are never evicted.
 * - If it still does not fit (every other response is still running, or this one alone is larger
 *   than the byte quota) the save fails with HTTP 429, type `rate_limit_error`, code
 *   `storage_quota_exceeded`, param `store`, header `x-should-retry: false`; nothing is written
 *   (an earlier saved state of the same response stays as it was). Sending `store: false` or
 *   raising the quota avoids it.
 * - Responses left queued or in progress by a previous process are marked failed on open
 *   (`recoverInterrupted`), so they become evictable and expire like any other.
 */
import { createLogger, reportTo } from '../logging/logger.js';
import { createHash } from 'node:crypto';
import type { Database, Transaction } from 'better-sqlite3';
import { errors } from '../shared/protocol/errors.js';
import { prepareStatements, type Statements } from './responses-sql.js';
import { ANONYMOUS_OWNER } from '../tenancy/owner.js';

export const RUNNING_STATUSES: readonly string[] = ['queued', 'in_progress'];

/** What the store needs of a Response; the engine's ResponseObject satisfies it. */
export interface ResponseLike {
  id: string;
  created_at: number;
  status?: string | null;
  output: readonly unknown[];
}

export type ResponseJson = ResponseLike & Record<string, unknown>;

export interface SaveResponseInput {
  response: ResponseLike;
  /** Input items as sent to the model. Omit on a later save to keep the ones already stored. */
  inputItems?: readonly unknown[];
  requestId?: string | null;
  /**
   * The stored link a conversation is rebuilt from (getConversation). Defaults to
   * `response.previous_response_id` when the response carries one; `null` stores no link (the
   * input items hold the whole conversation before it).
   */
  previousResponseId?: string | null;
  /** Gateway-side data kept with the response (not the Response's own `metadata`). */
  metadata?: Record<string, unknown> | null;
  /** Owner id (tenancy, docs/state.md); set by the first save, later saves keep it. Default: anonymous. */
  owner?: string;
}

export interface SaveResult {
  /** Ids of finished responses evicted to make room. */
  evicted: string[];
}

export interface StoredResponse<T extends ResponseLike = ResponseJson> {
  response: T;
  /** Owner id of the key that created it. */
  owner: string;
  requestId: string | null;
  previousResponseId: string | null;
  metadata: Record<string, unknown> | null;
  /** Store clock (ms) at the first save. */
  storedAt: number;
  /** Store clock (ms) after which the response is gone; null = no expiry (yet). */
  expiresAt: number | null;
}

/**
 * Tenancy: reads and deletes take an owner id and see only that owner's responses, exactly as if
 * the others did not exist (same null / false / 404). Undefined sees every owner (admins).
 */
export type OwnerFilter = string | undefined;

export interface ListInputItemsOptions {
  limit?: number;
  order?: 'asc' | 'desc';
  /** Item id: list the items that come after it in the chosen order. */
  after?: string;
}

export interface InputItemList {
  object: 'list';
  data: unknown[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export type ConversationResult =
  /** Oldest first: each response's input items, then its output items. */
  | { found: true; items: unknown[]; responseIds: string[] }
  /** `missingId` is the requested id or an earlier link that is gone (deleted, expired, evicted). */
  | { found: false; missingId: string };

export interface ResponsesStoreOptions {
  ttlSeconds?: number;
  maxItems?: number;
  maxBytes?: number;
  /** Clock in ms (tests inject one instead of sleeping). */
  now?: () => number;
  /** Background expiry sweep period; 0 disables the timer (sweepExpired stays callable). */
  sweepIntervalMs?: number;
  /** A failed expiry sweep (the gateway passes its logger's; else an `error` JSON log line on stderr). */
  onError?: (err: unknown) => void;
}

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
  item_reference: 'ref',
};

/** Same response and position, same id: re-saving a response keeps its generated item ids. */
export function generatedItemId(responseId: string, position: number, item: unknown): string {
  const type = isRecord(item) && typeof item.type === 'string' ? item.type : 'message';
  const hash = createHash('sha256').update(`${responseId}\0${position}`).digest('hex').slice(0, 40);
  return `${ID_PREFIX[type] ?? 'item'}_${hash}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const bytesOf = (text: string | null): number => (text === null ? 0 : Buffer.byteLength(text, 'utf8'));

/** A stored row as callers see it; every engine reads the same columns (PostgreSQL bigints as strings). */
export function storedResponseOf<T extends ResponseLike>(row: {
  body: string;
  owner: string;
  request_id: string | null;
  previous_response_id: string | null;
  metadata: string | null;
  stored_at: number | string;
  expires_at: number | string | null;
}): StoredResponse<T> {
  return {
    // The body was written from a T by saveResponse; JSON keeps its shape.
    response: JSON.parse(row.body) as T,
    owner: row.owner,
    requestId: row.request_id,
    previousResponseId: row.previous_response_id,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    storedAt: Number(row.stored_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

/** What one save writes, computed the same way by every engine. */
export interface SaveRows {
  body: string;
  metadata: string | null;
  /** Input items as rows `[position, item id, JSON]`; undefined keeps the stored ones. */
  itemRows?: [number, string, string][];
  itemsBytes: number;
  /** Bytes the response takes in the store (body, metadata and input items). */
  bytes: number;
  status: string;
  /** A terminal status (not queued or in progress). */
  terminal: boolean;
  previousResponseId: string | null;
}

/**
 * The rows of a save: input items get their ids (generated where missing), and a response over
 * `maxBytes` on its own is a 429 `storage_quota_exceeded`. `storedItemsBytes` is the byte count of
 * the stored input items of an existing row (null when there is none): a re-save without input
 * items keeps them.
 */
export function rowsOfSave(input: SaveResponseInput, storedItemsBytes: number | null, maxBytes: number): SaveRows {
  const { response } = input;
  const body = JSON.stringify(response);
  const metadata = input.metadata ? JSON.stringify(input.metadata) : null;
  let itemsBytes = storedItemsBytes ?? 0;
  let itemRows: [number, string, string][] | undefined;
  if (input.inputItems || storedItemsBytes === null) {
    itemsBytes = 0;
    itemRows = (input.inputItems ?? []).map((item, position) => {
      let stored = item;
      let itemId = isRecord(item) && typeof item.id === 'string' && item.id ? item.id : '';
      if (!itemId) {
        itemId = generatedItemId(response.id, position, item);
        if (isRecord(item)) stored = { id: itemId, ...item };
      }
      const json = JSON.stringify(stored);
      itemsBytes += bytesOf(json);
      return [position, itemId, json];
    });
  }
  const bytes = bytesOf(body) + bytesOf(metadata) + itemsBytes;
  if (maxBytes > 0 && bytes > maxBytes) {
    throw errors.storeFull(
      `Response '${response.id}' needs ${bytes} bytes of storage, more than the store's limit of ${maxBytes} bytes.`,
    );
  }
  const status = response.status ?? 'completed';
  const bodyPrevious = (response as ResponseJson).previous_response_id;
  const rows: SaveRows = {
    body,
    metadata,
    itemsBytes,
    bytes,
    status,
    terminal: !RUNNING_STATUSES.includes(status),
    previousResponseId:
      input.previousResponseId !== undefined
        ? input.previousResponseId
        : typeof bodyPrevious === 'string'
          ? bodyPrevious
          : null,
  };
  // Added after: a spread in the middle of the literal is built by V8's runtime, twice per response.
  if (itemRows) rows.itemRows = itemRows;
  return rows;
}

export class ResponsesStore {
  private readonly ttlMs: number;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly stmt: Statements;
  private readonly saveTx: Transaction<(input: SaveResponseInput) => SaveResult>;

  constructor(
    private readonly db: Database,
    options: ResponsesStoreOptions = {},
  ) {
    this.ttlMs = Math.max(0, options.ttlSeconds ?? 0) * 1000;
    this.maxItems = Math.max(0, options.maxItems ?? 0);
    this.maxBytes = Math.max(0, options.maxBytes ?? 0);
    this.now = options.now ?? Date.now;
    this.stmt = prepareStatements(db);
    this.saveTx = db.transaction((input: SaveResponseInput): SaveResult => this.saveInTransaction(input));
    const sweepMs = options.sweepIntervalMs ?? 60_000;
    if (this.ttlMs > 0 && sweepMs > 0) {
      const onError =
        options.onError ?? ((err: unknown) => reportTo(createLogger('error'))(err, 'a response store sweep'));
      this.timer = setInterval(() => {
        try {
          this.sweepExpired();
        } catch (err) {
          onError(err);
        }
      }, sweepMs);
      // The sweep must never keep the process alive on its own.
      this.timer.unref();
    }
  }

  /** Creates or replaces a response in one transaction (see the policy above for quotas). */
  saveResponse(input: SaveResponseInput): SaveResult {
    return this.saveTx.immediate(input);
  }

  private saveInTransaction(input: SaveResponseInput): SaveResult {
    const { response } = input;
    const now = this.now();
    const existing = this.stmt.meta.get(response.id);
    const { body, metadata, itemsBytes, itemRows, bytes, status, terminal, previousResponseId } = rowsOfSave(
      input,
      existing ? existing.items_bytes : null,
      this.maxBytes,
    );
    this.stmt.upsert.run({
      id: response.id,
      status,
      created_at: response.created_at,
      now,
      expires_at: terminal && this.ttlMs > 0 ? (existing?.expires_at ?? now + this.ttlMs) : null,
      request_id: input.requestId ?? null,
      previous_response_id: previousResponseId,
      metadata,
      body,
      items_bytes: itemsBytes,
      bytes,
      owner: input.owner ?? ANONYMOUS_OWNER,
    });
    if (itemRows) {
      if (existing) this.stmt.deleteItems.run(response.id);
      for (const [position, itemId, json] of itemRows) this.stmt.insertItem.run(response.id, position, itemId, json);
    }
    return { evicted: this.enforceQuota(response.id, now) };
  }

  private overQuota(): boolean {
    const totals = this.stmt.totals.get();
    if (!totals) return false;
    return (this.maxItems > 0 && totals.count > this.maxItems) || (this.maxBytes > 0 && totals.bytes > this.maxBytes);
  }

  private enforceQuota(keepId: string, now: number): string[] {
    const evicted: string[] = [];
    if ((this.maxItems === 0 && this.maxBytes === 0) || !this.overQuota()) return evicted;
    while (this.stmt.sweep.run(now).changes > 0);
    while (this.overQuota()) {
      const victim = this.stmt.oldestEvictable.get(keepId);
      if (!victim) {
        // Throwing rolls the whole save back, evictions included.
        throw errors.storeFull(
          `The response store is full (limits: ${this.maxItems || 'no'} responses, ${this.maxBytes || 'no'} bytes) and every other stored response is still running.`,
        );
      }
      this.stmt.delete.run(victim.id);
      evicted.push(victim.id);
    }
    return evicted;
  }

  getResponse<T extends ResponseLike = ResponseJson>(id: string, owner?: OwnerFilter): StoredResponse<T> | null {
    const row = this.stmt.get.get({ id, now: this.now(), owner: owner ?? null });
    return row ? storedResponseOf<T>(row) : null;
  }

  has(id: string, owner?: OwnerFilter): boolean {
    return this.stmt.exists.get({ id, now: this.now(), owner: owner ?? null }) !== undefined;
  }

  /** True when a visible response was deleted (its input items go with it). */
  deleteResponse(id: string, owner?: OwnerFilter): boolean {
    const visible = this.has(id, owner);
    // An expired row is deleted too; it was already invisible, so the answer stays false.
    this.stmt.deleteOwned.run({ id, owner: owner ?? null });
    return visible;
  }

  /** Sets the status in the row and in the Response JSON (e.g. `cancelled`). False if unknown. */
  markStatus(id: string, status: string, patch: Record<string, unknown> = {}): boolean {
    return this.db
      .transaction(() => {
        const stored = this.getResponse(id);
        if (!stored) return false;
        this.saveInTransaction({
          response: { ...stored.response, ...patch, status },
          requestId: stored.requestId,
          previousResponseId: stored.previousResponseId,
          metadata: stored.metadata,
          owner: stored.owner,
        });
        return true;
      })
      .immediate();
  }

  /** OpenAI list semantics; null when the response does not exist (or expired). */
  listInputItems(id: string, options: ListInputItemsOptions = {}, owner?: OwnerFilter): InputItemList | null {
    const limit = options.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw errors.invalidValue('limit', `Invalid 'limit': expected an integer from 1 to 100, got ${String(limit)}.`);
    }
    const order = options.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      throw errors.invalidValue('order', `Invalid 'order': expected 'asc' or 'desc', got '${String(order)}'.`);
    }
    if (!this.has(id, owner)) return null;
    let cursor = order === 'asc' ? -1 : Number.MAX_SAFE_INTEGER;
    if (options.after !== undefined) {
      const found = this.stmt.itemPosition.get(id, options.after);
      if (!found) {
        throw errors.invalidValue('after', `No input item with id '${options.after}' in response '${id}'.`);
      }
      cursor = found.position;
    }
    const rows = (order === 'asc' ? this.stmt.itemsAsc : this.stmt.itemsDesc).all(id, cursor, limit + 1);
    const page = rows.slice(0, limit);
    return {
      object: 'list',
      data: page.map((r) => JSON.parse(r.body) as unknown),
      first_id: page.length > 0 ? page[0].item_id : null,
      last_id: page.length > 0 ? page[page.length - 1].item_id : null,
      has_more: rows.length > limit,
    };
  }

  /**
   * Walks `previous_response_id` back to the first response and returns the items in order. With
   * an owner, every link must be that owner's: another owner's response is missing to it.
   */
  getConversation(id: string, owner?: OwnerFilter): ConversationResult {
    return this.db.transaction((): ConversationResult => {
      const chain: { id: string; output: readonly unknown[] }[] = [];
      const seen = new Set<string>();
      let next: string | null = id;
      while (next !== null && !seen.has(next)) {
        seen.add(next);
        const stored: StoredResponse | null = this.getResponse(next, owner);
        if (!stored) return { found: false, missingId: next };
        chain.push({ id: next, output: stored.response.output });
        next = stored.previousResponseId;
      }
      chain.reverse();
      const items: unknown[] = [];
      for (const link of chain) {
        for (const row of this.stmt.allItems.all(link.id)) items.push(JSON.parse(row.body));
        items.push(...link.output);
      }
      return { found: true, items, responseIds: chain.map((l) => l.id) };
    })();
  }

  /** Deletes expired responses in small batches; returns how many went. */
  sweepExpired(): number {
    const now = this.now();
    let total = 0;
    for (let n = this.stmt.sweep.run(now).changes; n > 0; n = this.stmt.sweep.run(now).changes) total += n;
    return total;
  }

  /** Marks responses a previous process left queued or in progress as failed; returns them. */
  recoverInterrupted(): string[] {
    const ids = this.stmt.running.all().map((r) => r.id);
    for (const id of ids) {
      this.markStatus(id, 'failed', {
        error: { code: 'server_error', message: 'The gateway stopped before this response finished.' },
      });
    }
    return ids;
  }

  stats(): { count: number; bytes: number } {
    return this.stmt.totals.get() ?? { count: 0, bytes: 0 };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
