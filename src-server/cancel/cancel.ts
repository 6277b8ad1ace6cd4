/**
 * Cancellation inside the gateway: what AbortController and AbortSignal do for one request (the
 * client left, the run was cancelled, the backend request must stop), without their EventTarget.
 * A request used to make two AbortControllers and add three `abort` listeners; with node's
 * EventTarget that was about a sixth of the gateway's CPU per short stream (docs/benchmark.md,
 * "Cancellation without EventTarget").
 *
 * `CancelSignal` is the part of AbortSignal the gateway uses, so a real AbortSignal (a test's, or
 * `AbortSignal.timeout`) is accepted wherever a CancelSignal is; `Cancel` is both the controller and
 * its signal. Listeners run once, in the order they were added, when `abort` is first called; one
 * that throws does not keep the others from running, and the first error is thrown by `abort`
 * after all of them ran (AbortSignal would report it as an uncaught exception instead).
 */

/** A function, or an object with `handleEvent` (which lets a listener be an existing object). */
export type CancelListener = (() => void) | { handleEvent(): void };

export interface CancelSignal {
  readonly aborted: boolean;
  /** What `abort` was called with; an AbortError when it was called without a reason. */
  readonly reason: unknown;
  /** Runs the listener once, when the signal is aborted (never when it already is). */
  addEventListener(type: 'abort', listener: CancelListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: CancelListener): void;
}

export class Cancel implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  /** Most signals get one listener or none: no array for those. */
  private listeners: CancelListener | CancelListener[] | null = null;

  /** The signal to hand out (the same object; typed so that its holders cannot abort it). */
  get signal(): CancelSignal {
    return this;
  }

  addEventListener(_type: 'abort', listener: CancelListener): void {
    if (this.aborted) return;
    const current = this.listeners;
    if (current === null) this.listeners = listener;
    else if (Array.isArray(current)) {
      if (!current.includes(listener)) current.push(listener);
    } else if (current !== listener) this.listeners = [current, listener];
  }

  removeEventListener(_type: 'abort', listener: CancelListener): void {
    const current = this.listeners;
    if (current === listener) this.listeners = null;
    else if (Array.isArray(current)) {
      const i = current.indexOf(listener);
      if (i !== -1) current.splice(i, 1);
    }
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const current = this.listeners;
    this.listeners = null;
    if (current === null) return;
    const all = Array.isArray(current) ? current : [current];
    let failure: { error: unknown } | undefined;
    for (const listener of all) {
      try {
        if (typeof listener === 'function') listener();
        else listener.handleEvent();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
