import { afterEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from './index.js';
import { FinalSaves, type FinalSave } from './final-saves.js';

let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

const response = (id: string, status: string): { id: string; created_at: number; status: string; output: [] } => ({
  id,
  created_at: 1,
  status,
  output: [],
});

describe('E8 final saves of responses that end together', { tags: ['E8'] }, () => {
  test('a burst is saved in one transaction, before any later I/O', async () => {
    const s = (store = openStore({ inMemory: true, sweepIntervalMs: 0 }));
    const inTransaction: boolean[] = [];
    const saves = new FinalSaves(s.db, (input) => {
      inTransaction.push(s.db.inTransaction);
      s.responses.saveResponse(input);
    });
    for (let i = 0; i < 50; i++)
      saves.add({ input: { response: response(`resp_${i}`, 'completed') }, onError: () => {} });
    expect(saves.pending).toBe(50);
    expect(s.responses.has('resp_0')).toBe(false);
    await Promise.resolve();
    expect(saves.pending).toBe(0);
    expect(inTransaction).toEqual(Array.from({ length: 50 }, () => true));
    expect(s.responses.stats().count).toBe(50);
    expect(s.responses.getResponse('resp_49')?.response.status).toBe('completed');
  });

  test('a save that fails is reported alone; the rest of the batch is kept', async () => {
    // 1 KB quota: the large response cannot fit, the small ones can.
    const s = (store = openStore({ inMemory: true, sweepIntervalMs: 0, maxBytes: 1024 }));
    const saves = new FinalSaves(s.db, (input) => void s.responses.saveResponse(input));
    const failed: string[] = [];
    const big = { ...response('resp_big', 'completed'), instructions: 'x'.repeat(4096) };
    saves.add({ input: { response: response('resp_a', 'completed') }, onError: () => failed.push('resp_a') });
    saves.add({ input: { response: big }, onError: () => failed.push('resp_big') });
    saves.add({ input: { response: response('resp_b', 'completed') }, onError: () => failed.push('resp_b') });
    await Promise.resolve();
    expect(failed).toEqual(['resp_big']);
    expect([s.responses.has('resp_a'), s.responses.has('resp_big'), s.responses.has('resp_b')]).toEqual([
      true,
      false,
      true,
    ]);
  });

  test('a save the disk refused is reported once and tried again with later saves, as changed meanwhile', async () => {
    const s = (store = openStore({ inMemory: true, sweepIntervalMs: 0 }));
    const full = (err: unknown) => (err as { code?: string }).code === 'SQLITE_FULL';
    const saves = new FinalSaves(s.db, (input) => void s.responses.saveResponse(input), full);
    const failed: string[] = [];
    // The database may not grow any more: SQLite answers SQLITE_FULL, as on a full disk.
    s.db.pragma(`max_page_count = ${s.db.pragma('page_count', { simple: true }) as number}`);
    const big = { ...response('resp_big', 'completed'), instructions: 'x'.repeat(64 * 1024) };
    const job: FinalSave = { input: { response: big }, onError: (err) => failed.push(String(err)) };
    saves.add(job);
    await Promise.resolve();
    expect(failed).toHaveLength(1);
    expect(s.responses.has('resp_big')).toBe(false);
    // Its owner tells the client something else meanwhile: that is what is kept.
    job.input = { response: { ...big, status: 'failed' } };
    saves.flush();
    expect(failed).toHaveLength(1);
    // Room again: the next batch writes it first.
    s.db.pragma('max_page_count = 1073741823');
    saves.add({ input: { response: response('resp_next', 'completed') }, onError: (err) => failed.push(String(err)) });
    await Promise.resolve();
    expect(failed).toHaveLength(1);
    expect(s.responses.getResponse('resp_big')?.response.status).toBe('failed');
    expect(s.responses.has('resp_next')).toBe(true);
  });

  test('flush writes the queue at once (shutdown, before the store closes)', () => {
    const s = (store = openStore({ inMemory: true, sweepIntervalMs: 0 }));
    const saves = new FinalSaves(s.db, (input) => void s.responses.saveResponse(input));
    saves.add({ input: { response: response('resp_1', 'cancelled') }, onError: () => {} });
    saves.add({ input: { response: response('resp_2', 'cancelled') }, onError: () => {} });
    saves.flush();
    expect(s.responses.getResponse('resp_2')?.response.status).toBe('cancelled');
    expect(saves.pending).toBe(0);
  });
});
