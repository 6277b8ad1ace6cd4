/**
 * The store as the gateway sees it: one interface, split by concern, with one implementation per
 * engine (`sqlite/`, the embedded default, and `postgres/`, shared by many instances). The same
 * contract suite (contract.case.ts) runs against both.
 *
 * Adding a concern (as conversations were): declare its interface here, add it to `GatewayStore`,
 * implement it in `sqlite-storage.ts` (over the synchronous SQLite module, like `responses`) and in
 * `postgres/` (a migration in postgres/migrations.ts and a module beside postgres/responses.ts),
 * then add its cases to contract.case.ts: both engines must pass them.
 */
import type { FinalSave } from './final-saves.js';
import type {
  ConversationResult,
  InputItemList,
  ListInputItemsOptions,
  OwnerFilter,
  ResponseJson,
  ResponseLike,
  SaveResponseInput,
  SaveResult,
  StoredResponse,
} from './responses-store.js';
import type {
  FinishRecordingInput,
  ListRecordingsOptions,
  RecordedActionInput,
  RecordedEvent,
  RecordedEventInput,
  RecordingDetail,
  RecordingMeta,
  RecordingPatch,
  RecordingSummary,
} from './recordings-store.js';
import type {
  ConversationList,
  ConversationObject,
  ConversationPage,
  StoredConversation,
} from './conversations-store.js';

type Item = Record<string, unknown>;

export type { FinalSave };

/** Stored responses (M6) with the retention and tenancy rules of responses-store.ts, asynchronous. */
export interface ResponseStorage {
  /** Creates or replaces a response (quotas: a 429 `storage_quota_exceeded` writes nothing). */
  saveResponse(input: SaveResponseInput): Promise<SaveResult>;
  /** Queues the final state of a finished response; saves ending in the same burst are written together. */
  queueFinalSave(job: FinalSave): void;
  /** Resolves once every queued final save is written (or reported to its onError). */
  flushFinalSaves(): Promise<void>;
  getResponse<T extends ResponseLike = ResponseJson>(
    id: string,
    owner?: OwnerFilter,
  ): Promise<StoredResponse<T> | null>;
  has(id: string, owner?: OwnerFilter): Promise<boolean>;
  deleteResponse(id: string, owner?: OwnerFilter): Promise<boolean>;
  markStatus(id: string, status: string, patch?: Record<string, unknown>): Promise<boolean>;
  listInputItems(id: string, options?: ListInputItemsOptions, owner?: OwnerFilter): Promise<InputItemList | null>;
  getConversation(id: string, owner?: OwnerFilter): Promise<ConversationResult>;
  sweepExpired(): Promise<number>;
  stats(): Promise<{ count: number; bytes: number }>;
}

/**
 * Conversations (X4) with the rules of conversations-store.ts: ids, ordering, paging (400s for a
 * bad `limit`, `order` or `after`), tenancy (another owner's conversation is missing), asynchronous.
 */
export interface ConversationStorage {
  /** A new conversation with its first items (already validated), atomically. */
  create(input: {
    owner?: string;
    metadata?: Record<string, string> | null;
    items?: readonly Item[];
  }): Promise<{ conversation: ConversationObject; items: Item[] }>;
  get(id: string, owner?: OwnerFilter): Promise<StoredConversation | null>;
  list(options?: ConversationPage, owner?: OwnerFilter): Promise<ConversationList<ConversationObject>>;
  updateMetadata(id: string, metadata: Record<string, string>, owner?: OwnerFilter): Promise<ConversationObject | null>;
  delete(id: string, owner?: OwnerFilter): Promise<boolean>;
  /** Appends in order, atomically (ids given where missing); null when the conversation is gone. */
  appendItems(
    id: string,
    items: readonly Item[],
    owner?: OwnerFilter,
    responseId?: string | null,
  ): Promise<Item[] | null>;
  listItems(id: string, options?: ConversationPage, owner?: OwnerFilter): Promise<ConversationList<unknown> | null>;
  allItems(id: string, owner?: OwnerFilter): Promise<Item[] | null>;
  getItem(id: string, itemId: string, owner?: OwnerFilter): Promise<Item | null>;
  deleteItem(id: string, itemId: string, owner?: OwnerFilter): Promise<boolean>;
  responses(id: string, owner?: OwnerFilter): Promise<{ responseId: string; itemIds: string[] }[] | null>;
  /** For `item_reference`: a conversation's item, then a stored response's input item, then its output item. */
  findStoredItem(itemId: string, owner?: OwnerFilter): Promise<Item | null>;
}

/**
 * Recordings (R1…, docs/recording.md) with the rules of recordings-store.ts: summaries for the
 * library, events with their exact bytes, actions, quota eviction and truncation
 * (`--recordings-max-bytes`), tenancy (with an owner, another owner's recording is missing).
 *
 * Write path: `start`, `appendEvent` and `appendAction` only buffer and return at once, so the
 * streaming path never waits for the database; the buffer is written once per event-loop tick as
 * one transaction. A failed write goes to the engine's onError (the gateway logs it), never to the
 * request. `finish` and the edits resolve once written; reads see everything appended before them
 * on this instance (and, on PostgreSQL, what other instances have committed).
 */
export interface RecordingStorage {
  /**
   * Starts a recording and returns its id (generated when `meta.id` is omitted). Throws only when
   * the engine can tell at once that it cannot be written (SQLite without a writer thread);
   * otherwise a start that fails is reported to onError and later appends to it are refused.
   */
  start(meta: RecordingMeta): string;
  /** Buffers one event; false when the recording is not being written (finished, deleted, truncated). */
  appendEvent(id: string, event: RecordedEventInput): boolean;
  /** Buffers an action (tool outputs submitted…), ordered with the events around it. */
  appendAction(id: string, action: RecordedActionInput): boolean;
  /** Sets fields known after the start; false when there is no such recording. */
  update(id: string, patch: RecordingPatch): Promise<boolean>;
  /** Ends a recording (written with the tick's batch); false when there is no such recording. */
  finish(id: string, result: FinishRecordingInput): Promise<boolean>;
  /** Resolves once everything appended so far is written. */
  settled(): Promise<void>;
  /** Newest first; `total` counts every match. */
  list(options?: ListRecordingsOptions): Promise<{ data: RecordingSummary[]; total: number }>;
  summary(id: string, owner?: string): Promise<RecordingSummary | null>;
  detail(id: string, owner?: string): Promise<RecordingDetail | null>;
  /** Events in seq order, a page at a time. */
  events(id: string, options?: { afterSeq?: number; limit?: number }): Promise<RecordedEvent[]>;
  /** Deletes a recording with its events and actions; false when missing or another owner's. */
  remove(id: string, owner?: string): Promise<boolean>;
  rename(id: string, name: string | null): Promise<boolean>;
  /** Replaces the tags (trimmed, empty ones dropped, each once). */
  tag(id: string, tags: string[]): Promise<boolean>;
  /** The session of the newest recording of this owner that produced `responseId` (exact match), or null. */
  sessionOf(responseId: string, owner?: string): Promise<string | null>;
  /** Recordings and their bytes (request JSON + event data + action data) in the library. */
  totals(): Promise<{ count: number; bytes: number }>;
  /**
   * True when other gateway instances write the same library (PostgreSQL): a run's response id is
   * stored as soon as it is known, so a request that reaches another instance finds its session,
   * and a run started there before that joins it once it is (RecordingMeta.joins).
   */
  readonly shared: boolean;
  /** `sessionOf` answered at once, where the engine needs no I/O for it (the embedded store). */
  sessionOfNow?(responseId: string, owner?: string): string | null;
  /** Moves recording writes off the main thread where the engine can (SQLite: a writer thread). */
  useWriterThread?(): Promise<boolean>;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreHealth {
  kind: StoreKind;
  ok: boolean;
  /** Why it is not ok (never a connection string: it may hold a password). */
  error?: string;
}

export interface GatewayStore {
  readonly kind: StoreKind;
  /** Where it lives, without credentials (a file path, ':memory:' or postgres://host:port/db). */
  readonly location: string;
  readonly responses: ResponseStorage;
  readonly conversations: ConversationStorage;
  /** Recordings: in the same database as the responses, so every instance serves every recording. */
  readonly recordings: RecordingStorage;
  health(): Promise<StoreHealth>;
  /** Writes queued final saves, stops timers and closes connections. Idempotent. */
  close(): Promise<void>;
}
