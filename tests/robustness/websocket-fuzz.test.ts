/**
 * Fuzzing the WebSocket transport (docs/streaming.md#websocket): real sockets to a real gateway
 * (simulator backend, strict stream validation), driven from a fixed seed. A few sockets are open
 * at once, in both dialects, extensions on and off; each gets generated sequences of messages:
 * valid `response.create` messages (simulator models with seeds, delta counts, faults, tools,
 * reasoning; `store` true and false; `generate: false` warm-ups; `previous_response_id` naming this
 * socket's last response, another socket's stored or unstored one, an unknown or malformed id;
 * tool outputs answering the calls of the response continued, or calls that do not exist), broken
 * ones (the request-body mutations of fuzz.test.ts, malformed JSON, JSON that is not an object, a
 * missing or unknown `type`, the HTTP-only fields with every kind of value, deep nesting, huge
 * strings), binary and empty frames, messages fragmented with pings between the fragments, text
 * frames that are not UTF-8, messages over the size limit, several messages sent at once or while a
 * response streams, and sockets closed or dropped mid-stream.
 *
 * Every message is checked against what the transport promises: one answer per message, in
 * order — a valid event stream (the spec's schemas in the open-responses dialect, the stream
 * validator in both, `sequence_number` from 0) ending with exactly one terminal event, or exactly
 * one error frame valid against the spec's WebSocketErrorEvent with the status, code and param
 * expected.
 * What is expected comes from a model of the connection (its connection-local response, eviction
 * after a failed continuation, what is stored) and, for broken bodies, from the same body sent as
 * `POST /v1/responses` over HTTP: a WebSocket error is the HTTP error (status included, except
 * `previous_response_not_found`: 400 on a socket). A message over `--max-request-bytes` closes the
 * socket with 1009, a text frame that is not UTF-8 with 1007. Never an `internal_error`, never a
 * hang (a bound far above anything real, against hangs only). A backend's error before the
 * stream is relayed as over HTTP. At the end the gateway logged no error and no stream violation,
 * still serves HTTP and new sockets, no backend stream is left running (every response of a closed
 * socket was cancelled), and every kind of outcome occurred at least once (the fuzz cannot
 * silently degenerate into one case).
 *
 * WS_FUZZ_SEED and WS_FUZZ_COUNT change the seed and the number of messages.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import type { Dialect } from '../../src-server/shared/protocol/events.js';
import { validateCreateRequest } from '../../src-server/shared/protocol/validate-request.js';
import { startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';
import {
  validateAgainstSpec,
  validateEventAgainstSpec,
  validateResponseAgainstSpec,
} from '../support/open-responses-spec.js';
import { TestSocket, type Frame, type Turn } from '../support/ws-client.js';
import { hostileSchema, mutate, RAW_NUMBERS, randomString, withDeepNesting } from './generators.js';
import { deepJson } from './helpers.js';

const SEED = Number(process.env.WS_FUZZ_SEED ?? 20_261_203);
const COUNT = Number(process.env.WS_FUZZ_COUNT ?? 500);
/** Far above any answer here: a bound against hangs, not a timing assertion. */
const PER_TURN_BOUND_MS = 60_000;
/** Small enough that an oversized message is cheap to send. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const SOCKETS = 3;

const TOOL = {
  type: 'function',
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

// ---- the model of the gateway's state ---------------------------------------------------------

/** What the test knows about a response that ended. */
interface Known {
  /** Call ids of its conversation (its own output and every response it continued). */
  calls: Set<string>;
  stored: boolean;
}

const known = new Map<string, Known>();
/** Ids of store:true responses that ended completed or incomplete: continuable from any socket. */
const storedIds: string[] = [];
/** Ids of store:false responses: continuable only as their socket's latest response. */
const unstoredIds: string[] = [];

interface Sock {
  name: string;
  t: TestSocket;
  dialect: Dialect;
  extensions: boolean;
  /** Index in `t.received` where the next turn starts. */
  at: number;
  /** The connection-local response (the socket's latest; evicted by a failed continuation). */
  chain: string | null;
  dead: boolean;
}

type Expectation =
  | { kind: 'response'; statuses: readonly string[] }
  | {
      kind: 'error';
      status: number;
      code: string;
      param?: string | null;
      /** A warm-up is made without the backend: an error only the backend finds may not happen. */
      orWarmup?: boolean;
    }
  /** The socket closes with one of these codes, without answering. */
  | { kind: 'close'; codes: readonly number[] };

interface Planned {
  /** What kind of message (for the outcome counts and the failure report). */
  label: string;
  /** The frame(s): text, or a binary buffer; `fragments` sends text in pieces with pings between. */
  data: string | Buffer;
  binary?: boolean;
  fragments?: number;
  /** Not UTF-8 on purpose: sent as a text frame. */
  rawText?: boolean;
  /** The parsed message, when it is JSON (for the state model). */
  body?: Record<string, unknown>;
  /** Decided when its turn comes (the socket's state then), possibly by asking over HTTP. */
  expect: (s: Sock) => Expectation | Promise<Expectation>;
}

// ---- generation -------------------------------------------------------------------------------

/** A backend's error before the stream: relayed as over HTTP (the backend's status, or 502). */
interface BackendError {
  status: number;
  code: string;
}

const FAULTS: readonly { suffix: string; statuses: readonly string[]; error?: BackendError }[] = [
  { suffix: '+fault=error_chunk+after=1', statuses: ['failed'] },
  { suffix: '+fault=malformed_chunk+after=2', statuses: ['failed'] },
  { suffix: '+fault=truncate+after=1', statuses: ['failed'] },
  { suffix: '+fault=server_error', statuses: [], error: { status: 500, code: 'server_error' } },
  { suffix: '+fault=rate_limit', statuses: [], error: { status: 429, code: 'rate_limit_exceeded' } },
  { suffix: '+fault=disconnect', statuses: [], error: { status: 502, code: 'backend_unreachable' } },
];

function simModel(rng: Prng): { model: string; statuses: readonly string[]; error?: BackendError } {
  const base = rng.pick(['sim-chat', 'sim-chat', 'sim-reasoning', 'sim-reasoning-legacy']);
  let model = `${base}+seed=${rng.int(1, 50)}`;
  if (rng.next() < 0.6) model += `+deltas=${rng.int(1, 8)}`;
  if (rng.next() < 0.12) {
    const f = rng.pick(FAULTS);
    return { model: model + f.suffix, statuses: f.statuses, error: f.error };
  }
  return { model, statuses: ['completed'] };
}

function userInput(rng: Prng): unknown {
  const text = rng.pick(['Say hi.', 'Count to 3.', 'Use get_weather for Paris', randomString(rng, 30) || 'x']);
  return rng.next() < 0.5 ? text : [{ type: 'message', role: 'user', content: text }];
}

/** A valid message; `previous` is decided by the caller. */
function validBody(
  rng: Prng,
  previous?: string,
  callIds?: string[],
): { body: Record<string, unknown>; statuses: readonly string[]; error?: BackendError } {
  const { model, statuses: base, error: backendError } = simModel(rng);
  let statuses = base;
  let error = backendError;
  const body: Record<string, unknown> = { type: 'response.create', model, input: userInput(rng) };
  if (rng.next() < 0.4) body.store = false;
  else if (rng.next() < 0.2) body.store = true;
  if (rng.next() < 0.25) {
    body.tools = [structuredClone(TOOL)];
    if (rng.next() < 0.6) body.model = `${model}+tool=get_weather`;
  }
  if (rng.next() < 0.1) {
    body.max_output_tokens = 16;
    statuses = [...new Set([...statuses, 'incomplete'])];
  }
  if (rng.next() < 0.1) body.stream = true; // Codex sends it on every message.
  if (rng.next() < 0.05) body.background = false;
  if (rng.next() < 0.1) body.metadata = { k: randomString(rng, 8).replace(/[^\w]/g, '') || 'v' };
  if (rng.next() < 0.08) {
    body.generate = false;
    // Made without the backend: its faults do not happen.
    statuses = ['completed'];
    error = undefined;
  }
  if (previous !== undefined) {
    body.previous_response_id = previous;
    if (callIds && callIds.length > 0 && rng.next() < 0.7) {
      const answered = rng.next() < 0.8 ? rng.pick(callIds) : `call_${rng.hex(12)}`;
      body.input = [{ type: 'function_call_output', call_id: answered, output: '{"temperature":21}' }];
    }
  }
  if (rng.next() < 0.04 && body.previous_response_id === undefined) {
    // A tool output answering nothing, without a previous response: accepted, as over HTTP (only
    // a continuation's outputs must answer a call of its conversation).
    body.input = [{ type: 'function_call_output', call_id: `call_${rng.hex(8)}`, output: 'x' }];
  }
  return { body, statuses, error };
}

/** What a valid message gets, from the socket's state when its turn comes. */
function expectValid(
  body: Record<string, unknown>,
  statuses: readonly string[],
  error?: BackendError,
): (s: Sock) => Expectation {
  return (s) => {
    const previous = body.previous_response_id;
    let calls = new Set<string>();
    if (typeof previous === 'string') {
      const k = known.get(previous);
      const found = s.chain === previous || (k?.stored ?? false);
      if (!found)
        return { kind: 'error', status: 400, code: 'previous_response_not_found', param: 'previous_response_id' };
      calls = k?.calls ?? calls;
    }
    // Tool outputs of a continuation must answer a call of its conversation.
    const input =
      typeof previous === 'string' && Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [];
    const i = input.findIndex((item) => item.type === 'function_call_output' && !calls.has(String(item.call_id)));
    if (i !== -1) return { kind: 'error', status: 400, code: 'invalid_value', param: `input[${i}].call_id` };
    if (error) return { kind: 'error', ...error, param: null };
    return { kind: 'response', statuses };
  };
}

function pickPrevious(rng: Prng, s: Sock): { id: string; calls?: string[] } {
  const r = rng.next();
  if (r < 0.35 && s.chain !== null) return { id: s.chain, calls: [...(known.get(s.chain)?.calls ?? [])] };
  if (r < 0.6 && storedIds.length > 0) {
    const id = rng.pick(storedIds);
    return { id, calls: [...(known.get(id)?.calls ?? [])] };
  }
  if (r < 0.75 && unstoredIds.length > 0) return { id: rng.pick(unstoredIds) };
  return {
    id: rng.pick([
      `resp_${rng.hex(32)}`,
      'resp_',
      '',
      'not-an-id',
      `resp_${'a'.repeat(5000)}`,
      '../../etc/passwd',
      'resp_\u0000x',
      '\uD800',
      randomString(rng, 20),
    ]),
  };
}

function planValid(rng: Prng, s: Sock, label = 'valid'): Planned {
  const continuing = rng.next() < 0.5;
  const prev = continuing ? pickPrevious(rng, s) : undefined;
  const { body, statuses, error } = validBody(rng, prev?.id, prev?.calls);
  return {
    label: continuing ? 'continuation' : label,
    data: JSON.stringify(body),
    body,
    expect: expectValid(body, statuses, error),
  };
}

/** JSON.stringify, with non-finite numbers written as the raw tokens they came from. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? (v > 0 ? '__inf__' : '__-inf__') : v,
  ).replace(/"__(-?)inf__"/g, (_m, sign: string) => `${sign}1e400`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Nesting depth of a JSON text (brackets outside strings). */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

/**
 * A parsed message seen by the transport (docs/streaming.md#websocket): its own checks, then the
 * create body that is validated as over HTTP — the transport's fields removed when they agree
 * with it (any other value is validated as an HTTP body's).
 */
function transportBody(value: unknown): { refused: Expectation } | { body: Record<string, unknown> } {
  const refuse = (code: string, param: string | null): { refused: Expectation } => ({
    refused: { kind: 'error', status: 400, code, param },
  });
  if (!isObject(value)) return refuse('invalid_websocket_message', null);
  if (value.type === undefined) return refuse('missing_required_parameter', 'type');
  if (value.type !== 'response.create') return refuse('invalid_value', 'type');
  if (value.background === true) return refuse('unsupported_parameter', 'background');
  if (value.stream === false) return refuse('unsupported_value', 'stream');
  if (value.stream_options !== undefined && value.stream_options !== null)
    return refuse('unsupported_parameter', 'stream_options');
  const generate = value.generate;
  if (generate !== undefined && generate !== null && typeof generate !== 'boolean')
    return refuse('invalid_type', 'generate');
  const body = { ...value };
  delete body.type;
  delete body.stream_options;
  delete body.generate;
  if (body.background === false || body.background === null) delete body.background;
  if (body.stream === true || body.stream === null) delete body.stream;
  return { body };
}

/** Whether a message reaches the responses service (and so evicts the id it continues when it fails). */
function reachesService(value: unknown): boolean {
  const t = transportBody(value);
  return 'body' in t && validates(t.body);
}

/**
 * The answer a message's text should get: the transport's own checks, then whatever
 * `POST /v1/responses` answers for the same body (stream: true, `type` removed).
 */
function expectFromHttp(text: string): (s: Sock) => Promise<Expectation> {
  return async (s) => {
    // Larger than --max-request-bytes: the socket closes (1009), as the docs say.
    if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) return { kind: 'close', codes: [1009] };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (value === undefined || depthOf(text) > 64) {
      // Depth and syntax: exactly as an HTTP body (the same parser and limits).
      const parsed = await viaHttp(text);
      if (parsed.kind === 'error' && ['invalid_json', 'nesting_too_deep'].includes(parsed.code)) return parsed;
      if (value === undefined) return { kind: 'error', status: 400, code: 'invalid_json', param: null };
    }
    const t = transportBody(value);
    if ('refused' in t) return t.refused;
    const { body } = t;
    const previous = body.previous_response_id;
    if (typeof previous === 'string' && previous === s.chain && !(known.get(previous)?.stored ?? false)) {
      // The connection-local response, which HTTP cannot see: answered as a valid message would
      // be, unless the backend refuses the body (asked over HTTP without the continuation).
      if (validates(body)) {
        const local = expectValid(body, ['completed', 'incomplete', 'failed'])(s);
        if (local.kind !== 'response') return local;
        const rest: Record<string, unknown> = { ...body, stream: true };
        delete rest.previous_response_id;
        // Without the history an empty input is the backend's error, which it is not on the socket.
        if (rest.input === undefined || rest.input === '' || (Array.isArray(rest.input) && rest.input.length === 0))
          rest.input = 'x';
        const http = await viaHttp(toJson(rest));
        if (http.kind === 'error' && (value as { generate?: unknown }).generate === false) http.orWarmup = true;
        return http.kind === 'error' ? http : local;
      }
    }
    const http = await viaHttp(toJson({ ...body, stream: body.stream ?? true }));
    if (http.kind === 'error' && http.code === 'previous_response_not_found') http.status = 400;
    // The gateway's own refusals of a valid body (its state); anything else came from the backend.
    const gateways = ['previous_response_not_found', 'invalid_value', 'item_reference_not_found'];
    if (
      (value as { generate?: unknown }).generate === false &&
      http.kind === 'error' &&
      validates(body) &&
      !gateways.includes(http.code)
    )
      http.orWarmup = true;
    return http;
  };
}

function validates(body: Record<string, unknown>): boolean {
  try {
    validateCreateRequest(structuredClone(body), { compat: 'strict' });
    return true;
  } catch {
    return false;
  }
}

let h: GatewayHarness;

async function viaHttp(text: string): Promise<Expectation & { kind: 'error' | 'response' }> {
  const res = await fetch(`${h.baseURL}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
    signal: AbortSignal.timeout(PER_TURN_BOUND_MS),
  });
  const body = await res.text();
  if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/event-stream'))
    return { kind: 'response', statuses: ['completed', 'incomplete', 'failed'] };
  const error = (JSON.parse(body) as { error: { code: string; param: string | null } }).error;
  return { kind: 'error', status: res.status, code: error.code, param: error.param };
}

/** A mutated message: the request-body fuzz's mutations, plus the transport's own fields. */
function planBroken(rng: Prng, s: Sock): Planned {
  const r = rng.next();
  if (r < 0.08) {
    const text = rng.pick(['', ' ', 'null', '[]', '[1,2]', '"text"', '1e400', '{', '{"a":}', '\uFEFF{}', 'true', '{}']);
    return { label: 'broken', data: text, expect: expectFromHttp(text) };
  }
  if (r < 0.12) {
    const text = deepJson(rng.pick([129, 10_000, 100_000]), rng.next() < 0.5 ? 'object' : 'array');
    return { label: 'broken', data: text, expect: expectFromHttp(text) };
  }
  const { body } = validBody(rng, rng.next() < 0.2 ? pickPrevious(rng, s).id : undefined);
  if (rng.next() < 0.3)
    body.tools = [
      rng.next() < 0.5 ? structuredClone(TOOL) : { ...structuredClone(TOOL), parameters: hostileSchema(rng) },
    ];
  if (rng.next() < 0.2) {
    const field = rng.pick(['stream', 'background', 'stream_options', 'generate', 'type']);
    body[field] = rng.pick<unknown>([true, false, null, 'yes', 0, 1, {}, [], 'response.create', 'response.cancel']);
  }
  if (rng.next() < 0.05) delete body.type;
  mutate(rng, body, ['x', 'constructor', 'a\u0000b', 'we\r\nird', 'ü'.repeat(50)]);
  let text = withDeepNesting(JSON.stringify(body));
  if (rng.next() < 0.1) text = text.replace(/:(-?\d+(\.\d+)?)([,}])/, `:${rng.pick(RAW_NUMBERS)}$3`);
  if (rng.next() < 0.05) text = text.slice(0, rng.int(0, text.length - 1));
  return { label: 'broken', data: text, expect: expectFromHttp(text) };
}

/** Frames that are not plain text JSON messages. */
function planFrame(rng: Prng, s: Sock): Planned {
  const r = rng.next();
  const error =
    (code: string, param: string | null = null): (() => Expectation) =>
    () => ({
      kind: 'error',
      status: 400,
      code,
      param,
    });
  if (r < 0.25)
    return {
      label: 'binary',
      data:
        rng.next() < 0.5
          ? Buffer.alloc(0)
          : Buffer.from(JSON.stringify({ type: 'response.create', model: 'sim-chat', input: 'x' })),
      binary: true,
      expect: error('invalid_websocket_message'),
    };
  if (r < 0.4) return { label: 'empty', data: '', expect: error('invalid_json') };
  const planned = planValid(rng, s, 'fragmented');
  return { ...planned, label: 'fragmented', fragments: rng.int(2, 5) };
}

// ---- sending and checking ---------------------------------------------------------------------

async function openSocket(rng: Prng, n: number): Promise<Sock> {
  const dialect: Dialect = rng.next() < 0.6 ? 'open-responses' : 'openai';
  const extensions = rng.next() < 0.3;
  const t = await TestSocket.open(h.url, {
    'x-responses-dialect': dialect,
    'x-responses-extensions': extensions ? 'on' : 'off',
  });
  return {
    name: `socket ${n} (${dialect}${extensions ? ', extensions' : ''})`,
    t,
    dialect,
    extensions,
    at: 0,
    chain: null,
    dead: false,
  };
}

function send(s: Sock, p: Planned, rng: Prng): void {
  const ws = s.t.ws;
  if (p.binary) ws.send(p.data, { binary: true });
  else if (p.rawText) ws.send(p.data, { binary: false });
  else if (p.fragments) {
    const text = p.data as string;
    const cuts = Array.from({ length: p.fragments - 1 }, () => rng.int(0, text.length)).sort((a, b) => a - b);
    let from = 0;
    for (const cut of cuts) {
      ws.send(text.slice(from, cut), { fin: false });
      if (rng.next() < 0.5) ws.ping();
      from = cut;
    }
    ws.send(text.slice(from), { fin: true });
  } else ws.send(p.data);
}

async function nextTurn(s: Sock): Promise<Turn | 'closed'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PER_TURN_BOUND_MS} ms`)), PER_TURN_BOUND_MS);
  });
  try {
    return await Promise.race([s.t.nextTurn(s.at), bound]);
  } catch (err) {
    if (s.t.closeCode !== null && /socket closed/.test((err as Error).message)) return 'closed';
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/** Problems of a turn's frames: schemas, the stream validator, sequence numbers, one terminal. */
function frameProblems(turn: Turn, s: Sock): string[] {
  const out: string[] = [];
  for (const f of turn.frames) {
    if (f.type === 'error' && typeof f.sequence_number !== 'number') {
      out.push(...validateAgainstSpec('WebSocketErrorEvent', f).map((e) => `error frame: ${e}`));
      continue;
    }
    if (s.dialect === 'open-responses' && !s.extensions)
      out.push(...validateEventAgainstSpec(f).map((e) => `${f.type}: ${e}`));
    if (JSON.stringify(f).includes('internal_error')) out.push(`internal_error in ${f.type}`);
  }
  const events = turn.frames.filter((f) => typeof f.sequence_number === 'number');
  if (events.length > 0) {
    const v = streamViolations(
      { events: events.map((data) => ({ event: data.type, data })) } as never,
      s.dialect,
      s.extensions,
    );
    out.push(...v.map((x) => `stream violation: ${JSON.stringify(x)}`));
    events.forEach(
      (f, i) => f.sequence_number !== i && out.push(`sequence_number ${String(f.sequence_number)} at ${i}`),
    );
    const terminals = events.filter((f) => TERMINAL.has(f.type)).length;
    if (terminals !== 1 || !TERMINAL.has(events[events.length - 1].type)) out.push(`${terminals} terminal events`);
  }
  if (turn.response && s.dialect === 'open-responses' && !s.extensions)
    out.push(...validateResponseAgainstSpec(turn.response).map((e) => `response: ${e}`));
  return out;
}

const outcomes = new Map<string, number>();
const count = (k: string): void => void outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

function describe(p: Planned): string {
  const data = typeof p.data === 'string' ? p.data : `<${p.data.length} bytes binary>`;
  return `${p.label}${p.fragments ? ` in ${p.fragments} fragments` : ''}: ${data.slice(0, 400)}`;
}

/** Waits for a message's answer and checks it; updates the model. Returns problems. */
async function check(s: Sock, p: Planned): Promise<string[]> {
  const expected = await p.expect(s);
  const turn = await nextTurn(s);
  const what = `${s.name}, ${describe(p)}\n    expected ${JSON.stringify(expected)}`;
  if (turn === 'closed') {
    s.dead = true;
    if (expected.kind === 'close' && expected.codes.includes(s.t.closeCode ?? -1)) {
      count(`close ${s.t.closeCode}`);
      return [];
    }
    return [`socket closed (${s.t.closeCode}) instead of an answer: ${what}`];
  }
  s.at += turn.frames.length;
  const problems = frameProblems(turn, s);
  const body = p.body ?? (isObject(safeParse(p.data)) ? (safeParse(p.data) as Record<string, unknown>) : undefined);
  const previous = typeof body?.previous_response_id === 'string' ? body.previous_response_id : null;
  if (turn.error) {
    const e = turn.error as Frame & { status: number; error: { code: string; param: string | null; type: string } };
    count(`error ${e.error.code}`);
    if (e.error.code === 'internal_error') problems.push(`error frame ${JSON.stringify(e)}`);
    if (turn.frames.length !== 1) problems.push(`${turn.frames.length} frames in an error turn`);
    if (expected.kind !== 'error') problems.push(`got ${JSON.stringify(e)}`);
    else if (
      e.status !== expected.status ||
      e.error.code !== expected.code ||
      (expected.param !== undefined && e.error.param !== expected.param)
    )
      problems.push(`got ${JSON.stringify(e)}`);
    // A message that got past validation and failed evicts the id it continued.
    if (previous !== null && previous === s.chain && reachesService(body)) s.chain = null;
  } else {
    const response = turn.response as Record<string, unknown> & { id: string; status: string; output: unknown[] };
    count(`response ${response.status}`);
    count(`label ${p.label} ok`);
    const input = Array.isArray(body?.input) ? (body.input as Record<string, unknown>[]) : [];
    if (previous !== null && input.some((i) => i.type === 'function_call_output')) count('tool output answered');
    if (expected.kind === 'error' && expected.orWarmup && response.status === 'completed') count('warm-up');
    else if (expected.kind !== 'response' || !expected.statuses.includes(response.status))
      problems.push(`got a response ${response.status}`);
    if (response.status === 'failed' || response.status === 'cancelled') {
      if (previous !== null && previous === s.chain) s.chain = null;
    } else {
      const calls = new Set(previous !== null ? (known.get(previous)?.calls ?? []) : []);
      for (const item of response.output as Record<string, unknown>[])
        if (item.type === 'function_call') calls.add(String(item.call_id));
      if (calls.size > 0) count('tool calls');
      const stored = body?.store !== false;
      known.set(response.id, { calls, stored });
      (stored ? storedIds : unstoredIds).push(response.id);
      s.chain = response.id;
    }
  }
  return problems.map((x) => `${x}\n  ${what}`);
}

function safeParse(data: string | Buffer): unknown {
  try {
    return typeof data === 'string' ? JSON.parse(data) : undefined;
  } catch {
    return undefined;
  }
}

// ---- actions --------------------------------------------------------------------------------

/**
 * A message within the size limit: one over it closes the socket (1009) and cuts what runs
 * before it, so it is sent alone (single sends), never among others.
 */
function fitting(rng: Prng, s: Sock, plan: (rng: Prng, s: Sock) => Planned): Planned {
  for (;;) {
    const p = plan(rng, s);
    if (Buffer.byteLength(p.data) <= MAX_REQUEST_BYTES) return p;
  }
}

/** One socket's next action: returns the number of messages it sent and its problems. */
async function act(rng: Prng, s: Sock): Promise<{ sent: number; problems: string[] }> {
  const r = rng.next();
  if (r < 0.32) {
    const p = planValid(rng, s);
    send(s, p, rng);
    return { sent: 1, problems: await check(s, p) };
  }
  if (r < 0.55) {
    const p = planBroken(rng, s);
    send(s, p, rng);
    return { sent: 1, problems: await check(s, p) };
  }
  if (r < 0.65) {
    const p = planFrame(rng, s);
    send(s, p, rng);
    return { sent: 1, problems: await check(s, p) };
  }
  if (r < 0.75) {
    // Several messages at once: answered one after the other, in order.
    const planned = Array.from({ length: rng.int(2, 4) }, () =>
      rng.next() < 0.5 ? planValid(rng, s) : rng.next() < 0.5 ? fitting(rng, s, planBroken) : planFrame(rng, s),
    );
    for (const p of planned) send(s, p, rng);
    const problems: string[] = [];
    for (const p of planned) problems.push(...(await check(s, p)));
    count('pipelined');
    return { sent: planned.length, problems };
  }
  if (r < 0.85) {
    // A slow response, and a message sent while it streams (often continuing from it).
    const { body } = validBody(rng);
    const statuses = ['completed'];
    body.model = `sim-chat+seed=${rng.int(1, 9)}+deltas=12+token=3`;
    delete body.max_output_tokens;
    delete body.generate;
    const first: Planned = { label: 'slow', data: JSON.stringify(body), body, expect: expectValid(body, statuses) };
    send(s, first, rng);
    const created = await waitFrames(s, 1);
    const id = (created?.response as { id?: string } | undefined)?.id;
    let second: Planned;
    if (id !== undefined && rng.next() < 0.6) {
      const next = validBody(rng, id);
      second = {
        label: 'during a stream',
        data: JSON.stringify(next.body),
        body: next.body,
        expect: expectValid(next.body, next.statuses, next.error),
      };
    } else second = rng.next() < 0.5 ? fitting(rng, s, planBroken) : planFrame(rng, s);
    send(s, second, rng);
    const problems = [...(await check(s, first)), ...(await check(s, second))];
    if (problems.length === 0) count('sent during a stream');
    return { sent: 2, problems };
  }
  if (r < 0.88) {
    // Keep-alive: the WebSocket's own ping.
    await new Promise<void>((resolve) => {
      s.t.ws.once('pong', () => resolve());
      s.t.ws.ping(Buffer.from(rng.hex(8)));
    });
    count('pong');
    return { sent: 0, problems: [] };
  }
  // The end of this socket: dropped or closed mid-stream, or closed by the gateway.
  const ending = rng.pick(['close mid-stream', 'terminate mid-stream', 'oversized', 'not utf-8', 'close idle']);
  if (ending === 'oversized' || ending === 'not utf-8') {
    const p: Planned =
      ending === 'oversized'
        ? {
            label: ending,
            data: JSON.stringify({ type: 'response.create', model: 'sim-chat', input: 'x'.repeat(MAX_REQUEST_BYTES) }),
            expect: () => ({ kind: 'close', codes: [1009] }),
          }
        : {
            label: ending,
            data: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
            rawText: true,
            expect: () => ({ kind: 'close', codes: [1007] }),
          };
    send(s, p, rng);
    return { sent: 1, problems: await check(s, p) };
  }
  if (ending === 'close idle') {
    await s.t.close();
    s.dead = true;
    count(ending);
    return { sent: 0, problems: [] };
  }
  const body = {
    type: 'response.create',
    model: `sim-chat+deltas=40+token=2+seed=${rng.int(1, 9)}`,
    input: 'long',
    store: rng.next() < 0.5,
  };
  s.t.send(body);
  const frames = rng.int(0, 6);
  if (frames > 0) await waitFrames(s, frames);
  if (ending === 'terminate mid-stream') s.t.ws.terminate();
  else s.t.ws.close(1000);
  await s.t.closed;
  s.dead = true;
  count(ending);
  // The gateway goes on serving.
  const health = await fetch(`${h.url}/healthz`);
  await health.arrayBuffer();
  // Whatever arrived before the end is a valid beginning of a stream.
  const partial = s.t.received.slice(s.at);
  const problems = partial.some((f) => f.type === 'error' && typeof f.sequence_number !== 'number')
    ? [`an error frame before the close: ${JSON.stringify(partial)}`]
    : [];
  if (health.status !== 200) problems.push(`/healthz ${health.status} after a ${ending}`);
  return { sent: 1, problems };
}

/** Waits until `n` frames of the current turn arrived (or the turn or the socket ended). */
async function waitFrames(s: Sock, n: number): Promise<Frame | undefined> {
  await expect
    .poll(
      () =>
        s.t.received.length >= s.at + n ||
        s.t.closeCode !== null ||
        s.t.received.slice(s.at).some((f) => TERMINAL.has(f.type) || f.type === 'error'),
      { timeout: PER_TURN_BOUND_MS, interval: 1 },
    )
    .toBe(true);
  return s.t.received[s.at];
}

beforeAll(async () => {
  h = await startGateway({ maxRequestBytes: MAX_REQUEST_BYTES, logLevel: 'info' });
});

afterAll(async () => {
  await h?.close();
});

test(
  'X7 generated WebSocket messages, frames and closes: one valid answer per message, no internal error, no hang',
  { tags: ['X2', 'X7', 'M2', 'L1', 'E4'], timeout: 600_000 },
  async () => {
    const rng = new Prng(SEED);
    const problems: string[] = [];
    const sockets: (Sock | null)[] = Array.from({ length: SOCKETS }, () => null);
    let opened = 0;
    let sent = 0;
    const started = performance.now();
    while (sent < COUNT && problems.length < 10) {
      // One socket acts, or two at once.
      const slots = rng.next() < 0.25 ? [0, 1, 2].filter(() => rng.next() < 0.7) : [rng.int(0, SOCKETS - 1)];
      for (const i of slots) if (sockets[i] === null || sockets[i].dead) sockets[i] = await openSocket(rng, opened++);
      const results = await Promise.all(slots.map((i) => act(rng, sockets[i] as Sock)));
      for (const r of results) {
        sent += r.sent;
        problems.push(...r.problems);
      }
      if (slots.length > 1) count('sockets at once');
    }
    for (const s of sockets) {
      if (!s || s.dead) continue;
      await s.t.close();
      // Nothing after the last answer.
      if (s.t.received.length !== s.at)
        problems.push(
          `${s.name}: frames after the last answer: ${JSON.stringify(s.t.received.slice(s.at)).slice(0, 500)}`,
        );
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `websocket fuzz: seed ${SEED}, ${sent} messages on ${opened} sockets, ${seconds} s; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`,
    );
    expect(problems.slice(0, 10), problems.slice(0, 10).join('\n')).toEqual([]);

    // Still serving: HTTP, and a new socket.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const fresh = await TestSocket.open(h.url);
    const turn = await fresh.turn({ type: 'response.create', model: 'sim-chat', input: 'still here?' });
    await fresh.close();
    expect(turn.response?.status).toBe('completed');

    // Every response of a closed socket was cancelled: no backend stream is left running.
    await expect.poll(() => h.simulator?.streams.size).toBe(0);

    const logged = h.logs.filter((l) => l.level === 'error' || l.msg === 'stream violation');
    expect(logged.slice(0, 5)).toEqual([]);

    // Every kind of outcome occurred: the fuzz exercised what it claims to.
    if (COUNT >= 300)
      for (const kind of [
        'response completed',
        'response failed',
        'response incomplete',
        'label continuation ok',
        'label fragmented ok',
        'label during a stream ok',
        'tool calls',
        'tool output answered',
        'error invalid_json',
        'error invalid_websocket_message',
        'error missing_required_parameter',
        'error invalid_value',
        'error previous_response_not_found',
        'error unsupported_parameter',
        'error invalid_type',
        'error nesting_too_deep',
        'error server_error',
        'error rate_limit_exceeded',
        'error backend_unreachable',
        'error unknown_parameter',
        'pipelined',
        'sent during a stream',
        'sockets at once',
        'pong',
        'close mid-stream',
        'terminate mid-stream',
        'close 1009',
        'close 1007',
        'close idle',
      ])
        expect(outcomes.get(kind) ?? 0, kind).toBeGreaterThan(0);
  },
);
