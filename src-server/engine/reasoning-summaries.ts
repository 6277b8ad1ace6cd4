/**
 * H3 reasoning summaries: when `reasoning.summary` is set, each reasoning item gets one
 * `summary_text` part with the official events `response.reasoning_summary_part.added`,
 * `response.reasoning_summary_text.delta` / `.done` and `response.reasoning_summary_part.done`
 * (all before the item's `output_item.done`), and the item's `summary` array. The ResponseBuilder
 * makes those events and owns the summary; this module says where the text comes from:
 * - 'extractive' (default): a StreamingSummarizer per reasoning item, fed the reasoning deltas,
 *   whose output streams as summary deltas while the reasoning streams (`summaryOptions`);
 * - 'model' (`--reasoning-summary-mode model`): when the reasoning ends (its `reasoning-end` part,
 *   or the next part that is not reasoning or usage, or the end of the stream),
 *   `withModelSummaries` holds the backend stream, asks the backend for a summary in a second
 *   call and streams its text as `reasoning-summary-delta` parts before the part that ended it.
 * A failed model summary leaves the summary empty and is logged; the response goes on.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import { StreamingSummarizer, type SummaryDetail } from '../summaries/extractive.js';
import { summarizeWithModel } from '../summaries/model.js';
import type { BuilderPart, SummaryOptions } from './response-builder.js';

export type SummaryMode = 'extractive' | 'model';

/** What the builder needs for a response whose `reasoning.summary` is `detail`. */
export function summaryOptions(detail: SummaryDetail, mode: SummaryMode): SummaryOptions {
  return { summarizer: mode === 'extractive' ? () => new StreamingSummarizer(detail) : null };
}

export interface ModelSummaryOptions {
  detail: SummaryDetail;
  model: string;
  requestId: string;
  signal: CancelSignal;
  log?: (message: string) => void;
}

/** Model mode: the backend stream with each reasoning phase's summary streamed in after it. */
export function withModelSummaries(
  parts: AsyncIterable<ModelPart>,
  adapter: BackendAdapter,
  options: ModelSummaryOptions,
): AsyncIterable<BuilderPart> {
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<BuilderPart> {
      let reasoning = '';
      let inReasoning = false;
      for await (const part of parts) {
        if (part.type === 'reasoning-delta') {
          if (!inReasoning) reasoning = '';
          inReasoning = true;
          reasoning += part.text;
        } else if (inReasoning && part.type !== 'usage' && part.type !== 'reasoning-start') {
          inReasoning = false;
          yield* summaryParts(adapter, reasoning, options);
        }
        yield part;
      }
      if (inReasoning) yield* summaryParts(adapter, reasoning, options);
    },
  };
}

/** The summary call's text as parts, each as soon as it arrives. */
async function* summaryParts(
  adapter: BackendAdapter,
  reasoning: string,
  options: ModelSummaryOptions,
): AsyncGenerator<BuilderPart> {
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  let settled = false;
  const call = summarizeWithModel(
    adapter,
    { model: options.model, reasoning, detail: options.detail },
    {
      signal: options.signal,
      requestId: options.requestId,
      onDelta: (delta) => {
        queue.push(delta);
        wake?.();
      },
    },
  )
    .catch((error: unknown) => {
      if (!options.signal.aborted) options.log?.(`reasoning summary failed: ${(error as Error).message}`);
    })
    .finally(() => {
      settled = true;
      wake?.();
    });
  for (;;) {
    while (queue.length > 0) yield { type: 'reasoning-summary-delta', text: queue.shift() as string };
    if (settled) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
  }
  await call;
}
