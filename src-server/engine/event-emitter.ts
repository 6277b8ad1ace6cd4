/**
 * ResponseEventEmitter: THE one place every event of a response leaves the engine. It runs the
 * response's chain of stages (surface-stages.ts; the extension stages only with extensions on),
 * then, last and in one place, turns each canonical event into what is written: the dialect's
 * name (shared/protocol/events.ts `dialectEventType`) and, with extensions on, the extension
 * alias right after it (`extensionAlias`). It numbers events (L6: from 0, +1 per event of any
 * kind), checks them with the stream validator (L1), stamps the offset since the request started
 * and fans out to taps. Events are handed over as objects; serialization is the HTTP layer's job.
 */
import { dialectEventType, extensionAlias, type Dialect } from '../shared/protocol/events.js';
import type { EventStage, ResponseEvent } from './events.js';
import type { EventTap, WireEvent } from './contract.js';
import type { Logger } from '../logging/logger.js';

/** What the emitter needs of shared/protocol/stream-validator.ts's StreamValidator. */
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

export interface EmitterOptions {
  /** The request's logger (it carries the request id). */
  logger: Logger;
  dialect: Dialect;
  /** Extension events on: the extension stages run and the extension aliases are written. */
  extensions: boolean;
  /** Stages every event passes, in order. */
  stages?: readonly EventStage[];
  /** Stages run after `stages`, only when extensions are on (they make extension events). */
  extensionStages?: readonly EventStage[];
  validate: ValidateMode;
  /** Required unless validate is 'off'. */
  validator?: StreamChecker;
  /** `performance.now()` value of the request's arrival. */
  startedAt: number;
}

export class ResponseEventEmitter {
  private readonly options: EmitterOptions;
  private readonly taps = new Set<EventTap>();
  private readonly stages: readonly EventStage[];
  private nextSequence = 0;
  /** The first violation seen in 'strict' mode; the run fails the response on it. */
  strictViolation: StreamViolationLike | null = null;

  constructor(options: EmitterOptions) {
    this.options = options;
    const stages = options.stages ?? [];
    this.stages = options.extensions && options.extensionStages ? [...stages, ...options.extensionStages] : stages;
  }

  /** Number of events emitted so far (= the next sequence_number). */
  get emitted(): number {
    return this.nextSequence;
  }

  addTap(tap: EventTap): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  /** Runs `event` through the stages and writes what comes out. */
  emit(event: ResponseEvent): void {
    this.run(event, 0);
  }

  /** End of the stream: lets the validator check what must have happened (exactly one terminal event, …). */
  finish(): void {
    if (this.options.validate === 'off' || !this.options.validator) return;
    this.report(this.options.validator.finish());
  }

  /** Stages from `from` on; a stage that passes the event through costs a call and a compare. */
  private run(event: ResponseEvent, from: number): void {
    const stages = this.stages;
    for (let i = from; i < stages.length; i++) {
      const out = stages[i](event);
      if (out === event) continue;
      if (!isMany(out)) {
        event = out;
        continue;
      }
      for (let j = 0; j < out.length; j++) this.run(out[j], i + 1);
      return;
    }
    this.write(event);
  }

  /** The wire form: dialect name, then the extension alias (a copy made before the event is renamed). */
  private write(event: ResponseEvent): void {
    const alias = this.options.extensions ? extensionAlias(event.type, this.options.dialect) : undefined;
    let copy: { type: string } | undefined;
    if (alias !== undefined) {
      // A copy, then its type replaced: overriding a key of a spread copy is as cheap as the copy.
      copy = { ...event } as { type: string };
      copy.type = alias;
    }
    this.send(event);
    if (copy) this.send(copy);
  }

  private send(event: ResponseEvent | { type: string }): void {
    // Events are built fresh per emit, so renaming and numbering in place is safe and allocation-free.
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

function isMany(out: ResponseEvent | readonly ResponseEvent[]): out is readonly ResponseEvent[] {
  return Array.isArray(out);
}
