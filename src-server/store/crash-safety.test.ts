import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore } from './index.js';

const writer = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-crash-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it reported `responses` commits, then SIGKILLs it; returns every line it printed. */
async function runAndKill(responses: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let reported = 0;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (line.startsWith('response ') && ++reported === responses) child.kill('SIGKILL');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  if (signal !== 'SIGKILL') throw new Error(`writer exited with ${code}: ${stderr}`);
  return lines;
}

describe('M6 crash safety: SIGKILL in the middle of writes', { tags: ['M6'] }, () => {
  // The second round starts from the first round's crashed files: recovery, then a crash again.
  test.each([1, 2])('round %i: the database is intact and every reported commit is there', async (round) => {
    const lines = await runAndKill(150 * round);
    const recordingId = lines.find((l) => l.startsWith('recording '))?.split(' ')[1];
    const responseIds = lines.filter((l) => l.startsWith('response ')).map((l) => l.split(' ')[1]);
    const lastEvent = Math.max(-1, ...lines.filter((l) => l.startsWith('events ')).map((l) => Number(l.split(' ')[2])));
    expect(recordingId).toBeDefined();
    expect(responseIds.length).toBeGreaterThanOrEqual(150 * round);
    expect(lastEvent).toBeGreaterThan(0);
    // The writer died without closing: the WAL and its index are left behind.
    expect(fs.existsSync(path.join(dir, 'responses-studio.sqlite-wal'))).toBe(true);

    const store = openStore({ dataDir: dir, sweepIntervalMs: 0 });
    try {
      expect(store.integrityCheck()).toBe('ok');
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
      for (const id of responseIds) {
        expect(store.responses.getResponse(id)?.requestId).toBe(id.replace('resp_', 'req_').replace(/_0+(?=\d)/, '_'));
        expect(store.responses.listInputItems(id)?.data).toHaveLength(2);
      }
      // Totals kept by triggers agree with the rows (no half-applied transaction).
      const actual = store.db
        .prepare('SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM responses')
        .get();
      expect(store.responses.stats()).toEqual(actual);
      const recording = store.recordings.getRecording(recordingId as string);
      expect(recording?.status).toBe('interrupted');
      const seqs = recording?.events.map((e) => e.seq) ?? [];
      // Every reported event is there, in order and without holes; at most one unreported tick more.
      expect(seqs.length).toBeGreaterThanOrEqual(lastEvent + 1);
      expect(seqs.length).toBeLessThanOrEqual(lastEvent + 1 + 10);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(recording?.eventCount).toBe(seqs.length);
    } finally {
      store.close();
    }
  });
});
