/**
 * Fuzzing the gateway from the client's side of the socket: generated requests (streamed or not,
 * stored or not, background runs, session mode with tool calls, reasoning, logprobs) from clients
 * that misbehave at a random byte — send half a request and close, read part of the answer and
 * close or reset, stop reading for a while, close their sending side early — while other clients
 * cancel background runs, resume their streams and post tool outputs at random moments. Cases run
 * several at a time against one gateway with the store in SQLite and recording on.
 *
 * Asserted for every client that reads its answer to the end: one terminal event, last, a stream
 * the validator accepts, no `internal_error`, never a 500; every error in the OpenAI envelope. And
 * once every client is done: nothing is left running (streams, unsent bytes, waiting sessions,
 * background runs), no stored response stays `queued` or `in_progress`, no recording stays
 * `recording`, every recorded run's events are a valid stream (a prefix, for a client that left),
 * the gateway logged no error and no stream violation, and it still answers.
 *
 * CLIENT_FUZZ_SEED and CLIENT_FUZZ_COUNT change the seed and the count for a longer exploration.
 */
import fs from 'node:fs';
import net from 'node:net';
import { createParser } from 'eventsource-parser';
import { describe, expect, test } from 'vitest';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import type { Dialect } from '../../src-server/shared/protocol/events.js';
import type { RecordedRun, RecordingSummary } from '../../src-server/shared/recording-format/format.js';
import { StreamValidator, type StreamEventLike } from '../../src-server/shared/protocol/stream-validator.js';
import { tempDir } from '../recording/helpers.js';
import { startGateway, streamViolations, type GatewayHarness, type SseEvent } from '../support/gateway-harness.js';
import { createTestDatabase, redisUrl, testKeyPrefix } from '../support/services.js';
import { envelopeProblem, FUZZ_TOOLS } from './helpers.js';

const SEED = Number(process.env.CLIENT_FUZZ_SEED ?? 20_261_204);
const COUNT = Number(process.env.CLIENT_FUZZ_COUNT ?? 240);
const CONCURRENCY = 6;
/**
 * A session nobody answers ends after this (`--responses-tool-timeout`); the answering clients
 * post well within it even on a busy machine (nothing asserts on time: a late post gets a 409).
 */
const TOOL_TIMEOUT_SECONDS = 2;
/** Far above anything real: a bound against hangs, not a timing assertion. */
const BOUND_MS = 60_000;
const TERMINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);
const UNFINISHED = new Set(['queued', 'in_progress']);

type Behaviour =
  | { kind: 'read' }
  | { kind: 'half-close' }
  | { kind: 'pipeline' }
  | { kind: 'cut-request'; at: number }
  | { kind: 'close'; after: number }
  | { kind: 'reset'; after: number }
  | { kind: 'stall'; after: number; ms: number };

interface Case {
  n: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  dialect: Dialect;
  extensions: boolean;
  behaviour: Behaviour;
  /** Session mode: post the pending calls' outputs, post them twice, or never (the tool timeout ends it). */
  outputs: 'post' | 'twice' | 'never';
  /** Background runs: cancel at a random moment, and/or resume the stream and leave. */
  cancel: boolean;
  resume: boolean;
}

function plan(n: number, rng: Prng): Case {
  const stream = rng.next() < 0.75;
  const background = rng.next() < 0.2;
  const session = stream && !background && rng.next() < 0.25;
  const body: Record<string, unknown> = {
    model: rng.pick(['sim-chat', 'sim-reasoning']),
    input: rng.pick(['hi', 'tell me a story', 'é😀 "quoted" \\ text']),
    stream,
    store: background || session || rng.next() < 0.7,
  };
  if (background) body.background = true;
  const headers: Record<string, string> = {
    'x-request-id': `cf-${SEED}-${n}`,
    'x-simulator-deltas': String(rng.int(1, 120)),
    'x-simulator-token-ms': String(rng.pick([0, 0, 1, 2])),
    'x-simulator-ttft-ms': String(rng.pick([0, 1, 5])),
  };
  if (session || rng.next() < 0.4) {
    body.tools = FUZZ_TOOLS;
    if (session || rng.next() < 0.5) headers['x-simulator-tool'] = rng.pick(['get_weather', 'lookup']);
  }
  if (session) headers['x-responses-session'] = 'on';
  if (rng.next() < 0.3) body.reasoning = { summary: 'auto' };
  if (rng.next() < 0.2) body.include = ['message.output_text.logprobs'];
  const dialect: Dialect = rng.next() < 0.5 ? 'open-responses' : 'openai';
  const extensions = rng.next() < 0.3;
  headers['x-responses-dialect'] = dialect;
  headers['x-responses-extensions'] = extensions ? 'on' : 'off';
  const after = rng.int(0, rng.next() < 0.5 ? 400 : 6000);
  const behaviour = rng.pick<Behaviour>([
    { kind: 'read' },
    { kind: 'read' },
    { kind: 'half-close' },
    { kind: 'pipeline' },
    { kind: 'cut-request', at: rng.int(0, 600) },
    { kind: 'close', after },
    { kind: 'reset', after },
    { kind: 'stall', after, ms: rng.int(0, 40) },
  ]);
  return {
    n,
    body,
    headers,
    dialect,
    extensions,
    behaviour,
    outputs: rng.pick(['post', 'post', 'twice', 'never'] as const),
    cancel: background && rng.next() < 0.4,
    resume: background && stream && rng.next() < 0.4,
  };
}

interface RawAnswer {
  bytes: Buffer;
  /** The socket closed after the whole answer was read (not cut by the client). */
  complete: boolean;
}

function requestBytes(port: number, c: Case, path = '/v1/responses', method = 'POST'): Buffer {
  // Pipelined: the same request twice in one write, the first on a connection kept alive.
  if (c.behaviour.kind === 'pipeline')
    return Buffer.concat([oneRequest(port, c, path, method, false), oneRequest(port, c, path, method, true)]);
  return oneRequest(port, c, path, method, true);
}

function oneRequest(port: number, c: Case, path: string, method: string, close: boolean): Buffer {
  const body = method === 'POST' ? Buffer.from(JSON.stringify(c.body)) : Buffer.alloc(0);
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `host: 127.0.0.1:${port}`,
    `connection: ${close ? 'close' : 'keep-alive'}`,
    ...(method === 'POST' ? ['content-type: application/json', `content-length: ${body.length}`] : []),
    ...Object.entries(c.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]);
}

/** One client on a raw socket, misbehaving as its case says; `onData` sees the answer so far. */
function rawClient(port: number, request: Buffer, b: Behaviour, onData: (text: string) => void): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let cut = false;
    let stalled = false;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      if (b.kind === 'cut-request') {
        cut = true;
        socket.end(request.subarray(0, Math.min(b.at, request.length - 1)), () => socket.destroy());
        return;
      }
      socket.write(request);
      if (b.kind === 'half-close') socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      onData(Buffer.concat(chunks).toString('latin1'));
      if ((b.kind === 'close' || b.kind === 'reset') && got >= b.after && !cut) {
        cut = true;
        if (b.kind === 'reset') socket.resetAndDestroy();
        else socket.destroy();
      } else if (b.kind === 'stall' && got >= b.after && !stalled) {
        stalled = true;
        socket.pause();
        setTimeout(() => socket.resume(), b.ms);
      }
    });
    socket.on('close', () => resolve({ bytes: Buffer.concat(chunks), complete: !cut }));
  });
}

interface ParsedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Status line, headers and (de-chunked) body of each complete HTTP/1.1 answer in `bytes`. */
function parseAnswers(bytes: Buffer): ParsedAnswer[] {
  const answers: ParsedAnswer[] = [];
  for (let rest = bytes; rest.length > 0;) {
    const [answer, used] = parseAnswer(rest);
    answers.push(answer);
    rest = rest.subarray(used);
  }
  return answers;
}

/** The first answer in `bytes`, and how many bytes it took. */
function parseAnswer(bytes: Buffer): [ParsedAnswer, number] {
  const split = bytes.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no header block in ${JSON.stringify(bytes.toString().slice(0, 200))}`);
  const [statusLine, ...lines] = bytes.subarray(0, split).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  let raw = bytes.subarray(split + 4);
  let used = bytes.length;
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = 0; ;) {
      const eol = raw.indexOf('\r\n', at);
      if (eol < 0) throw new Error('chunked body cut off');
      const size = parseInt(raw.subarray(at, eol).toString(), 16);
      if (size === 0) {
        used = split + 4 + eol + 4;
        break;
      }
      parts.push(raw.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    raw = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    used = split + 4 + Number(headers['content-length']);
    raw = raw.subarray(0, Number(headers['content-length']));
  }
  return [{ status: Number(statusLine.split(' ')[1]), headers, body: raw.toString('utf8') }, used];
}

function sseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent(m) {
      if (m.data !== '[DONE]') events.push({ event: m.event, data: JSON.parse(m.data) as unknown });
    },
  });
  parser.feed(text);
  return events;
}

/** What is wrong with an answer read to the end, or null. */
function answerProblem(c: Case, answer: ParsedAnswer): string | null {
  if (answer.status >= 500 && ![502, 503, 504].includes(answer.status)) return `HTTP ${answer.status}`;
  if (/internal_error/.test(answer.body)) return `internal_error in ${answer.body.slice(0, 300)}`;
  if ((answer.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    const events = sseEvents(answer.body);
    const types = events.map((e) => (e.data as { type: string }).type);
    const terminal = types.filter((t) => TERMINAL_EVENTS.has(t));
    if (terminal.length !== 1 || !TERMINAL_EVENTS.has(types[types.length - 1]))
      return `terminal events ${JSON.stringify(terminal)}, last ${types[types.length - 1]}`;
    const violations = streamViolations({ events, done: true, text: answer.body }, c.dialect, c.extensions);
    return violations.length > 0 ? `violations ${JSON.stringify(violations.slice(0, 3))}` : null;
  }
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  if (answer.status >= 400) return envelopeProblem(body);
  return typeof body.id === 'string' ? null : `no response id in ${answer.body.slice(0, 200)}`;
}

let h: GatewayHarness;
let port: number;
/** Every response id a client saw, with whether it asked to store it. */
const seen = new Map<string, { stored: boolean; n: number }>();
const outcomes = new Map<string, number>();
const count = (what: string): void => void outcomes.set(what, (outcomes.get(what) ?? 0) + 1);

/** Where the gateway keeps its state: SQLite (the default), or PostgreSQL and Redis (many instances). */
const STORES = {
  sqlite: async (): Promise<() => Promise<void>> => {
    const dataDir = tempDir('rs-client-fuzz-');
    h = await startGateway({ dataDir, record: 'on', toolTimeoutSeconds: TOOL_TIMEOUT_SECONDS, logLevel: 'warn' });
    return async () => {
      await h.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  },
  'postgres and redis': async (): Promise<() => Promise<void>> => {
    const db = await createTestDatabase();
    h = await startGateway({
      store: db.url,
      redis: redisUrl(),
      redisKeyPrefix: testKeyPrefix(),
      record: 'on',
      toolTimeoutSeconds: TOOL_TIMEOUT_SECONDS,
      logLevel: 'warn',
    });
    return async () => {
      await h.close();
      await db.drop();
    };
  },
};

const api = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${h.url}${path}`, { ...init, signal: AbortSignal.timeout(BOUND_MS) });

/** An error answer of a side request: fine when enveloped and not a 500. */
async function sideProblem(what: string, res: Response): Promise<string | null> {
  const text = await res.text();
  if (res.status >= 500) return `${what}: HTTP ${res.status} ${text.slice(0, 300)}`;
  if (res.status >= 400) {
    const problem = envelopeProblem(JSON.parse(text));
    if (problem) return `${what}: ${problem}`;
  }
  return null;
}

/** Session mode: waits for the session to wait, then posts its pending calls' outputs (once or twice). */
async function answerCalls(c: Case, id: string, rng: Prng): Promise<string | null> {
  for (const deadline = Date.now() + BOUND_MS; Date.now() < deadline;) {
    const res = await api(`/v1/responses/${id}/session`);
    // 404 once the session has ended (the model answered without calls, the client left…).
    if (res.status !== 200) return sideProblem('session', res);
    const session = (await res.json()) as { status: string; pending_call_ids: string[] };
    if (session.status === 'waiting' && session.pending_call_ids.length > 0) {
      const body = JSON.stringify({
        tool_outputs: session.pending_call_ids.map((call_id) => ({ call_id, output: `out ${rng.int(0, 9)}` })),
      });
      for (let i = c.outputs === 'twice' ? 2 : 1; i > 0; i--) {
        const posted = await api(`/v1/responses/${id}/tool_outputs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        count(`tool_outputs ${posted.status}`);
        const problem = await sideProblem('tool_outputs', posted);
        if (problem) return problem;
      }
      return null;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return `session ${id} neither waited nor ended`;
}

/** Background runs: cancel it, and/or resume its stream and leave after a few bytes. */
async function touchBackground(c: Case, id: string, rng: Prng): Promise<string | null> {
  const problems: (string | null)[] = [];
  if (c.resume) {
    const resume = { ...c, behaviour: { kind: 'close', after: rng.int(0, 3000) } as Behaviour };
    const request = requestBytes(
      port,
      resume,
      `/v1/responses/${id}?stream=true&starting_after=${rng.int(0, 5)}`,
      'GET',
    );
    await rawClient(port, request, resume.behaviour, () => undefined);
    count('resumed');
  }
  if (c.cancel) {
    await new Promise((r) => setTimeout(r, rng.int(0, 5)));
    const res = await api(`/v1/responses/${id}/cancel`, { method: 'POST' });
    count(`cancel ${res.status}`);
    problems.push(await sideProblem('cancel', res));
  }
  return problems.find((p) => p !== null) ?? null;
}

async function runCase(c: Case): Promise<string | null> {
  const rng = new Prng(SEED * 7_919 + c.n);
  let id: string | null = null;
  const side: Promise<string | null>[] = [];
  const answer = await rawClient(port, requestBytes(port, c), c.behaviour, (text) => {
    // Every response of the case is checked in the store; the first one gets the side requests.
    for (const match of text.matchAll(/"id":"(resp_[A-Za-z0-9_-]+)"/g))
      if (!seen.has(match[1])) seen.set(match[1], { stored: c.body.store === true, n: c.n });
    if (id !== null) return;
    const match = /"id":"(resp_[A-Za-z0-9_-]+)"/.exec(text);
    if (!match) return;
    id = match[1];
    if (c.headers['x-responses-session'] === 'on' && c.outputs !== 'never') side.push(answerCalls(c, id, rng));
    if (c.body.background === true) side.push(touchBackground(c, id, rng));
  });
  count(`${c.behaviour.kind}${answer.complete ? '' : ' (cut)'}`);
  const problems = await Promise.all(side);
  const sideIssue = problems.find((p) => p !== null);
  if (sideIssue) return sideIssue;
  if (!answer.complete || c.behaviour.kind === 'cut-request') return null;
  // A client that closes its sending side has left, as far as the server is concerned (Node's
  // HTTP server, like nginx, takes the end of the request stream for an abort): no answer is fine.
  if (c.behaviour.kind === 'half-close' && answer.bytes.length === 0) {
    count('half-close (no answer)');
    return null;
  }
  try {
    const answers = parseAnswers(answer.bytes);
    const expected = c.behaviour.kind === 'pipeline' ? 2 : 1;
    if (answers.length !== expected) return `${answers.length} answers to ${expected} requests`;
    for (const parsed of answers) {
      count(`HTTP ${parsed.status}`);
      const problem = answerProblem(c, parsed);
      if (problem) return problem;
    }
    return null;
  } catch (err) {
    return `unreadable answer: ${(err as Error).message}`;
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await api('/metrics')).text();
  const match = new RegExp(`^\\w*${name} (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`no metric ${name}`);
  return Number(match[1]);
}

/** Every recording in the library (pages of 1000). */
async function recordings(): Promise<RecordingSummary[]> {
  const all: RecordingSummary[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = (await (await api(`/v1/recordings?limit=1000&offset=${offset}`)).json()) as {
      data: RecordingSummary[];
      total: number;
    };
    all.push(...page.data);
    if (all.length >= page.total || page.data.length === 0) return all;
  }
}

/** The recorded events of a run as a stream: valid, and complete unless the client left. */
function recordedProblem(run: RecordedRun, c: Case | undefined): string | null {
  const events = run.events.flatMap((e) => sseEvents(e.data));
  if (events.length === 0) return null;
  const validator = new StreamValidator({ dialect: c?.dialect ?? 'openai', extensions: c?.extensions ?? false });
  const violations = events.flatMap((e) => validator.check(e.data as StreamEventLike, { sseEventName: e.event }));
  if (run.status !== 'aborted') violations.push(...validator.finish());
  return violations.length > 0 ? `recording ${run.id} (${run.status}): ${JSON.stringify(violations[0])}` : null;
}

async function fuzz(total: number): Promise<void> {
  seen.clear();
  outcomes.clear();
  port = Number(new URL(h.url).port);
  const rng = new Prng(SEED);
  const cases = Array.from({ length: total }, (_, n) => plan(n, rng));
  const byRequest = new Map(cases.map((c) => [c.headers['x-request-id'], c]));
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length && problems.length < 10) {
      const c = cases[next++];
      const problem = await runCase(c);
      if (problem) problems.push(`case ${c.n}: ${problem}\n  ${JSON.stringify(c)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  expect(problems, problems.join('\n')).toEqual([]);

  // Nothing left running once every client is gone (runs end by themselves: cancelled, aborted,
  // finished, or the session's tool timeout).
  for (const gauge of ['active_streams', 'stream_unsent_bytes', 'sessions_waiting', 'background_runs'])
    await expect.poll(() => metric(gauge), { timeout: BOUND_MS, interval: 50 }).toBe(0);

  const unfinished: string[] = [];
  for (const [id, { stored, n }] of seen) {
    const res = await api(`/v1/responses/${id}`);
    if (!stored) {
      if (res.status !== 404) unfinished.push(`case ${n}: ${id} stored although store: false`);
      continue;
    }
    if (res.status !== 200) {
      unfinished.push(`case ${n}: GET ${id} → ${res.status}`);
      continue;
    }
    const status = ((await res.json()) as { status: string }).status;
    count(`stored ${status}`);
    if (UNFINISHED.has(status)) unfinished.push(`case ${n}: ${id} stays ${status}`);
  }
  expect(unfinished, unfinished.join('\n')).toEqual([]);

  const recorded: string[] = [];
  for (const summary of await recordings()) {
    count(`recording ${summary.status}`);
    if (summary.status === 'recording' || summary.status === 'interrupted') {
      recorded.push(`recording ${summary.id} of ${summary.requestId} stays ${summary.status}`);
      continue;
    }
    const run = (await (await api(`/v1/recordings/${summary.id}`)).json()) as RecordedRun;
    const c = byRequest.get(run.requestId ?? '');
    count(c ? 'recording of a case' : 'recording of a side request');
    const problem = recordedProblem(run, c);
    if (problem) recorded.push(problem);
  }
  expect(recorded.slice(0, 10), recorded.join('\n')).toEqual([]);

  const logged = h.logs.filter((l) => l.level === 'error' || l.msg === 'stream violation');
  expect(logged.slice(0, 5)).toEqual([]);
  const last = await api('/v1/responses', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-chat', input: 'still there?' }),
  });
  expect(last.status).toBe(200);

  // The generator reached every kind of client and outcome it is meant to (a run that misses
  // one no longer tests it).
  const kinds = [...outcomes.keys()];
  for (const expected of [
    'read',
    'half-close',
    'pipeline',
    'cut-request (cut)',
    'close (cut)',
    'reset (cut)',
    'stall',
    'resumed',
    'stored completed',
    'recording aborted',
    'recording completed',
    'recording of a case',
    'tool_outputs 200',
  ])
    expect(kinds, JSON.stringify([...outcomes])).toContain(expected);
  console.info(
    `client fuzz: seed ${SEED}, ${total} cases; ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`,
  );
}

describe(
  'E5 E8 M2 X7 clients that leave, stall and reset at random bytes',
  { tags: ['E5', 'E8', 'M2', 'X7', 'L1'] },
  () => {
    for (const [store, start] of Object.entries(STORES))
      test(`${store}: nothing stays running, stored or recorded half-done`, { timeout: 600_000 }, async () => {
        const stop = await start();
        try {
          await fuzz(store === 'sqlite' ? COUNT : Math.ceil(COUNT / 2));
        } finally {
          await stop();
        }
      });
  },
);
