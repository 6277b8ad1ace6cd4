/**
 * The protocol surface of one response, composed once per run. Events are made in one place, the
 * ResponseBuilder (items, content, H3 summaries, terminal events), and then pass one chain of
 * stages that the emitter runs in order (each an `event → event | event[]` function, events.ts):
 *
 *   builder → decorate (encrypted reasoning, H4) → delta split (E4)
 *           → [extensions on] pre-terminal (C4, H5) → extension events (C2, H4, H5)
 *           → emitter: dialect names and extension aliases, sequence numbers, validation, taps
 *
 * plus, before the builder, the model-mode summary wrapper around the backend stream. Each stage
 * is in its own file; this one only composes them.
 */
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import type { RunOptions } from './contract.js';
import { splitDeltaStage } from './delta-split.js';
import type { EventStage } from './events.js';
import { createExtensionStage, createPreTerminalStage } from './extensions.js';
import { summaryOptions, withModelSummaries } from './reasoning-summaries.js';
import type { BuilderPart, SummaryOptions } from './response-builder.js';

export interface SurfaceStages {
  /** Stages every event passes. */
  stages: EventStage[];
  /** Stages that run only with extensions on (the emitter knows). */
  extensionStages: EventStage[];
  /** H3: the builder's summary options, when `reasoning.summary` is set. */
  summaries: SummaryOptions | undefined;
  /** The backend stream, paused for model-mode summaries. */
  wrapParts(parts: AsyncIterable<ModelPart>, adapter: BackendAdapter): AsyncIterable<BuilderPart>;
}

export function createSurfaceStages(
  request: CreateResponseRequest,
  options: RunOptions,
  decorate?: EventStage,
): SurfaceStages {
  const context = { rateLimits: options.rateLimits };
  const stages: EventStage[] = [];
  if (decorate) stages.push(decorate);
  stages.push(splitDeltaStage(options.config.sseEventMaxBytes));
  const detail = request.reasoning?.summary;
  const summarized = detail === 'auto' || detail === 'concise' || detail === 'detailed' ? detail : null;
  const mode = options.config.reasoningSummaryMode;
  return {
    stages,
    // Built only when the emitter will run them (extensions on).
    extensionStages: options.extensions ? [createPreTerminalStage(context), createExtensionStage(context)] : [],
    summaries: summarized ? summaryOptions(summarized, mode) : undefined,
    wrapParts: (parts, adapter) =>
      summarized && mode === 'model'
        ? withModelSummaries(parts, adapter, {
            detail: summarized,
            model: request.model ?? '',
            requestId: options.requestId,
            signal: options.signal,
            log: (message) => options.logger.warn(message),
          })
        : parts,
  };
}
