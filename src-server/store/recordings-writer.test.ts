import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DATABASE_FILE, MIGRATIONS, openDatabase, openStore, type Store } from './index.js';
import { RecordingsStore, startRowOf, patchRow, eventOp } from './recordings-store.js';
import { RecordingsWriter } from './recordings-writer.js';
import { sqliteGatewayStore } from './sqlite-storage.js';

let dir: string;
let store: Store | undefined;
const file = () => path.join(dir, DATABASE_FILE);
const sse = (seq: number) => `event: t\ndata: {"type":"t","sequence_number":${seq}}\n\n`;
/** A connection of its own, as another process would read the file (nothing flushed for it). */
const peek = <T>(sql: string, ...args: unknown[]): T => {
  const db = new BetterSqlite3(file(), { readonly: true });
  try {
    return db.prepare(sql).get(...args) as T;
  } finally {
    db.close();
  }
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-recw-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('issue 6 recording writer thread (record/replay)', () => {
  test('starts for a database file, not for an in-memory one', async () => {
    const memory = openStore({ inMemory: true, sweepIntervalMs: 0 });
    try {
      expect(await memory.recordings.useWriterThread()).toBe(false);
      expect(memory.recordings.threaded).toBe(false);
    } finally {
      memory.close();
    }
    store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    expect(await store.recordings.useWriterThread()).toBe(true);
    expect(store.recordings.threaded).toBe(true);
  });

  test('a store closed while its writer thread is still starting is done with the file once close resolves', async () => {
    const gateway = sqliteGatewayStore(openStore({ dataDir: dir, sweepIntervalMs: 0 }));
    // The thread opens the database file as it starts, which takes a while: close comes first.
    let startSettled = false;
    const starting = gateway.recordings.useWriterThread?.().then((threaded) => {
      startSettled = true;
      return threaded;
    });
    await gateway.close();
    expect(startSettled).toBe(true);
    // Started after the store closed: the thread was closed again and writes nothing.
    expect(await starting).toBe(false);
    expect((gateway.recordings as RecordingsStore).threaded).toBe(false);
  });

  test('the thread commits each tick; a read sees what was appended just before it', async () => {
    store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    await store.recordings.useWriterThread();
    const id = store.recordings.startRecording({ request: { input: 'hi' }, model: 'm' });
    for (let seq = 0; seq < 30; seq++) {
      store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: sse(seq) });
      if (seq % 10 === 9) await nextTick();
    }
    store.recordings.appendAction(id, { offsetMs: 31, kind: 'tool_outputs', data: { ok: true } });
    store.recordings.appendEvent(id, { seq: 30, offsetMs: 32, type: 'raw', data: Uint8Array.from([0, 255]) });
    // Same tick, nothing committed yet: the read waits for the thread.
    const rec = store.recordings.getRecording(id);
    expect(rec?.events.map((e) => e.seq)).toEqual([...Array(31).keys()]);
    expect(rec?.events[5].data).toBe(sse(5));
    expect(Buffer.compare(rec?.events[30].data as Buffer, Buffer.from([0, 255]))).toBe(0);
    expect(rec?.actions).toEqual([{ seq: 1, offsetMs: 31, kind: 'tool_outputs', data: { ok: true } }]);
    expect(rec).toMatchObject({ status: 'recording', eventCount: 31, model: 'm' });
    expect(store.recordings.finishRecording(id, { status: 'completed', durationMs: 40 })).toBe(true);
    expect(store.recordings.appendEvent(id, { seq: 31, offsetMs: 41, type: 't', data: 'x' })).toBe(false);
    expect(store.recordings.getSummary(id)).toMatchObject({ status: 'completed', durationMs: 40, eventCount: 31 });
    // The old column shape stays queryable (a view over the integer-keyed rows).
    expect(peek<{ n: number }>('SELECT count(*) AS n FROM recording_events WHERE recording_id = ?', id).n).toBe(31);
  });

  test('close commits what is still buffered; the file holds it', async () => {
    store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    await store.recordings.useWriterThread();
    const id = store.recordings.startRecording({ request: {} });
    for (let seq = 0; seq < 5; seq++) store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: 'x' });
    store.close();
    store = undefined;
    expect(peek<{ n: number }>('SELECT count(*) AS n FROM recording_events WHERE recording_id = ?', id).n).toBe(5);
  });

  test('a repeated seq from the thread reaches onError with its SQLite code; the rest is kept', async () => {
    const failures: unknown[] = [];
    store = openStore({ dataDir: dir, sweepIntervalMs: 0, onError: (err) => failures.push(err) });
    await store.recordings.useWriterThread();
    const id = store.recordings.startRecording({ request: {} });
    for (const seq of [0, 1, 1, 2]) store.recordings.appendEvent(id, { seq, offsetMs: 0, type: 't', data: 'x' });
    store.recordings.flush();
    expect(failures).toHaveLength(1);
    expect((failures[0] as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(store.recordings.getEvents(id).map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(store.recordings.getSummary(id)?.eventCount).toBe(3);
  });

  test('quota: the thread truncates a running recording and appends are refused after a flush', async () => {
    store = openStore({ dataDir: dir, sweepIntervalMs: 0, recordingsMaxBytes: 2500 });
    await store.recordings.useWriterThread();
    const payload = 'z'.repeat(1000);
    const id = store.recordings.startRecording({ request: {} });
    for (let seq = 0; seq < 3; seq++)
      store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: payload });
    store.recordings.flush();
    expect(store.recordings.appendEvent(id, { seq: 3, offsetMs: 3, type: 't', data: payload })).toBe(false);
    store.recordings.finishRecording(id, { status: 'completed', durationMs: 3 });
    expect(store.recordings.getRecording(id)).toMatchObject({ truncated: true, eventCount: 2 });
    expect(store.recordings.stats().bytes).toBeLessThanOrEqual(2500);
  });

  test('deleting a recording deletes its events (trigger) after the thread committed them', async () => {
    store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    await store.recordings.useWriterThread();
    const id = store.recordings.startRecording({ request: {} });
    for (let seq = 0; seq < 4; seq++) store.recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: 'x' });
    await nextTick();
    expect(store.recordings.deleteRecording(id)).toBe(true);
    expect(store.recordings.getRecording(id)).toBeNull();
    expect(peek<{ n: number }>('SELECT count(*) AS n FROM recording_event_rows').n).toBe(0);
  });
});

describe("issue 14 group commit: many recordings at once share the writer thread's commits", () => {
  /** Event rows committed, read through a connection of its own. */
  const rows = (): number => peek<{ n: number }>('SELECT count(*) AS n FROM recording_event_rows').n;
  /** Polls the file until `n` event rows are committed. */
  const committed = async (n: number): Promise<void> => {
    for (let i = 0; i < 10_000; i++) {
      if (rows() >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error(`fewer than ${n} event rows were committed`);
  };

  test('one recording: every tick goes at once; two: held until the hold ends or a read settles', async () => {
    const { db } = openDatabase({ dataDir: dir });
    // A hold far longer than the test: a batch held is never written by its timer here.
    const recordings = new RecordingsStore(db, { groupCommit: { recordings: 2, holdMs: 3_600_000 } });
    try {
      expect(await recordings.useWriterThread()).toBe(true);
      const a = recordings.startRecording({ request: {} });
      for (let seq = 0; seq < 3; seq++) {
        recordings.appendEvent(a, { seq, offsetMs: seq, type: 't', data: sse(seq) });
        await nextTick();
      }
      // Below the threshold each tick's batch goes to the thread: all three are committed.
      await committed(3);
      const b = recordings.startRecording({ request: {} });
      recordings.appendEvent(a, { seq: 3, offsetMs: 3, type: 't', data: sse(3) });
      recordings.appendEvent(b, { seq: 0, offsetMs: 0, type: 't', data: sse(0) });
      for (let i = 0; i < 20; i++) await nextTick();
      expect(recordings.buffered).toBe(3);
      expect(rows()).toBe(3);
      // A read settles: it hands the held batch over and waits for its commit.
      expect(recordings.getEvents(b).map((e) => e.data)).toEqual([sse(0)]);
      expect(rows()).toBe(5);
      recordings.finishRecording(b, { status: 'completed', durationMs: 1 });
      // Back below the threshold: the next tick's batch goes at once again.
      recordings.appendEvent(a, { seq: 4, offsetMs: 4, type: 't', data: sse(4) });
      await nextTick();
      await committed(6);
      recordings.appendEvent(a, { seq: 5, offsetMs: 5, type: 't', data: sse(5) });
    } finally {
      // Close commits what is still buffered.
      recordings.close();
      await recordings.whenThreadSettled();
      db.close();
    }
    expect(rows()).toBe(7);
  });

  test('held batches are written when the hold ends', async () => {
    const { db } = openDatabase({ dataDir: dir });
    const recordings = new RecordingsStore(db, { groupCommit: { recordings: 2, holdMs: 20 } });
    try {
      expect(await recordings.useWriterThread()).toBe(true);
      const ids = [recordings.startRecording({ request: {} }), recordings.startRecording({ request: {} })];
      for (let seq = 0; seq < 10; seq++) {
        for (const id of ids) recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: sse(seq) });
        await nextTick();
      }
      // Nothing reads: the hold's timer hands everything over.
      await committed(20);
      expect(ids.map((id) => recordings.getEvents(id).length)).toEqual([10, 10]);
    } finally {
      recordings.close();
      await recordings.whenThreadSettled();
      db.close();
    }
  });
});

describe('issue 6 per-recording counters are stored at finish, not per commit', () => {
  test('a running recording keeps its counters in memory; finish and reads store them', async () => {
    const { db } = openDatabase({ dataDir: dir });
    const recordings = new RecordingsStore(db, { countersEveryMs: 3_600_000 });
    try {
      const id = recordings.startRecording({ request: {} });
      for (let seq = 0; seq < 6; seq++) {
        recordings.appendEvent(id, { seq, offsetMs: seq, type: 't', data: 'abc' });
        await nextTick();
      }
      const raw = () => db.prepare('SELECT event_count, bytes FROM recordings WHERE id = ?').get(id);
      expect(peek<{ n: number }>('SELECT count(*) AS n FROM recording_event_rows').n).toBe(6);
      expect(raw()).toEqual({ event_count: 0, bytes: 2 });
      expect(recordings.getSummary(id)).toMatchObject({ eventCount: 6, bytes: 2 + 18 });
      recordings.appendEvent(id, { seq: 6, offsetMs: 6, type: 't', data: 'abc' });
      recordings.finishRecording(id, { status: 'completed', durationMs: 7 });
      expect(raw()).toEqual({ event_count: 7, bytes: 2 + 21 });
    } finally {
      recordings.close();
      db.close();
    }
  });
});

describe('issue 6 migration 2: integer-keyed event rows', () => {
  test('events recorded under schema 1 are carried over and read back', () => {
    const v1 = openDatabase({ dataDir: dir, migrations: MIGRATIONS.slice(0, 1) }).db;
    v1.prepare(
      `INSERT INTO recordings (id, created_at, request, status, event_count, bytes) VALUES ('rec_old', 1, '{}', 'completed', 2, 4)`,
    ).run();
    const insert = v1.prepare(
      'INSERT INTO recording_events (recording_id, seq, offset_ms, type, data) VALUES (?, ?, ?, ?, ?)',
    );
    insert.run('rec_old', 0, 0.5, 't', 'a');
    insert.run('rec_old', 1, 1.5, 't', Buffer.from([1]));
    v1.close();

    store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    expect(store.migration).toMatchObject({ from: 1, to: MIGRATIONS.length });
    const rec = store.recordings.getRecording('rec_old');
    expect(rec?.events.map((e) => [e.seq, e.offsetMs, e.type])).toEqual([
      [0, 0.5, 't'],
      [1, 1.5, 't'],
    ]);
    expect(rec?.eventCount).toBe(2);
    // New recordings get keys after the carried-over ones.
    const id = store.recordings.startRecording({ request: {} });
    store.recordings.appendEvent(id, { seq: 0, offsetMs: 0, type: 't', data: 'b' });
    expect(store.recordings.getEvents(id).map((e) => e.data)).toEqual(['b']);
    expect(store.recordings.getEvents('rec_old')).toHaveLength(2);
    expect(store.integrityCheck()).toBe('ok');
  });
});

describe('issue 14 migration 6: recording events in arrival order', () => {
  test('events recorded under schema 5 are carried over, read back and deleted with their recording', () => {
    const v5 = openDatabase({ dataDir: dir, migrations: MIGRATIONS.slice(0, 5) }).db;
    const run = v5.prepare(
      `INSERT INTO recordings (id, created_at, request, status, event_count, bytes, key) VALUES (?, 1, '{}', 'completed', 2, 4, ?)`,
    );
    run.run('rec_a', 1);
    run.run('rec_b', 2);
    const insert = v5.prepare(
      'INSERT INTO recording_event_rows (recording_key, seq, offset_ms, type, data) VALUES (?, ?, ?, ?, ?)',
    );
    // Interleaved, as concurrent recordings write them; one row larger than a page's share.
    insert.run(2, 0, 0.25, 't', 'b0');
    insert.run(1, 0, 0.5, 't', 'a'.repeat(3000));
    insert.run(1, 1, 1.5, 'raw', Buffer.from([0, 255]));
    insert.run(2, 1, 0.75, 't', 'b1');
    v5.close();

    store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    expect(store.migration).toMatchObject({ from: 5, to: MIGRATIONS.length });
    const table = peek<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'recording_event_rows'").sql;
    expect(table).toMatch(/PRIMARY KEY \(recording_key, seq\)/);
    expect(table).not.toMatch(/WITHOUT ROWID/i);
    const a = store.recordings.getEvents('rec_a');
    expect(a.map((e) => [e.seq, e.offsetMs, e.type])).toEqual([
      [0, 0.5, 't'],
      [1, 1.5, 'raw'],
    ]);
    expect(a[0].data).toBe('a'.repeat(3000));
    expect(Buffer.compare(a[1].data as Buffer, Buffer.from([0, 255]))).toBe(0);
    expect(store.recordings.getEvents('rec_b').map((e) => e.data)).toEqual(['b0', 'b1']);
    // A repeated seq is still refused, the view keeps its columns, the trigger still deletes.
    const id = store.recordings.startRecording({ request: {} });
    store.recordings.appendEvent(id, { seq: 0, offsetMs: 0, type: 't', data: 'c' });
    expect(store.recordings.getEvents(id).map((e) => e.data)).toEqual(['c']);
    expect(() =>
      store?.db
        .prepare('INSERT INTO recording_event_rows (recording_key, seq, offset_ms, type, data) VALUES (1, 0, 0, ?, ?)')
        .run('t', 'x'),
    ).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(peek<{ n: number }>('SELECT count(*) AS n FROM recording_events WHERE recording_id = ?', 'rec_b').n).toBe(2);
    expect(store.recordings.deleteRecording('rec_a')).toBe(true);
    expect(peek<{ n: number }>('SELECT count(*) AS n FROM recording_event_rows').n).toBe(3);
    expect(store.integrityCheck()).toBe('ok');
  });
});

describe('migration 3: request kind, input preview and re-run link', () => {
  test('recordings from schema 2 get the fields derived from their stored request', { tags: ['U6'] }, () => {
    const v2 = openDatabase({ dataDir: dir, migrations: MIGRATIONS.slice(0, 2) }).db;
    const insert = v2.prepare(
      `INSERT INTO recordings (id, created_at, request, status, event_count, bytes, key) VALUES (?, 1, ?, 'completed', 0, 0, ?)`,
    );
    insert.run(
      'rec_a',
      JSON.stringify({ method: 'POST', path: '/v1/responses', headers: {}, body: { input: 'Hello   there' } }),
      1,
    );
    insert.run(
      'rec_b',
      JSON.stringify({
        method: 'POST',
        path: '/v1/responses/resp_1/tool_outputs',
        headers: { 'x-responses-rerun-of': 'rec_orig' },
        body: { tool_outputs: [{ call_id: 'call_1', output: 'x' }] },
      }),
      2,
    );
    insert.run('rec_c', 'not json', 3);
    v2.close();
    const opened = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    store = opened;
    expect(opened.migration).toMatchObject({ from: 2, to: MIGRATIONS.length });
    const pick = (id: string) => {
      const s = opened.recordings.getSummary(id);
      return s && { requestKind: s.requestKind, inputPreview: s.inputPreview, rerunOf: s.rerunOf };
    };
    expect(pick('rec_a')).toEqual({ requestKind: 'response', inputPreview: 'Hello there', rerunOf: null });
    expect(pick('rec_b')).toEqual({
      requestKind: 'tool_outputs',
      inputPreview: 'tool outputs for call_1',
      rerunOf: 'rec_orig',
    });
    expect(pick('rec_c')).toEqual({ requestKind: 'response', inputPreview: null, rerunOf: null });
    // The preview is searchable, and a recording id finds its re-runs.
    expect(opened.recordings.listRecordings({ search: 'hello the' }).data.map((r) => r.id)).toEqual(['rec_a']);
    expect(opened.recordings.listRecordings({ search: 'rec_orig' }).data.map((r) => r.id)).toEqual(['rec_b']);
  });
});

describe('a transaction the disk refuses (SQLITE_FULL)', () => {
  test('forgets what it rolled back, truncates the recordings that lost events, writes their finishes later', () => {
    const { db } = openDatabase({ inMemory: true });
    try {
      const writer = new RecordingsWriter(db, 0);
      const start = (id: string) => ({ op: 'start' as const, row: startRowOf({ id, request: { input: id } }, 1) });
      const event = (id: string, seq: number) => eventOp(id, { seq, offsetMs: seq, type: 't', data: sse(seq) });
      const finish = (id: string) => ({ op: 'finish' as const, row: patchRow(id, {}, 'completed', 5) });
      expect(writer.apply([start('rec_a'), event('rec_a', 0), event('rec_a', 1)], false).errors).toEqual([]);

      // The database may not grow any more: SQLite answers SQLITE_FULL, as on a full disk.
      const pages = (db.pragma('page_count', { simple: true }) as number) + 0;
      db.pragma(`max_page_count = ${pages}`);
      const big = 'x'.repeat(64 * 1024);
      const full = writer.apply(
        [
          start('rec_b'),
          event('rec_b', 0),
          eventOp('rec_a', { seq: 2, offsetMs: 2, type: 't', data: big }),
          finish('rec_a'),
        ],
        false,
      );
      expect(full.errors.map((e) => e.code)).toEqual(['SQLITE_FULL']);
      expect(full.failedStarts).toEqual(['rec_b']);
      expect(full.truncated).toEqual(['rec_a']);

      // Space again. A new recording takes the key rec_b had for a moment; rec_b's late events
      // must not land in it, and rec_a's finish is written with this batch.
      db.pragma('max_page_count = 1073741823');
      const after = writer.apply([start('rec_c'), event('rec_c', 0), event('rec_b', 1), finish('rec_b')], false);
      expect(after.errors).toEqual([]);
      const rows = db
        .prepare(
          'SELECT id, status, truncated, (SELECT count(*) FROM recording_event_rows e WHERE e.recording_key = r.key) AS events FROM recordings r ORDER BY id',
        )
        .all();
      expect(rows).toEqual([
        { id: 'rec_a', status: 'completed', truncated: 1, events: 2 },
        { id: 'rec_c', status: 'recording', truncated: 0, events: 1 },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('a full disk while the writer thread starts', () => {
  test('the thread takes over once what the refused transaction left owed here is written', async () => {
    const failures: unknown[] = [];
    store = openStore({ dataDir: dir, sweepIntervalMs: 0, onError: (err) => failures.push(err) });
    const r = store.recordings;
    const id = r.startRecording({ request: { input: 'a' } });
    // Every change of a recording is refused on this connection (a temporary trigger: the
    // thread's connection does not have it), as a full disk refuses every write.
    store.db.exec(`CREATE TEMP TRIGGER refuse BEFORE UPDATE ON recordings
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    expect(r.finishRecording(id, { status: 'completed', durationMs: 1 })).toBe(false);
    expect(await r.useWriterThread()).toBe(true);
    expect(r.threaded).toBe(false);
    // Room again: the next write here stores the finish, then the thread takes over.
    store.db.exec('DROP TRIGGER refuse');
    const next = r.startRecording({ request: { input: 'b' } });
    expect(r.threaded).toBe(true);
    expect(r.getSummary(id)).toMatchObject({ status: 'completed' });
    expect(r.getSummary(next)).toMatchObject({ status: 'recording' });
    expect(failures.map((f) => (f as Error).message)).toContain('database or disk is full');
  });
});
