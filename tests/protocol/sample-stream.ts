/**
 * A correct, hand-written Responses event stream (reasoning, a message with text, a function
 * call) in canonical openai names, for validator and spec tests. `sample(dialect)` renames and
 * numbers the events; mutations of it make the failing cases.
 */
import { dialectEventType, type Dialect } from '../../src-server/shared/protocol/events.js';

export type SampleEvent = { type: string; sequence_number: number; [k: string]: unknown };

const RESP = 'resp_abc';

function response(status: string, output: unknown[]): Record<string, unknown> {
  return { id: RESP, object: 'response', created_at: 1700000000, status, model: 'm', output };
}

const reasoningDone = {
  id: 'rs_1',
  type: 'reasoning',
  summary: [{ type: 'summary_text', text: 'Plan.' }],
  content: [{ type: 'reasoning_text', text: 'think hard' }],
  status: 'completed',
};
const messageDone = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text: 'Hello world', annotations: [], logprobs: [] }],
};
const callDone = {
  id: 'fc_1',
  type: 'function_call',
  call_id: 'call_1',
  name: 'get_weather',
  arguments: '{"city":"Paris"}',
  status: 'completed',
};

export function sampleEvents(): Array<Record<string, unknown> & { type: string }> {
  const r = { item_id: 'rs_1', output_index: 0 };
  const m = { item_id: 'msg_1', output_index: 1 };
  const f = { item_id: 'fc_1', output_index: 2 };
  return [
    { type: 'response.created', response: response('in_progress', []) },
    { type: 'response.in_progress', response: response('in_progress', []) },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { id: 'rs_1', type: 'reasoning', summary: [], content: [] },
    },
    { type: 'response.content_part.added', ...r, content_index: 0, part: { type: 'reasoning_text', text: '' } },
    { type: 'response.reasoning_text.delta', ...r, content_index: 0, delta: 'think ' },
    { type: 'response.reasoning_text.delta', ...r, content_index: 0, delta: 'hard' },
    { type: 'response.reasoning_text.done', ...r, content_index: 0, text: 'think hard' },
    {
      type: 'response.content_part.done',
      ...r,
      content_index: 0,
      part: { type: 'reasoning_text', text: 'think hard' },
    },
    { type: 'response.reasoning_summary_part.added', ...r, summary_index: 0, part: { type: 'summary_text', text: '' } },
    { type: 'response.reasoning_summary_text.delta', ...r, summary_index: 0, delta: 'Plan.' },
    { type: 'response.reasoning_summary_text.done', ...r, summary_index: 0, text: 'Plan.' },
    {
      type: 'response.reasoning_summary_part.done',
      ...r,
      summary_index: 0,
      part: { type: 'summary_text', text: 'Plan.' },
    },
    { type: 'response.output_item.done', output_index: 0, item: reasoningDone },
    {
      type: 'response.output_item.added',
      output_index: 1,
      item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    },
    {
      type: 'response.content_part.added',
      ...m,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    },
    { type: 'response.output_text.delta', ...m, content_index: 0, delta: 'Hello', logprobs: [] },
    { type: 'response.output_text.delta', ...m, content_index: 0, delta: ' world', logprobs: [] },
    { type: 'response.output_text.done', ...m, content_index: 0, text: 'Hello world', logprobs: [] },
    {
      type: 'response.content_part.done',
      ...m,
      content_index: 0,
      part: { type: 'output_text', text: 'Hello world', annotations: [], logprobs: [] },
    },
    { type: 'response.output_item.done', output_index: 1, item: messageDone },
    {
      type: 'response.output_item.added',
      output_index: 2,
      item: { ...callDone, arguments: '', status: 'in_progress' },
    },
    { type: 'response.function_call_arguments.delta', ...f, delta: '{"city":' },
    { type: 'response.function_call_arguments.delta', ...f, delta: '"Paris"}' },
    { type: 'response.function_call_arguments.done', ...f, arguments: '{"city":"Paris"}' },
    { type: 'response.output_item.done', output_index: 2, item: callDone },
    { type: 'response.completed', response: response('completed', [reasoningDone, messageDone, callDone]) },
  ];
}

/** Renames for the dialect and numbers from 0. */
export function number(
  events: Array<Record<string, unknown> & { type: string }>,
  dialect: Dialect = 'openai',
): SampleEvent[] {
  return events.map((e, i) => ({ ...e, type: dialectEventType(e.type, dialect), sequence_number: i }));
}

export function sample(dialect: Dialect = 'openai'): SampleEvent[] {
  return number(sampleEvents(), dialect);
}
