/**
 * H3 reasoning summaries: when `reasoning.summary` is set, each reasoning item gets one
 * `summary_text` part with the official events `response.reasoning_summary_part.added`,
 * `response.reasoning_summary_text.delta` / `.done` and `response.reasoning_summary_part.done`
 * (all before the item's `output_item.done`), and the item's `summary` array.
 *
 * Sits between the ResponseBuilder and the emitter (canonical event names):
 * - 'extractive' (default): a StreamingSummarizer is fed the reasoning deltas and its output is
 *   streamed as summary deltas while the reasoning streams;
 * - 'model' (`--reasoning-summary-mode model`): when the reasoning ends (the next non-reasoning
 *   part arrives, or the stream ends), `wrapParts` holds the backend stream and asks the backend
 *   for a summary in a second call, streaming its text as summary deltas.
 * A failed model summary leaves the summary empty and is logged; the response goes on.
 */
import type { BackendAdapter, ModelPart } from '../backends/contract.js';
import { StreamingSummarizer, type SummaryDetail } from '../summaries/extractive.js';
import { summarizeWithModel } from '../summaries/model.js';
import type { CanonicalEvent, EventSink } from './response-builder.js';

export type SummaryMode = 'extractive' | 'model';

export interface SummaryText {
  type: 'summary_text';
  text: string;
}

export interface SummaryStageOptions {
  detail: SummaryDetail;
  mode: SummaryMode;
  model: string;
  requestId: string;
  signal: AbortSignal;
  next: EventSink;
  /** Stores the final summary on the builder's item, so later snapshots carry it. */
  setSummary: (itemId: string, summary: SummaryText[]) => void;
  log?: (message: string) => void;
}

interface ReasoningState {
  itemId: string;
  outputIndex: number;
  reasoning: string;
  summary: string;
  partOpen: boolean;
  closed: boolean;
  summarizer: StreamingSummarizer | null;
}

export class SummaryStage {
  private readonly items = new Map<string, ReasoningState>();
  /** The reasoning item the model is producing now (model mode). */
  private current: ReasoningState | null = null;
  private ended = false;

  constructor(private readonly options: SummaryStageOptions) {}

  readonly emit = (event: CanonicalEvent): void => {
    const { next } = this.options;
    switch (event.type) {
      case 'response.output_item.added': {
        const item = event.item as { type?: unknown; id?: unknown };
        if (item.type === 'reasoning' && typeof item.id === 'string') {
          const state: ReasoningState = {
            itemId: item.id,
            outputIndex: Number(event.output_index),
            reasoning: '',
            summary: '',
            partOpen: false,
            closed: false,
            summarizer: this.options.mode === 'extractive' ? new StreamingSummarizer(this.options.detail) : null,
          };
          this.items.set(item.id, state);
          this.current = state;
        }
        return next(event);
      }
      case 'response.reasoning_text.delta': {
        next(event);
        const state = this.items.get(String(event.item_id));
        if (!state || state.closed) return;
        state.reasoning += String(event.delta);
        if (state.summarizer) this.summaryDelta(state, state.summarizer.push(String(event.delta)));
        return;
      }
      case 'response.output_item.done': {
        const item = event.item as { type?: unknown; id?: unknown; summary?: unknown };
        const state = item.type === 'reasoning' ? this.items.get(String(item.id)) : undefined;
        if (state && !state.closed) {
          this.close(state);
          if (state.summary !== '') {
            const summary: SummaryText[] = [{ type: 'summary_text', text: state.summary }];
            item.summary = summary.map((s) => ({ ...s }));
            this.options.setSummary(state.itemId, summary);
          }
        }
        return next(event);
      }
      default:
        if (
          event.type === 'response.completed' ||
          event.type === 'response.incomplete' ||
          event.type === 'response.failed'
        )
          this.ended = true;
        return next(event);
    }
  };

  /** Model mode: the backend stream, paused after each reasoning phase for the summary call. */
  wrapParts(parts: AsyncIterable<ModelPart>, adapter: BackendAdapter): AsyncIterable<ModelPart> {
    if (this.options.mode !== 'model') return parts;
    const summarizeCurrent = (): Promise<void> => this.summarizeWithBackend(adapter);
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<ModelPart> {
        let inReasoning = false;
        for await (const part of parts) {
          if (part.type === 'reasoning-delta') inReasoning = true;
          else if (inReasoning && part.type !== 'usage') {
            inReasoning = false;
            await summarizeCurrent();
          }
          yield part;
        }
        if (inReasoning) await summarizeCurrent();
      },
    };
  }

  private async summarizeWithBackend(adapter: BackendAdapter): Promise<void> {
    const state = this.current;
    if (!state || state.closed || state.summary !== '') return;
    try {
      await summarizeWithModel(
        adapter,
        { model: this.options.model, reasoning: state.reasoning, detail: this.options.detail },
        {
          signal: this.options.signal,
          requestId: this.options.requestId,
          onDelta: (delta) => this.summaryDelta(state, delta),
        },
      );
    } catch (error) {
      if (!this.options.signal.aborted) this.options.log?.(`reasoning summary failed: ${(error as Error).message}`);
    }
  }

  private summaryDelta(state: ReasoningState, delta: string): void {
    if (delta === '' || state.closed || this.ended) return;
    const base = { item_id: state.itemId, output_index: state.outputIndex, summary_index: 0 };
    if (!state.partOpen) {
      state.partOpen = true;
      this.options.next({
        type: 'response.reasoning_summary_part.added',
        ...base,
        part: { type: 'summary_text', text: '' },
      });
    }
    state.summary += delta;
    this.options.next({ type: 'response.reasoning_summary_text.delta', ...base, delta });
  }

  /** Flushes the extractive summarizer and closes the summary part, before the item's done event. */
  private close(state: ReasoningState): void {
    if (state.summarizer) this.summaryDelta(state, state.summarizer.finish());
    state.closed = true;
    if (this.current === state) this.current = null;
    if (!state.partOpen) return;
    const base = { item_id: state.itemId, output_index: state.outputIndex, summary_index: 0 };
    this.options.next({ type: 'response.reasoning_summary_text.done', ...base, text: state.summary });
    this.options.next({
      type: 'response.reasoning_summary_part.done',
      ...base,
      part: { type: 'summary_text', text: state.summary },
    });
  }
}
