/** The store contract (contract.case.ts) against both engines: embedded SQLite and PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { storeContract, type EngineOptions } from './contract.case.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteGatewayStore } from './sqlite-storage.js';
import { createTestDatabase } from '../../tests/support/services.js';

storeContract('sqlite', async (options) => {
  const store = openSqliteGatewayStore({ inMemory: true, sweepIntervalMs: 0, ...options });
  return {
    responses: store.responses,
    conversations: store.conversations,
    recordings: store.recordings,
    // One process, one store: its recorders share it.
    otherRecordings: async () => store.recordings,
    close: () => store.close(),
  };
});

storeContract('postgres', async (options) => {
  const db = await createTestDatabase();
  // Timer and pool failures (none are expected while a case runs).
  const failures: unknown[] = [];
  const open = (opts: EngineOptions) =>
    openPostgresStore({
      url: db.url,
      instanceId: `test-${randomUUID()}`,
      sweepIntervalMs: 0,
      onError: (err) => failures.push(err),
      ...opts,
    });
  const store = await open(options);
  // Another instance on the same database, opened when a case asks for it.
  let other: Awaited<ReturnType<typeof open>> | undefined;
  return {
    responses: store.responses,
    conversations: store.conversations,
    recordings: store.recordings,
    async otherRecordings() {
      other ??= await open(options);
      return other.recordings;
    },
    async close() {
      await store.close();
      await other?.close();
      await db.drop();
      expect(failures).toEqual([]);
    },
  };
});
