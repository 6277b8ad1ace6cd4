/** The store contract (contract.case.ts) against both engines: embedded SQLite and PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { storeContract } from './contract.case.js';
import { openStore } from './index.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteGatewayStore } from './sqlite-storage.js';
import { createTestDatabase } from '../../tests/support/services.js';

storeContract('sqlite', async (options) => {
  const store = openSqliteGatewayStore({ inMemory: true, sweepIntervalMs: 0, ...options });
  return { responses: store.responses, conversations: store.conversations, close: () => store.close() };
});

storeContract('postgres', async (options) => {
  const db = await createTestDatabase();
  // Timer and pool failures (none are expected while a case runs).
  const failures: unknown[] = [];
  const local = openStore({ inMemory: true, sweepIntervalMs: 0 });
  const store = await openPostgresStore({
    url: db.url,
    instanceId: `test-${randomUUID()}`,
    sweepIntervalMs: 0,
    recordings: local.recordings,
    closeRecordings: () => local.close(),
    onError: (err) => failures.push(err),
    ...options,
  });
  return {
    responses: store.responses,
    conversations: store.conversations,
    async close() {
      await store.close();
      await db.drop();
      expect(failures).toEqual([]);
    },
  };
});
