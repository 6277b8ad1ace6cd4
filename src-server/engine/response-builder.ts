/**
 * ResponseBuilder: the state machine that turns framed model parts (backends/contract.ts) into the
 * official Responses event sequence (canonical openai-node names, no sequence numbers) and keeps
 * the Response snapshot in step with what was emitted. It follows the stream's framing and nothing
 * else: start parts open an item (output_item.added, content_part.added), end parts, `finish` and
 * failures close it (the `.done` events). Where one item ends and the next begins is decided once,
 * by the framer every adapter's reader runs (backends/part-framing.ts); a part the framing does
 * not allow (a delta whose item is not open, a start while another item is open) fails the
 * response instead of being guessed at.
 *
 * It also owns H3 reasoning summaries: with `summaries` set, each reasoning item gets one
 * `summary_text` part, streamed from the extractive summarizer as the reasoning arrives, or from
 * `reasoning-summary-delta` parts (model mode, engine/reasoning-summaries.ts), and closed before the
 * item's output_item.done, which carries the final `summary`.
 *
 * It never writes anywhere itself: every event goes to the sink it was given (the run's emitter).
 */
import {
  isEmptyDelta,
  type FinishReason,
  type ModelPart,
  type ModelUsage,
  type TokenLogprob,
} from '../backends/contract.js';
import { errors, streamErrorFields, type GatewayError } from '../shared/protocol/errors.js';
import type {
  ResponseCustomToolCall,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseReasoningItem,
} from '../shared/protocol/types.js';
import type { ResponseObject } from './contract.js';
import { appended } from '../shared/arrays.js';
import { appendText } from '../shared/text.js';
import {
  customInput,
  localShellAction,
  partialInputString,
  patchOperation,
  shellAction,
  type OfferedTool,
  type ToolCatalog,
} from './client-tools.js';
import {
  newApplyPatchCallId,
  newCallId,
  newCustomToolCallId,
  newFunctionCallItemId,
  newLocalShellCallId,
  newMessageId,
  newReasoningId,
  newShellCallId,
} from '../ids/ids.js';
import { toOutputLogprob, toUsage, withStatus } from './response-object.js';
import type { EventSink } from './events.js';

/** A reasoning summary's text, streamed in model mode (engine/reasoning-summaries.ts). */
export interface SummaryDeltaPart {
  type: 'reasoning-summary-delta';
  text: string;
}

/** What the builder reads: the backend's parts and the engine's own summary parts. */
export type BuilderPart = ModelPart | SummaryDeltaPart;

/** Streams a summary of one reasoning item: the text that is ready after each delta, then the rest. */
export interface ReasoningSummarizer {
  push(delta: string): string;
  finish(): string;
}

export interface SummaryOptions {
  /** Extractive mode: a summarizer per reasoning item. Model mode: null (summary parts arrive instead). */
  summarizer: (() => ReasoningSummarizer) | null;
}

type ItemStatus = 'completed' | 'incomplete';

type MessageItem = ResponseOutputMessage & { content: (ResponseOutputText | ResponseOutputRefusal)[] };
type ReasoningItem = ResponseReasoningItem & { content: { type: 'reasoning_text'; text: string }[] };
type FunctionCallItem = ResponseFunctionToolCall & { id: string };
type CustomCallItem = ResponseCustomToolCall & { id: string; status: 'in_progress' | ItemStatus };

/**
 * Calls of shell, local_shell and apply_patch tools have no delta events: their arguments are
 * gathered and the item is added (output_item.added, then .done) when the call is complete.
 */
interface GatheredCall {
  kind: 'gathered';
  index: number;
  callId: string;
  offered: OfferedTool;
  args: string;
}

/** The summary of an open reasoning item (H3). */
interface SummaryState {
  text: string;
  partOpen: boolean;
  summarizer: ReasoningSummarizer | null;
}

type OpenItem =
  | { kind: 'message'; outputIndex: number; item: MessageItem }
  | { kind: 'reasoning'; outputIndex: number; item: ReasoningItem; summary: SummaryState | null }
  | { kind: 'function_call'; outputIndex: number; item: FunctionCallItem; index: number }
  | { kind: 'custom_tool_call'; outputIndex: number; item: CustomCallItem; index: number; args: string };

type OpenCall = Extract<OpenItem, { index: number }> | GatheredCall;
type OpenEntry = OpenItem | GatheredCall;

const isCall = (open: OpenEntry): open is OpenCall =>
  open.kind === 'function_call' || open.kind === 'custom_tool_call' || open.kind === 'gathered';

export interface ResponseBuilderOptions {
  /** The initial Response object (see initialResponse); the builder owns it from here on. */
  response: ResponseObject;
  emit: EventSink;
  /** `include: message.output_text.logprobs`: output_text parts carry `logprobs`. */
  logprobs: boolean;
  /** Called once, with the final Response, right after the terminal event. */
  onTerminal?: (response: ResponseObject) => void;
  /** The request's client tools: which item type each backend call becomes (client-tools.ts). */
  catalog?: ToolCatalog;
  /** H3: `reasoning.summary` is set for this response. */
  summaries?: SummaryOptions;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export class ResponseBuilder {
  private readonly response: ResponseObject;
  private readonly emit: EventSink;
  private readonly logprobs: boolean;
  private readonly onTerminal: ((response: ResponseObject) => void) | undefined;
  private readonly catalog: ToolCatalog | undefined;
  private readonly summaries: SummaryOptions | undefined;
  /** Open items in output_index order (gathered calls get theirs when they close). */
  private open: OpenEntry[] = [];
  private started = false;
  /** The opening events' snapshot, taken ahead by `prepareOpening` (while the backend thinks). */
  private opening: ResponseObject | undefined;
  private finishReason: FinishReason | undefined;
  private usage: ModelUsage | undefined;
  /** Usage of the turns before this one (session mode), added to the current turn's. */
  private earlierUsage: ModelUsage | undefined;
  private terminal = false;
  /** call_ids whose arguments were not valid JSON; delivered verbatim all the same (E7). */
  readonly invalidArgumentCallIds: string[] = [];

  constructor(options: ResponseBuilderOptions) {
    this.response = options.response;
    this.emit = options.emit;
    this.logprobs = options.logprobs;
    this.onTerminal = options.onTerminal;
    this.catalog = options.catalog;
    this.summaries = options.summaries;
  }

  /** True once a terminal event (completed / incomplete / failed) was emitted. */
  get done(): boolean {
    return this.terminal;
  }

  /** A deep copy of the current Response object. */
  snapshot(): ResponseObject {
    return cloneData(this.response);
  }

  /**
   * A copy for an event and the final Response, which nobody changes. The request's echo
   * (instructions, tools, text, …) is never changed by the builder, which only replaces top-level
   * fields and adds to `output`: copying the top level and the output is enough, without a deep
   * copy of the echo (a client's tool schemas can be most of a response).
   */
  private frozenCopy(): ResponseObject {
    // A copy, then its `output` replaced: overriding a key of a spread copy is as fast as the copy.
    const copy = { ...this.response };
    copy.output = this.response.output.map(cloneData);
    return copy;
  }

  /**
   * The snapshot `start()` will announce, taken now: the run takes it while the backend works on
   * the request, so that the opening events cost less once the backend answers.
   */
  prepareOpening(): ResponseObject {
    this.opening ??= this.frozenCopy();
    return this.opening;
  }

  /**
   * Emits `response.created` and `response.in_progress`; a background response is first created
   * `queued` and announced with `response.queued`, as OpenAI streams it.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    // One copy for both events: an event's response is a snapshot nobody changes, so the two
    // events may share it (and the transports serialize it once, shared/protocol/response-json.ts).
    const response = this.opening ?? this.frozenCopy();
    this.opening = undefined;
    if (response.background) {
      const queued = withStatus(response, 'queued');
      this.emit({ type: 'response.created', response: queued });
      this.emit({ type: 'response.queued', response: queued });
    } else {
      this.emit({ type: 'response.created', response });
    }
    this.emit({ type: 'response.in_progress', response });
  }

  push(part: BuilderPart): void {
    if (this.terminal) return;
    this.start();
    // After the finish part only usage (or a late error) can still matter.
    if (this.finishReason && part.type !== 'usage' && part.type !== 'error') return;
    switch (part.type) {
      case 'text-start':
        if (this.open.length > 0) return this.unframed('text-start while an item is open');
        this.startMessage();
        return;
      case 'text-delta': {
        if (isEmptyDelta(part)) return;
        const open = this.current('message');
        if (!open) return this.unframed('text-delta outside a message');
        return this.textDelta(open, part.text, part.logprobs);
      }
      case 'refusal-delta': {
        if (isEmptyDelta(part)) return;
        const open = this.current('message');
        if (!open) return this.unframed('refusal-delta outside a message');
        return this.refusalDelta(open, part.text);
      }
      case 'text-end':
        return this.endItem('message');
      case 'reasoning-start':
        if (this.open.length > 0) return this.unframed('reasoning-start while an item is open');
        this.startReasoning();
        return;
      case 'reasoning-delta': {
        if (isEmptyDelta(part)) return;
        const open = this.current('reasoning');
        if (!open) return this.unframed('reasoning-delta outside a reasoning item');
        return this.reasoningDelta(open, part.text);
      }
      case 'reasoning-end':
        return this.endItem('reasoning');
      case 'reasoning-summary-delta': {
        const open = this.current('reasoning');
        if (open?.summary) this.summaryDelta(open, part.text);
        return;
      }
      case 'tool-call-start':
        // A repeated start of an open call changes nothing; calls stay open beside each other.
        if (this.findCall(part.index)) return;
        if (this.open.some((o) => !isCall(o)))
          return this.unframed('tool-call-start while a message or reasoning item is open');
        this.startCall(part.index, part.callId, part.name);
        return;
      case 'tool-call-delta': {
        if (isEmptyDelta(part)) return;
        const open = this.findCall(part.index);
        if (!open) return this.unframed(`tool-call-delta of call ${part.index}, which is not open`);
        return this.callDelta(open, part.argumentsDelta);
      }
      case 'tool-call-end': {
        const call = this.findCall(part.index);
        if (call) this.closeOne(call, 'completed');
        return;
      }
      case 'usage':
        this.usage = this.earlierUsage ? addUsage(this.earlierUsage, part.usage) : part.usage;
        return;
      case 'finish':
        if (this.finishReason) return;
        this.finishReason = part.reason;
        this.closeAll(part.reason === 'stop' || part.reason === 'tool_calls' ? 'completed' : 'incomplete');
        return;
      case 'error':
        return this.fail(part.error);
    }
  }

  /**
   * The backend stream ended. With a finish part seen this emits the terminal event (usage may
   * arrive after the finish part, so the terminal waits for the end); without one the stream
   * was truncated and the response fails with `truncation` (a function is called only then, so a
   * normal end builds no error).
   */
  end(truncation: GatewayError | (() => GatewayError)): void {
    if (this.terminal) return;
    this.start();
    const reason = this.finishReason;
    if (!reason) return this.fail(typeof truncation === 'function' ? truncation() : truncation);
    if (reason === 'stop' || reason === 'tool_calls') return this.terminate('completed', null);
    if (reason === 'length') return this.terminate('incomplete', { reason: 'max_output_tokens' });
    if (reason === 'content_filter') return this.terminate('incomplete', { reason: 'content_filter' });
    return this.terminate('incomplete', { reason: 'aborted' });
  }

  /**
   * Session mode (C1): the turn ended with function calls and the same response goes on with the
   * next backend turn. False (nothing changes) unless the last turn finished with tool calls.
   */
  continueAfterToolCalls(): boolean {
    if (this.terminal || this.finishReason !== 'tool_calls') return false;
    this.finishReason = undefined;
    this.earlierUsage = this.usage;
    return true;
  }

  /** How the current turn finished, if it did. */
  get turnFinishReason(): FinishReason | undefined {
    return this.finishReason;
  }

  /** Adds a finished item (session mode: a `function_call_output`) as output_item.added then .done. */
  appendItem(item: ResponseObject['output'][number]): void {
    if (this.terminal) return;
    const outputIndex = this.response.output.length;
    this.opening = undefined;
    this.response.output = appended(this.response.output, item);
    this.emit({ type: 'response.output_item.added', output_index: outputIndex, item: cloneData(item) });
    this.emit({ type: 'response.output_item.done', output_index: outputIndex, item: cloneData(item) });
  }

  /**
   * A part its stream's framing does not allow: the adapter's reader frames every stream
   * (backends/part-framing.ts), so this is a gateway fault, and the response fails rather than
   * guess where an item begins or ends.
   */
  private unframed(what: string): void {
    this.fail(errors.internal(`The backend stream reached the response unframed (${what}).`));
  }

  /** Closes open items as incomplete, then `error` and `response.failed` (C4). */
  fail(error: GatewayError): void {
    if (this.terminal) return;
    this.start();
    this.closeAll('incomplete');
    this.emit({ type: 'error', ...streamErrorFields(error) });
    this.response.error = { code: error.code, message: error.message };
    this.finalize('failed', 'response.failed');
  }

  /**
   * Stops the response early (E5 client gone, or an explicit cancel). No official
   * `response.cancelled` event exists and a `response.incomplete` event must carry status
   * `incomplete`, so the stream ends that way; for 'cancelled' the stored/returned object
   * (`finished`, `snapshot()`) then says `cancelled`, as OpenAI's GET does after a cancel.
   */
  cancel(reason: 'client_disconnected' | 'cancelled'): void {
    if (this.terminal) return;
    this.start();
    this.closeAll('incomplete');
    this.response.incomplete_details = { reason };
    this.finalize('incomplete', 'response.incomplete', reason === 'cancelled' ? 'cancelled' : undefined);
  }

  private terminate(status: 'completed' | 'incomplete', details: { reason: string } | null): void {
    this.closeAll(status === 'completed' ? 'completed' : 'incomplete');
    this.response.incomplete_details = details;
    if (status === 'completed') this.response.completed_at = nowSeconds();
    this.finalize(status, status === 'completed' ? 'response.completed' : 'response.incomplete');
  }

  private finalize(
    status: 'completed' | 'incomplete' | 'failed',
    eventType: 'response.completed' | 'response.incomplete' | 'response.failed',
    afterwards?: 'cancelled',
  ): void {
    this.terminal = true;
    this.response.status = status;
    if (this.usage) this.response.usage = toUsage(this.usage);
    // One copy for the terminal event and the final Response: neither is changed afterwards
    // (stages never change the event they are given, engine/events.ts), and the builder is done.
    const final = this.frozenCopy();
    this.emit({ type: eventType, response: final });
    if (afterwards) this.response.status = afterwards;
    this.onTerminal?.(afterwards ? withStatus(final, afterwards) : final);
  }

  // --- items -------------------------------------------------------------------------------

  private addItem(open: OpenItem): void {
    this.response.output = appended(this.response.output, open.item);
    this.open = appended(this.open, open);
    this.emit({ type: 'response.output_item.added', output_index: open.outputIndex, item: copyItem(open) });
  }

  /** Closes every open item in output_index order. */
  private closeAll(status: ItemStatus): void {
    if (this.open.length === 0) return;
    for (const open of this.open) this.closeItem(open, status);
    this.open = [];
  }

  /** Closes one open entry (an end part). */
  private closeOne(open: OpenEntry, status: ItemStatus): void {
    this.open.splice(this.open.indexOf(open), 1);
    this.closeItem(open, status);
  }

  /** `text-end` / `reasoning-end`: closes the open item of that kind, if it is open. */
  private endItem(kind: 'message' | 'reasoning'): void {
    const open = this.open.find((o) => o.kind === kind);
    if (open) this.closeOne(open, 'completed');
  }

  private closeItem(open: OpenEntry, status: ItemStatus): void {
    if (open.kind === 'gathered') return this.closeGathered(open, status);
    const { item, outputIndex } = open;
    if (open.kind === 'custom_tool_call') {
      this.closeCustom(open);
    } else if (open.kind === 'message') {
      if (open.item.content.length > 0) this.closePart(open.item, outputIndex);
    } else if (open.kind === 'reasoning') {
      const part = open.item.content[0];
      this.emit({
        type: 'response.reasoning_text.done',
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        text: part.text,
      });
      this.emit({
        type: 'response.content_part.done',
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        part: { ...part },
      });
      if (open.summary) this.closeSummary(open, open.summary);
    } else {
      const call = open.item;
      if (!isJson(call.arguments)) this.invalidArgumentCallIds.push(call.call_id);
      this.emit({
        type: 'response.function_call_arguments.done',
        item_id: call.id,
        output_index: outputIndex,
        arguments: call.arguments,
        name: call.name,
      });
    }
    item.status = status;
    this.emit({ type: 'response.output_item.done', output_index: outputIndex, item: copyItem(open) });
  }

  /** The full input of a custom tool call: what is left of it as a last delta, then `.done`. */
  private closeCustom(open: Extract<OpenItem, { kind: 'custom_tool_call' }>): void {
    const { item, outputIndex } = open;
    let input = customInput(open.args);
    // Arguments cut short (max_output_tokens): the input decoded so far is the input.
    if (!input.startsWith(item.input)) input = item.input;
    if (input.length > item.input.length) this.customDelta(open, input.slice(item.input.length));
    this.emit({ type: 'response.custom_tool_call_input.done', item_id: item.id, output_index: outputIndex, input });
  }

  private customDelta(open: Extract<OpenItem, { kind: 'custom_tool_call' }>, delta: string): void {
    open.item.input += delta;
    this.emit({
      type: 'response.custom_tool_call_input.delta',
      item_id: open.item.id,
      output_index: open.outputIndex,
      delta,
    });
  }

  /** A complete shell / local_shell / apply_patch call: added and done at once, at the next output_index. */
  private closeGathered(open: GatheredCall, status: ItemStatus): void {
    const { offered, callId, args } = open;
    const outputIndex = this.response.output.length;
    let item: Record<string, unknown>;
    let valid: boolean;
    if (offered.kind === 'local_shell') {
      const { action, valid: ok } = localShellAction(args);
      valid = ok;
      item = { id: newLocalShellCallId(), type: 'local_shell_call', call_id: callId, action, status };
    } else if (offered.kind === 'shell') {
      const { action, valid: ok } = shellAction(args);
      valid = ok;
      item = {
        id: newShellCallId(),
        type: 'shell_call',
        call_id: callId,
        action,
        environment: offered.environment ?? null,
        status,
      };
    } else {
      const { operation, valid: ok } = patchOperation(args);
      valid = ok;
      // apply_patch_call has no 'incomplete' status: a call cut short stays in_progress.
      item = {
        id: newApplyPatchCallId(),
        type: 'apply_patch_call',
        call_id: callId,
        operation,
        status: status === 'completed' ? 'completed' : 'in_progress',
      };
    }
    if (!valid) this.invalidArgumentCallIds.push(callId);
    const output = item as unknown as ResponseObject['output'][number];
    this.response.output = appended(this.response.output, output);
    this.emit({ type: 'response.output_item.added', output_index: outputIndex, item: cloneData(output) });
    this.emit({ type: 'response.output_item.done', output_index: outputIndex, item: cloneData(output) });
  }

  /** Emits the `.done` pair for the last content part of a message. */
  private closePart(item: MessageItem, outputIndex: number): void {
    const contentIndex = item.content.length - 1;
    const part = item.content[contentIndex];
    // Fields written out: an object literal that spreads and then adds fields is slow in V8.
    const itemId = item.id;
    if (part.type === 'output_text') {
      this.emit({
        type: 'response.output_text.done',
        item_id: itemId,
        output_index: outputIndex,
        content_index: contentIndex,
        text: part.text,
        logprobs: part.logprobs ?? [],
      });
    } else {
      this.emit({
        type: 'response.refusal.done',
        item_id: itemId,
        output_index: outputIndex,
        content_index: contentIndex,
        refusal: part.refusal,
      });
    }
    this.emit({
      type: 'response.content_part.done',
      item_id: itemId,
      output_index: outputIndex,
      content_index: contentIndex,
      part: copyPart(part),
    });
  }

  /** The open item of `kind` if it is the only thing open (a delta's item). */
  private current<K extends 'message' | 'reasoning'>(kind: K): Extract<OpenItem, { kind: K }> | undefined {
    const only = this.open.length === 1 ? this.open[0] : undefined;
    return only && only.kind === kind ? (only as Extract<OpenItem, { kind: K }>) : undefined;
  }

  /** `text-start` with nothing open: a message item opens. */
  private startMessage(): void {
    const item: MessageItem = {
      id: newMessageId(),
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    const open = { kind: 'message' as const, outputIndex: this.response.output.length, item };
    this.addItem(open);
  }

  /** `reasoning-start` with nothing open: a reasoning item opens with its reasoning_text part. */
  private startReasoning(): void {
    const item: ReasoningItem = {
      id: newReasoningId(),
      type: 'reasoning',
      summary: [],
      content: [],
      status: 'in_progress',
    };
    const summarizer = this.summaries?.summarizer;
    const summary: SummaryState | null = this.summaries
      ? { text: '', partOpen: false, summarizer: summarizer ? summarizer() : null }
      : null;
    const open = { kind: 'reasoning' as const, outputIndex: this.response.output.length, item, summary };
    this.addItem(open);
    const part = { type: 'reasoning_text' as const, text: '' };
    item.content = appended(item.content, part);
    this.emit({
      type: 'response.content_part.added',
      item_id: item.id,
      output_index: open.outputIndex,
      content_index: 0,
      part: { ...part },
    });
  }

  /** The message's last content part, opened first when it is not of `partType`. */
  private message(
    open: Extract<OpenItem, { kind: 'message' }>,
    partType: 'output_text' | 'refusal',
  ): {
    item: MessageItem;
    outputIndex: number;
    contentIndex: number;
  } {
    const { item, outputIndex } = open;
    const last = item.content[item.content.length - 1];
    if (!last || last.type !== partType) {
      if (last) this.closePart(item, outputIndex);
      const part: ResponseOutputText | ResponseOutputRefusal =
        partType === 'output_text'
          ? this.logprobs
            ? { type: 'output_text', text: '', annotations: [], logprobs: [] }
            : { type: 'output_text', text: '', annotations: [] }
          : { type: 'refusal', refusal: '' };
      item.content = appended(item.content, part);
      this.emit({
        type: 'response.content_part.added',
        item_id: item.id,
        output_index: outputIndex,
        content_index: item.content.length - 1,
        part: copyPart(part),
      });
    }
    return { item, outputIndex, contentIndex: item.content.length - 1 };
  }

  private textDelta(
    open: Extract<OpenItem, { kind: 'message' }>,
    text: string,
    logprobs: TokenLogprob[] | undefined,
  ): void {
    const { item, outputIndex, contentIndex } = this.message(open, 'output_text');
    const part = item.content[contentIndex] as ResponseOutputText;
    part.text = appendText(part.text, text);
    const converted = this.logprobs && logprobs ? logprobs.map(toOutputLogprob) : [];
    if (this.logprobs) for (const lp of converted) (part.logprobs ??= []).push(lp);
    this.emit({
      type: 'response.output_text.delta',
      item_id: item.id,
      output_index: outputIndex,
      content_index: contentIndex,
      delta: text,
      logprobs: converted,
    });
  }

  private refusalDelta(open: Extract<OpenItem, { kind: 'message' }>, text: string): void {
    const { item, outputIndex, contentIndex } = this.message(open, 'refusal');
    const part = item.content[contentIndex] as ResponseOutputRefusal;
    part.refusal = appendText(part.refusal, text);
    this.emit({
      type: 'response.refusal.delta',
      item_id: item.id,
      output_index: outputIndex,
      content_index: contentIndex,
      delta: text,
    });
  }

  private reasoningDelta(open: Extract<OpenItem, { kind: 'reasoning' }>, text: string): void {
    const part = open.item.content[0];
    part.text = appendText(part.text, text);
    this.emit({
      type: 'response.reasoning_text.delta',
      item_id: open.item.id,
      output_index: open.outputIndex,
      content_index: 0,
      delta: text,
    });
    const summarizer = open.summary?.summarizer;
    if (summarizer) this.summaryDelta(open, summarizer.push(text));
  }

  /** H3: summary text for an open reasoning item; the first opens its summary part. */
  private summaryDelta(open: Extract<OpenItem, { kind: 'reasoning' }>, delta: string): void {
    const summary = open.summary;
    if (delta === '' || !summary) return;
    const itemId = open.item.id;
    const outputIndex = open.outputIndex;
    if (!summary.partOpen) {
      summary.partOpen = true;
      this.emit({
        type: 'response.reasoning_summary_part.added',
        item_id: itemId,
        output_index: outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
    }
    summary.text = appendText(summary.text, delta);
    this.emit({
      type: 'response.reasoning_summary_text.delta',
      item_id: itemId,
      output_index: outputIndex,
      summary_index: 0,
      delta,
    });
  }

  /** Flushes the summarizer and closes the summary part; the item's `summary` is set for its done event. */
  private closeSummary(open: Extract<OpenItem, { kind: 'reasoning' }>, summary: SummaryState): void {
    if (summary.summarizer) this.summaryDelta(open, summary.summarizer.finish());
    open.summary = null;
    if (!summary.partOpen) return;
    const itemId = open.item.id;
    const outputIndex = open.outputIndex;
    this.emit({
      type: 'response.reasoning_summary_text.done',
      item_id: itemId,
      output_index: outputIndex,
      summary_index: 0,
      text: summary.text,
    });
    this.emit({
      type: 'response.reasoning_summary_part.done',
      item_id: itemId,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: 'summary_text', text: summary.text },
    });
    if (summary.text !== '') open.item.summary = [{ type: 'summary_text', text: summary.text }];
  }

  private findCall(index: number): OpenCall | undefined {
    for (const open of this.open) if (isCall(open) && open.index === index) return open;
    return undefined;
  }

  /** `tool-call-start` of a call that is not open; other open calls stay open beside it (parallel calls). */
  private startCall(index: number, backendCallId: string, backendName: string): void {
    // Clients expect `call_…` ids; vLLM's `chatcmpl-tool-…` ids are replaced (the backend never sees
    // them again: history is re-sent with the ids the client knows).
    const callId = backendCallId.startsWith('call_') ? backendCallId : newCallId();
    const offered = this.catalog?.resolve(backendName);
    const outputIndex = this.response.output.length;
    if (offered && offered.kind !== 'function' && offered.kind !== 'custom') {
      const gathered: GatheredCall = { kind: 'gathered', index, callId, offered, args: '' };
      this.open = appended(this.open, gathered);
      return;
    }
    if (offered?.kind === 'custom') {
      const id = newCustomToolCallId();
      const item: CustomCallItem = offered.namespace
        ? {
            type: 'custom_tool_call',
            id,
            call_id: callId,
            namespace: offered.namespace,
            name: offered.name,
            input: '',
            status: 'in_progress',
          }
        : { type: 'custom_tool_call', id, call_id: callId, name: offered.name, input: '', status: 'in_progress' };
      const open = { kind: 'custom_tool_call' as const, outputIndex, item, index, args: '' };
      this.addItem(open);
      return;
    }
    const id = newFunctionCallItemId();
    const name = offered?.name ?? backendName;
    // A namespaced function comes back as OpenAI returns it: `namespace` beside the plain `name`.
    const item: FunctionCallItem = offered?.namespace
      ? {
          type: 'function_call',
          id,
          call_id: callId,
          namespace: offered.namespace,
          name,
          arguments: '',
          status: 'in_progress',
        }
      : { type: 'function_call', id, call_id: callId, name, arguments: '', status: 'in_progress' };
    const open = { kind: 'function_call' as const, outputIndex, item, index };
    this.addItem(open);
  }

  private callDelta(open: OpenCall, delta: string): void {
    if (open.kind !== 'function_call') {
      open.args = appendText(open.args, delta);
      if (open.kind === 'custom_tool_call') {
        const decoded = partialInputString(open.args);
        if (decoded.length > open.item.input.length && decoded.startsWith(open.item.input))
          this.customDelta(open, decoded.slice(open.item.input.length));
      }
      return;
    }
    open.item.arguments = appendText(open.item.arguments, delta);
    this.emit({
      type: 'response.function_call_arguments.delta',
      item_id: open.item.id,
      output_index: open.outputIndex,
      delta,
    });
  }
}

/**
 * Deep copy of JSON-shaped data (plain objects, arrays, primitives; undefined kept), which is all
 * a Response holds. Several times cheaper than structuredClone, which runs per response 4 times.
 */
function cloneData<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneData(value[i] as unknown);
    return out as T;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) out[key] = cloneData(source[key]);
  return out as T;
}

function copyPart(part: ResponseOutputText | ResponseOutputRefusal): ResponseOutputText | ResponseOutputRefusal {
  if (part.type === 'refusal') return { ...part };
  const copy: ResponseOutputText = { ...part };
  copy.annotations = [...part.annotations];
  if (part.logprobs) copy.logprobs = [...part.logprobs];
  return copy;
}

/** A copy of an item as it is now, so later deltas do not change events already emitted. */
function copyItem(open: OpenItem): MessageItem | ReasoningItem | FunctionCallItem | CustomCallItem {
  if (open.kind === 'message') {
    const item = { ...open.item };
    item.content = open.item.content.map(copyPart);
    return item;
  }
  if (open.kind === 'reasoning') {
    const item = { ...open.item };
    item.summary = [...open.item.summary];
    item.content = open.item.content.map((c) => ({ ...c }));
    return item;
  }
  return { ...open.item };
}

function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  const sum: ModelUsage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  if (a.cachedInputTokens !== undefined || b.cachedInputTokens !== undefined)
    sum.cachedInputTokens = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined)
    sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  return sum;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
