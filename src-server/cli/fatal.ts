/**
 * The last words of a process that dies of an uncaught exception or unhandled rejection. Such a
 * failure is a bug, not a state to recover from: nothing here handles it (an
 * `uncaughtExceptionMonitor` only observes), so Node still ends the process with a non-zero
 * status. The line lets tests and operators see what happened (tests/support/gateway-process.ts
 * fails a test on it).
 */
import { formatLogLine } from '../logging/logger.js';

/** `msg` of the JSON log line written before the process exits. */
export const FATAL_MESSAGE = 'uncaught exception; the process exits';

/** For `process.on('uncaughtExceptionMonitor', reportFatal)`. */
export function reportFatal(err: Error, origin: string): void {
  process.stderr.write(`${formatLogLine('error', FATAL_MESSAGE, {}, { origin, err })}\n`);
}
