/**
 * Final saves of finished responses, written together: responses that end in the same synchronous
 * burst (shutdown cancels thousands of waiting sessions in one loop) are saved in one transaction,
 * one commit instead of one each.
 *
 * The queue is flushed on a microtask queued behind the burst's own promise reactions, so no I/O
 * (no later request) can run before the saves are written: readers never see the gap.
 *
 * A save the disk refused (full) is reported once and kept: it is tried again before every later
 * batch and at each flush, so that the stored response does not stay `in_progress` once there is
 * room again. Its owner may change its input meanwhile (what the client was told instead).
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
  /** Saves the disk refused, tried again with the next batch (already reported). */
  private owed: FinalSave[] = [];
  /** Saves whose failure was reported: a save tried again is reported once. */
  private readonly told = new WeakSet<FinalSave>();
  private scheduled = false;

  constructor(
    private readonly db: Database,
    private readonly save: (input: SaveResponseInput) => void,
    /** Failures that keep the save to try again later (a full disk). */
    private readonly retriable: (err: unknown) => boolean = () => false,
    /** What a failure is reported as (the engine's errors as the client sees them). */
    private readonly reported: (err: unknown) => unknown = (err) => err,
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
    if (this.queue.length + this.owed.length === 0) return;
    const jobs = this.owed.length === 0 ? this.queue : [...this.owed, ...this.queue];
    this.queue = [];
    this.owed = [];
    const failed = (job: FinalSave, err: unknown): void => {
      if (!this.told.has(job)) job.onError(this.reported(err));
      this.told.add(job);
      if (this.retriable(err) && this.db.open) this.owed.push(job);
    };
    const saveAll = (): void => {
      // Each save is its own savepoint inside the batch: one that fails rolls back alone.
      for (const job of jobs) {
        try {
          this.save(job.input);
        } catch (err) {
          failed(job, err);
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
      // The commit itself failed: nothing of the batch was kept (what saveAll owed is owed again).
      this.owed = [];
      for (const job of jobs) failed(job, err);
    }
  };
}
