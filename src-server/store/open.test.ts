import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/flags.js';
import { DATABASE_FILE } from './index.js';
import { openGatewayStore, selectStore } from './open.js';
import type { GatewayStore } from './contract.js';

let opened: GatewayStore | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await opened?.close();
  opened = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('--store selects the engine', { tags: ['X8', 'M6'] }, () => {
  test('no flag: SQLite in --data-dir or in memory; sqlite:PATH; postgres URLs; anything else is refused', () => {
    expect(selectStore({ store: undefined, dataDir: undefined })).toEqual({ kind: 'sqlite', dataDir: undefined });
    expect(selectStore({ store: undefined, dataDir: '/d' })).toEqual({ kind: 'sqlite', dataDir: '/d' });
    expect(selectStore({ store: 'sqlite:./data', dataDir: '/d' })).toEqual({ kind: 'sqlite', dataDir: './data' });
    expect(selectStore({ store: 'postgres://h:5432/db', dataDir: undefined })).toEqual({
      kind: 'postgres',
      url: 'postgres://h:5432/db',
    });
    expect(selectStore({ store: 'postgresql://h/db', dataDir: undefined }).kind).toBe('postgres');
    expect(() => selectStore({ store: 'sqlite:', dataDir: undefined })).toThrow(/needs a folder/);
    expect(() => selectStore({ store: 'mysql://h/db', dataDir: undefined })).toThrow(/must be 'sqlite:PATH'/);
  });

  test('sqlite:PATH stores responses in PATH/responses-studio.sqlite', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-store-'));
    dirs.push(dir);
    opened = await openGatewayStore(
      { ...defaultConfig(), store: `sqlite:${dir}` },
      { instanceId: 'test', onError: (err) => expect.unreachable(String(err)) },
    );
    expect(opened.kind).toBe('sqlite');
    expect(opened.location).toBe(path.join(dir, DATABASE_FILE));
    await opened.responses.saveResponse({
      response: { id: 'resp_file', created_at: 1, status: 'completed', output: [] },
    });
    expect(await opened.responses.has('resp_file')).toBe(true);
    expect(await opened.health()).toEqual({ kind: 'sqlite', ok: true });
    expect(fs.existsSync(path.join(dir, DATABASE_FILE))).toBe(true);
  });

  test('an unreachable PostgreSQL at start-up is a clear error without the password', async () => {
    const config = { ...defaultConfig(), store: 'postgres://studio:s3cret@127.0.0.1:1/studio' };
    const failure = openGatewayStore(config, { instanceId: 'test', onError: () => undefined });
    await expect(failure).rejects.toThrow(
      'Cannot open the response store at postgres://127.0.0.1:1/studio: ECONNREFUSED',
    );
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});
