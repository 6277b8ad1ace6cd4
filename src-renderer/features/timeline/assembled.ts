/**
 * What a run's events add up to, per output item: message text, refusal, reasoning and its
 * summary, tool arguments, tool outputs. Pure functions over plain objects (the run model calls
 * them; tests call them directly).
 *
 * Counting each piece of content once: the gateway may send the same delta under two names — the
 * official event and its extension alias (`response.reasoning_text.delta` and
 * `response.reasoning.delta` in the openai dialect with extensions on; summary and tool-call
 * aliases likewise). Every event is shown as a timeline row, but an item's field grows from one
 * name only: the first one seen for that item (the official event comes first; in the
 * open-responses dialect `response.reasoning.delta` is the official name and comes alone).
 * Done events and finished items carry the final value, which replaces what the deltas built.
 */

export type AssembledField = 'text' | 'refusal' | 'reasoning' | 'summary' | 'arguments';

export interface AssembledItem {
  key: string;
  itemId: string | null;
  outputIndex: number | null;
  type: string;
  name?: string;
  callId?: string;
  /** Message text (output_text parts, joined). */
  text: string;
  refusal: string;
  /** Reasoning text (reasoning_text parts, joined). */
  reasoning: string;
  /** Summary parts, one per summary_index. */
  summaryParts: string[];
  arguments: string;
  /** function_call_output: the output as sent. */
  output?: string;
  status: string;
  /** Set when the stream ended before the item was done (aborted, failed transport, stall). */
  interrupted?: string;
  encryptedContent?: string;
  /** The last whole item object seen (output_item.done or a final Response): other item types show it. */
  raw?: Record<string, unknown>;
  /** Disagreements between the deltas and the final value (a server bug worth seeing). */
  notes: string[];
  firstT: number;
  lastT: number;
  /** Per field: the event type its deltas are taken from (the first one seen). */
  sources: Partial<Record<AssembledField, string>>;
  /** Per field, per content/summary index: the parts (joined into the field). */
  parts: Partial<Record<AssembledField, string[]>>;
}

export function newItem(key: string, itemId: string | null, outputIndex: number | null, t: number): AssembledItem {
  return {
    key,
    itemId,
    outputIndex,
    type: 'unknown',
    text: '',
    refusal: '',
    reasoning: '',
    summaryParts: [],
    arguments: '',
    status: 'in_progress',
    notes: [],
    firstT: t,
    lastT: t,
    sources: {},
    parts: {},
  };
}

/** Delta event types → the field they grow; aliases name the same field. */
export const DELTA_FIELDS: Readonly<Record<string, AssembledField>> = {
  'response.output_text.delta': 'text',
  'response.refusal.delta': 'refusal',
  'response.reasoning_text.delta': 'reasoning',
  'response.reasoning.delta': 'reasoning',
  'response.reasoning_summary_text.delta': 'summary',
  'response.reasoning.summary.delta': 'summary',
  'response.function_call_arguments.delta': 'arguments',
  'response.tool_call.delta': 'arguments',
  'response.custom_tool_call_input.delta': 'arguments',
};

/** Done event types → the field and the property holding its final value. */
export const DONE_FIELDS: Readonly<Record<string, [AssembledField, string]>> = {
  'response.output_text.done': ['text', 'text'],
  'response.refusal.done': ['refusal', 'refusal'],
  'response.reasoning_text.done': ['reasoning', 'text'],
  'response.reasoning.done': ['reasoning', 'text'],
  'response.reasoning_summary_text.done': ['summary', 'text'],
  'response.function_call_arguments.done': ['arguments', 'arguments'],
  'response.custom_tool_call_input.done': ['arguments', 'input'],
};

function syncField(item: AssembledItem, field: AssembledField): void {
  const parts = item.parts[field] ?? [];
  if (field === 'summary') item.summaryParts = parts.slice();
  else item[field] = parts.join('');
}

/**
 * Appends a delta unless the field already grows from another event name (an alias). Returns
 * whether it was counted.
 */
export function applyDelta(
  item: AssembledItem,
  eventType: string,
  field: AssembledField,
  index: number,
  delta: string,
): boolean {
  const source = item.sources[field];
  if (source !== undefined && source !== eventType) return false;
  item.sources[field] = eventType;
  const parts = (item.parts[field] ??= []);
  while (parts.length <= index) parts.push('');
  parts[index] += delta;
  // Appending to the last part (the usual case) extends the joined string without re-joining it.
  if (field !== 'summary' && index === parts.length - 1) item[field] += delta;
  else syncField(item, field);
  return true;
}

/** Sets a part's final value (done events, finished items); notes when the deltas said otherwise. */
export function setFinal(item: AssembledItem, field: AssembledField, index: number, value: string): void {
  const parts = (item.parts[field] ??= []);
  while (parts.length <= index) parts.push('');
  const before = parts[index];
  if (before !== '' && before !== value) {
    const note = `${field}${index > 0 ? ` part ${index}` : ''}: the deltas added up to ${before.length} characters that differ from the final value (${value.length} characters)`;
    if (!item.notes.includes(note)) item.notes.push(note);
  }
  parts[index] = value;
  syncField(item, field);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : [];

/** Takes everything a whole item object says (output_item.added/done, a final Response's output). */
export function absorbItem(item: AssembledItem, raw: Record<string, unknown>, final: boolean): void {
  item.type = str(raw.type) ?? item.type;
  item.name = str(raw.name) ?? item.name;
  item.callId = str(raw.call_id) ?? item.callId;
  item.status = str(raw.status) ?? item.status;
  if (typeof raw.encrypted_content === 'string') item.encryptedContent = raw.encrypted_content;
  if (!final) {
    // An added item may already carry arguments (rare); never shrink what the deltas built.
    if (typeof raw.arguments === 'string' && raw.arguments.length > item.arguments.length)
      setFinal(item, 'arguments', 0, raw.arguments);
    return;
  }
  item.raw = raw;
  delete item.interrupted;
  switch (item.type) {
    case 'message':
      list(raw.content).forEach((part, i) => {
        if (part.type === 'output_text' && typeof part.text === 'string') setFinal(item, 'text', i, part.text);
        else if (part.type === 'refusal' && typeof part.refusal === 'string')
          setFinal(item, 'refusal', i, part.refusal);
      });
      break;
    case 'reasoning':
      list(raw.content).forEach((part, i) => {
        if (typeof part.text === 'string') setFinal(item, 'reasoning', i, part.text);
      });
      list(raw.summary).forEach((part, i) => {
        if (typeof part.text === 'string') setFinal(item, 'summary', i, part.text);
      });
      break;
    case 'function_call':
      if (typeof raw.arguments === 'string') setFinal(item, 'arguments', 0, raw.arguments);
      break;
    case 'custom_tool_call':
      if (typeof raw.input === 'string') setFinal(item, 'arguments', 0, raw.input);
      break;
    case 'function_call_output':
    case 'custom_tool_call_output':
      item.output = typeof raw.output === 'string' ? raw.output : JSON.stringify(raw.output);
      break;
    default:
      break;
  }
}

/** Items still in progress when the stream ended are marked with why it ended. */
export function interruptItems(items: AssembledItem[], why: string): void {
  for (const it of items) if (it.status === 'in_progress') it.interrupted = why;
}
