/**
 * Replays timed items (recorded events) at instant, 1× or N× speed, with pause, resume and step.
 * Isomorphic: the console's timeline and the replay server share it.
 *
 * Timing: item i is due at `origin + offsetMs[i] / speed`, computed from one origin rather than
 * from the previous item, so timer lateness never accumulates. Pausing moves the origin by the
 * time spent paused; stepping emits the next item and moves the origin so that the rest keeps its
 * recorded spacing from it; changing speed re-anchors the origin at the current position.
 */

export interface Timed {
  offsetMs: number;
}

export interface ReplayClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type ReplaySpeed = 'instant' | number;

export interface ReplayOptions {
  /** 'instant' emits everything at once; a number multiplies the recorded pace (1 = original). */
  speed?: ReplaySpeed;
  /** Start paused (step or resume to begin). */
  paused?: boolean;
  clock?: ReplayClock;
}

export interface ReplayHandle {
  pause(): void;
  resume(): void;
  /** Emits the next item now (also while paused); false when none is left. */
  step(): boolean;
  setSpeed(speed: ReplaySpeed): void;
  /** Stops without emitting the rest; `done` resolves. */
  stop(): void;
  readonly paused: boolean;
  /** Items emitted so far. */
  readonly position: number;
  /** Resolves when every item was emitted or stop() was called. */
  readonly done: Promise<void>;
}

const defaultClock: ReplayClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function replay<T extends Timed>(
  items: readonly T[],
  emit: (item: T, index: number) => void,
  options: ReplayOptions = {},
): ReplayHandle {
  const clock = options.clock ?? defaultClock;
  let speed: ReplaySpeed = options.speed ?? 1;
  let index = 0;
  let paused = options.paused ?? false;
  let stopped = false;
  let timer: unknown = null;
  /** Clock time at which offset `base` is due. */
  let origin = clock.now();
  let base = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const finishIfDone = (): boolean => {
    if (index < items.length && !stopped) return false;
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    resolveDone();
    return true;
  };
  const dueAt = (i: number): number => (speed === 'instant' ? origin : origin + (items[i].offsetMs - base) / speed);
  /** Wait left for the next item when paused (ms of clock time). */
  let pausedRemaining = 0;
  const pump = (): void => {
    timer = null;
    if (paused || stopped) return;
    const now = clock.now();
    while (index < items.length && !paused && !stopped && dueAt(index) <= now) {
      const i = index++;
      emit(items[i], i);
    }
    if (finishIfDone() || paused || stopped) return;
    timer = clock.setTimeout(pump, Math.max(0, dueAt(index) - clock.now()));
  };

  const handle: ReplayHandle = {
    pause() {
      if (paused || stopped) return;
      paused = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pausedRemaining = index < items.length ? Math.max(0, dueAt(index) - clock.now()) : 0;
    },
    resume() {
      if (!paused || stopped) return;
      paused = false;
      // The time spent paused is skipped: the next item keeps its remaining wait.
      if (index < items.length) {
        base = items[index].offsetMs;
        origin = clock.now() + pausedRemaining;
      }
      pump();
    },
    step() {
      if (stopped || index >= items.length) return false;
      const i = index++;
      emit(items[i], i);
      base = items[i].offsetMs;
      origin = clock.now();
      if (paused && index < items.length)
        pausedRemaining = speed === 'instant' ? 0 : (items[index].offsetMs - base) / speed;
      if (!finishIfDone() && !paused) {
        if (timer !== null) clock.clearTimeout(timer);
        pump();
      }
      return true;
    },
    setSpeed(next) {
      if (next !== 'instant' && !(next > 0)) throw new RangeError('speed must be > 0 or instant');
      if (index < items.length) {
        const now = clock.now();
        const at = index;
        const left = paused ? pausedRemaining : Math.max(0, dueAt(at) - now);
        const remaining = speed === 'instant' ? 0 : left * speed;
        if (paused) pausedRemaining = next === 'instant' ? 0 : remaining / next;
        speed = next;
        base = items[at].offsetMs - remaining;
        origin = now;
      } else speed = next;
      if (!paused && !stopped) {
        if (timer !== null) clock.clearTimeout(timer);
        pump();
      }
    },
    stop() {
      stopped = true;
      finishIfDone();
    },
    get paused() {
      return paused;
    },
    get position() {
      return index;
    },
    done,
  };
  if (items.length === 0) resolveDone();
  else if (!paused) pump();
  return handle;
}
