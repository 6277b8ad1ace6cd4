/**
 * The rules of the L1 stream validator (stream-validator.ts), by stable id. VALIDATOR_RULES is the
 * same list as data, for docs and the console:
 * - sse.event-name       the SSE `event:` field equals the JSON `type`
 * - sse.type-newline     `type` contains no CR or LF (it would break SSE framing)
 * - event.shape          `type` is a non-empty string; deltas and texts are strings; indices are integers
 * - event.unknown-type   `type` is an event of the dialect; extension events only when extensions are on
 * - event.wrong-dialect  `type` is the other dialect's name (e.g. `response.reasoning_text.delta` in open-responses)
 * - extension.schema     with extensions on, an extension event matches its schema (extension-schemas.ts)
 * - event.size           the serialized event is at most `maxEventBytes`
 * - sequence.missing     `sequence_number` is a non-negative integer
 * - sequence.order       `sequence_number` starts at 0 and grows by exactly 1 (no gaps, no repeats)
 * - lifecycle.first      the first event is `response.created`
 * - lifecycle.order      `response.queued` (background) and `response.in_progress` follow `response.created`,
 *                        once each, in that order, before any output event
 * - lifecycle.error      an `error` event is followed (extension events aside) by `response.failed`
 * - lifecycle.after-terminal    nothing follows the terminal event (`response.completed|incomplete|failed`)
 * - lifecycle.missing-terminal  the stream ends with exactly one terminal event
 * - response.id          lifecycle events carry `response` with the same `id` throughout
 * - response.status      a terminal event's `response.status` matches it
 * - response.output      the terminal `response.output` lists the done items: same ids, same order
 * - item.index           `output_item.added` uses the next `output_index` (0, 1, 2 …)
 * - item.id              an added item has a string `id`, unique within the response
 * - item.empty           an added item starts empty (message content [], arguments "", reasoning content/summary [])
 * - item.open            item events name an added, not yet done item by `output_index`, with `item_id` = its id
 * - item.unfinished      every added item is done before the terminal event
 * - item.done-order      `output_item.done` comes after all its parts (and its arguments) are done
 * - part.index           `content_part.added` / `reasoning_summary_part.added` use the next index within the item
 * - part.empty           an added part starts with empty text
 * - part.open            deltas, `.done` texts and part done events name an added, not yet done part of the right kind
 * - part.done-order      a part's done event comes after its text `.done` event
 * - text.concat          a `.done` text equals the concatenation of its deltas (output text, refusal, reasoning
 *                        text, summary text, function-call arguments, custom tool input), as do the parts and
 *                        items in `content_part.done` / `reasoning_summary_part.done` / `output_item.done`
 */

export const VALIDATOR_RULES: Readonly<Record<string, string>> = {
  'sse.event-name': 'The SSE event name equals the JSON type.',
  'sse.type-newline': 'The type contains no newline.',
  'event.shape': 'The type is a non-empty string; deltas and texts are strings; indices are integers.',
  'event.unknown-type': "The type is an event of the stream's dialect; extension events only when extensions are on.",
  'event.wrong-dialect': "The type is not the other dialect's name for an event.",
  'extension.schema':
    'With extensions on, an extension event matches its JSON Schema (shared/protocol/extension-schemas.ts).',
  'event.size': 'The serialized event is at most the configured size.',
  'sequence.missing': 'sequence_number is a non-negative integer.',
  'sequence.order': 'sequence_number starts at 0 and grows by 1, with no gaps or repeats.',
  'lifecycle.first': 'The first event is response.created.',
  'lifecycle.order':
    'response.queued (background) and response.in_progress follow response.created, once each, before any output event.',
  'lifecycle.error': 'An error event is followed (extension events aside) by response.failed.',
  'lifecycle.after-terminal': 'Nothing follows the terminal event.',
  'lifecycle.missing-terminal':
    'The stream ends with a terminal event (response.completed, response.incomplete or response.failed).',
  'response.id': 'Lifecycle events carry the same response id throughout.',
  'response.status': "A terminal event's response.status matches the event.",
  'response.output': "The terminal response's output lists the done items, same ids, same order.",
  'item.index': 'output_item.added uses the next output_index (0, 1, 2 …).',
  'item.id': 'An added item has a string id, unique within the response.',
  'item.empty': 'An added item starts empty (no content, empty arguments).',
  'item.open': 'Item events name an added, not yet done item by output_index, with item_id equal to its id.',
  'item.unfinished': 'Every added item is done before the terminal event.',
  'item.done-order': 'output_item.done comes after all its parts and arguments are done.',
  'part.index': 'content_part.added / reasoning_summary_part.added use the next index within the item.',
  'part.empty': 'An added part starts with empty text.',
  'part.open': 'Deltas, .done texts and part done events name an added, not yet done part of the right kind.',
  'part.done-order': "A part's done event comes after its text .done event.",
  'text.concat': 'A .done text (and the final part and item) equals the concatenation of its deltas.',
};

export type TextKind = 'output_text' | 'refusal' | 'reasoning_text' | 'summary_text' | 'other';

/** Text delta/done events: which part list and kind they address, and where `.done` keeps the text. */
export const TEXT_EVENTS: Record<
  string,
  { list: 'parts' | 'summaries'; kind: TextKind; field: string; done: boolean }
> = {
  'response.output_text.delta': { list: 'parts', kind: 'output_text', field: 'delta', done: false },
  'response.output_text.done': { list: 'parts', kind: 'output_text', field: 'text', done: true },
  'response.refusal.delta': { list: 'parts', kind: 'refusal', field: 'delta', done: false },
  'response.refusal.done': { list: 'parts', kind: 'refusal', field: 'refusal', done: true },
  'response.reasoning_text.delta': { list: 'parts', kind: 'reasoning_text', field: 'delta', done: false },
  'response.reasoning_text.done': { list: 'parts', kind: 'reasoning_text', field: 'text', done: true },
  'response.reasoning_summary_text.delta': { list: 'summaries', kind: 'summary_text', field: 'delta', done: false },
  'response.reasoning_summary_text.done': { list: 'summaries', kind: 'summary_text', field: 'text', done: true },
};

/** Item-level argument streams: the `.done` field holding the whole text. */
export const ARG_EVENTS: Record<string, { field: string; done: boolean }> = {
  'response.function_call_arguments.delta': { field: 'delta', done: false },
  'response.function_call_arguments.done': { field: 'arguments', done: true },
  'response.custom_tool_call_input.delta': { field: 'delta', done: false },
  'response.custom_tool_call_input.done': { field: 'input', done: true },
};
