import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DATABASE_FILE, openDatabase } from './database.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { openStore } from './index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-db-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('M6 store database', { tags: ['M6'] }, () => {
  test('a file database is WAL with synchronous NORMAL, foreign keys and a busy timeout', () => {
    const { db, location } = openDatabase({ dataDir: path.join(dir, 'nested') });
    expect(location).toBe(path.join(dir, 'nested', DATABASE_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  test('migrations run once: reopening applies nothing and keeps the data', () => {
    const first = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    expect(first.migration).toMatchObject({ from: 0, to: MIGRATIONS.length });
    expect(first.migration.applied).toHaveLength(MIGRATIONS.length);
    first.responses.saveResponse({ response: { id: 'resp_1', created_at: 1, status: 'completed', output: [] } });
    first.close();
    const second = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    expect(second.migration).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] });
    expect(second.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(second.responses.has('resp_1')).toBe(true);
    expect(second.integrityCheck()).toBe('ok');
    second.close();
  });

  test('a failing migration rolls back with its version; earlier ones stay applied', () => {
    const broken: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'half done',
        up: (db) => {
          db.exec('CREATE TABLE half (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => openDatabase({ dataDir: dir, migrations: broken })).toThrow('boom');
    const { db } = openDatabase({ dataDir: dir });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  test('a schema newer than this build is refused', () => {
    const { db } = openDatabase({ dataDir: dir });
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => openDatabase({ dataDir: dir })).toThrow(/newer than this build/);
  });

  test('in memory needs no data directory', () => {
    const store = openStore({ inMemory: true });
    expect(store.location).toBe(':memory:');
    store.close();
    store.close();
  });
});
