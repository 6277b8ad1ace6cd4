/**
 * What the backend-side fuzz tests share (backend-fuzz.test.ts for Chat Completions,
 * backend-fuzz-responses.test.ts for vLLM's native Responses): a fake backend on 127.0.0.1:0 that
 * answers each request with the script a test generates for its case number, sent in pieces of
 * random size with random small pauses; a gateway (strict validation) in front of it; and the
 * check of one generated client request against it.
 *
 * A check asks for an answer within a bound far above anything real (a bound against hangs, not a
 * timing assertion) and reports: an `internal_error` anywhere (a backend's fault is a backend
 * error), a stream without exactly one terminal event last, a stream the validator rejects on the
 * client's side, usage counts or logprobs not of the API's types (what the validator does not
 * look at), and, for a script that says what it must produce (`expected`), a response that is not
 * completed with that text and those calls. `gatewayProblems` lists what the gateway logged as an
 * error or stream violation.
 *
 * BACKEND_FUZZ_SEED and BACKEND_FUZZ_COUNT change the seed and the count for a longer exploration.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../../src-server/config/flags.js';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import { readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';

export const FUZZ_SEED = Number(process.env.BACKEND_FUZZ_SEED ?? 20_261_203);

/** The number of cases: BACKEND_FUZZ_COUNT, else the test's default. */
export function fuzzCount(byDefault: number): number {
  return Number(process.env.BACKEND_FUZZ_COUNT ?? byDefault);
}

export const FUZZ_MODEL = 'fuzz-model';
const PER_REQUEST_BOUND_MS = 60_000;
/** Which generated script the backend answers with (the gateway forwards `x-simulator-*` headers). */
const CASE_HEADER = 'x-simulator-fuzz-case';

/** One answer of the fake backend. */
export interface FuzzScript {
  status: number;
  /** The body. */
  text: string;
  /** `done`: the body ends normally; `close`: likewise (the script left out its end); `reset`: cut somewhere. */
  end: 'done' | 'close' | 'reset';
  /** Of a 200 answer; `text/event-stream` unless given. */
  contentType?: string;
  /**
   * For a script the adapter must repair without loss: the response must be completed with this
   * message text (output_text and refusal parts in order) and these function calls.
   */
  expected?: { text: string; calls: { name: string; arguments: string }[] };
}

/** An HTTP error answer: one of the usual error statuses, with one of `bodies`. */
export function httpErrorScript(rng: Prng, bodies: readonly string[]): FuzzScript {
  return { status: rng.pick([400, 404, 429, 500, 503]), text: rng.pick(bodies), end: 'done' };
}

/** A few characters that are hard on encoders: multi-byte, quotes, escapes, NUL. */
export function someText(rng: Prng): string {
  let s = '';
  for (let i = rng.int(0, 12); i > 0; i--)
    s += rng.pick(['a', 'b', ' ', 'é', '😀', '\n', '"', '\\', '{', '}', 'tok', '\u0000']);
  return s;
}

/** Sends a script in pieces of random size with random small pauses; 'reset' breaks off somewhere. */
function answer(res: http.ServerResponse, s: FuzzScript, rng: Prng): void {
  if (s.status !== 200) {
    res.writeHead(s.status, { 'content-type': 'application/json' });
    res.end(s.text);
    return;
  }
  res.writeHead(200, { 'content-type': s.contentType ?? 'text/event-stream' });
  const bytes = Buffer.from(s.text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const length = rng.int(1, rng.next() < 0.5 ? 8 : 400);
    pieces.push(bytes.subarray(i, i + length));
    i += length;
  }
  const stopAt = s.end === 'reset' ? rng.int(0, pieces.length) : pieces.length;
  let k = 0;
  const step = (): void => {
    if (k >= stopAt) {
      if (s.end === 'reset') res.destroy();
      else res.end();
      return;
    }
    res.write(pieces[k++]);
    if (rng.next() < 0.3) setTimeout(step, rng.int(0, 2));
    else setImmediate(step);
  };
  step();
}

const TOOLS = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } },
];

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Token logprobs as the API defines them: token, logprob, bytes, and alternatives of the same shape. */
function logprobsProblem(value: unknown, where: string): string | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) return `${where}: logprobs is not a list`;
  for (const entry of value) {
    const ok = (e: unknown): boolean =>
      isRecord(e) &&
      typeof e.token === 'string' &&
      typeof e.logprob === 'number' &&
      Array.isArray(e.bytes) &&
      e.bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256);
    if (!ok(entry) || !Array.isArray((entry as { top_logprobs?: unknown }).top_logprobs))
      return `${where}: logprob ${JSON.stringify(entry)}`;
    for (const top of (entry as { top_logprobs: unknown[] }).top_logprobs)
      if (!ok(top)) return `${where}: top logprob ${JSON.stringify(top)}`;
  }
  return null;
}

/**
 * What the stream validator does not look at: the fields a backend's numbers and lists reach
 * (usage counts, logprobs) have the API's types. Returns the first problem in a response object.
 */
function responseProblem(response: unknown): string | null {
  if (!isRecord(response)) return null;
  const usage = response.usage;
  if (usage !== undefined && usage !== null) {
    if (!isRecord(usage)) return `usage ${JSON.stringify(usage)}`;
    for (const key of ['input_tokens', 'output_tokens', 'total_tokens'])
      if (!isCount(usage[key])) return `usage.${key} ${JSON.stringify(usage[key])}`;
    for (const [details, key] of [
      ['input_tokens_details', 'cached_tokens'],
      ['output_tokens_details', 'reasoning_tokens'],
    ]) {
      const d = usage[details];
      if (d !== undefined && d !== null && (!isRecord(d) || !isCount(d[key])))
        return `usage.${details} ${JSON.stringify(d)}`;
    }
  }
  const output = Array.isArray(response.output) ? response.output : [];
  for (const item of output) {
    const content = isRecord(item) && Array.isArray(item.content) ? item.content : [];
    for (const part of content) {
      if (isRecord(part) && part.type === 'output_text') {
        const problem = logprobsProblem(part.logprobs, 'output_text part');
        if (problem) return problem;
      }
    }
  }
  return null;
}

/** How a final response differs from what the script expected of it, if it does. */
function contentProblem(response: unknown, expected: NonNullable<FuzzScript['expected']>): string | null {
  if (!isRecord(response)) return 'no final response';
  if (response.status !== 'completed') return `status ${JSON.stringify(response.status)}, not completed`;
  let text = '';
  const calls: { name: unknown; arguments: unknown }[] = [];
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (!isRecord(item)) continue;
    if (item.type === 'function_call') calls.push({ name: item.name, arguments: item.arguments });
    if (item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content)
      if (isRecord(part)) text += String(part.type === 'refusal' ? part.refusal : part.text);
  }
  if (text !== expected.text) return `text ${JSON.stringify(text)}, expected ${JSON.stringify(expected.text)}`;
  if (JSON.stringify(calls) !== JSON.stringify(expected.calls))
    return `calls ${JSON.stringify(calls)}, expected ${JSON.stringify(expected.calls)}`;
  return null;
}

/** The first event whose usage or logprobs are malformed (see responseProblem). */
function eventsProblem(events: readonly unknown[]): string | null {
  for (const event of events) {
    if (!isRecord(event)) continue;
    const problem =
      event.type === 'response.output_text.delta' || event.type === 'response.output_text.done'
        ? logprobsProblem(event.logprobs, event.type)
        : responseProblem(event.response);
    if (problem) return problem;
  }
  return null;
}

export class BackendFuzz {
  private constructor(
    private readonly backend: http.Server,
    readonly gateway: GatewayHarness,
    /** The script answered for each case, for the report of a failing case. */
    private readonly scripts: Map<number, FuzzScript>,
  ) {}

  /** How the responses ended (`200 response.completed`, `502 backend_protocol_error` …), counted. */
  readonly outcomes = new Map<string, number>();

  /** The outcomes so far, for a failure's message: what the cases reached. */
  summary(): string {
    return [...this.outcomes]
      .sort()
      .map(([outcome, n]) => `${outcome} × ${n}`)
      .join(', ');
  }

  private tally(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  /**
   * Starts the fake backend, answering every generation request with `script` drawn from the case's
   * own PRNG (the rest of that PRNG cuts and paces the body), and a gateway in front of it.
   */
  static async start(
    script: (rng: Prng) => FuzzScript,
    gateway: Partial<GatewayConfig> = {},
    seed = FUZZ_SEED,
  ): Promise<BackendFuzz> {
    const scripts = new Map<number, FuzzScript>();
    const backend = http.createServer((req, res) => {
      if (req.url?.startsWith('/v1/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: FUZZ_MODEL, object: 'model', max_model_len: 4096 }] }));
        return;
      }
      req.resume();
      req.on('end', () => {
        const n = Number(req.headers[CASE_HEADER]);
        const rng = new Prng(seed * 1_000_003 + n);
        const s = script(rng);
        scripts.set(n, s);
        answer(res, s, rng);
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const { port } = backend.address() as AddressInfo;
    let h: GatewayHarness;
    try {
      h = await startGateway({ backend: `http://127.0.0.1:${port}`, logLevel: 'warn', ...gateway });
    } catch (err) {
      backend.closeAllConnections();
      await new Promise((resolve) => backend.close(resolve));
      throw err;
    }
    return new BackendFuzz(backend, h, scripts);
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.backend.closeAllConnections();
    await new Promise((resolve) => this.backend.close(resolve));
  }

  /**
   * Runs `count` cases (client requests drawn from one PRNG seeded with `seed`) one after the
   * other; returns the problems found, at most `limit`.
   */
  async run(count: number, seed = FUZZ_SEED, limit = 10): Promise<string[]> {
    const rng = new Prng(seed);
    const problems: string[] = [];
    for (let n = 0; n < count && problems.length < limit; n++) {
      const problem = await this.check(n, rng);
      if (problem) problems.push(problem);
    }
    return problems;
  }

  /** What the gateway logged as an error or a stream violation (the first five). */
  gatewayProblems(): Record<string, unknown>[] {
    return this.gateway.logs.filter((l) => l.level === 'error' || l.msg === 'stream violation').slice(0, 5);
  }

  /** One client request, drawn from `rng`: streamed or not, both dialects, extensions on and off. */
  private async check(n: number, rng: Prng): Promise<string | null> {
    const stream = rng.next() < 0.8;
    const body: Record<string, unknown> = { model: FUZZ_MODEL, input: 'hi', stream, store: rng.next() < 0.5 };
    if (rng.next() < 0.7) body.tools = TOOLS;
    if (rng.next() < 0.3) body.include = ['message.output_text.logprobs'];
    if (rng.next() < 0.3) body.reasoning = { summary: 'auto' };
    if (rng.next() < 0.2) body.text = { format: { type: 'json_schema', name: 'o', schema: { type: 'object' } } };
    const dialect = rng.next() < 0.5 ? 'open-responses' : 'openai';
    const extensions = rng.next() < 0.3;
    const what = (): string =>
      `case ${n}: ${JSON.stringify(body)} ${dialect} extensions ${extensions ? 'on' : 'off'}\n    backend: ${JSON.stringify(this.scripts.get(n)).slice(0, 3000)}`;
    try {
      const res = await fetch(`${this.gateway.url}/v1/responses`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [CASE_HEADER]: String(n),
          'x-responses-dialect': dialect,
          'x-responses-extensions': extensions ? 'on' : 'off',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(PER_REQUEST_BOUND_MS),
      });
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        const text = await res.text();
        this.tally(`${res.status} ${/"code":"([^"]*)"/.exec(text)?.[1] ?? ''}`.trim());
        if (/internal_error/.test(text)) return `HTTP ${res.status}: ${text.slice(0, 400)}\n  ${what()}`;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return `HTTP ${res.status}: not JSON: ${text.slice(0, 400)}\n  ${what()}`;
        }
        const expected = this.scripts.get(n)?.expected;
        const problem = responseProblem(parsed) ?? (expected ? contentProblem(parsed, expected) : null);
        return problem ? `HTTP ${res.status}: ${problem}\n  ${what()}` : null;
      }
      const sse = await readSse(res);
      const types = sse.events.map((e) => (e.data as { type: string }).type);
      const terminal = types.filter((t) => TERMINAL.has(t));
      const code = /"code":"([^"]*)"/.exec(sse.text)?.[1];
      this.tally(`stream ${terminal.join(',')}${code ? ` ${code}` : ''}`);
      if (terminal.length !== 1 || !TERMINAL.has(types[types.length - 1]))
        return `terminal events ${JSON.stringify(terminal)}, last ${types[types.length - 1]}\n  ${what()}`;
      if (/internal_error/.test(sse.text))
        return `internal_error: ${/"message":"[^"]*/.exec(sse.text)?.[0]}\n  ${what()}`;
      const violations = streamViolations(sse, dialect, extensions);
      if (violations.length > 0) return `violations ${JSON.stringify(violations.slice(0, 3))}\n  ${what()}`;
      const expected = this.scripts.get(n)?.expected;
      const final = (sse.events.at(-1)?.data as { response?: unknown } | undefined)?.response;
      const problem =
        eventsProblem(sse.events.map((e) => e.data)) ?? (expected ? contentProblem(final, expected) : null);
      return problem ? `${problem}\n  ${what()}` : null;
    } catch (err) {
      return `no complete answer: ${(err as Error).message}\n  ${what()}`;
    }
  }
}
