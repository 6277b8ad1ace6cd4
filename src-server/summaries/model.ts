/**
 * `--reasoning-summary-mode model` (H3): the summary of a reasoning item comes from a second,
 * separate generation on the same backend, streamed as it is produced. The backend only ever sees
 * an ordinary Chat Completions request: a fixed instruction and the reasoning as the user message.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { BackendAdapter, FinishReason, ModelRequest, ModelUsage } from '../backends/contract.js';
import type { SummaryDetail } from './extractive.js';

/** Reasoning longer than this (characters) gets a detailed summary under `auto`. */
const AUTO_DETAILED_CHARS = 2000;

const STYLE: Record<'concise' | 'detailed', { instruction: string; maxOutputTokens: number }> = {
  concise: {
    instruction: 'Write one or two sentences that state what was worked out and the conclusion reached.',
    maxOutputTokens: 128,
  },
  detailed: {
    instruction:
      'Write a short paragraph (at most about eight sentences) that follows the main steps in order: what was considered, what was decided and why, and the conclusion reached.',
    maxOutputTokens: 512,
  },
};

export interface SummaryRequestOptions {
  /** Model that produced the reasoning (the summary is asked of the same model). */
  model: string;
  reasoning: string;
  detail: SummaryDetail;
  /** Overrides the default output budget for the detail level. */
  maxOutputTokens?: number;
  /** Forwarded as-is (e.g. 'low' so that a reasoning model does not think at length about a summary). */
  reasoningEffort?: ModelRequest['reasoningEffort'];
}

/** `auto` resolves by the length of the reasoning. */
export function resolveDetail(detail: SummaryDetail, reasoning: string): 'concise' | 'detailed' {
  if (detail !== 'auto') return detail;
  return reasoning.length > AUTO_DETAILED_CHARS ? 'detailed' : 'concise';
}

export function buildSummaryRequest(options: SummaryRequestOptions): ModelRequest {
  const detail = resolveDetail(options.detail, options.reasoning);
  const style = STYLE[detail];
  const request: ModelRequest = {
    model: options.model,
    instructions:
      'You summarize the reasoning of an assistant for the person who asked the question. ' +
      `${style.instruction} Use only what the reasoning says; do not add facts, do not answer the question again, ` +
      'and do not mention that this is a summary. Write in the language of the reasoning, in plain prose without headings or lists.',
    input: [{ type: 'message', role: 'user', content: `Reasoning to summarize:\n\n${options.reasoning}` }],
    temperature: 0,
    maxOutputTokens: options.maxOutputTokens ?? style.maxOutputTokens,
  };
  if (options.reasoningEffort !== undefined) request.reasoningEffort = options.reasoningEffort;
  return request;
}

export interface ModelSummaryRun {
  signal: CancelSignal;
  requestId: string;
  /** Called with each piece of summary text as the backend produces it. */
  onDelta?: (delta: string) => void;
}

export interface ModelSummaryResult {
  text: string;
  usage: ModelUsage | null;
  /** `length` means the summary was cut by the output budget. */
  finishReason: FinishReason | null;
}

/**
 * Runs a summary request through an adapter and collects its text. The backend's own reasoning
 * (if the model thinks before answering) is not part of the summary and is dropped. A backend
 * failure rejects with its GatewayError, before or after the first delta.
 */
export async function runModelSummary(
  adapter: BackendAdapter,
  request: ModelRequest,
  run: ModelSummaryRun,
): Promise<ModelSummaryResult> {
  const parts = await adapter.stream(request, { signal: run.signal, requestId: run.requestId });
  let text = '';
  let usage: ModelUsage | null = null;
  let finishReason: FinishReason | null = null;
  for await (const part of parts) {
    switch (part.type) {
      case 'text-delta':
        if (part.text === '') break;
        text += part.text;
        run.onDelta?.(part.text);
        break;
      case 'usage':
        usage = part.usage;
        break;
      case 'finish':
        finishReason = part.reason;
        break;
      case 'error':
        throw part.error;
      default:
        // reasoning, refusal and tool-call parts carry no summary text
        break;
    }
  }
  return { text, usage, finishReason };
}

/** Builds and runs the summary request; empty reasoning gives an empty summary without a call. */
export async function summarizeWithModel(
  adapter: BackendAdapter,
  options: SummaryRequestOptions,
  run: ModelSummaryRun,
): Promise<ModelSummaryResult> {
  if (options.reasoning.trim() === '') return { text: '', usage: null, finishReason: null };
  return runModelSummary(adapter, buildSummaryRequest(options), run);
}
