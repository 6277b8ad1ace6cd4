/**
 * Background responses (`background: true`) in flight: they run without a client, can be
 * cancelled, and — when streamed — keep a bounded replay buffer so that
 * `GET /v1/responses/{id}?stream=true&starting_after=N` can replay the events after N and then
 * follow live (E5, E8). A finished entry lingers a little so a late resume still finds its events.
 *
 * The buffer is the run's one event tap (`run.onEvent`): a background run has no client writer
 * while it runs, so the buffer is where its events go, as the SSE or WebSocket writer is for a
 * foreground run. Whoever follows a background run reads this buffer (onNewEvents, bufferedAfter):
 * resumed streams at their client's pace, and the Redis relay of the run (state/planned-run.ts).
 * docs/layers.md#who-watches-a-responses-events.
 */
import type { EventTap, ResponseObject, ResponseRun, WireEvent } from './contract.js';
import { ANONYMOUS_OWNER } from '../tenancy/owner.js';
import { detached } from './contain.js';
import { reportTo, type FailureReporter, type Logger } from '../logging/logger.js';

/** How long a finished background run keeps its replay buffer. */
const LINGER_MS = 5 * 60_000;

export interface BackgroundEntry {
  readonly run: ResponseRun;
  /** Owner id of the key that started it (tenancy): another key's requests do not see it. */
  readonly owner: string;
  /** Buffered events, oldest first; the oldest are dropped when the byte limit is reached. */
  readonly events: WireEvent[];
  /** Serialized size of each buffered event. */
  readonly sizes: number[];
  /** Sequence number of the newest dropped event (-1 = nothing dropped). */
  droppedThrough: number;
  bytes: number;
  final: ResponseObject | null;
  /** Live followers; each gets every event after it subscribed. */
  readonly followers: Set<EventTap>;
  /** Failures of this entry's reactions, through the gateway's logger. */
  readonly report: FailureReporter;
}

export class BackgroundRuns {
  private readonly entries = new Map<string, BackgroundEntry>();
  /** Events dropped from replay buffers (E8), for diagnostics. */
  droppedEvents = 0;

  private readonly report: FailureReporter;

  constructor(
    private readonly bufferMaxBytes: number,
    logger: Logger,
  ) {
    this.report = reportTo(logger);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Starts tracking a run; subscribe before its first event (right after startResponseRun). */
  track(run: ResponseRun, owner: string = ANONYMOUS_OWNER): BackgroundEntry {
    const entry: BackgroundEntry = {
      run,
      owner,
      events: [],
      sizes: [],
      droppedThrough: -1,
      bytes: 0,
      final: null,
      followers: new Set(),
      report: this.report,
    };
    this.entries.set(run.id, entry);
    const unsubscribe = run.onEvent((event, offsetMs) => {
      const size = JSON.stringify(event).length;
      entry.events.push(event);
      entry.sizes.push(size);
      entry.bytes += size;
      // Keep at least the newest event so a resume can always see where the stream is.
      while (entry.bytes > this.bufferMaxBytes && entry.events.length > 1) {
        const dropped = entry.events.shift() as WireEvent;
        entry.bytes -= entry.sizes.shift() as number;
        entry.droppedThrough = dropped.sequence_number;
        this.droppedEvents++;
      }
      for (const follow of entry.followers) follow(event, offsetMs);
    });
    detached(
      run.finished.then((final) => {
        entry.final = final;
        unsubscribe();
        setTimeout(() => {
          if (this.entries.get(run.id) === entry) this.entries.delete(run.id);
        }, LINGER_MS).unref();
      }),
      'ending a background run',
      this.report,
    );
    return entry;
  }

  /** The entry of `id`; with an owner, undefined when it is another owner's (tenancy). */
  get(id: string, owner?: string): BackgroundEntry | undefined {
    const entry = this.entries.get(id);
    return entry && (owner === undefined || entry.owner === owner) ? entry : undefined;
  }

  /** Cancels every run still going (gateway shutdown). */
  cancelAll(): void {
    for (const entry of this.entries.values()) if (!entry.final) entry.run.cancel('cancelled');
  }

  /** Live runs, for shutdown to await. */
  live(): ResponseRun[] {
    return [...this.entries.values()].filter((e) => !e.final).map((e) => e.run);
  }
}

/**
 * The buffered events of `entry` after sequence number `after`, oldest first, without copying the
 * buffer (the buffer holds consecutive sequence numbers). Null when the event right after `after`
 * was already dropped (--responses-background-buffer-max-bytes).
 */
export function bufferedAfter(
  entry: BackgroundEntry,
  after: number,
): { events: readonly WireEvent[]; from: number } | null {
  if (after < entry.droppedThrough) return null;
  const first = entry.events[0]?.sequence_number ?? after + 1;
  return { events: entry.events, from: Math.max(0, after + 1 - first) };
}

/**
 * Calls `notify` with each new event of `entry` (already in its buffer) and, without one, once it
 * finished; returns the function that stops it. A follower of a client reads the events from the
 * buffer at its client's pace (E8), so following costs no memory of its own; the Redis relay
 * (state/planned-run.ts) takes each event as it comes.
 */
export function onNewEvents(entry: BackgroundEntry, notify: (event?: WireEvent) => void): () => void {
  if (entry.final) return () => undefined;
  const tap: EventTap = (event) => notify(event);
  entry.followers.add(tap);
  detached(
    entry.run.finished.then(() => notify()),
    'waking the followers of a background run',
    entry.report,
  );
  return () => entry.followers.delete(tap);
}
