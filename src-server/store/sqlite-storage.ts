/**
 * The embedded engine behind the GatewayStore interface: the synchronous SQLite store (index.ts)
 * unchanged, its answers wrapped in already-settled promises. Every call does its work at once,
 * as before, so a single-instance gateway behaves exactly as it did without the interface.
 */
import { FinalSaves } from './final-saves.js';
import type { ConversationStorage, GatewayStore, ResponseStorage } from './contract.js';
import { openStore, type Store, type StoreOptions } from './index.js';
import type { ResponseLike } from './responses-store.js';

function responseStorage(store: Store): ResponseStorage {
  const r = store.responses;
  const finalSaves = new FinalSaves(store.db, (input) => void r.saveResponse(input));
  return {
    saveResponse: async (input) => r.saveResponse(input),
    queueFinalSave: (job) => finalSaves.add(job),
    flushFinalSaves: async () => finalSaves.flush(),
    getResponse: async <T extends ResponseLike>(id: string, owner?: string) => r.getResponse<T>(id, owner),
    has: async (id, owner) => r.has(id, owner),
    deleteResponse: async (id, owner) => r.deleteResponse(id, owner),
    markStatus: async (id, status, patch) => r.markStatus(id, status, patch),
    listInputItems: async (id, options, owner) => r.listInputItems(id, options, owner),
    getConversation: async (id, owner) => r.getConversation(id, owner),
    sweepExpired: async () => r.sweepExpired(),
    stats: async () => r.stats(),
  };
}

function conversationStorage(store: Store): ConversationStorage {
  const c = store.conversations;
  return {
    create: async (input) => c.create(input),
    get: async (id, owner) => c.get(id, owner),
    list: async (options, owner) => c.list(options, owner),
    updateMetadata: async (id, metadata, owner) => c.updateMetadata(id, metadata, owner),
    delete: async (id, owner) => c.delete(id, owner),
    appendItems: async (id, items, owner, responseId) => c.appendItems(id, items, owner, responseId),
    listItems: async (id, options, owner) => c.listItems(id, options, owner),
    allItems: async (id, owner) => c.allItems(id, owner),
    getItem: async (id, itemId, owner) => c.getItem(id, itemId, owner),
    deleteItem: async (id, itemId, owner) => c.deleteItem(id, itemId, owner),
    responses: async (id, owner) => c.responses(id, owner),
    findStoredItem: async (itemId, owner) => c.findStoredItem(itemId, owner),
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
