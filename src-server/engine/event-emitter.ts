/**
 * ResponseEventEmitter: THE one place every event of a response leaves the engine. It numbers
 * events (L6: from 0, +1 per event of any kind), renames them for the dialect, checks them with
 * the stream validator (L1), stamps the offset since the request started and fans out to taps.
 * Events are handed over as objects; serialization is the HTTP layer's job.
 */
import { dialectEventType, type Dialect } from '../protocol/events.js';
import type { CanonicalEvent } from './response-builder.js';
import type { EventTap, WireEvent } from './contract.js';
import type { Logger } from '../logging/logger.js';

/** What the emitter needs of protocol/stream-validator.ts's StreamValidator. */
export interface StreamChecker {
  check(event: WireEvent): StreamViolationLike[];
  finish(): StreamViolationLike[];
}

export interface StreamViolationLike {
  rule: string;
  message: string;
  sequenceNumber: number | null;
  eventType: string | null;
}

export type ValidateMode = 'off' | 'log' | 'strict';

/** Process-wide engine counters (read by the metrics / health endpoints). */
export const engineMetrics = {
  /** Stream-validator violations seen in outgoing events (modes 'log' and 'strict'). */
  streamViolations: 0,
};

/**
 * Extension events (brief "(ext)") produced beside a canonical event, e.g. `response.tool_call.delta`
 * after `response.function_call_arguments.delta` (C2). Each gets the next sequence number.
 */
export type ExtensionHook = (event: CanonicalEvent) => readonly CanonicalEvent[];

export interface EmitterOptions {
  /** The request's logger (it carries the request id). */
  logger: Logger;
  dialect: Dialect;
  /** Extension events on: the hooks run. */
  extensions: boolean;
  extensionHooks?: readonly ExtensionHook[];
  validate: ValidateMode;
  /** Required unless validate is 'off'. */
  validator?: StreamChecker;
  /** `performance.now()` value of the request's arrival. */
  startedAt: number;
}

export class ResponseEventEmitter {
  private readonly options: EmitterOptions;
  private readonly taps = new Set<EventTap>();
  private nextSequence = 0;
  /** The first violation seen in 'strict' mode; the run fails the response on it. */
  strictViolation: StreamViolationLike | null = null;

  constructor(options: EmitterOptions) {
    this.options = options;
  }

  /** Number of events emitted so far (= the next sequence_number). */
  get emitted(): number {
    return this.nextSequence;
  }

  addTap(tap: EventTap): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  emit(event: CanonicalEvent): void {
    this.send(event);
    if (!this.options.extensions || !this.options.extensionHooks) return;
    for (const hook of this.options.extensionHooks) for (const extra of hook(event)) this.send(extra);
  }

  /** End of the stream: lets the validator check what must have happened (exactly one terminal event, …). */
  finish(): void {
    if (this.options.validate === 'off' || !this.options.validator) return;
    this.report(this.options.validator.finish());
  }

  private send(event: CanonicalEvent): void {
    // Canonical events are built fresh per emit, so renaming and numbering in place is safe and allocation-free.
    const wire = event as WireEvent;
    wire.type = dialectEventType(event.type, this.options.dialect);
    wire.sequence_number = this.nextSequence++;
    if (this.options.validate !== 'off' && this.options.validator) this.report(this.options.validator.check(wire));
    const offsetMs = performance.now() - this.options.startedAt;
    for (const tap of this.taps) {
      try {
        tap(wire, offsetMs);
      } catch (error) {
        // A failing consumer (say, a store write) must not break the stream for the others.
        this.options.logger.error('event tap failed', {
          err: error,
          eventType: wire.type,
          sequenceNumber: wire.sequence_number,
        });
      }
    }
  }

  private report(violations: StreamViolationLike[]): void {
    if (violations.length === 0) return;
    engineMetrics.streamViolations += violations.length;
    for (const v of violations) {
      this.options.logger.warn('stream violation', {
        rule: v.rule,
        sequenceNumber: v.sequenceNumber,
        eventType: v.eventType,
        detail: v.message,
      });
    }
    if (this.options.validate === 'strict' && !this.strictViolation) this.strictViolation = violations[0];
  }
}
