/**
 * Fuzzing the `vllm-responses` adapter from the backend side, as backend-fuzz.test.ts does for
 * Chat Completions: a fake vLLM `POST /v1/responses` answers event streams generated from a fixed
 * seed. The valid part follows vLLM's simple streaming path (an `event:` line per event, no
 * `[DONE]`, bare uuid item ids, `sequence_number` -1 or counted, reasoning as `reasoning_text`
 * events, a call's `output_item.added` holding the first arguments fragment that the first delta
 * repeats, a final body built apart from the deltas); on top of it, what a broken or older server
 * sends: events dropped, repeated or swapped (no `response.created`, no `output_item.added`, no
 * `*.done`), every `output_index` 0, wrong or missing `item_id` / `output_index` /
 * `content_index` / `sequence_number`, ids reused by another item, deltas for items never added or
 * after their `.done`, arguments `.done` disagreeing with the deltas, fields of the wrong type,
 * unknown event types, `error` events of several shapes, `response.failed` / `response.incomplete`,
 * several terminal events or none, a final body disagreeing with the deltas, usage of the wrong
 * shape, malformed JSON, keep-alive comments, CR LF framing, `event:` lines missing or naming
 * another type than `data.type`; bodies cut off, connections reset, HTTP errors, and a JSON body
 * where a stream was asked for (the adapter always streams upstream: request.ts sends
 * `stream: true`, whether the client streams or not). Every body reaches the gateway split at
 * random byte boundaries with small random pauses. A quarter of the streams are clean: only vLLM's
 * own quirks and what the adapter repairs without loss (boundary events left out, text events
 * without `item_id`); their text and calls must reach the client as generated.
 *
 * Asserted for every response (streamed or not, both dialects, extensions on and off), by
 * backend-fuzz-support.ts: an answer (a bound against hangs only); never an `internal_error`; a
 * stream ends with exactly one terminal event and passes the stream validator on the client's
 * side; usage counts and logprobs have the API's types; a clean stream's response is completed
 * with its content; the gateway (strict validation) logs no error and no stream violation.
 *
 * BACKEND_FUZZ_SEED and BACKEND_FUZZ_COUNT change the seed and the count for a longer exploration.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Prng } from '../../src-server/backends/simulator/prng.js';
import {
  BackendFuzz,
  FUZZ_MODEL as MODEL,
  fuzzCount,
  httpErrorScript,
  someText,
  type FuzzScript,
} from './backend-fuzz-support.js';

const COUNT = fuzzCount(400);

type Json = Record<string, unknown>;

/** Values of the wrong type (or odd values of the right one) for any field. */
const ODD_VALUES: readonly unknown[] = [null, 7, -1, 1e9, 1.5, '3', '', true, [], ['x'], {}, { text: 'x' }];

function odd(rng: Prng): unknown {
  return rng.pick(ODD_VALUES);
}

/**
 * Splits a text into 1..n pieces between code points, as vLLM's detokenizer does (one empty piece
 * for an empty text).
 */
function pieces(rng: Prng, text: string): string[] {
  const out: string[] = [];
  for (let rest = Array.from(text); rest.length > 0;) {
    const cut = rng.int(1, rest.length);
    out.push(rest.slice(0, cut).join(''));
    rest = rest.slice(cut);
  }
  return out.length > 0 ? out : [''];
}

function logprobsFor(rng: Prng, s: Stream, token: string): unknown {
  if (s.clean || rng.next() < 0.9)
    return [
      {
        token,
        logprob: -0.25,
        top_logprobs: [
          { token, logprob: -0.25 },
          { token: 'x', logprob: -2 },
        ],
      },
    ];
  return rng.pick<unknown>([
    'nope',
    [null],
    [{ token: 5, logprob: 'a' }],
    [{ token, logprob: -1, top_logprobs: 'no' }],
    [{ token, logprob: -1, bytes: 'b' }],
    {},
  ]);
}

/** A text as a `.done` event or the final body may tell it: the same, longer, shorter, or another. */
function retold(rng: Prng, s: Stream, text: string): string {
  if (s.clean) return text;
  return rng.pick([text, text, text, text + someText(rng), text.slice(0, rng.int(0, text.length)), someText(rng)]);
}

interface Stream {
  events: Json[];
  /** The items of the final body. */
  output: unknown[];
  /** Ids of the items so far (some reused for another item). */
  ids: string[];
  /** Older builds: every output_index 0 and sequence_number -1. */
  older: boolean;
  outputIndex: number;
  /**
   * Only what vLLM's stream may do and the adapter repairs: no faults, consistent texts, one
   * `response.completed`. The client must then see `expected`.
   */
  clean: boolean;
  expected: { text: string; calls: { name: string; arguments: string }[] };
}

function itemId(rng: Prng, s: Stream): string {
  const id = s.ids.length > 0 && !s.clean && rng.next() < 0.08 ? rng.pick(s.ids) : rng.hex(32);
  s.ids.push(id);
  return id;
}

function reasoningItem(rng: Prng, s: Stream): void {
  const id = itemId(rng, s);
  const at = s.older ? 0 : s.outputIndex;
  const text = someText(rng) || 'think';
  const where = { item_id: id, output_index: at, content_index: 0 };
  s.events.push({
    type: 'response.output_item.added',
    output_index: at,
    item: { type: 'reasoning', id, summary: [], status: 'in_progress' },
  });
  // Newer builds announce the part as `reasoning_part`, older ones as `content_part`.
  s.events.push({
    type: rng.pick(['response.reasoning_part.added', 'response.content_part.added']),
    ...where,
    part: { type: 'reasoning_text', text: '' },
  });
  const deltaType = rng.next() < 0.9 ? 'response.reasoning_text.delta' : 'response.reasoning.delta';
  for (const p of pieces(rng, text)) s.events.push({ type: deltaType, ...where, delta: p });
  const told = retold(rng, s, text);
  s.events.push({ type: 'response.reasoning_text.done', ...where, text: told });
  s.events.push({
    type: rng.pick(['response.reasoning_part.done', 'response.content_part.done']),
    ...where,
    part: { type: 'reasoning_text', text: told },
  });
  const item = {
    type: 'reasoning',
    id,
    summary: [],
    content: [{ type: 'reasoning_text', text: told }],
    status: 'completed',
  };
  s.events.push({ type: 'response.output_item.done', output_index: at, item });
  if (rng.next() < 0.9)
    s.output.push({ ...item, id: rng.hex(32), content: [{ type: 'reasoning_text', text: retold(rng, s, text) }] });
}

function messageItem(rng: Prng, s: Stream, logprobs: boolean): void {
  const id = itemId(rng, s);
  const at = s.older ? 0 : s.outputIndex;
  const refusal = rng.next() < 0.1;
  const text = someText(rng) || 'Paris.';
  s.expected.text += text;
  const where = { item_id: id, output_index: at, content_index: 0 };
  s.events.push({
    type: 'response.output_item.added',
    output_index: at,
    item: { id, type: 'message', role: 'assistant', content: [], status: 'in_progress' },
  });
  const empty = refusal
    ? { type: 'refusal', refusal: '' }
    : { type: 'output_text', text: '', annotations: [], logprobs: [] };
  s.events.push({ type: 'response.content_part.added', ...where, part: empty });
  for (const p of pieces(rng, text)) {
    if (refusal) s.events.push({ type: 'response.refusal.delta', ...where, delta: p });
    else
      s.events.push({
        type: 'response.output_text.delta',
        ...where,
        delta: p,
        logprobs: logprobs ? logprobsFor(rng, s, p) : [],
      });
  }
  const told = retold(rng, s, text);
  const part = refusal ? { type: 'refusal', refusal: told } : { type: 'output_text', text: told, annotations: [] };
  s.events.push(
    refusal
      ? { type: 'response.refusal.done', ...where, refusal: told }
      : { type: 'response.output_text.done', ...where, text: told, logprobs: [] },
  );
  s.events.push({ type: 'response.content_part.done', ...where, part });
  const item = { type: 'message', role: 'assistant', content: [part], status: 'completed', id };
  s.events.push({ type: 'response.output_item.done', output_index: at, item });
  if (rng.next() < 0.9) {
    const again = retold(rng, s, text);
    s.output.push({
      ...item,
      id: rng.hex(32),
      content: [refusal ? { type: 'refusal', refusal: again } : { type: 'output_text', text: again, annotations: [] }],
    });
  }
}

function callItem(rng: Prng, s: Stream): void {
  const id = itemId(rng, s);
  const at = s.older ? 0 : s.outputIndex;
  const name = s.clean
    ? rng.pick(['get_weather', 'lookup'])
    : rng.pick(['get_weather', 'lookup', 'get_weather', 'unknown_tool', '']);
  const args = rng.pick(['{"city":"Paris"}', '{"a":', '', '{}', 'not json', '{"q":"é😀"}']);
  s.expected.calls.push({ name, arguments: args });
  const parts = pieces(rng, args);
  const callId = `call_${rng.hex(32)}`;
  const where = { item_id: id, output_index: at };
  const added: Json = {
    type: 'function_call',
    id,
    call_id: callId,
    name,
    arguments: rng.next() < 0.8 ? parts[0] : '',
    status: 'in_progress',
  };
  if (rng.next() < 0.9) s.events.push({ type: 'response.output_item.added', output_index: at, item: added });
  for (const p of parts) s.events.push({ type: 'response.function_call_arguments.delta', ...where, delta: p });
  const told = retold(rng, s, args);
  const done: Json = { type: 'response.function_call_arguments.done', ...where, arguments: told };
  if (rng.next() < 0.7) done.name = name;
  s.events.push(done);
  const item = { type: 'function_call', name, arguments: told, status: 'completed', id, call_id: callId };
  s.events.push({ type: 'response.output_item.done', output_index: at, item });
  // The final body's calls are matched to the streamed ones by order: a clean one has them all.
  if (s.clean || rng.next() < 0.9)
    s.output.push({ ...item, id: rng.hex(32), call_id: `call_${rng.hex(32)}`, arguments: retold(rng, s, args) });
}

/** An event that belongs to no item the stream announced, or is of a kind nobody knows. */
function strayEvent(rng: Prng, s: Stream): Json {
  const known = s.ids.length > 0 ? rng.pick(s.ids) : rng.hex(32);
  const id = rng.next() < 0.5 ? rng.hex(32) : known;
  const at = rng.int(0, 5);
  return rng.pick<Json>([
    { type: 'response.output_text.delta', item_id: id, output_index: at, content_index: 0, delta: someText(rng) },
    { type: 'response.reasoning_text.delta', item_id: id, output_index: at, content_index: 0, delta: 'more' },
    { type: 'response.refusal.delta', item_id: id, output_index: at, content_index: 0, delta: 'no' },
    { type: 'response.function_call_arguments.delta', item_id: id, output_index: at, delta: '{"late":1}' },
    { type: 'response.function_call_arguments.done', item_id: id, output_index: at, arguments: '{"other":2}' },
    { type: 'response.output_text.done', item_id: id, output_index: at, content_index: 0, text: 'other text' },
    {
      type: 'response.output_item.added',
      output_index: at,
      item: { type: 'function_call', id, call_id: `call_${rng.hex(8)}`, name: 'lookup', arguments: '{}' },
    },
    {
      type: 'response.output_item.done',
      output_index: at,
      item: { type: 'function_call', id, call_id: 7, name: null, arguments: { city: 'Paris' } },
    },
    { type: 'response.output_item.added', output_index: at, item: null },
    { type: 'response.output_item.done', output_index: at, item: 'x' },
    { type: 'response.reasoning_summary_text.delta', item_id: id, output_index: at, summary_index: 0, delta: 's' },
    { type: 'response.web_search_call.in_progress', item_id: id, output_index: at },
    { type: 'response.brand_new_event', payload: { a: 1 } },
    { type: 'response.in_progress', response: { status: 'in_progress' } },
    { type: 'response.created', response: null },
    { type: 7 },
    { type: null, delta: 'x' },
    { delta: 'no type' },
  ]);
}

/** The same event with one field of the wrong type, missing, or pointing elsewhere. */
function mangled(rng: Prng, event: Json, s: Stream): Json {
  const out: Json = { ...event };
  const keys = Object.keys(out).filter((k) => k !== 'type');
  const key = keys.length > 0 && rng.next() < 0.9 ? rng.pick(keys) : 'type';
  const what = rng.int(0, 5);
  if (what === 0) delete out[key];
  else if (what === 1 && (key === 'item_id' || key === 'output_index') && s.ids.length > 0)
    out[key] = key === 'item_id' ? rng.pick(s.ids) : rng.int(0, s.outputIndex);
  else if (what === 2 && isItem(out.item)) {
    const item: Json = { ...out.item };
    item[rng.pick(['id', 'type', 'name', 'arguments', 'call_id', 'content', 'summary'])] = odd(rng);
    out.item = item;
  } else if (what === 3 && key === 'type')
    out.type = rng.pick(['response.output_text.deltas', 'RESPONSE.COMPLETED', '']);
  else out[key] = odd(rng);
  return out;
}

function isItem(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function usageOf(rng: Prng): unknown {
  if (rng.next() < 0.85)
    return {
      input_tokens: 3,
      output_tokens: rng.int(0, 9),
      total_tokens: 12,
      input_tokens_details: { cached_tokens: rng.pick([0, 2, null]) },
      output_tokens_details: rng.next() < 0.5 ? { reasoning_tokens: 1, tool_output_tokens: 0 } : null,
    };
  return rng.pick<unknown>([
    'lots',
    null,
    [],
    { input_tokens: 'a', output_tokens: -5 },
    { input_tokens: 1.5, output_tokens: 1e20 },
    { prompt_tokens: 3, completion_tokens: 4 },
    { input_tokens: 3, output_tokens: 4, input_tokens_details: 'x', output_tokens_details: { reasoning_tokens: 'y' } },
  ]);
}

/** The final response object, as vLLM builds it apart from the deltas (sometimes broken). */
function finalResponse(rng: Prng, envelope: Json, status: string, output: unknown[]): Json {
  const response: Json = { ...envelope, status, output, usage: usageOf(rng) };
  if (status === 'incomplete')
    response.incomplete_details = rng.pick<unknown>([
      { reason: 'max_output_tokens' },
      { reason: 'content_filter' },
      { reason: 'who_knows' },
      null,
      'x',
    ]);
  if (status === 'failed')
    response.error = rng.pick<unknown>([
      { code: 'server_error', message: 'the engine died' },
      { code: 500, message: 'boom' },
      null,
      'x',
    ]);
  if (rng.next() < 0.05)
    response.output = rng.pick<unknown>([null, 'x', {}, [null, 7, 'item'], [{ type: 'message', content: 'x' }]]);
  if (rng.next() < 0.03) response.status = odd(rng);
  return response;
}

function terminalEvents(rng: Prng, envelope: Json, output: unknown[]): Json[] {
  const one = (): Json => {
    const kind = rng.pick([
      'completed',
      'completed',
      'completed',
      'completed',
      'completed-incomplete',
      'incomplete',
      'failed',
    ]);
    if (kind === 'completed')
      return { type: 'response.completed', response: finalResponse(rng, envelope, 'completed', output) };
    if (kind === 'completed-incomplete')
      // vLLM ends a reply cut by max_output_tokens with response.completed, status incomplete.
      return { type: 'response.completed', response: finalResponse(rng, envelope, 'incomplete', output) };
    if (kind === 'incomplete')
      return { type: 'response.incomplete', response: finalResponse(rng, envelope, 'incomplete', output) };
    return { type: 'response.failed', response: finalResponse(rng, envelope, 'failed', output) };
  };
  const count = rng.pick([1, 1, 1, 1, 1, 1, 1, 1, 0, 2]);
  const out: Json[] = [];
  for (let i = 0; i < count; i++) out.push(one());
  if (out.length > 0 && rng.next() < 0.05) out[0] = { ...out[0], response: odd(rng) };
  return out;
}

function errorEvent(rng: Prng): Json {
  return rng.pick<Json>([
    // vLLM's ErrorResponse body, as its error event.
    {
      error: { message: 'mid-stream Bearer sk-abcdefghijklmnop1', type: 'InternalServerError', param: null, code: 500 },
    },
    { object: 'error', message: 'flat', type: 'BadRequestError', code: 400 },
    // The official error event.
    { type: 'error', code: 'server_error', message: 'official', param: null, sequence_number: 3 },
    { type: 'error', error: { message: 'nested', code: 503 } },
    { type: 'error' },
    { type: 'error', code: 7, message: ['x'] },
  ]);
}

function sse(rng: Prng, event: Json): string {
  const nl = rng.next() < 0.1 ? '\r\n' : '\n';
  const type = typeof event.type === 'string' ? event.type : 'error';
  const name = rng.next();
  // vLLM writes `event: <type>` before every data line; some servers leave it out or disagree.
  const head =
    name < 0.85
      ? `event: ${type}${nl}`
      : name < 0.95
        ? ''
        : `event: ${rng.pick(['message', 'response.completed', 'x'])}${nl}`;
  return `${head}data: ${JSON.stringify(event)}${nl}${nl}`;
}

function script(rng: Prng): FuzzScript {
  if (rng.next() < 0.03)
    return httpErrorScript(rng, [
      '{"error":{"message":"bad","type":"BadRequestError","param":null,"code":400}}',
      '{"error":{"message":"The engine prompt length 9 exceeds the max_model_len 4. Please reduce prompt.","type":"invalid_request_error","param":"input","code":400}}',
      '<html>oops</html>',
      '{"object":"error","message":"m","code":400}',
      '{"detail":"Not Found"}',
      '',
    ]);
  const envelope: Json = {
    id: `resp_${rng.hex(32)}`,
    object: 'response',
    created_at: 1,
    model: MODEL,
    status: 'in_progress',
    output: [],
  };
  const s: Stream = {
    events: [],
    output: [],
    ids: [],
    older: rng.next() < 0.2,
    outputIndex: 0,
    clean: rng.next() < 0.25,
    expected: { text: '', calls: [] },
  };
  if (s.clean) return cleanScript(rng, s, envelope);
  const logprobs = rng.next() < 0.5;
  // A server that ignores `stream: true` and answers the whole response as JSON.
  const json = rng.next() < 0.03;
  s.events.push({ type: 'response.created', response: envelope });
  s.events.push({ type: 'response.in_progress', response: envelope });
  for (let items = rng.int(0, 4); items > 0; items--) {
    const kind = rng.pick(['reasoning', 'message', 'message', 'call', 'call', 'stray']);
    if (kind === 'reasoning') reasoningItem(rng, s);
    else if (kind === 'message') messageItem(rng, s, logprobs);
    else if (kind === 'call') callItem(rng, s);
    else for (let i = rng.int(1, 3); i > 0; i--) s.events.push(strayEvent(rng, s));
    s.outputIndex++;
    // Deltas after the item's done.
    if (rng.next() < 0.05) s.events.push(strayEvent(rng, s));
  }
  if (rng.next() < 0.04) s.events.push(errorEvent(rng));
  s.events.push(...terminalEvents(rng, envelope, s.output));
  if (json) {
    const last = s.events.at(-1);
    return {
      status: 200,
      contentType: 'application/json',
      text: JSON.stringify(isItem(last) && isItem(last.response) ? last.response : envelope),
      end: 'done',
    };
  }
  // What a broken server does to the sequence: drops, repeats, swaps, mangles.
  let events: Json[] = [];
  for (const event of s.events) {
    const r = rng.next();
    if (r < 0.05) continue;
    events.push(r < 0.1 ? mangled(rng, event, s) : event);
    if (rng.next() < 0.02) events.push(event);
  }
  for (let i = 0; i + 1 < events.length; i++)
    if (rng.next() < 0.03) [events[i], events[i + 1]] = [events[i + 1], events[i]];
  if (rng.next() < 0.05) events.splice(rng.int(0, events.length), 0, errorEvent(rng));
  if (rng.next() < 0.05) events = events.slice(0, rng.int(0, events.length));
  let sequence = 0;
  for (const event of events) {
    if (!('sequence_number' in event))
      event.sequence_number = s.older ? -1 : rng.next() < 0.02 ? odd(rng) : rng.next() < 0.02 ? sequence : sequence++;
  }
  const lines = events.map((e) => sse(rng, e));
  if (rng.next() < 0.05) lines.splice(rng.int(0, lines.length), 0, ': keep-alive\n\n');
  if (rng.next() < 0.03)
    lines.splice(rng.int(0, lines.length), 0, 'event: response.output_text.delta\ndata: {not json\n\n');
  if (rng.next() < 0.03)
    lines.splice(
      rng.int(0, lines.length),
      0,
      rng.pick(['data: "a string"\n\n', 'data: 42\n\n', 'data: []\n\n', 'data: null\n\n']),
    );
  // vLLM sends no [DONE]; a server that does is harmless or not, as it comes.
  if (rng.next() < 0.05) lines.push('data: [DONE]\n\n');
  const end = rng.pick(['done', 'done', 'done', 'done', 'done', 'done', 'done', 'close', 'reset'] as const);
  // `close`: the body ends somewhere inside its last event.
  if (end === 'close' && lines.length > 0) {
    const last = lines.length - 1;
    lines[last] = lines[last].slice(0, rng.int(0, lines[last].length - 1));
  }
  return { status: 200, text: lines.join(''), end };
}

/** Events a stream can do without (the adapter rebuilds the sequence from the content). */
const BOUNDARY_EVENTS: ReadonlySet<string> = new Set([
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.reasoning_part.added',
  'response.reasoning_part.done',
  'response.output_text.done',
  'response.reasoning_text.done',
  'response.refusal.done',
  'response.function_call_arguments.done',
]);

/**
 * A stream with only what the adapter repairs without loss: vLLM's own quirks (older builds'
 * indices, the repeated first arguments fragment, `.done` and added events missing) and text
 * `.done` events without `item_id`. The client must see its text and calls. Left out of it, as
 * they cannot be repaired without loss: deltas without `item_id` where the item boundaries are
 * missing too (whose item are they?), and a call named by nothing before the next call starts (it
 * is named only by the final body, so it starts after that call; a call's `output_item.done` is
 * always sent).
 */
function cleanScript(rng: Prng, s: Stream, envelope: Json): FuzzScript {
  const logprobs = rng.next() < 0.5;
  s.events.push({ type: 'response.created', response: envelope });
  s.events.push({ type: 'response.in_progress', response: envelope });
  for (let items = rng.int(0, 4); items > 0; items--) {
    const kind = rng.pick(['reasoning', 'message', 'message', 'call', 'call']);
    if (kind === 'reasoning') reasoningItem(rng, s);
    else if (kind === 'message') messageItem(rng, s, logprobs);
    else callItem(rng, s);
    s.outputIndex++;
  }
  const usage = { input_tokens: 3, output_tokens: 5, total_tokens: 8 };
  const response = { ...envelope, status: 'completed', output: s.output, usage };
  const events: Json[] = [];
  for (const event of s.events) {
    const call = isItem(event.item) && event.item.type === 'function_call';
    const callDone = call && event.type === 'response.output_item.done';
    if (BOUNDARY_EVENTS.has(event.type as string) && !callDone && rng.next() < 0.1) continue;
    const textDone = /^response\.(output_text|reasoning_text|refusal)\.done$/.test(event.type as string);
    if (textDone && rng.next() < 0.2) {
      const { item_id: _dropped, ...rest } = event;
      events.push(rest);
    } else events.push(event);
  }
  events.push({ type: 'response.completed', response });
  let sequence = 0;
  for (const event of events) event.sequence_number = s.older ? -1 : sequence++;
  const lines = events.map((e) => sse(rng, e));
  if (rng.next() < 0.1) lines.splice(rng.int(0, lines.length), 0, ': keep-alive\n\n');
  return { status: 200, text: lines.join(''), end: 'done', expected: s.expected };
}

let fuzz: BackendFuzz;

beforeAll(async () => {
  fuzz = await BackendFuzz.start(script, { backendKind: 'vllm-responses' });
});

afterAll(async () => {
  await fuzz?.close();
});

test(
  'X7 E1 E3 X9 generated broken vLLM Responses streams: every response ends once, validly, with no internal error; repairable ones keep their content',
  { tags: ['X7', 'E1', 'E3', 'L1', 'X9', 'B3'], timeout: 600_000 },
  async () => {
    const problems = await fuzz.run(COUNT);
    expect(problems, `${problems.join('\n')}\n  outcomes: ${fuzz.summary()}`).toEqual([]);
    expect(fuzz.gatewayProblems()).toEqual([]);
  },
);
