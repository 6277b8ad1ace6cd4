/**
 * vLLM's native Responses event stream → neutral ModelParts, repaired. Only the content of vLLM's
 * events is kept (text, reasoning, refusal, function names and arguments, usage, status); its
 * response and item ids, `output_index` / `content_index`, `sequence_number` and event framing
 * are dropped, and the gateway's ResponseBuilder makes the official sequence from the parts, as
 * for every other backend.
 *
 * What vLLM's stream gets wrong or leaves out, and how each is repaired here:
 * - item ids without the official prefixes, and a `response.completed` body whose item ids and
 *   function `call_id`s differ from the streamed ones: ids are never read as identities across the
 *   two; calls are matched by stream order;
 * - `sequence_number` of -1 or repeated, every `output_index` 0 (older builds): ignored;
 *   argument events are attributed by `item_id` (an id no call has is another call, not yet
 *   announced), else by `output_index`, else to the open call; text events without `item_id`
 *   belong to the item of their kind streaming now;
 * - an item id used again for a call added after the first one's `output_item.done`: another call;
 * - missing `content_part.*`, `*.done` or `output_item.added` events: nothing depends on them; a
 *   function call first seen in a later event (a delta, an arguments `.done`) is started then;
 * - a function call's `output_item.added` carries the arguments of the parser delta that opened
 *   it, and vLLM then sends the same text again as the first `function_call_arguments.delta`
 *   (both come from one parser delta): the added item's arguments are held back and dropped when
 *   the first delta repeats them;
 * - text, reasoning or arguments that only the `*.done` events or the final response hold (tool
 *   calls that were never streamed): the missing remainder is emitted as a delta before usage;
 * - `response.completed` with status `incomplete`, or `response.incomplete`: finish `length` (or
 *   `content_filter`);
 * - an `error` event with vLLM's body (integer `code`, exception-style `type`) and no
 *   `response.failed` after it: an `error` part with an OpenAI-shaped code (../http/errors.ts);
 * - a stream that ends without `response.completed`: a truncated stream (E1).
 *
 * What cannot be repaired ends the stream with `backend_protocol_error` naming the field, as on
 * the Chat route: an event without a string `type`, and a field the decoder reads of the wrong
 * type (a delta or text that is not a string, an `item` that is not an object, malformed logprobs,
 * a final `response` that is not an object, its `output` not a list, usage counts that are not
 * whole numbers ≥ 0), and arguments for a call after its `output_item.done`. Arguments sent as a
 * JSON object are its JSON text. Nothing is dropped silently.
 */
import { errors, type GatewayError } from '../../shared/protocol/errors.js';
import type { FinishReason, ModelPart, ModelUsage, TokenLogprob } from '../contract.js';
import type { PartDecoder } from '../http/part-stream.js';
import { NO_SECRETS, type SecretScrubber } from '../http/secret-scrub.js';
import { upstreamError } from '../http/errors.js';
import { count, isCount, isJsonObject, isLogprobList, optionalString } from '../wire-values.js';

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

type TextKind = 'text' | 'reasoning' | 'refusal';

/** One function call of the stream, in the order vLLM opened it. */
interface Call {
  index: number;
  itemId: string | undefined;
  outputIndex: number | undefined;
  callId: string | undefined;
  name: string | undefined;
  started: boolean;
  /** Arguments emitted (or waiting for the name, when not started). */
  args: string;
  pending: string;
  /** Arguments of the `output_item.added` item, until the first delta shows whether it repeats them. */
  snapshot: string | undefined;
  /** Its `output_item.done` was seen: it takes no more argument deltas, and its id is free again. */
  done: boolean;
}

interface FinalContent {
  text: string;
  reasoning: string;
  refusal: string;
  calls: { callId: string | undefined; name: string | undefined; args: string }[];
}

function bytesOf(token: string): number[] {
  return Array.from(Buffer.from(token, 'utf8'));
}

/**
 * vLLM's Responses logprobs carry no `bytes`: they are derived from the token text. `value` is a
 * list isLogprobList accepted.
 */
function logprobsOf(value: readonly TokenLogprob[]): TokenLogprob[] | undefined {
  if (value.length === 0) return undefined;
  return value.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: Array.isArray(entry.bytes) ? entry.bytes : bytesOf(entry.token),
    top_logprobs: (entry.top_logprobs ?? []).map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: Array.isArray(t.bytes) ? t.bytes : bytesOf(t.token),
    })),
  }));
}

/** A field of the wrong type, as `[field, what it should be]`. */
type WrongType = readonly [string, string];

function isWrong(value: unknown): value is WrongType {
  return Array.isArray(value);
}

/** Arguments as text: a string is itself, a JSON object its JSON text (as on the Chat route). */
function argumentsText(value: unknown): string | undefined | WrongType {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isJsonObject(value)) return JSON.stringify(value);
  return ['arguments', 'a string'];
}

/** The final body's usage: counts are whole numbers ≥ 0; the optional details are left out when not. */
function usageOf(value: unknown): ModelUsage | undefined | WrongType {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) return ['response.usage', 'an object'];
  const inputTokens = count(value.input_tokens);
  const outputTokens = count(value.output_tokens);
  if (inputTokens === undefined) return ['response.usage.input_tokens', 'a token count'];
  if (outputTokens === undefined) return ['response.usage.output_tokens', 'a token count'];
  const usage: ModelUsage = { inputTokens, outputTokens };
  const cached = isJsonObject(value.input_tokens_details) ? value.input_tokens_details.cached_tokens : undefined;
  if (isCount(cached)) usage.cachedInputTokens = cached;
  const reasoning = isJsonObject(value.output_tokens_details)
    ? value.output_tokens_details.reasoning_tokens
    : undefined;
  if (isCount(reasoning)) usage.reasoningTokens = reasoning;
  return usage;
}

/** The text of a content part's `field`, or the wrong type it has. */
function partText(part: Json, field: string): string | WrongType {
  const value = part[field];
  if (!optionalString(value)) return [`response.output[].content[].${field}`, 'a string'];
  return value ?? '';
}

/**
 * The text, reasoning and calls a final response body holds, in output order (items of other
 * types, e.g. a built-in tool's, are not the model's content and are passed over).
 */
function finalContent(output: unknown): FinalContent | WrongType {
  const content: FinalContent = { text: '', reasoning: '', refusal: '', calls: [] };
  if (output === undefined || output === null) return content;
  if (!Array.isArray(output)) return ['response.output', 'a list'];
  for (const item of output) {
    if (!isJsonObject(item)) return ['response.output[]', 'an object'];
    if (item.type === 'function_call') {
      const args = argumentsText(item.arguments);
      if (isWrong(args)) return ['response.output[].arguments', 'a string'];
      if (!optionalString(item.name)) return ['response.output[].name', 'a string'];
      if (!optionalString(item.call_id)) return ['response.output[].call_id', 'a string'];
      content.calls.push({ callId: item.call_id ?? undefined, name: item.name ?? undefined, args: args ?? '' });
      continue;
    }
    if (item.type !== 'message' && item.type !== 'reasoning') continue;
    const parts = item.content;
    if (parts === undefined || parts === null) continue;
    if (!Array.isArray(parts)) return ['response.output[].content', 'a list'];
    for (const p of parts) {
      if (!isJsonObject(p)) return ['response.output[].content[]', 'an object'];
      const field = p.type === 'refusal' ? 'refusal' : 'text';
      const text = partText(p, field);
      if (isWrong(text)) return text;
      if (item.type === 'reasoning') content.reasoning += text;
      else if (p.type === 'output_text') content.text += text;
      else if (p.type === 'refusal') content.refusal += text;
    }
  }
  return content;
}

const INCOMPLETE_REASONS: Record<string, FinishReason> = {
  max_output_tokens: 'length',
  content_filter: 'content_filter',
};

export class ResponsesStreamDecoder implements PartDecoder {
  parts: ModelPart[] = [];
  ended = false;
  private text = '';
  private reasoning = '';
  private refusal = '';
  /** Text / reasoning streamed per item (`kind:item_id`), for the `*.done` repairs. */
  private readonly itemText = new Map<string, string>();
  /** The item id of the latest text, reasoning and refusal event that had one. */
  private readonly currentItem: Partial<Record<TextKind, string>> = {};
  private readonly calls: Call[] = [];

  constructor(
    private readonly requestId: string,
    private readonly scrub: SecretScrubber = NO_SECRETS,
  ) {}

  feed(data: string): void {
    if (this.ended) return;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      this.fail(errors.backendProtocol(`The backend sent a malformed stream event: ${data.slice(0, 200)}`));
      return;
    }
    if (!isJsonObject(event)) {
      this.fail(errors.backendProtocol('The backend sent a stream event that is not an object.'));
      return;
    }
    // vLLM writes its error body (`{"error":{…}}` or the flat `{"object":"error",…}`) as the event.
    if (
      event.type === 'error' ||
      (event.type === undefined && (event.error !== undefined || event.object === 'error'))
    ) {
      this.fail(upstreamError(0, event));
      return;
    }
    if (typeof event.type !== 'string') return this.wrongType(event, 'type', 'a string');
    if (!optionalString(event.item_id)) return this.wrongType(event, 'item_id', 'a string');
    switch (event.type) {
      case 'response.output_text.delta':
        this.textDelta('text', event);
        return;
      case 'response.reasoning_text.delta':
      case 'response.reasoning.delta':
        this.textDelta('reasoning', event);
        return;
      case 'response.refusal.delta':
        this.textDelta('refusal', event);
        return;
      case 'response.output_text.done':
        this.textDone('text', event, 'text');
        return;
      case 'response.reasoning_text.done':
        this.textDone('reasoning', event, 'text');
        return;
      case 'response.refusal.done':
        this.textDone('refusal', event, 'refusal');
        return;
      case 'response.output_item.added':
      case 'response.output_item.done':
        if (!isJsonObject(event.item)) return this.wrongType(event, 'item', 'an object');
        if (event.item.type === 'function_call') this.callItem(event, event.item);
        return;
      case 'response.function_call_arguments.delta': {
        const delta = argumentsText(event.delta);
        if (isWrong(delta)) return this.wrongType(event, 'delta', 'a string');
        // Older builds stream arguments without announcing the call: it is named by a later event.
        const call = this.callFor(event) ?? this.newCall(str(event.item_id), event);
        if (call.done)
          return this.fail(
            errors.backendProtocol(
              `The backend sent arguments for function call ${call.index} after its output_item.done.`,
            ),
          );
        if (call.snapshot !== undefined && call.snapshot === delta) call.snapshot = undefined;
        this.flushSnapshot(call);
        this.args(call, delta ?? '');
        return;
      }
      case 'response.function_call_arguments.done': {
        const args = argumentsText(event.arguments);
        if (isWrong(args)) return this.wrongType(event, 'arguments', 'a string');
        if (!optionalString(event.name)) return this.wrongType(event, 'name', 'a string');
        const call = this.callFor(event) ?? this.newCall(str(event.item_id), event);
        if (!call.name && event.name) this.start(call, event.name);
        this.rest(call, args);
        return;
      }
      case 'response.completed':
      case 'response.incomplete':
        this.complete(event);
        return;
      case 'response.failed': {
        const response = isJsonObject(event.response) ? event.response : {};
        this.fail(upstreamError(0, { error: isJsonObject(response.error) ? response.error : { message: 'failed' } }));
        return;
      }
      default:
        // response.created / in_progress, content_part.*, and anything newer: nothing to keep.
        return;
    }
  }

  end(): void {
    if (this.ended) return;
    this.fail(errors.backendProtocol('The backend stream ended before it was complete (no response.completed).'));
  }

  fail(error: GatewayError): void {
    if (this.ended) return;
    this.ended = true;
    this.parts.push({ type: 'error', error: this.scrub.error(error) });
  }

  /** A field of the wrong type: the stream ends as a backend protocol error naming it. */
  private wrongType(event: Json, field: string, expected: string): void {
    const type = typeof event.type === 'string' && event.type.length <= 80 ? ` (${event.type})` : '';
    this.fail(errors.backendProtocol(`The backend sent a stream event${type} whose ${field} is not ${expected}.`));
  }

  private textDelta(kind: TextKind, event: Json): void {
    const delta = event.delta;
    if (!optionalString(delta)) return this.wrongType(event, 'delta', 'a string');
    const lp = kind === 'text' ? event.logprobs : undefined;
    if (lp !== undefined && lp !== null && !isLogprobList(lp))
      return this.wrongType(event, 'logprobs', 'a list of token logprobs');
    const key = this.itemKey(kind, event);
    if (!delta) return;
    this.emitText(kind, delta, lp ? logprobsOf(lp) : undefined);
    this.itemText.set(key, (this.itemText.get(key) ?? '') + delta);
  }

  /** A `*.done` event whose full text extends what was streamed for its item: emit the rest. */
  private textDone(kind: TextKind, event: Json, field: 'text' | 'refusal'): void {
    const full = event[field];
    if (!optionalString(full)) return this.wrongType(event, field, 'a string');
    const key = this.itemKey(kind, event);
    if (full === undefined || full === null) return;
    const streamed = this.itemText.get(key) ?? '';
    if (full.length > streamed.length && full.startsWith(streamed)) {
      this.emitText(kind, full.slice(streamed.length));
      this.itemText.set(key, full);
    }
  }

  /**
   * The item a text event belongs to: its `item_id`, else the item of that kind streaming now (an
   * event without an id is not another item). Text streamed before any id was given is the first
   * named item's.
   */
  private itemKey(kind: TextKind, event: Json): string {
    const id = str(event.item_id);
    if (id === undefined) return `${kind}:${this.currentItem[kind] ?? ''}`;
    if (this.currentItem[kind] === undefined) {
      const unnamed = this.itemText.get(`${kind}:`);
      if (unnamed !== undefined && !this.itemText.has(`${kind}:${id}`)) this.itemText.set(`${kind}:${id}`, unnamed);
      this.itemText.delete(`${kind}:`);
    }
    this.currentItem[kind] = id;
    return `${kind}:${id}`;
  }

  private emitText(kind: TextKind, text: string, logprobs?: TokenLogprob[]): void {
    if (kind === 'text') {
      this.text += text;
      this.parts.push(logprobs ? { type: 'text-delta', text, logprobs } : { type: 'text-delta', text });
    } else if (kind === 'reasoning') {
      this.reasoning += text;
      this.parts.push({ type: 'reasoning-delta', text });
    } else {
      this.refusal += text;
      this.parts.push({ type: 'refusal-delta', text });
    }
  }

  private callItem(event: Json, item: Json): void {
    if (!optionalString(item.id)) return this.wrongType(event, 'item.id', 'a string');
    if (!optionalString(item.name)) return this.wrongType(event, 'item.name', 'a string');
    if (!optionalString(item.call_id)) return this.wrongType(event, 'item.call_id', 'a string');
    const args = argumentsText(item.arguments);
    if (isWrong(args)) return this.wrongType(event, 'item.arguments', 'a string');
    const itemId = str(item.id);
    const added = event.type === 'response.output_item.added';
    const outputIndex = typeof event.output_index === 'number' ? event.output_index : undefined;
    let call = itemId !== undefined ? this.callById(itemId) : undefined;
    // An item added under the id of a call whose item is done is another call: the id was reused.
    if (call?.done && added) call = undefined;
    if (!call && !added) call = this.callFor(event);
    call ??= this.newCall(itemId, event);
    if (call.outputIndex === undefined) call.outputIndex = outputIndex;
    if (!call.callId && typeof item.call_id === 'string' && item.call_id !== '') call.callId = item.call_id;
    if (!call.started && typeof item.name === 'string' && item.name !== '') this.start(call, item.name);
    if (added) {
      // An `added` event repeated after arguments arrived announces nothing new.
      if (args && !call.args && !call.pending) call.snapshot = args;
    } else {
      this.rest(call, args);
      call.done = true;
    }
  }

  private newCall(itemId: string | undefined, event: Json): Call {
    const call: Call = {
      index: this.calls.length,
      itemId,
      outputIndex: typeof event.output_index === 'number' ? event.output_index : undefined,
      callId: undefined,
      name: undefined,
      started: false,
      args: '',
      pending: '',
      snapshot: undefined,
      done: false,
    };
    this.calls.push(call);
    return call;
  }

  /** The latest call with this item id. */
  private callById(itemId: string): Call | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) if (this.calls[i].itemId === itemId) return this.calls[i];
    return undefined;
  }

  /**
   * The call an arguments event belongs to: by item id (an id no call has is a call not announced
   * yet: none), else by output index, else the last one.
   */
  private callFor(event: Json): Call | undefined {
    const itemId = str(event.item_id) ?? (isJsonObject(event.item) ? str(event.item.id) : undefined);
    if (itemId !== undefined) return this.callById(itemId);
    if (typeof event.output_index === 'number') {
      const matches = this.calls.filter((c) => c.outputIndex === event.output_index);
      // Older builds number every item 0: an index shared by several calls identifies none.
      if (matches.length === 1) return matches[0];
    }
    return this.calls[this.calls.length - 1];
  }

  private start(call: Call, name: string): void {
    call.name = name;
    call.started = true;
    this.parts.push({
      type: 'tool-call-start',
      index: call.index,
      callId: call.callId ?? `call_${this.requestId}_${call.index}`,
      name,
    });
    if (call.pending) {
      const pending = call.pending;
      call.pending = '';
      this.args(call, pending);
    }
  }

  private flushSnapshot(call: Call): void {
    const snapshot = call.snapshot;
    if (snapshot === undefined) return;
    call.snapshot = undefined;
    this.args(call, snapshot);
  }

  private args(call: Call, delta: string): void {
    if (!delta) return;
    if (!call.started) {
      call.pending += delta;
      return;
    }
    call.args += delta;
    this.parts.push({ type: 'tool-call-delta', index: call.index, argumentsDelta: delta });
  }

  /** Complete arguments from a `.done` event or the final body: emit what the deltas left out. */
  private rest(call: Call, full: string | undefined): void {
    this.flushSnapshot(call);
    if (full === undefined) return;
    const have = call.args + call.pending;
    if (full.length > have.length && full.startsWith(have)) this.args(call, full.slice(have.length));
  }

  private complete(event: Json): void {
    const incomplete = event.type === 'response.incomplete';
    const body = event.response;
    if (!isJsonObject(body)) return this.wrongType(event, 'response', 'an object');
    const final = finalContent(body.output);
    if (isWrong(final)) return this.wrongType(event, final[0], final[1]);
    const usage = usageOf(body.usage);
    if (isWrong(usage)) return this.wrongType(event, usage[0], usage[1]);
    // Whatever the final body holds beyond what was streamed (vLLM builds it separately).
    for (const [kind, streamed, full] of [
      ['reasoning', this.reasoning, final.reasoning],
      ['text', this.text, final.text],
      ['refusal', this.refusal, final.refusal],
    ] as const) {
      if (full.length > streamed.length && full.startsWith(streamed)) this.emitText(kind, full.slice(streamed.length));
    }
    final.calls.forEach((finalCall, i) => {
      let call = this.calls[i];
      if (!call) {
        call = this.newCall(undefined, {});
        call.callId = finalCall.callId;
      }
      if (!call.started && finalCall.name) this.start(call, finalCall.name);
      this.rest(call, finalCall.args);
    });
    const unnamed = this.calls.find((c) => !c.started);
    if (unnamed) {
      this.fail(errors.backendProtocol(`Function call ${unnamed.index} had arguments but no name.`));
      return;
    }
    if (usage) this.parts.push({ type: 'usage', usage });
    this.ended = true;
    this.parts.push({ type: 'finish', reason: this.finishReason(body, incomplete) });
  }

  private finishReason(body: Json, incomplete: boolean): FinishReason {
    if (incomplete || body.status === 'incomplete') {
      const reason = isJsonObject(body.incomplete_details) ? str(body.incomplete_details.reason) : undefined;
      return (reason && INCOMPLETE_REASONS[reason]) || 'length';
    }
    return this.calls.length > 0 ? 'tool_calls' : 'stop';
  }
}
