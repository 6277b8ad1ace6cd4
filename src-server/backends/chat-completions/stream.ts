/**
 * Chat Completions SSE → neutral ModelParts. One decoder per response; `feed()` takes the raw
 * `data:` payload of each event and appends parts to `parts`, which the reader drains after every
 * network read. The decoder never throws: failures become one `error` part and `ended`.
 *
 * `finish` is held back until `[DONE]` so that it is always the last part (after usage) and a
 * stream cut after its finish_reason still counts as truncated (E1).
 */
import { errors, type GatewayError } from '../../shared/protocol/errors.js';
import type { FinishReason, ModelPart, TokenLogprob } from '../contract.js';
import { count, isCount, isJsonObject, isLogprobList, optionalString } from '../wire-values.js';
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

/**
 * One tool call of the stream, found by where its fragments say they belong (`index`, or their
 * position in `tool_calls` when a server leaves it out). Started once id and name are known;
 * arguments that arrive earlier wait.
 */
interface ToolSlot {
  /** The call's index in the parts: the wire's, or the next free one when it was taken (below). */
  index: number;
  started: boolean;
  pendingArgs: string;
  callId?: string;
  name?: string;
  /** The decoder's `outputs` when the call started: a larger count means its item has ended. */
  startedAt: number;
}

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'length', 'tool_calls', 'content_filter', 'abort']);

export class ChatStreamDecoder implements PartDecoder {
  /** Parts produced since the reader last drained them. */
  parts: ModelPart[] = [];
  /** True once `[DONE]` or an error was seen: nothing more will be produced. */
  ended = false;
  private finish: FinishReason | undefined;
  /**
   * The current call at each place of the wire (its `index`, or a fragment's position). Made at
   * the first call, as `indices`: a text answer keeps neither alive for its whole stream.
   */
  private tools: Map<number, ToolSlot> | null = null;
  /** Indices given to calls so far: a new call where another was gets the next free one. */
  private indices: Set<number> | null = null;
  private nextIndex = 0;
  /**
   * Text, reasoning and refusal deltas so far: each ends the items of the calls started before it
   * (part-framing.ts).
   */
  private outputs = 0;

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
    if (choices !== undefined && choices !== null) {
      if (!Array.isArray(choices)) return this.wrongType('choices', 'an array');
      // The gateway asks for one choice (n = 1): another choice's deltas are not this answer's.
      const choice: unknown = choices[0];
      if (choice !== undefined) {
        if (!isObject(choice)) return this.wrongType('choices[0]', 'an object');
        if (choice.index === undefined || choice.index === 0) this.choice(choice as ChunkChoice);
        if (this.ended) return;
      }
    }
    const usage = chunk.usage;
    if (usage !== undefined && usage !== null) {
      if (typeof usage !== 'object') return this.wrongType('usage', 'an object');
      const inputTokens = count(usage.prompt_tokens);
      const outputTokens = count(usage.completion_tokens);
      if (inputTokens === undefined) return this.wrongType('usage.prompt_tokens', 'a token count');
      if (outputTokens === undefined) return this.wrongType('usage.completion_tokens', 'a token count');
      const u: { inputTokens: number; outputTokens: number; cachedInputTokens?: number; reasoningTokens?: number } = {
        inputTokens,
        outputTokens,
      };
      // The details are optional: a count that is not one is left out.
      const cached = usage.prompt_tokens_details?.cached_tokens;
      if (isCount(cached)) u.cachedInputTokens = cached;
      const reasoning = usage.completion_tokens_details?.reasoning_tokens;
      if (isCount(reasoning)) u.reasoningTokens = reasoning;
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
    if (delta !== undefined && delta !== null) {
      if (!isObject(delta)) return this.wrongType('delta', 'an object');
      const reasoning = delta.reasoning ?? delta.reasoning_content;
      const content = delta.content;
      const refusal = delta.refusal;
      if (!optionalString(reasoning)) return this.wrongType('delta.reasoning', 'a string');
      if (!optionalString(content)) return this.wrongType('delta.content', 'a string');
      if (!optionalString(refusal)) return this.wrongType('delta.refusal', 'a string');
      if (reasoning) this.parts.push({ type: 'reasoning-delta', text: reasoning });
      if (content) {
        const lp = choice.logprobs?.content;
        if (lp !== undefined && lp !== null && !isLogprobList(lp))
          return this.wrongType('logprobs.content', 'a list of token logprobs');
        this.parts.push(
          lp ? { type: 'text-delta', text: content, logprobs: lp } : { type: 'text-delta', text: content },
        );
      }
      if (refusal) this.parts.push({ type: 'refusal-delta', text: refusal });
      if (reasoning || content || refusal) this.outputs++;
      const calls = delta.tool_calls;
      if (calls !== undefined && calls !== null) {
        if (!Array.isArray(calls)) return this.wrongType('delta.tool_calls', 'an array');
        for (let i = 0; i < calls.length && !this.ended; i++) this.toolFragment(calls[i], i);
      }
    }
    const reason = choice.finish_reason;
    if (typeof reason === 'string' && reason !== '')
      this.finish = FINISH_REASONS.has(reason) ? (reason as FinishReason) : 'stop';
  }

  /** A field of the wrong type: the stream ends as a backend protocol error naming it. */
  private wrongType(field: string, expected: string): void {
    this.fail(errors.backendProtocol(`The backend sent a stream chunk whose ${field} is not ${expected}.`));
  }

  private toolFragment(fragment: ToolCallFragment, position: number): void {
    if (!isObject(fragment)) return this.wrongType('delta.tool_calls[]', 'an object');
    const fn = fragment.function;
    if (fn !== undefined && fn !== null && !isObject(fn)) return this.wrongType('tool_calls[].function', 'an object');
    if (!optionalString(fragment.id)) return this.wrongType('tool_calls[].id', 'a string');
    if (!optionalString(fn?.name)) return this.wrongType('tool_calls[].function.name', 'a string');
    let args: unknown = fn?.arguments;
    // Some servers send a call's arguments as the parsed object: they are its JSON text.
    if (isJsonObject(args)) args = JSON.stringify(args);
    if (!optionalString(args)) return this.wrongType('tool_calls[].function.arguments', 'a string');
    const wire = fragment.index;
    const place = typeof wire === 'number' && Number.isSafeInteger(wire) && wire >= 0 ? wire : position;
    const tools = (this.tools ??= new Map());
    let slot = tools.get(place);
    if (!slot || (slot.started && this.startsAnotherCall(slot, fragment))) {
      slot = { index: this.freeIndex(place), started: false, pendingArgs: '', startedAt: 0 };
      tools.set(place, slot);
    }
    // The id may come before the name; some servers repeat id/name on every fragment: only the
    // first one with a name starts the call.
    if (!slot.started && fragment.id) slot.callId = fragment.id;
    if (!slot.started && fn?.name) {
      slot.started = true;
      slot.startedAt = this.outputs;
      slot.callId ??= `call_${this.requestId}_${slot.index}`;
      slot.name = fn.name;
      this.parts.push({ type: 'tool-call-start', index: slot.index, callId: slot.callId, name: fn.name });
      if (slot.pendingArgs) {
        this.parts.push({ type: 'tool-call-delta', index: slot.index, argumentsDelta: slot.pendingArgs });
        slot.pendingArgs = '';
      }
    }
    if (!args) return;
    if (!slot.started) slot.pendingArgs += args;
    // Arguments for a call whose item other output has ended: the reader's framing reports them.
    else this.parts.push({ type: 'tool-call-delta', index: slot.index, argumentsDelta: args });
  }

  /** `place` itself unless a call already had that index, else the next index no call has had. */
  private freeIndex(place: number): number {
    const indices = (this.indices ??= new Set());
    const index = indices.has(place) ? this.nextIndex : place;
    indices.add(index);
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    return index;
  }

  /**
   * A fragment at the place of a started call that is another call: a different id, a different
   * name, or a name again after other output ended the first (servers that leave out `index` put
   * every call at position 0).
   */
  private startsAnotherCall(slot: ToolSlot, fragment: ToolCallFragment): boolean {
    const name = fragment.function?.name;
    if (fragment.id && fragment.id !== slot.callId) return true;
    if (name && name !== slot.name) return true;
    return slot.startedAt < this.outputs && !!name;
  }

  /** Arguments for a slot that never got a name cannot be attributed: report them. */
  private orphanedTool(): boolean {
    if (this.tools === null) return false;
    for (const [place, slot] of this.tools) {
      if (!slot.started && slot.pendingArgs) {
        this.fail(errors.backendProtocol(`Tool call ${place} had arguments but no function name.`));
        return true;
      }
    }
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
