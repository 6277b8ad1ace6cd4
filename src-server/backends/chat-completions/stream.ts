/**
 * Chat Completions SSE → neutral ModelParts. One decoder per response; `feed()` takes the raw
 * `data:` payload of each event and appends parts to `parts`, which the reader drains after every
 * network read. The decoder never throws: failures become one `error` part and `ended`.
 *
 * `finish` is held back until `[DONE]` so that it is always the last part (after usage) and a
 * stream cut after its finish_reason still counts as truncated (E1).
 */
import { errors, type GatewayError } from '../../protocol/errors.js';
import type { FinishReason, ModelPart, TokenLogprob } from '../contract.js';
import { upstreamError } from '../http/errors.js';
import type { PartDecoder } from '../http/part-stream.js';
import { NO_SECRETS, type SecretScrubber } from '../http/secret-scrub.js';

interface ToolCallFragment {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface ChunkDelta {
  content?: string | null;
  refusal?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
  tool_calls?: ToolCallFragment[] | null;
}

interface ChunkChoice {
  index?: number;
  delta?: ChunkDelta;
  logprobs?: { content?: TokenLogprob[] | null } | null;
  finish_reason?: string | null;
}

interface ChunkUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

interface Chunk {
  object?: string;
  error?: unknown;
  choices?: ChunkChoice[];
  usage?: ChunkUsage | null;
}

/** Per tool-call slot: started once id+name are known; arguments that arrive earlier wait. */
interface ToolSlot {
  started: boolean;
  pendingArgs: string;
}

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'length', 'tool_calls', 'content_filter', 'abort']);

export class ChatStreamDecoder implements PartDecoder {
  /** Parts produced since the reader last drained them. */
  parts: ModelPart[] = [];
  /** True once `[DONE]` or an error was seen: nothing more will be produced. */
  ended = false;
  private finish: FinishReason | undefined;
  private readonly tools: ToolSlot[] = [];

  constructor(
    private readonly requestId: string,
    /** Removes credentials from backend text before an error carries it (secret-scrub.ts). */
    private readonly scrub: SecretScrubber = NO_SECRETS,
  ) {}

  feed(data: string): void {
    if (this.ended) return;
    if (data === '[DONE]') {
      if (this.orphanedTool()) return;
      this.ended = true;
      this.parts.push({ type: 'finish', reason: this.finish ?? 'stop' });
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      this.fail(errors.backendProtocol(`The backend sent a malformed stream chunk: ${data.slice(0, 200)}`));
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) {
      this.fail(errors.backendProtocol('The backend sent a stream chunk that is not an object.'));
      return;
    }
    if (chunk.error !== undefined || chunk.object === 'error') {
      this.fail(upstreamError(0, chunk));
      return;
    }
    const choices = chunk.choices;
    if (choices !== undefined && choices.length > 0) this.choice(choices[0]);
    const usage = chunk.usage;
    if (usage) {
      const u: { inputTokens: number; outputTokens: number; cachedInputTokens?: number; reasoningTokens?: number } = {
        inputTokens: usage.prompt_tokens ?? 0,
        outputTokens: usage.completion_tokens ?? 0,
      };
      const cached = usage.prompt_tokens_details?.cached_tokens;
      if (typeof cached === 'number') u.cachedInputTokens = cached;
      const reasoning = usage.completion_tokens_details?.reasoning_tokens;
      if (typeof reasoning === 'number') u.reasoningTokens = reasoning;
      this.parts.push({ type: 'usage', usage: u });
    }
  }

  /** The body ended: without `[DONE]` that is a truncated stream. */
  end(): void {
    if (this.ended) return;
    this.fail(errors.backendProtocol('The backend stream ended before it was complete (no [DONE]).'));
  }

  fail(error: GatewayError): void {
    if (this.ended) return;
    this.ended = true;
    this.parts.push({ type: 'error', error: this.scrub.error(error) });
  }

  private choice(choice: ChunkChoice): void {
    const delta = choice.delta;
    if (delta) {
      const reasoning = delta.reasoning ?? delta.reasoning_content;
      if (reasoning) this.parts.push({ type: 'reasoning-delta', text: reasoning });
      if (delta.content) {
        const lp = choice.logprobs?.content;
        this.parts.push(
          lp ? { type: 'text-delta', text: delta.content, logprobs: lp } : { type: 'text-delta', text: delta.content },
        );
      }
      if (delta.refusal) this.parts.push({ type: 'refusal-delta', text: delta.refusal });
      if (delta.tool_calls) for (let i = 0; i < delta.tool_calls.length; i++) this.toolFragment(delta.tool_calls[i], i);
    }
    const reason = choice.finish_reason;
    if (reason) this.finish = FINISH_REASONS.has(reason) ? (reason as FinishReason) : 'stop';
  }

  private toolFragment(fragment: ToolCallFragment, position: number): void {
    const index = typeof fragment.index === 'number' ? fragment.index : position;
    let slot = this.tools[index];
    if (!slot) {
      slot = { started: false, pendingArgs: '' };
      this.tools[index] = slot;
    }
    const fn = fragment.function;
    // Some servers repeat id/name on every fragment: only the first one starts the call.
    if (!slot.started && fn?.name) {
      slot.started = true;
      this.parts.push({
        type: 'tool-call-start',
        index,
        callId: fragment.id || `call_${this.requestId}_${index}`,
        name: fn.name,
      });
      if (slot.pendingArgs) {
        this.parts.push({ type: 'tool-call-delta', index, argumentsDelta: slot.pendingArgs });
        slot.pendingArgs = '';
      }
    }
    const args = fn?.arguments;
    if (args) {
      if (slot.started) this.parts.push({ type: 'tool-call-delta', index, argumentsDelta: args });
      else slot.pendingArgs += args;
    }
  }

  /** Arguments for a slot that never got a name cannot be attributed: report them. */
  private orphanedTool(): boolean {
    for (let i = 0; i < this.tools.length; i++) {
      const slot = this.tools[i];
      if (slot && !slot.started && slot.pendingArgs) {
        this.fail(errors.backendProtocol(`Tool call ${i} had arguments but no function name.`));
        return true;
      }
    }
    return false;
  }
}
