/**
 * Final saves of finished responses, written together: responses that end in the same synchronous
 * burst (shutdown cancels thousands of waiting sessions in one loop) are saved in one transaction,
 * one commit instead of one each.
 *
 * The queue is flushed on a microtask queued behind the burst's own promise reactions, so no I/O
 * (no later request) can run before the saves are written: readers never see the gap.
 */
import type { Database } from 'better-sqlite3';
import type { SaveResponseInput } from './responses-store.js';

export interface FinalSave {
  input: SaveResponseInput;
  /** Called when this save failed (the others of the batch still happen). */
  onError: (err: unknown) => void;
}

export class FinalSaves {
  private queue: FinalSave[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database,
    private readonly save: (input: SaveResponseInput) => void,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  add(job: FinalSave): void {
    this.queue.push(job);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  /** Writes the queue now (shutdown calls it too, before the store closes). */
  readonly flush = (): void => {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    const saveAll = (): void => {
      // Each save is its own savepoint inside the batch: one that fails rolls back alone.
      for (const job of jobs) {
        try {
          this.save(job.input);
        } catch (err) {
          job.onError(err);
        }
      }
    };
    if (jobs.length === 1 || !this.db.open || this.db.inTransaction) {
      saveAll();
      return;
    }
    try {
      this.db.transaction(saveAll)();
    } catch (err) {
      // The commit itself failed: nothing of the batch was kept.
      for (const job of jobs) job.onError(err);
    }
  };
}
