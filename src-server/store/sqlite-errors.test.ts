/** A full disk under the SQLite store, as the gateway's callers see it (docs/errors.md). */
import { describe, expect, test } from 'vitest';
import { isGatewayError, type GatewayError } from '../shared/protocol/errors.js';
import { openStore } from './index.js';
import { sqliteGatewayStore } from './sqlite-storage.js';

const response = (id: string, instructions = '') => ({
  id,
  created_at: 1,
  status: 'completed',
  output: [],
  instructions,
});

describe('M2 a full disk under the SQLite store', { tags: ['M2'] }, () => {
  test('a write the disk refuses is a 503 storage_full; the store works again once there is room', async () => {
    const store = openStore({ inMemory: true, sweepIntervalMs: 0 });
    const gateway = sqliteGatewayStore(store);
    const failures: unknown[] = [];
    try {
      // The database may not grow any more: SQLite answers SQLITE_FULL, as on a full disk.
      store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);
      const big = response('resp_big', 'x'.repeat(64 * 1024));
      const refused = await gateway.responses.saveResponse({ response: big }).catch((err: unknown) => err);
      expect(isGatewayError(refused)).toBe(true);
      const e = refused as GatewayError;
      expect([e.status, e.type, e.code, e.param, e.headers['retry-after']]).toEqual([
        503,
        'server_error',
        'storage_full',
        null,
        '5',
      ]);
      const conversation = await gateway.conversations
        .create({ items: [{ type: 'message', role: 'user', content: 'x'.repeat(64 * 1024) }] })
        .catch((err: unknown) => err);
      expect((conversation as GatewayError).code).toBe('storage_full');
      // A final save that fails reaches its onError as the same error.
      gateway.responses.queueFinalSave({ input: { response: big }, onError: (err) => failures.push(err) });
      await gateway.responses.flushFinalSaves();
      expect(failures.map((f) => (f as GatewayError).code)).toEqual(['storage_full']);

      store.db.pragma('max_page_count = 1073741823');
      await gateway.responses.saveResponse({ response: big });
      expect((await gateway.responses.getResponse('resp_big'))?.response.status).toBe('completed');
    } finally {
      await gateway.close();
    }
  });
});
