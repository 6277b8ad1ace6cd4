/**
 * Containment for code that runs on behalf of a request outside the request's own try/catch:
 * event listeners, timers, immediates and promise reactions nobody awaits. A throw there reaches
 * the event loop — an uncaught exception or unhandled rejection, which ends the process. Wrapped
 * with these helpers, a failure is reported (logged through the caller's logger: `reportTo(log)`)
 * and goes no further;
 * the request it belonged to ends through its own paths (close, cancel, timeouts).
 *
 * This is not a global handler: a throw that escapes anyway is a bug, and the process-level tests
 * fail on it (docs/errors.md, "Failures inside the gateway").
 */

import type { FailureReporter } from '../logging/logger.js';

export type { FailureReporter };

/** Calls `report`, swallowing a failure of the reporter itself. */
export function safeReport(report: FailureReporter, err: unknown, where: string): void {
  try {
    report(err, where);
  } catch {
    // Reporting is best effort; the failure is contained either way.
  }
}

/** Wraps a callback so that a throw is reported instead of escaping to the event loop. */
export function contained<A extends unknown[]>(
  where: string,
  callback: (...args: A) => void,
  report: FailureReporter,
): (...args: A) => void {
  return (...args: A): void => {
    try {
      callback(...args);
    } catch (err) {
      safeReport(report, err, where);
    }
  };
}

/**
 * Attaches a rejection handler to a promise nobody awaits (`void p.then(…)` chains), so that a
 * failure in its reaction is reported instead of becoming an unhandled rejection.
 */
export function detached(promise: Promise<unknown>, where: string, report: FailureReporter): void {
  promise.then(undefined, (err: unknown) => safeReport(report, err, where));
}
