/**
 * The embedded engine behind the GatewayStore interface: the synchronous SQLite store (index.ts)
 * unchanged, its answers wrapped in already-settled promises. Every call does its work at once,
 * as before, so a single-instance gateway behaves exactly as it did without the interface.
 */
import { FinalSaves } from './final-saves.js';
import { asSqliteStoreError, isDiskFull, sqliteCall } from './sqlite-errors.js';
import type { ConversationStorage, GatewayStore, ResponseStorage } from './contract.js';
import { openStore, type Store, type StoreOptions } from './index.js';
import type { ResponseLike } from './responses-store.js';

function responseStorage(store: Store): ResponseStorage {
  const r = store.responses;
  const finalSaves = new FinalSaves(store.db, (input) => void r.saveResponse(input), isDiskFull, asSqliteStoreError);
  return {
    saveResponse: (input) => sqliteCall(() => r.saveResponse(input)),
    queueFinalSave: (job) => finalSaves.add(job),
    flushFinalSaves: () => sqliteCall(() => finalSaves.flush()),
    getResponse: <T extends ResponseLike>(id: string, owner?: string) => sqliteCall(() => r.getResponse<T>(id, owner)),
    has: (id, owner) => sqliteCall(() => r.has(id, owner)),
    deleteResponse: (id, owner) => sqliteCall(() => r.deleteResponse(id, owner)),
    markStatus: (id, status, patch) => sqliteCall(() => r.markStatus(id, status, patch)),
    listInputItems: (id, options, owner) => sqliteCall(() => r.listInputItems(id, options, owner)),
    getConversation: (id, owner) => sqliteCall(() => r.getConversation(id, owner)),
    sweepExpired: () => sqliteCall(() => r.sweepExpired()),
    stats: () => sqliteCall(() => r.stats()),
  };
}

function conversationStorage(store: Store): ConversationStorage {
  const c = store.conversations;
  return {
    create: (input) => sqliteCall(() => c.create(input)),
    get: (id, owner) => sqliteCall(() => c.get(id, owner)),
    list: (options, owner) => sqliteCall(() => c.list(options, owner)),
    updateMetadata: (id, metadata, owner) => sqliteCall(() => c.updateMetadata(id, metadata, owner)),
    delete: (id, owner) => sqliteCall(() => c.delete(id, owner)),
    appendItems: (id, items, owner, responseId) => sqliteCall(() => c.appendItems(id, items, owner, responseId)),
    listItems: (id, options, owner) => sqliteCall(() => c.listItems(id, options, owner)),
    allItems: (id, owner) => sqliteCall(() => c.allItems(id, owner)),
    getItem: (id, itemId, owner) => sqliteCall(() => c.getItem(id, itemId, owner)),
    deleteItem: (id, itemId, owner) => sqliteCall(() => c.deleteItem(id, itemId, owner)),
    responses: (id, owner) => sqliteCall(() => c.responses(id, owner)),
    findStoredItem: (itemId, owner) => sqliteCall(() => c.findStoredItem(itemId, owner)),
  };
}

/** Wraps an open SQLite store (its owner closes it through the returned value). */
export function sqliteGatewayStore(store: Store): GatewayStore {
  const responses = responseStorage(store);
  let closed = false;
  return {
    kind: 'sqlite',
    location: store.location,
    responses,
    conversations: conversationStorage(store),
    recordings: store.recordings,
    health: async () => ({ kind: 'sqlite', ok: !closed }),
    async close() {
      if (closed) return;
      closed = true;
      await responses.flushFinalSaves();
      store.close();
      // A recordings writer thread still starting opens the database file: done once it has.
      await store.recordings.whenThreadSettled();
    },
  };
}

export function openSqliteGatewayStore(options: StoreOptions): GatewayStore {
  return sqliteGatewayStore(openStore(options));
}
