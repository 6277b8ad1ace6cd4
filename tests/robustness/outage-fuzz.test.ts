/**
 * Fuzzing the gateway from the store's side: generated requests (streamed or not, stored or not,
 * background runs read, resumed and cancelled, session mode answered with tool outputs,
 * continuations, conversations, recording on) run several at a time against two gateway
 * instances on a PostgreSQL and a Redis of this test's own (side requests often go to the other
 * instance, through Redis), while outages start at generated moments: PostgreSQL stopped and
 * started again, its connections terminated, PostgreSQL frozen (SIGSTOP) and thawed, Redis killed
 * and started again, Redis frozen and thawed.
 *
 * An outage lasts until its probe (a request that needs the missing server) has its 503 and a
 * generated number of cases has finished: a frozen server stays frozen until then, so a request
 * that would wait for it forever fails the test (its client's bound) instead of passing by luck.
 * The gateway's --store-timeout is 2 s here: how long a call to a frozen server may take.
 *
 * Asserted for every answer: an error is in the OpenAI envelope and never a 5xx other than 503
 * `store_unavailable` / `coordination_unavailable` (with Retry-After); a stream ends with one
 * terminal event, last, and the validator accepts it. Once the outages are over: /healthz is ok
 * again by itself, nothing is left running, every response the client was told is stored reads
 * back finished and can be continued, a completed turn of a conversation is in it, no response
 * or background run stays `queued` or `in_progress`, no recording stays `recording`, and the
 * gateway logged nothing uncaught or unhandled.
 *
 * OUTAGE_FUZZ_SEED and OUTAGE_FUZZ_COUNT change the seed and the count for a longer exploration.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import type { RecordingSummary } from '../../src-server/shared/recording-format/format.js';
// @ts-expect-error: a plain ES module script without type declarations.
import * as services from '../../scripts/test-services.mjs';
import { readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';
import { testKeyPrefix } from '../support/services.js';
import { envelopeProblem, FUZZ_TOOLS } from './helpers.js';

const SEED = Number(process.env.OUTAGE_FUZZ_SEED ?? 20_261_203);
const COUNT = Number(process.env.OUTAGE_FUZZ_COUNT ?? 400);
const CONCURRENCY = 6;
/** A session nobody answers ends after this (`--responses-tool-timeout`). */
const TOOL_TIMEOUT_SECONDS = 2;
/** A call to a frozen PostgreSQL or Redis fails after this (`--store-timeout`). */
const STORE_TIMEOUT_SECONDS = 2;
/** Far above anything real: a bound against hangs, not a timing assertion. */
const BOUND_MS = 60_000;
const TERMINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);
const UNFINISHED = new Set(['queued', 'in_progress']);
const UNAVAILABLE = new Set(['store_unavailable', 'coordination_unavailable']);

interface Services {
  dir: string;
  postgresUrl: string;
  redisUrl: string;
}
const svc = services as {
  start(owner?: number): Promise<Services>;
  stop(dir: string): void;
  stopPostgres(dir: string, mode?: string): void;
  restartPostgres(dir: string): void;
  postgresPids(dir: string): number[];
  redisPid(dir: string): number | null;
  killRedis(dir: string): Promise<void>;
  startRedis(dir: string, port: number): Promise<void>;
};

type OutageKind = 'pg-stop' | 'pg-terminate' | 'pg-freeze' | 'redis-kill' | 'redis-freeze';
const OUTAGE_KINDS: OutageKind[] = ['pg-stop', 'pg-terminate', 'pg-freeze', 'redis-kill', 'redis-freeze'];

interface Outage {
  kind: OutageKind;
  /** Starts once this many cases have been started. */
  atCase: number;
  /** Ends once this many more cases have finished (and its probe was answered). */
  hold: number;
}

type CaseKind = 'plain' | 'background' | 'session' | 'continue' | 'conversation';

interface Case {
  n: number;
  kind: CaseKind;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** Background runs: read it back, resume its stream, cancel it. */
  get: boolean;
  resume: boolean;
  cancel: boolean;
  /** Continuations: which of the responses stored so far (a fraction of the list). */
  pick: number;
  /** The instance the request goes to, and the one of its side requests (outputs, reads, cancel). */
  on: number;
  side: number;
}

function plan(n: number, rng: Prng): Case {
  const kind = rng.pick<CaseKind>(['plain', 'plain', 'plain', 'background', 'session', 'continue', 'conversation']);
  const stream = kind === 'session' || rng.next() < 0.6;
  const body: Record<string, unknown> = {
    model: rng.pick(['sim-chat', 'sim-reasoning']),
    input: rng.pick(['hi', 'tell me a story', 'é😀 "quoted" \\ text']),
    stream,
    store: kind === 'background' || kind === 'session' || rng.next() < 0.7,
  };
  if (kind === 'background') body.background = true;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': `of-${SEED}-${n}`,
    'x-simulator-deltas': String(rng.int(1, 80)),
    'x-simulator-token-ms': String(rng.pick([0, 1, 2, 5])),
    'x-simulator-ttft-ms': String(rng.pick([0, 1, 5, 20])),
  };
  if (kind === 'session') {
    body.tools = FUZZ_TOOLS;
    headers['x-simulator-tool'] = rng.pick(['get_weather', 'lookup']);
    headers['x-responses-session'] = 'on';
  }
  return {
    n,
    kind,
    body,
    headers,
    get: rng.next() < 0.5,
    resume: stream && rng.next() < 0.5,
    cancel: rng.next() < 0.4,
    pick: rng.next(),
    on: rng.int(0, 1),
    side: rng.int(0, 1),
  };
}

function planOutages(rng: Prng, total: number): Outage[] {
  const outages: Outage[] = [];
  // Every kind at least once, in a generated order, then more of them while cases remain.
  const kinds = [...OUTAGE_KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const every = Math.max(4, Math.floor(total / (kinds.length + 1)));
  for (let at = rng.int(2, every), i = 0; at < total - 4; at += rng.int(Math.ceil(every / 2), every), i++)
    outages.push({ kind: kinds[i] ?? rng.pick(OUTAGE_KINDS), atCase: at, hold: rng.int(1, 8) });
  return outages;
}

let own: Services;
/** Two instances on the same PostgreSQL and Redis: side requests often go to the other one. */
const gateways: GatewayHarness[] = [];
const outcomes = new Map<string, number>();
const count = (what: string): void => void outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
/** Responses the client was told are stored and finished (a 200 or a stream's completed event). */
const toldStored: string[] = [];
/** Background runs the gateway accepted. */
const backgrounds = new Set<string>();
/** Every other response id a client saw, with whether it asked to store it. */
const seen = new Map<string, boolean>();
/** Conversations, with the output items of a response the client was told completed in each. */
const conversed = new Map<string, string[]>();

const api = (path: string, init: RequestInit = {}, on = 0): Promise<Response> =>
  fetch(`${gateways[on].url}${path}`, { ...init, signal: AbortSignal.timeout(BOUND_MS) });

const post = (path: string, body: unknown, headers: Record<string, string> = {}, on = 0): Promise<Response> =>
  api(
    path,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    },
    on,
  );

/** What is wrong with an error answer, or null; counts it by status and code. */
function errorProblem(what: string, status: number, headers: Headers, text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${what}: HTTP ${status}, not JSON: ${text.slice(0, 200)}`;
  }
  const problem = envelopeProblem(body);
  if (problem) return `${what}: HTTP ${status}: ${problem}: ${text.slice(0, 300)}`;
  const code = (body as { error: { code: string | null } }).error.code ?? '';
  count(`${what} ${status} ${code}`);
  count(`${status} ${code}`);
  if (status >= 500) {
    if (status !== 503 || !UNAVAILABLE.has(code)) return `${what}: HTTP ${status}: ${text.slice(0, 300)}`;
    if (!(Number(headers.get('retry-after')) >= 1)) return `${what}: 503 without Retry-After`;
  }
  return null;
}

/**
 * Reads a whole answer: an error (checked), a JSON response, or a stream (one terminal event,
 * last, valid). Returns the response object it ended with, if any.
 */
async function readAnswer(
  what: string,
  res: Response,
  onId?: (id: string) => void,
  startingAfter = -1,
): Promise<{ problem: string | null; response?: Record<string, unknown> }> {
  if (res.status >= 400) return { problem: errorProblem(what, res.status, res.headers, await res.text()) };
  count(`${what} ${res.status}`);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const response = (await res.json()) as Record<string, unknown>;
    if (typeof response.id !== 'string') return { problem: `${what}: no id in ${JSON.stringify(response)}` };
    onId?.(response.id);
    return { problem: null, response };
  }
  let seenId = false;
  const stream = await readSse(
    new Response(
      res.body!.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            out.enqueue(chunk);
            if (seenId || !onId) return;
            const match = /"id":"(resp_[A-Za-z0-9_-]+)"/.exec(new TextDecoder().decode(chunk));
            if (match) {
              seenId = true;
              onId(match[1]);
            }
          },
        }),
      ),
    ),
  ).catch((err: Error) => err);
  if (stream instanceof Error) return { problem: `${what}: the stream broke: ${stream.message}` };
  // Resumed after the run's last event (a run cancelled early): nothing is left to send. Whether
  // the run ended is checked with every background run once the outages are over.
  if (startingAfter >= 0 && stream.events.length === 0) {
    count(`${what} stream empty`);
    return { problem: null };
  }
  // A follower of another instance's run that Redis failed under ends with an error event (the run
  // goes on; its final state is checked with every background run).
  const final = stream.events[stream.events.length - 1]?.data as { type: string; code?: string } | undefined;
  if (startingAfter >= 0 && final?.type === 'error' && UNAVAILABLE.has(final.code ?? '')) {
    count(`${what} stream error ${final.code}`);
    return { problem: null };
  }
  const types = stream.events.map((e) => (e.data as { type: string }).type);
  const terminal = types.filter((t) => TERMINAL_EVENTS.has(t));
  if (terminal.length !== 1 || !TERMINAL_EVENTS.has(types[types.length - 1]))
    return { problem: `${what}: terminal events ${JSON.stringify(terminal)}, last ${types[types.length - 1]}` };
  // A stream resumed after event N starts at N + 1: its order is checked, the rest was seen before.
  const seqs = stream.events.map((e) => (e.data as { sequence_number: number }).sequence_number);
  const violations =
    startingAfter < 0
      ? streamViolations(stream, 'openai')
      : seqs.flatMap((seq, i) => (seq === startingAfter + 1 + i ? [] : [`event ${i}: sequence_number ${seq}`]));
  if (violations.length > 0) return { problem: `${what}: violations ${JSON.stringify(violations.slice(0, 3))}` };
  const last = stream.events[stream.events.length - 1].data as { type: string; response: Record<string, unknown> };
  count(`${what} stream ${last.type}`);
  if (last.type === 'response.failed') {
    const code = (last.response.error as { code?: string } | null)?.code ?? '';
    count(`${what} failed ${code}`);
  }
  return { problem: null, response: last.response };
}

/** Session mode: waits for the session to wait, then posts its pending calls' outputs. */
async function answerCalls(id: string, on: number): Promise<string | null> {
  for (;;) {
    const res = await api(`/v1/responses/${id}/session`, {}, on);
    // 404 once the session has ended; 503 while Redis is away.
    if (res.status !== 200)
      return res.status === 404 ? null : errorProblem('session', res.status, res.headers, await res.text());
    const session = (await res.json()) as { status: string; pending_call_ids: string[] };
    if (session.status === 'waiting' && session.pending_call_ids.length > 0) {
      const posted = await post(
        `/v1/responses/${id}/tool_outputs`,
        { tool_outputs: session.pending_call_ids.map((call_id) => ({ call_id, output: 'sunny' })) },
        {},
        on,
      );
      return (await readAnswer('tool_outputs', posted)).problem;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Background runs: read back, resume the stream from a generated point, cancel. */
async function touchBackground(c: Case, id: string): Promise<string | null> {
  const problems = await Promise.all([
    c.get ? api(`/v1/responses/${id}`, {}, c.side).then(async (r) => (await readAnswer('get', r)).problem) : null,
    c.resume
      ? api(`/v1/responses/${id}?stream=true&starting_after=${c.n % 4}`, {}, c.side).then(
          async (r) => (await readAnswer('resume', r, undefined, c.n % 4)).problem,
        )
      : null,
    c.cancel
      ? post(`/v1/responses/${id}/cancel`, {}, {}, c.side).then(async (r) => (await readAnswer('cancel', r)).problem)
      : null,
  ]);
  return problems.find((p) => p !== null) ?? null;
}

async function runCase(c: Case): Promise<string | null> {
  const body = { ...c.body };
  if (c.kind === 'continue') {
    if (toldStored.length === 0) return null;
    body.previous_response_id = toldStored[Math.floor(c.pick * toldStored.length)];
  }
  if (c.kind === 'conversation') {
    const created = await post('/v1/conversations', { metadata: { case: String(c.n) } }, {}, c.side);
    const { problem, response } = await readAnswer('conversation', created);
    if (problem || !response) return problem;
    body.conversation = response.id;
  }
  const side: Promise<string | null>[] = [];
  const res = await post('/v1/responses', body, c.headers, c.on);
  const { problem, response } = await readAnswer(c.kind, res, (id) => {
    seen.set(id, body.store === true);
    if (c.kind === 'session') side.push(answerCalls(id, c.side));
    if (c.kind === 'background') {
      backgrounds.add(id);
      side.push(touchBackground(c, id));
    }
  });
  const sideProblem = (await Promise.all(side)).find((p) => p !== null);
  if (problem || sideProblem) return problem ?? sideProblem!;
  if (response && body.store === true && body.background !== true && response.status === 'completed')
    toldStored.push(response.id as string);
  if (c.kind === 'conversation' && response?.status === 'completed')
    conversed.set(
      body.conversation as string,
      (response.output as { id: string }[]).map((item) => item.id),
    );
  if (c.kind === 'continue' && res.status === 404) return `a continuation of ${String(body.previous_response_id)}: 404`;
  return null;
}

/** SIGSTOP or SIGCONT to each of `pids` (this test's own servers). */
function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone meanwhile (a backend that ended).
    }
  }
}

/** Terminates every client connection to PostgreSQL (the gateway's pool) from one of its own. */
async function terminateBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: own.postgresUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    return rows[0].n;
  } finally {
    await admin.end();
  }
}

/** Starts an outage; returns what ends it. */
async function inject(kind: OutageKind): Promise<() => Promise<void>> {
  switch (kind) {
    case 'pg-stop':
      svc.stopPostgres(own.dir, 'fast');
      return async () => svc.restartPostgres(own.dir);
    case 'pg-terminate':
      count(`terminated ${(await terminateBackends()) > 0 ? 'some' : 'none'}`);
      return async () => undefined;
    case 'pg-freeze': {
      const pids = svc.postgresPids(own.dir);
      signal(pids, 'SIGSTOP');
      return async () => signal(svc.postgresPids(own.dir), 'SIGCONT');
    }
    case 'redis-kill':
      await svc.killRedis(own.dir);
      return () => svc.startRedis(own.dir, Number(new URL(own.redisUrl).port));
    case 'redis-freeze': {
      const pid = svc.redisPid(own.dir)!;
      signal([pid], 'SIGSTOP');
      return async () => signal([pid], 'SIGCONT');
    }
  }
}

/** A request that needs the server an outage took away: it must get its 503 (not wait for it). */
async function probe(kind: OutageKind): Promise<string | null> {
  if (kind === 'pg-terminate') {
    // The pool's connections are gone: a request finds them dead (503) or opens new ones (200).
    const { problem } = await readAnswer(
      'probe pg-terminate',
      await post('/v1/responses', { model: 'sim-chat', input: 'hi' }),
    );
    return problem;
  }
  const redis = kind.startsWith('redis');
  // Redis: the state of a session this instance does not hold is looked up there.
  const res = await (redis
    ? api(`/v1/responses/resp_probe${Date.now()}/session`)
    : post('/v1/responses', { model: 'sim-chat', input: 'hi' }));
  const text = await res.text();
  const expected = redis ? 'coordination_unavailable' : 'store_unavailable';
  if (res.status !== 503 || !text.includes(`"${expected}"`))
    return `probe during ${kind}: HTTP ${res.status} ${text.slice(0, 300)}, expected 503 ${expected}`;
  count(`probe ${kind} 503`);
  count(`503 ${expected}`);
  return null;
}

/** Both instances' health: 'ok' once both are. */
async function healthy(): Promise<string> {
  const statuses = await Promise.all(
    gateways.map(async (_, on) => ((await (await api('/healthz', {}, on)).json()) as { status: string }).status),
  );
  return statuses.every((st) => st === 'ok') ? 'ok' : statuses.join(', ');
}

/** A gauge summed over both instances. */
async function metric(name: string): Promise<number> {
  let sum = 0;
  for (let on = 0; on < gateways.length; on++) {
    const text = await (await api('/metrics', {}, on)).text();
    const match = new RegExp(`^\\w*${name} (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`no metric ${name}`);
    sum += Number(match[1]);
  }
  return sum;
}

async function recordings(): Promise<RecordingSummary[]> {
  const page = (await (await api('/v1/recordings?limit=1000')).json()) as { data: RecordingSummary[] };
  return page.data;
}

async function statusOf(id: string): Promise<string> {
  const res = await api(`/v1/responses/${id}`);
  if (res.status !== 200) return `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
  return ((await res.json()) as { status: string }).status;
}

async function fuzz(total: number): Promise<void> {
  const rng = new Prng(SEED);
  const cases = Array.from({ length: total }, (_, n) => plan(n, rng));
  const outages = planOutages(rng, total);
  const problems: string[] = [];
  let started = 0;
  let finished = 0;
  let next = 0;
  const progress: (() => void)[] = [];
  const moved = (): void => progress.splice(0).forEach((wake) => wake());
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready()) await new Promise<void>((wake) => progress.push(wake));
  };
  const worker = async (): Promise<void> => {
    while (next < cases.length && problems.length < 10) {
      const c = cases[next++];
      started++;
      moved();
      const problem = await runCase(c).catch((err: Error) => `threw ${err.message}`);
      if (problem) problems.push(`case ${c.n}: ${problem}\n  ${JSON.stringify(c)}`);
      count(`case ${c.kind}`);
      finished++;
      moved();
    }
  };
  const injector = async (): Promise<void> => {
    for (const outage of outages) {
      // Every planned outage happens (the kinds are asserted), even after the last case.
      await until(() => started >= outage.atCase || finished >= cases.length);
      if (problems.length >= 10) return;
      const end = await inject(outage.kind);
      count(`outage ${outage.kind}`);
      try {
        const problem = await probe(outage.kind).catch((err: Error) => `probe during ${outage.kind}: ${err.message}`);
        if (problem) problems.push(problem);
        const until1 = finished + outage.hold;
        await until(() => finished >= until1 || next >= cases.length);
      } finally {
        await end();
      }
      // The gateway reconnects by itself before the next outage.
      await expect.poll(healthy, { timeout: BOUND_MS, interval: 50 }).toBe('ok');
    }
  };
  const done = Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(moved);
  await Promise.all([done, injector()]);
  expect(problems, problems.join('\n')).toEqual([]);

  await expect.poll(healthy, { timeout: BOUND_MS, interval: 50 }).toBe('ok');
  for (const gauge of ['active_streams', 'sessions_waiting', 'background_runs'])
    await expect.poll(() => metric(gauge), { timeout: BOUND_MS, interval: 50 }).toBe(0);

  // A final state that found the store away is written once it is back (tried again by itself).
  const stuck = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const id of toldStored) {
      const status = await statusOf(id);
      if (status !== 'completed') out.push(`${id} was answered completed and stored, reads ${status}`);
    }
    for (const id of backgrounds) {
      const status = await statusOf(id);
      if (UNFINISHED.has(status) || status.startsWith('HTTP')) out.push(`background ${id} reads ${status}`);
    }
    // A response whose request failed may be stored or not (404), but never stays running.
    for (const [id, stored] of seen) {
      if (backgrounds.has(id) || toldStored.includes(id)) continue;
      const status = await statusOf(id);
      const fine = stored ? !UNFINISHED.has(status) && !/^HTTP (?!404)/.test(status) : status.startsWith('HTTP 404');
      if (!fine) out.push(`${id} (store: ${stored}) reads ${status}`);
    }
    return out;
  };
  await expect.poll(stuck, { timeout: BOUND_MS, interval: 200 }).toEqual([]);
  for (const id of toldStored) count(`stored ${await statusOf(id)}`);
  for (const id of backgrounds) count(`background ${await statusOf(id)}`);

  // A completed response's items are in its conversation (added once the store is back).
  const missing = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const [conversation, ids] of conversed) {
      const res = await api(`/v1/conversations/${conversation}/items?limit=100`);
      if (res.status !== 200) {
        out.push(`${conversation}: HTTP ${res.status}`);
        continue;
      }
      const items = ((await res.json()) as { data: { id: string }[] }).data.map((item) => item.id);
      const lost = ids.filter((id) => !items.includes(id));
      if (lost.length > 0) out.push(`${conversation} lacks ${lost.join(', ')}`);
    }
    return out;
  };
  await expect.poll(missing, { timeout: BOUND_MS, interval: 200 }).toEqual([]);
  count(`conversations checked ${conversed.size > 0 ? 'some' : 'none'}`);

  const continued: string[] = [];
  for (const id of toldStored) {
    const res = await post('/v1/responses', {
      model: 'sim-chat',
      input: 'and then?',
      previous_response_id: id,
      store: false,
    });
    if (res.status !== 200)
      continued.push(`continuation of ${id}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    else await res.text();
  }
  expect(continued.slice(0, 10), continued.join('\n')).toEqual([]);

  // A recording that lost events to an outage ends `interrupted`; none stays `recording`.
  await expect
    .poll(async () => (await recordings()).filter((r) => r.status === 'recording'), {
      timeout: BOUND_MS,
      interval: 100,
    })
    .toEqual([]);
  for (const r of await recordings()) count(`recording ${r.status}`);

  const logged = gateways
    .flatMap((g) => g.logs)
    .filter((l) => /uncaught|unhandled/i.test(String(l.msg)) || l.msg === 'stream violation');
  expect(logged.slice(0, 5)).toEqual([]);

  const kinds = [...outcomes.keys()];
  for (const expected of [
    ...OUTAGE_KINDS.map((k) => `outage ${k}`),
    ...(['pg-stop', 'pg-freeze', 'redis-kill', 'redis-freeze'] as const).map((k) => `probe ${k} 503`),
    '503 store_unavailable',
    '503 coordination_unavailable',
    'plain stream response.completed',
    'plain 200',
    'background 200',
    'session stream response.completed',
    'tool_outputs 200',
    'continue 200',
    'conversation 200',
    'cancel 200',
    'resume 200',
    'stored completed',
    'recording completed',
  ])
    expect(kinds, JSON.stringify([...outcomes])).toContain(expected);
  console.info(
    `outage fuzz: seed ${SEED}, ${total} cases, ${outages.length} outages; ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`,
  );
}

describe('X8 L1 PostgreSQL and Redis failing while requests are in flight', { tags: ['X8', 'L1'] }, () => {
  beforeAll(async () => {
    own = await svc.start(process.pid);
    const redisKeyPrefix = testKeyPrefix();
    for (const instanceId of ['outage-a', 'outage-b'])
      gateways.push(
        await startGateway({
          store: own.postgresUrl,
          redis: own.redisUrl,
          redisKeyPrefix,
          instanceId,
          record: 'on',
          toolTimeoutSeconds: TOOL_TIMEOUT_SECONDS,
          storeTimeoutSeconds: STORE_TIMEOUT_SECONDS,
          logLevel: 'warn',
        }),
      );
  }, 120_000);
  afterAll(async () => {
    // Whatever an unfinished run left stopped or frozen goes on again, so that close() can end.
    if (own)
      signal(
        [...svc.postgresPids(own.dir), svc.redisPid(own.dir) ?? 0].filter((p) => p > 0),
        'SIGCONT',
      );
    await Promise.all(gateways.map((g) => g.close()));
    if (own) svc.stop(own.dir);
  }, 120_000);

  test('every answer is whole or a 503; afterwards nothing stored is half-done', { timeout: 600_000 }, async () => {
    await fuzz(COUNT);
  });
});
