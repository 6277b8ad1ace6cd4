/**
 * L1: the stream validator. Checks a Responses event stream event by event, as the gateway writes
 * it (every outgoing event), as tests receive it, and as the console replays a recording.
 * O(1) work per event (text is accumulated to compare `.done` payloads; an item's parts are
 * compared once, when the item is done), so it can run in production.
 * The rules, with their stable ids, are listed in stream-rules.ts (VALIDATOR_RULES).
 */
import { classifyEventType, canonicalEventType, isTerminalEventType, TERMINAL_STATUS, type Dialect } from './events.js';
import { ARG_EVENTS, TEXT_EVENTS, type TextKind } from './stream-rules.js';
import { checkExtensionEvent } from './extension-schemas.js';
import { appended } from '../arrays.js';
import { appendText } from '../text.js';

export { VALIDATOR_RULES } from './stream-rules.js';

export interface StreamViolation {
  rule: string;
  message: string;
  sequenceNumber: number | null;
  eventType: string | null;
}

export interface StreamValidatorOptions {
  dialect?: Dialect;
  /** Largest allowed serialized event; unchecked when absent. */
  maxEventBytes?: number;
  /** Whether extension events are allowed in this stream. */
  extensions?: boolean;
}

export interface WireInfo {
  /** The SSE `event:` field, when the event came from (or goes to) SSE. */
  sseEventName?: string;
  /** Serialized size in bytes; computed from JSON when absent and a limit is set. */
  bytes?: number;
}

/** Any event object; openai-node's event interfaces fit as they are. */
export interface StreamEventLike {
  type: string;
}

/** How the validator reads an event: any field may be missing or of the wrong type. */
type EventRecord = { type: string; [field: string]: unknown };

interface PartState {
  kind: TextKind;
  text: string;
  textDone: boolean;
  done: boolean;
}

interface ItemState {
  id: string;
  type: string;
  done: boolean;
  parts: PartState[];
  summaries: PartState[];
  args: string;
  argsDeltas: boolean;
  argsDone: boolean;
}

const MAX_KEPT = 1000;
const encoder = new TextEncoder();
/** What `check` returns for a clean event (almost always): shared, so a clean check allocates nothing. */
const NONE: StreamViolation[] = Object.freeze([]) as unknown as StreamViolation[];
const NO_WIRE: WireInfo = Object.freeze({});

function partText(part: unknown): string | undefined {
  if (typeof part !== 'object' || part === null) return undefined;
  const p = part as { type?: unknown; text?: unknown; refusal?: unknown };
  const value = p.type === 'refusal' ? p.refusal : p.text;
  return typeof value === 'string' ? value : undefined;
}

function textKind(type: unknown): TextKind {
  return type === 'output_text' || type === 'refusal' || type === 'reasoning_text' || type === 'summary_text'
    ? type
    : 'other';
}

export class StreamValidator {
  private readonly dialect: Dialect;
  private readonly extensions: boolean;
  private readonly maxEventBytes: number | undefined;
  private nextSequence = 0;
  private count = 0;
  private created = false;
  private queued = false;
  private inProgress = false;
  private terminated = false;
  private errorPending = false;
  private responseId: string | undefined;
  private items: ItemState[] = [];
  /** The first item's id, and the later ones' (a Set only once there is a second item). */
  private firstItemId: string | undefined;
  private itemIds: Set<string> | null = null;
  private readonly kept: StreamViolation[] = [];
  private out: StreamViolation[] = NONE;
  private sequence: number | null = null;
  private eventType: string | null = null;

  constructor(options: StreamValidatorOptions = {}) {
    this.dialect = options.dialect ?? 'openai';
    this.extensions = options.extensions ?? false;
    this.maxEventBytes = options.maxEventBytes;
  }

  /** Violations found so far (the first 1000), across all `check` and `finish` calls. */
  get violations(): readonly StreamViolation[] {
    return this.kept;
  }

  /** Checks one event; returns the violations it causes (empty when it is fine). */
  check(input: StreamEventLike, wire: WireInfo = NO_WIRE): StreamViolation[] {
    const event = input as EventRecord;
    this.out = NONE;
    const type = (event as { type?: unknown }).type;
    const sn = event.sequence_number;
    this.sequence = typeof sn === 'number' && Number.isInteger(sn) ? sn : null;
    this.eventType = typeof type === 'string' ? type : null;
    this.checkSequence(sn);
    this.checkWire(event, wire);
    const first = this.count === 0;
    this.count++;
    if (typeof type !== 'string' || type === '') {
      this.fail('event.shape', 'The event has no string type.');
      return this.done();
    }
    if (this.terminated) {
      this.fail('lifecycle.after-terminal', `'${type}' after the terminal event.`);
      return this.done();
    }
    if (first && type !== 'response.created')
      this.fail('lifecycle.first', `The first event is '${type}', not 'response.created'.`);

    const kind = classifyEventType(type, this.dialect);
    if (kind === 'other-dialect')
      return this.fail('event.wrong-dialect', `'${type}' is not an event of the ${this.dialect} dialect.`).done();
    if (kind === 'unknown') return this.fail('event.unknown-type', `'${type}' is not a known event type.`).done();
    if (kind === 'extension') {
      if (!this.extensions) this.fail('event.unknown-type', `'${type}' is an extension event and extensions are off.`);
      else {
        const problem = checkExtensionEvent(event);
        if (problem) this.fail('extension.schema', `'${type}' does not match its schema: ${problem}.`);
      }
      return this.done();
    }
    const canonical = canonicalEventType(type, this.dialect) ?? type;
    if (this.errorPending && canonical !== 'response.failed')
      this.fail('lifecycle.error', `'${canonical}' after 'error'; expected 'response.failed'.`);
    this.dispatch(canonical, event);
    return this.done();
  }

  /** End-of-stream checks; call once after the last event. */
  finish(): StreamViolation[] {
    this.out = NONE;
    this.sequence = null;
    this.eventType = null;
    if (this.errorPending) this.fail('lifecycle.error', "The stream ended after 'error' without 'response.failed'.");
    if (!this.terminated)
      this.fail(
        'lifecycle.missing-terminal',
        this.count === 0 ? 'The stream has no events.' : 'The stream ended without a terminal event.',
      );
    return this.done();
  }

  private fail(rule: string, message: string): this {
    const v: StreamViolation = { rule, message, sequenceNumber: this.sequence, eventType: this.eventType };
    if (this.out === NONE) this.out = [v];
    else this.out.push(v);
    if (this.kept.length < MAX_KEPT) this.kept.push(v);
    return this;
  }

  private done(): StreamViolation[] {
    return this.out;
  }

  private checkSequence(sn: unknown): void {
    if (typeof sn !== 'number' || !Number.isInteger(sn) || sn < 0) {
      this.fail('sequence.missing', 'sequence_number is missing or not a non-negative integer.');
      this.nextSequence++;
      return;
    }
    if (sn !== this.nextSequence) this.fail('sequence.order', `sequence_number ${sn}, expected ${this.nextSequence}.`);
    // Resynchronise so one gap is reported once, not on every later event.
    this.nextSequence = sn + 1;
  }

  private checkWire(event: EventRecord, wire: WireInfo): void {
    const type = this.eventType;
    if (type !== null && (type.includes('\n') || type.includes('\r')))
      this.fail('sse.type-newline', 'The type contains a newline.');
    if (wire.sseEventName !== undefined && wire.sseEventName !== type) {
      this.fail('sse.event-name', `SSE event name '${wire.sseEventName}' differs from type '${String(type)}'.`);
    }
    if (this.maxEventBytes !== undefined) {
      const bytes = wire.bytes ?? encoder.encode(JSON.stringify(event)).length;
      if (bytes > this.maxEventBytes)
        this.fail('event.size', `The event is ${bytes} bytes, over the limit of ${this.maxEventBytes}.`);
    }
  }

  private dispatch(type: string, event: EventRecord): void {
    switch (type) {
      case 'response.created':
        if (this.created) this.fail('lifecycle.order', "A second 'response.created'.");
        this.created = true;
        this.checkResponse(event);
        return;
      case 'response.queued':
        if (!this.created || this.queued || this.inProgress)
          this.fail('lifecycle.order', "'response.queued' must come once, right after 'response.created'.");
        this.queued = true;
        this.checkResponse(event);
        return;
      case 'response.in_progress':
        if (!this.created || this.inProgress)
          this.fail('lifecycle.order', "'response.in_progress' must come once, after 'response.created'.");
        this.inProgress = true;
        this.checkResponse(event);
        return;
      case 'error':
        this.errorPending = true;
        return;
    }
    if (isTerminalEventType(type)) return this.terminal(type, event);
    if (!this.inProgress) this.fail('lifecycle.order', `'${type}' before 'response.in_progress'.`);
    if (type === 'response.output_item.added') return this.itemAdded(event);
    const item = this.openItem(event, type === 'response.output_item.done');
    if (item === undefined) return;
    if (type === 'response.output_item.done') return this.itemDone(item, event);
    if (type === 'response.content_part.added') {
      item.parts = this.partAdded(item.parts, event, 'content_index');
      return;
    }
    if (type === 'response.reasoning_summary_part.added') {
      item.summaries = this.partAdded(item.summaries, event, 'summary_index');
      return;
    }
    if (type === 'response.content_part.done') return this.partDone(item.parts, event, 'content_index');
    if (type === 'response.reasoning_summary_part.done') return this.partDone(item.summaries, event, 'summary_index');
    if (type === 'response.output_text.annotation.added') {
      this.openPart(item.parts, event, 'content_index', 'output_text');
      return;
    }
    const text = TEXT_EVENTS[type];
    if (text !== undefined) return this.textEvent(item, event, text);
    const args = ARG_EVENTS[type];
    if (args !== undefined) return this.argsEvent(item, event, args);
  }

  private checkResponse(event: EventRecord): string | undefined {
    const response = event.response as { id?: unknown; status?: unknown; output?: unknown } | undefined;
    if (typeof response !== 'object' || response === null || typeof response.id !== 'string') {
      this.fail('response.id', 'The event carries no response object with a string id.');
      return undefined;
    }
    if (this.responseId === undefined) this.responseId = response.id;
    else if (response.id !== this.responseId)
      this.fail('response.id', `Response id '${response.id}' differs from '${this.responseId}'.`);
    return typeof response.status === 'string' ? response.status : undefined;
  }

  private terminal(type: keyof typeof TERMINAL_STATUS, event: EventRecord): void {
    this.terminated = true;
    if (type === 'response.failed') this.errorPending = false;
    const status = this.checkResponse(event);
    if (status !== TERMINAL_STATUS[type])
      this.fail(
        'response.status',
        `'${type}' carries status '${String(status)}', expected '${TERMINAL_STATUS[type]}'.`,
      );
    for (const item of this.items)
      if (!item.done) this.fail('item.unfinished', `Item '${item.id}' was added but never done.`);
    const output = (event.response as { output?: unknown } | undefined)?.output;
    if (!Array.isArray(output)) {
      this.fail('response.output', 'The terminal response has no output array.');
      return;
    }
    const ids = output.map((o) => (o as { id?: unknown } | null)?.id);
    const expected = this.items.map((i) => i.id);
    if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
      this.fail(
        'response.output',
        `Terminal output [${ids.join(', ')}] does not match the streamed items [${expected.join(', ')}].`,
      );
    }
  }

  /** Whether an item already had this id; records it. */
  private idUsed(id: string): boolean {
    if (this.firstItemId === undefined) {
      this.firstItemId = id;
      return false;
    }
    if (id === this.firstItemId) return true;
    this.itemIds ??= new Set();
    if (this.itemIds.has(id)) return true;
    this.itemIds.add(id);
    return false;
  }

  private itemAdded(event: EventRecord): void {
    if (event.output_index !== this.items.length)
      this.fail('item.index', `output_index ${String(event.output_index)}, expected ${this.items.length}.`);
    const item = event.item as Record<string, unknown> | undefined;
    const id = item?.id;
    if (typeof id !== 'string' || id === '') this.fail('item.id', 'The added item has no string id.');
    else if (this.idUsed(id)) this.fail('item.id', `Item id '${id}' was already used.`);
    const type = typeof item?.type === 'string' ? item.type : 'unknown';
    if (item !== undefined && !this.startsEmpty(type, item))
      this.fail('item.empty', `The added ${type} item is not empty.`);
    this.items = appended(this.items, {
      id: String(id),
      type,
      done: false,
      parts: [],
      summaries: [],
      args: '',
      argsDeltas: false,
      argsDone: false,
    });
  }

  private startsEmpty(type: string, item: Record<string, unknown>): boolean {
    const empty = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length === 0);
    if (type === 'message') return Array.isArray(item.content) && item.content.length === 0;
    if (type === 'function_call') return item.arguments === '';
    if (type === 'custom_tool_call') return item.input === '' || item.input === undefined;
    if (type === 'reasoning') return empty(item.summary) && empty(item.content);
    return true;
  }

  /** The item an event names, if it is open and the ids agree. */
  private openItem(event: EventRecord, isItemDone: boolean): ItemState | undefined {
    const index = event.output_index;
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      // Item-less official events (e.g. audio) carry no output_index; nothing to relate them to.
      if (index !== undefined) this.fail('event.shape', 'output_index is not an integer.');
      return undefined;
    }
    const item = this.items[index];
    if (item === undefined || item.done) {
      this.fail('item.open', `No open item at output_index ${index}.`);
      return undefined;
    }
    const itemId = isItemDone ? (event.item as { id?: unknown } | undefined)?.id : event.item_id;
    if (itemId !== item.id)
      this.fail('item.open', `Item id '${String(itemId)}' differs from '${item.id}' at output_index ${index}.`);
    return item;
  }

  private partAdded(list: PartState[], event: EventRecord, indexField: string): PartState[] {
    if (event[indexField] !== list.length)
      this.fail('part.index', `${indexField} ${String(event[indexField])}, expected ${list.length}.`);
    const part = event.part as { type?: unknown } | undefined;
    const kind = indexField === 'summary_index' ? 'summary_text' : textKind(part?.type);
    const initial = partText(part);
    if (kind !== 'other' && initial !== undefined && initial !== '')
      this.fail('part.empty', `The added ${kind} part is not empty.`);
    return appended(list, { kind, text: '', textDone: false, done: false });
  }

  private openPart(list: PartState[], event: EventRecord, indexField: string, kind?: TextKind): PartState | undefined {
    const index = event[indexField];
    const part = typeof index === 'number' ? list[index] : undefined;
    if (part === undefined || part.done) {
      this.fail('part.open', `No open part at ${indexField} ${String(index)}.`);
      return undefined;
    }
    if (kind !== undefined && part.kind !== kind) {
      this.fail('part.open', `The part at ${indexField} ${String(index)} is ${part.kind}, not ${kind}.`);
      return undefined;
    }
    return part;
  }

  private partDone(list: PartState[], event: EventRecord, indexField: string): void {
    const part = this.openPart(list, event, indexField);
    if (part === undefined) return;
    part.done = true;
    if (part.kind === 'other') return;
    if (!part.textDone)
      this.fail('part.done-order', `The part at ${indexField} ${String(event[indexField])} is done before its text.`);
    const final = partText(event.part);
    if (final !== part.text) this.fail('text.concat', `The done part's text differs from its deltas.`);
  }

  private textEvent(item: ItemState, event: EventRecord, spec: (typeof TEXT_EVENTS)[string]): void {
    const indexField = spec.list === 'parts' ? 'content_index' : 'summary_index';
    const part = this.openPart(item[spec.list], event, indexField, spec.kind);
    if (part === undefined) return;
    const value = event[spec.field];
    if (typeof value !== 'string') {
      this.fail('event.shape', `${spec.field} is not a string.`);
      return;
    }
    if (part.textDone) {
      this.fail('part.open', `Text event after the part's text was done.`);
      return;
    }
    if (!spec.done) {
      part.text = appendText(part.text, value);
      return;
    }
    part.textDone = true;
    if (value !== part.text) this.fail('text.concat', `'${spec.field}' differs from the concatenated deltas.`);
  }

  private argsEvent(item: ItemState, event: EventRecord, spec: (typeof ARG_EVENTS)[string]): void {
    const value = event[spec.field];
    if (typeof value !== 'string') {
      this.fail('event.shape', `${spec.field} is not a string.`);
      return;
    }
    if (item.argsDone) {
      this.fail('part.open', 'Argument event after the arguments were done.');
      return;
    }
    if (!spec.done) {
      item.args = appendText(item.args, value);
      item.argsDeltas = true;
      return;
    }
    item.argsDone = true;
    if (value !== item.args) this.fail('text.concat', `'${spec.field}' differs from the concatenated deltas.`);
  }

  private itemDone(item: ItemState, event: EventRecord): void {
    item.done = true;
    const openParts = [...item.parts, ...item.summaries].some((p) => !p.done);
    if (openParts || (item.argsDeltas && !item.argsDone))
      this.fail('item.done-order', `Item '${item.id}' is done before its parts.`);
    const final = event.item as Record<string, unknown> | undefined;
    if (final === undefined) return;
    if (this.finalTextsDiffer(final.content, item.parts) || this.finalTextsDiffer(final.summary, item.summaries)) {
      this.fail('text.concat', `The done item '${item.id}' differs from its streamed parts.`);
    }
    const finalArgs = item.type === 'custom_tool_call' ? final.input : final.arguments;
    if (item.argsDone && finalArgs !== item.args)
      this.fail('text.concat', `The done item's arguments differ from the streamed arguments.`);
  }

  /** True when the item's final part list disagrees with the streamed parts (only checked when parts were streamed). */
  private finalTextsDiffer(finalParts: unknown, streamed: PartState[]): boolean {
    if (streamed.length === 0) return false;
    if (!Array.isArray(finalParts) || finalParts.length !== streamed.length) return true;
    return streamed.some((p, i) => p.kind !== 'other' && partText(finalParts[i]) !== p.text);
  }
}

/** Runs a whole recorded stream through a validator; returns every violation, in order. */
export function validateStream(
  events: Iterable<StreamEventLike>,
  options: StreamValidatorOptions = {},
): StreamViolation[] {
  const validator = new StreamValidator(options);
  const out: StreamViolation[] = [];
  for (const event of events) out.push(...validator.check(event));
  out.push(...validator.finish());
  return out;
}
