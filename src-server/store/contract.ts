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
import type { RecordingsStore } from './recordings-store.js';
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
  /**
   * Recordings stay in the instance's own SQLite database (its --data-dir, else in memory) with
   * either engine: a recording belongs to the instance that recorded it (docs/deploy.md).
   */
  readonly recordings: RecordingsStore;
  health(): Promise<StoreHealth>;
  /** Writes queued final saves, stops timers and closes connections. Idempotent. */
  close(): Promise<void>;
}
