/**
 * Fuzzing the gateway from the other side: a backend that answers Chat Completions streams
 * generated from a fixed seed, as broken servers send them — tool-call fragments without
 * `index`, with names late, ids repeated or missing, calls interleaved and resumed after text;
 * fields of the wrong type (numbers as text, objects as arguments, huge or negative indices,
 * malformed logprobs and usage); error chunks, malformed JSON, keep-alive comments, CR LF
 * framing; bodies cut off or the connection reset; HTTP errors. Every stream reaches the gateway
 * split at random byte boundaries with small random pauses.
 *
 * Asserted for every response (streamed or not, both dialects, extensions on and off): an answer
 * within a bound far above anything real (a bound against hangs, not a timing assertion); never
 * an `internal_error` (a backend's fault is a backend error); a stream ends with exactly one
 * terminal event and passes the stream validator on the client's side; the gateway (strict
 * validation) logs no error and no stream violation.
 *
 * BACKEND_FUZZ_SEED and BACKEND_FUZZ_COUNT change the seed and the count for a longer exploration.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import { readSse, startGateway, streamViolations, type GatewayHarness } from '../support/gateway-harness.js';

const SEED = Number(process.env.BACKEND_FUZZ_SEED ?? 20_261_203);
const COUNT = Number(process.env.BACKEND_FUZZ_COUNT ?? 600);
const PER_REQUEST_BOUND_MS = 60_000;
const MODEL = 'fuzz-model';
/** Which generated stream the backend answers with (the gateway forwards `x-simulator-*` headers). */
const CASE_HEADER = 'x-simulator-fuzz-case';

interface Script {
  status: number;
  text: string;
  end: 'done' | 'close' | 'reset';
}

function someText(rng: Prng): string {
  let s = '';
  for (let i = rng.int(0, 12); i > 0; i--)
    s += rng.pick(['a', 'b', ' ', 'é', '😀', '\n', '"', '\\', '{', '}', 'tok', '\u0000']);
  return s;
}

/** A call's fragments: id and name first (or last), arguments cut anywhere, `index` sometimes left out. */
function toolCall(rng: Prng, index: number): unknown[] {
  const name = rng.pick(['get_weather', 'lookup', 'unknown_tool', '']);
  const args = rng.pick(['{"city":"Paris"}', '{"a":', '', '{}', 'not json', '{"q":"é😀"}']);
  const pieces: string[] = [];
  for (let rest = args; rest.length > 0;) {
    const cut = rng.int(1, rest.length);
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  const where = rng.next() < 0.1 ? {} : { index };
  const id = rng.next() < 0.9 ? `call_${rng.hex(6)}` : undefined;
  const repeat = rng.next() < 0.3;
  const head = { ...where, id, type: 'function', function: { name, arguments: '' } };
  const body = pieces.map((p) => ({
    ...where,
    ...(repeat ? { id, function: { name, arguments: p } } : { function: { arguments: p } }),
  }));
  return rng.next() < 0.85 ? [head, ...body] : [...body, { ...where, id, type: 'function', function: { name } }];
}

/** Chunks whose fields have the wrong type or odd values. */
function oddChunk(
  rng: Prng,
  chunk: (delta: unknown, extra?: Record<string, unknown>) => unknown,
  base: object,
): unknown {
  return rng.pick<unknown>([
    chunk({ content: 123 }),
    chunk({ content: { text: 'x' } }),
    chunk({ reasoning: ['a'] }),
    chunk({ refusal: true }),
    chunk({ tool_calls: {} }),
    chunk({ tool_calls: [null] }),
    chunk({ tool_calls: ['x'] }),
    chunk({ tool_calls: [{ index: 'zero', function: { name: 'f', arguments: '{}' } }] }),
    chunk({ tool_calls: [{ index: -1, id: 'call_neg', function: { name: 'f', arguments: '{}' } }] }),
    chunk({ tool_calls: [{ index: 1e9, id: 'call_big', function: { name: 'f', arguments: '{}' } }] }),
    chunk({
      tool_calls: [{ index: 0, id: 'call_obj', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
    }),
    chunk({ tool_calls: [{ index: 0, id: 7, function: { name: 5, arguments: 6 } }] }),
    chunk({ tool_calls: [{ index: 0, function: null }] }),
    chunk(null),
    { ...base, choices: null },
    { ...base, choices: [null] },
    { ...base, choices: 'x' },
    { ...base, choices: [{ index: 1, delta: { content: 'another choice' } }] },
    chunk({ content: 'x' }, { finish_reason: 7 }),
    chunk({ content: 'x' }, { logprobs: { content: 'nope' } }),
    chunk({ content: 'x' }, { logprobs: { content: [null, 1] } }),
    chunk({ content: 'x' }, { logprobs: { content: [{ token: 5, logprob: 'a', top_logprobs: 'no' }] } }),
    { ...base, choices: [], usage: { prompt_tokens: 'a', completion_tokens: -5 } },
    { ...base, choices: [], usage: 'lots' },
    'just a string',
    42,
    [],
  ]);
}

function script(rng: Prng): Script {
  if (rng.next() < 0.03)
    return {
      status: rng.pick([400, 404, 429, 500, 503]),
      text: rng.pick([
        '{"error":{"message":"bad","type":"x","code":"y"}}',
        '<html>oops</html>',
        '{"object":"error","message":"m","code":400}',
        '',
      ]),
      end: 'done',
    };
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: MODEL };
  const chunk = (delta: unknown, extra: Record<string, unknown> = {}): unknown => ({
    ...base,
    choices: [{ index: 0, delta, ...extra }],
  });
  const out: unknown[] = [];
  if (rng.next() < 0.7) out.push(chunk({ role: 'assistant', content: '' }));
  let nextCall = 0;
  for (let segment = rng.int(0, 5); segment > 0; segment--) {
    const kind = rng.pick([
      'reasoning',
      'reasoning_content',
      'content',
      'content',
      'refusal',
      'tool',
      'tool',
      'mixed',
      'empty',
      'logprobs',
      'odd',
    ]);
    const n = rng.int(1, 6);
    if (kind === 'tool') {
      const fragments = Array.from({ length: rng.int(1, 3) }, () => toolCall(rng, nextCall++)).flat();
      // Calls interleaved fragment by fragment, sometimes.
      if (rng.next() < 0.3) fragments.sort(() => rng.next() - 0.5);
      for (const f of fragments) out.push(chunk({ tool_calls: [f] }));
    } else if (kind === 'mixed') {
      for (let i = 0; i < n; i++)
        out.push(
          chunk({
            reasoning: rng.next() < 0.5 ? someText(rng) : null,
            content: rng.next() < 0.5 ? someText(rng) : null,
          }),
        );
    } else if (kind === 'empty') {
      for (let i = 0; i < n; i++)
        out.push(rng.pick([chunk({}), { ...base, choices: [] }, chunk({ content: null }), chunk({ content: '' })]));
    } else if (kind === 'logprobs') {
      for (let i = 0; i < n; i++) {
        const t = someText(rng) || 'x';
        out.push(
          chunk(
            { content: t },
            { logprobs: { content: [{ token: t, logprob: -0.5, bytes: [...Buffer.from(t)], top_logprobs: [] }] } },
          ),
        );
      }
    } else if (kind === 'odd') {
      for (let i = 0; i < n; i++) out.push(oddChunk(rng, chunk, base));
    } else {
      for (let i = 0; i < n; i++) out.push(chunk({ [kind]: someText(rng) }));
    }
  }
  const finish = rng.pick(['stop', 'length', 'tool_calls', 'content_filter', 'unheard_of', null]);
  if (finish !== null) out.push(chunk({}, { finish_reason: finish }));
  if (rng.next() < 0.5)
    out.push({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 3,
        completion_tokens: rng.int(0, 9),
        completion_tokens_details: rng.next() < 0.5 ? { reasoning_tokens: 1 } : null,
      },
    });
  if (rng.next() < 0.03) out.push({ error: { message: 'mid-stream', type: 'server_error', code: 500 } });
  const events = out.map((o) => `data: ${JSON.stringify(o)}${rng.next() < 0.1 ? '\r\n\r\n' : '\n\n'}`);
  if (rng.next() < 0.05) events.splice(rng.int(0, events.length), 0, ': keep-alive\n\n');
  if (rng.next() < 0.03) events.splice(rng.int(0, events.length), 0, 'data: {not json\n\n');
  const end = rng.pick(['done', 'done', 'done', 'done', 'done', 'done', 'close', 'reset'] as const);
  if (end === 'done') events.push('data: [DONE]\n\n');
  return { status: 200, text: events.join(''), end };
}

const caseRng = (n: number): Prng => new Prng(SEED * 1_000_003 + n);

/** Sends a script in pieces of random size with random small pauses; 'reset' breaks off somewhere. */
function answer(res: http.ServerResponse, s: Script, rng: Prng): void {
  if (s.status !== 200) {
    res.writeHead(s.status, { 'content-type': 'application/json' });
    res.end(s.text);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
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

let backend: http.Server;
let h: GatewayHarness;
const scripts = new Map<number, Script>();

beforeAll(async () => {
  backend = http.createServer((req, res) => {
    if (req.url?.startsWith('/v1/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model', max_model_len: 4096 }] }));
      return;
    }
    req.resume();
    req.on('end', () => {
      const n = Number(req.headers[CASE_HEADER]);
      const rng = caseRng(n);
      const s = script(rng);
      scripts.set(n, s);
      answer(res, s, rng);
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const { port } = backend.address() as AddressInfo;
  h = await startGateway({ backend: `http://127.0.0.1:${port}`, logLevel: 'warn' });
});

afterAll(async () => {
  await h?.close();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
});

const TOOLS = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } },
];

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

async function check(n: number, rng: Prng): Promise<string | null> {
  const stream = rng.next() < 0.8;
  const body: Record<string, unknown> = { model: MODEL, input: 'hi', stream, store: rng.next() < 0.5 };
  if (rng.next() < 0.7) body.tools = TOOLS;
  if (rng.next() < 0.3) body.include = ['message.output_text.logprobs'];
  if (rng.next() < 0.3) body.reasoning = { summary: 'auto' };
  if (rng.next() < 0.2) body.text = { format: { type: 'json_schema', name: 'o', schema: { type: 'object' } } };
  const dialect = rng.next() < 0.5 ? 'open-responses' : 'openai';
  const extensions = rng.next() < 0.3;
  const what = (): string =>
    `case ${n}: ${JSON.stringify(body)} ${dialect} extensions ${extensions ? 'on' : 'off'}\n    backend: ${JSON.stringify(scripts.get(n)).slice(0, 2000)}`;
  try {
    const res = await fetch(`${h.url}/v1/responses`, {
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
      return /internal_error/.test(text) ? `HTTP ${res.status}: ${text.slice(0, 400)}\n  ${what()}` : null;
    }
    const sse = await readSse(res);
    const types = sse.events.map((e) => (e.data as { type: string }).type);
    const terminal = types.filter((t) => TERMINAL.has(t));
    if (terminal.length !== 1 || !TERMINAL.has(types[types.length - 1]))
      return `terminal events ${JSON.stringify(terminal)}, last ${types[types.length - 1]}\n  ${what()}`;
    if (/internal_error/.test(sse.text))
      return `internal_error: ${/"message":"[^"]*/.exec(sse.text)?.[0]}\n  ${what()}`;
    const violations = streamViolations(sse, dialect, extensions);
    if (violations.length > 0) return `violations ${JSON.stringify(violations.slice(0, 3))}\n  ${what()}`;
    return null;
  } catch (err) {
    return `no complete answer: ${(err as Error).message}\n  ${what()}`;
  }
}

test(
  'X7 E1 E3 generated broken backend streams: every response ends once, validly, with no internal error',
  { tags: ['X7', 'E1', 'E3', 'L1'], timeout: 600_000 },
  async () => {
    const rng = new Prng(SEED);
    const problems: string[] = [];
    for (let n = 0; n < COUNT && problems.length < 10; n++) {
      const problem = await check(n, rng);
      if (problem) problems.push(problem);
    }
    expect(problems, problems.join('\n')).toEqual([]);
    const logged = h.logs.filter((l) => l.level === 'error' || l.msg === 'stream violation');
    expect(logged.slice(0, 5)).toEqual([]);
  },
);
