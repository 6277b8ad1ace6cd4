/**
 * `truncation` (docs/state.md): the whole context a response sends (stored history, conversation
 * items, this input) measured against the backend model's `max_model_len` (from `/v1/models`,
 * cached per model) with the backend's tokenizer (`/tokenize`), before the backend is called.
 *
 * - `"disabled"`: a context that does not fit is a 400 `context_length_exceeded`.
 * - `"auto"`: the oldest turns are dropped until it fits. A turn starts at a user message; system
 *   and developer messages (and `instructions`) are always kept, and so is the latest turn. A
 *   function call and its output are dropped together. When even the latest turn alone does not
 *   fit, the answer is the same 400.
 * - absent: nothing is measured (no extra backend call); a context the backend refuses is its 400,
 *   mapped to `context_length_exceeded`.
 *
 * Fitting means: prompt tokens + `max_output_tokens` (when set) ≤ `max_model_len`, and at least one
 * token left for the output. What was dropped is returned so the HTTP layer can say so (header).
 * When the backend cannot count tokens or does not report a `max_model_len` for the model, the
 * request goes on as sent and the report says it was not measured.
 */
import type { CancelSignal } from '../cancel/cancel.js';
import type { BackendAdapter } from '../backends/contract.js';
import { errors } from '../shared/protocol/errors.js';
import type { CreateResponseRequest } from '../shared/protocol/types.js';
import { toModelRequest } from './translate-request.js';

type Item = Record<string, unknown>;

/** `max_model_len` per model, from the backend's model list (looked up once per model). */
export class ContextWindows {
  private readonly known = new Map<string, number | null>();
  private pending: Promise<void> | null = null;

  constructor(private readonly backend: BackendAdapter) {}

  /** The model's context window in tokens, or undefined when the backend does not say. */
  async get(model: string, signal?: CancelSignal): Promise<number | undefined> {
    if (!this.known.has(model)) await this.refresh(signal);
    return this.known.get(model) ?? undefined;
  }

  /** One list request at a time; a model still missing afterwards is remembered as unknown. */
  private async refresh(signal?: CancelSignal): Promise<void> {
    this.pending ??= this.backend
      .listModels(signal)
      .then((models) => {
        for (const m of models)
          this.known.set(m.id, typeof m.max_model_len === 'number' && m.max_model_len > 0 ? m.max_model_len : null);
      })
      .finally(() => {
        this.pending = null;
      });
    await this.pending;
  }
}

export interface DroppedItem {
  /** Position in the context that was measured (history first, then this input). */
  index: number;
  type: string;
  role?: string;
  id?: string;
}

export type TruncationReport =
  | { measured: false; reason: string }
  | {
      measured: true;
      maxModelLen: number;
      /** Prompt tokens of the whole context. */
      inputTokens: number;
      /** Prompt tokens of what is sent (equal to inputTokens when nothing was dropped). */
      fittedTokens: number;
      droppedTurns: number;
      dropped: DroppedItem[];
    };

export interface FitResult {
  request: CreateResponseRequest;
  report?: TruncationReport;
}

export interface FitOptions {
  /** The run's backend headers (simulator selection), so that the count sees what the run sends. */
  backendHeaders?: Record<string, string>;
  signal?: CancelSignal;
}

/**
 * Tokens of `request` as the backend will see it, counted by the backend's tokenizer (`/tokenize`);
 * a token-count error when the backend cannot count (`POST /v1/responses/input_tokens`, `truncation`).
 */
export function countInputTokens(
  request: CreateResponseRequest,
  backend: BackendAdapter,
  options: FitOptions = {},
): Promise<number> {
  const count = backend.countTokens;
  if (!count) throw errors.tokenCountUnsupported(backend.kind);
  const modelRequest = toModelRequest(request, options.backendHeaders ? { headers: options.backendHeaders } : {});
  return count.call(backend, modelRequest, options.signal);
}

const typeOf = (item: Item): string =>
  typeof item.type === 'string' ? item.type : item.role !== undefined ? 'message' : 'item';
const isMessage = (item: Item): boolean => typeOf(item) === 'message';
const isPinned = (item: Item): boolean => isMessage(item) && (item.role === 'system' || item.role === 'developer');
const isUserTurnStart = (item: Item): boolean => isMessage(item) && item.role === 'user';

/**
 * The item indices each "drop the k oldest turns" removes, for k = 1 … turns. Turn t covers the
 * items from its user message to the next one; pinned items are never dropped, and an output
 * whose call was dropped goes with it.
 */
export function dropPlans(items: readonly Item[]): Set<number>[] {
  const starts: number[] = [];
  items.forEach((item, i) => {
    if (isUserTurnStart(item)) starts.push(i);
  });
  // Items before the first user message belong to the first turn.
  if (starts.length === 0) return [];
  const boundaries = starts[0] === 0 ? starts : [0, ...starts];
  const lastTurnStart = boundaries[boundaries.length - 1];
  const plans: Set<number>[] = [];
  const dropped = new Set<number>();
  const droppedCalls = new Set<string>();
  for (let t = 0; t < boundaries.length - 1; t++) {
    for (let i = boundaries[t]; i < boundaries[t + 1]; i++) {
      const item = items[i];
      if (isPinned(item)) continue;
      dropped.add(i);
      if (item.type === 'function_call' && typeof item.call_id === 'string') droppedCalls.add(item.call_id);
    }
    const plan = new Set(dropped);
    // Outputs of dropped calls that sit in a later (kept) turn go too: never half a pair.
    items.forEach((item, i) => {
      if (i >= boundaries[t + 1] && item.type === 'function_call_output' && droppedCalls.has(String(item.call_id)))
        plan.add(i);
    });
    // Never the latest turn's user message itself; a turn of kept items only is no step.
    plan.delete(lastTurnStart);
    if (plan.size > (plans.at(-1)?.size ?? 0)) plans.push(plan);
  }
  return plans;
}

function describeDropped(items: readonly Item[], plan: Set<number>): DroppedItem[] {
  return [...plan]
    .sort((a, b) => a - b)
    .map((index) => {
      const item = items[index];
      const out: DroppedItem = { index, type: typeOf(item) };
      if (typeof item.role === 'string') out.role = item.role;
      if (typeof item.id === 'string') out.id = item.id;
      return out;
    });
}

export async function fitContext(
  request: CreateResponseRequest,
  backend: BackendAdapter,
  windows: ContextWindows,
  options: FitOptions = {},
): Promise<FitResult> {
  const mode = request.truncation;
  if (mode !== 'auto' && mode !== 'disabled') return { request };
  if (!backend.countTokens) return { request, report: { measured: false, reason: 'the backend cannot count tokens' } };
  const model = request.model ?? '';
  const maxModelLen = await windows.get(model, options.signal);
  if (maxModelLen === undefined)
    return { request, report: { measured: false, reason: `the backend reports no max_model_len for '${model}'` } };
  const reserve = typeof request.max_output_tokens === 'number' ? request.max_output_tokens : 0;
  const fits = (tokens: number): boolean => tokens + reserve <= maxModelLen && tokens < maxModelLen;
  const count = (r: CreateResponseRequest): Promise<number> => countInputTokens(r, backend, options);

  const inputTokens = await count(request);
  const report = { measured: true as const, maxModelLen, inputTokens, fittedTokens: inputTokens, droppedTurns: 0 };
  if (fits(inputTokens)) return { request, report: { ...report, dropped: [] } };
  const over = `The input is ${inputTokens} tokens${reserve ? ` and max_output_tokens is ${reserve}` : ''}: more than the model's context window of ${maxModelLen} tokens`;
  if (mode === 'disabled')
    throw errors.contextLengthExceeded(
      `${over} (truncation: "disabled"). Shorten the input or use truncation: "auto".`,
    );

  const items = Array.isArray(request.input) ? (request.input as unknown as Item[]) : [];
  const plans = dropPlans(items);
  const without = (plan: Set<number>): CreateResponseRequest => ({
    ...request,
    input: items.filter((_, i) => !plan.has(i)) as unknown as CreateResponseRequest['input'],
  });
  // Fewest turns dropped that fit: token counts only fall as more is dropped, so bisect.
  let lo = 0;
  let hi = plans.length - 1;
  let best: { turns: number; tokens: number } | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const tokens = await count(without(plans[mid]));
    if (fits(tokens)) {
      best = { turns: mid + 1, tokens };
      hi = mid - 1;
    } else lo = mid + 1;
  }
  if (!best)
    throw errors.contextLengthExceeded(
      `${over}, even with every earlier turn dropped (truncation: "auto" keeps system and developer messages and the latest turn).`,
    );
  const plan = plans[best.turns - 1];
  return {
    request: without(plan),
    report: { ...report, fittedTokens: best.tokens, droppedTurns: best.turns, dropped: describeDropped(items, plan) },
  };
}
