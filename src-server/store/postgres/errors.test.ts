import { describe, expect, test } from 'vitest';
import type { GatewayError } from '../../shared/protocol/errors.js';
import { asSqliteStoreError } from '../sqlite-errors.js';
import { asStoreError } from './errors.js';

/** What a client sees of an error: status, type, code, param and Retry-After. */
const seen = (e: GatewayError) => [e.status, e.type, e.code, e.param, e.headers['retry-after']];

describe('M2 PostgreSQL errors as the client sees them', { tags: ['M2'] }, () => {
  test('53100 disk_full is a 503 storage_full, as a full disk under SQLite', () => {
    const e = asStoreError(Object.assign(new Error('could not extend file'), { code: '53100' })) as GatewayError;
    const sqlite = asSqliteStoreError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(seen(e)).toEqual([503, 'server_error', 'storage_full', null, '5']);
    expect(seen(e)).toEqual(seen(sqlite as GatewayError));
  });
});
