import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadOrCreateKeyring } from '../crypto/reasoning-seal.js';
import { DATABASE_FILE, openDatabase } from './database.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { openStore } from './index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-private-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

describe.skipIf(process.platform === 'win32')('store files are private to the user', { tags: ['M6', 'H4'] }, () => {
  test('a new data dir is 0700; the database, its -wal and -shm files and the key file are 0600', () => {
    const dataDir = path.join(dir, 'data', 'nested');
    const store = openStore({ dataDir, sweepIntervalMs: 0 });
    store.responses.saveResponse({ response: { id: 'resp_1', created_at: 1, status: 'completed', output: [] } });
    loadOrCreateKeyring({ keys: [], dataDir });
    const db = path.join(dataDir, DATABASE_FILE);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dir, 'data'))).toBe(0o700);
    expect(mode(db)).toBe(0o600);
    expect(fs.existsSync(`${db}-wal`)).toBe(true);
    expect(mode(`${db}-wal`)).toBe(0o600);
    expect(mode(`${db}-shm`)).toBe(0o600);
    expect(mode(path.join(dataDir, 'reasoning.key'))).toBe(0o600);
    store.close();
  });

  test('files an earlier version left readable by others are narrowed on open', () => {
    const first = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    first.close();
    loadOrCreateKeyring({ keys: [], dataDir: dir });
    const db = path.join(dir, DATABASE_FILE);
    const key = path.join(dir, 'reasoning.key');
    fs.chmodSync(db, 0o644);
    fs.writeFileSync(`${db}-wal`, '');
    fs.chmodSync(`${db}-wal`, 0o644);
    fs.chmodSync(key, 0o644);
    const again = openDatabase({ dataDir: dir });
    loadOrCreateKeyring({ keys: [], dataDir: dir });
    expect(mode(db)).toBe(0o600);
    expect(mode(`${db}-wal`)).toBe(0o600);
    expect(mode(key)).toBe(0o600);
    again.db.close();
  });
});

describe('X6 owners migration', { tags: ['X6', 'M6'] }, () => {
  test('rows stored before owners existed belong to the anonymous owner', () => {
    const file = path.join(dir, DATABASE_FILE);
    const old = new BetterSqlite3(file);
    migrate(old, MIGRATIONS.slice(0, 2));
    old
      .prepare(
        `INSERT INTO responses (id, status, created_at, stored_at, updated_at, body, items_bytes, bytes)
         VALUES ('resp_old', 'completed', 1, 1, 1, '{"id":"resp_old","created_at":1,"output":[]}', 0, 10)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO recordings (id, created_at, request, status, key) VALUES ('rec_old', 1, '{}', 'completed', 1)`,
      )
      .run();
    old.close();
    const store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    expect(store.migration.applied.slice(0, 2)).toEqual([
      'owners of responses and recordings',
      'recording kind, input preview and re-run link',
    ]);
    expect(store.responses.getResponse('resp_old', 'anonymous')?.owner).toBe('anonymous');
    expect(store.responses.getResponse('resp_old', 'key_0123456789abcdef')).toBeNull();
    expect(store.recordings.ownerOf('rec_old')).toBe('anonymous');
    expect(store.recordings.listRecordings({ owner: 'anonymous' }).total).toBe(1);
    expect(store.recordings.listRecordings({ owner: 'key_0123456789abcdef' }).total).toBe(0);
    store.close();
  });
});
