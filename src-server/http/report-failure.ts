/** A FailureReporter (engine/contain.ts) that logs through a request's or the gateway's logger. */
import type { FailureReporter } from '../engine/contain.js';
import type { Logger } from './logger.js';

export function reportTo(log: Logger): FailureReporter {
  return (err, where) => log.error(`${where} failed`, { err });
}
