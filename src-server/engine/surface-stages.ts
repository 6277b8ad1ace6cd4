/**
 * The protocol-surface stages between the ResponseBuilder and the emitter, composed once per run:
 *
 *   builder → summaries (H3, official) → pre-terminal extensions (C4, H5) → delta split (E4) → emitter
 *
 * plus the emitter's extension hooks (run after official events) and the model-mode summary
 * wrapper around the backend stream. Each stage is in its own file; this one only wires them.
 */
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import type { CreateResponseRequest } from '../protocol/types.js';
import type { RunOptions } from './contract.js';
import { splitDelta } from './delta-split.js';
import type { ExtensionHook } from './event-emitter.js';
import { createExtensionHooks, createPreTerminalStage } from './extensions.js';
import type { EventSink } from './response-builder.js';
import { SummaryStage, type SummaryText } from './summaries-stage.js';

export interface SurfaceStages {
  /** Where the builder's events go. */
  emit: EventSink;
  /** Extension hooks for the emitter (it runs them only when extensions are on). */
  hooks: readonly ExtensionHook[];
  /** The backend stream, paused for model-mode summaries. */
  wrapParts(parts: AsyncIterable<ModelPart>, adapter: BackendAdapter): AsyncIterable<ModelPart>;
}

export interface SurfaceTargets {
  /** The emitter's emit. */
  emit: EventSink;
  setSummary: (itemId: string, summary: SummaryText[]) => void;
}

export function createSurfaceStages(
  request: CreateResponseRequest,
  options: RunOptions,
  targets: SurfaceTargets,
): SurfaceStages {
  const maxBytes = options.config.sseEventMaxBytes;
  const split: EventSink = (event) => {
    for (const piece of splitDelta(event, maxBytes)) targets.emit(piece);
  };
  const context = { rateLimits: options.rateLimits };
  const preTerminal = options.extensions ? createPreTerminalStage(context, split) : split;
  const detail = request.reasoning?.summary;
  const summaries =
    detail === 'auto' || detail === 'concise' || detail === 'detailed'
      ? new SummaryStage({
          detail,
          mode: options.config.reasoningSummaryMode,
          model: request.model ?? '',
          requestId: options.requestId,
          signal: options.signal,
          next: preTerminal,
          setSummary: targets.setSummary,
          log: (message) => options.logger.warn(message),
        })
      : null;
  return {
    emit: summaries ? summaries.emit : preTerminal,
    hooks: createExtensionHooks(context),
    wrapParts: (parts, adapter) => (summaries ? summaries.wrapParts(parts, adapter) : parts),
  };
}
