/**
 * Fuzzing the gateway from the other side: a backend that answers Chat Completions streams
 * generated from a fixed seed, as broken servers send them — tool-call fragments without
 * `index`, with names late, ids repeated or missing, calls interleaved and resumed after text;
 * fields of the wrong type (numbers as text, objects as arguments, huge or negative indices,
 * malformed logprobs and usage); error chunks, malformed JSON, keep-alive comments, CR LF
 * framing; bodies cut off or the connection reset; HTTP errors. Every stream reaches the gateway
 * split at random byte boundaries with small random pauses.
 *
 * Asserted for every response (streamed or not, both dialects, extensions on and off), by
 * backend-fuzz-support.ts: an answer within a bound far above anything real (a bound against
 * hangs, not a timing assertion); never an `internal_error` (a backend's fault is a backend
 * error); a stream ends with exactly one terminal event and passes the stream validator on the
 * client's side; usage counts and logprobs have the API's types; the gateway (strict validation)
 * logs no error and no stream violation.
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

const COUNT = fuzzCount(600);

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

function script(rng: Prng): FuzzScript {
  if (rng.next() < 0.03)
    return httpErrorScript(rng, [
      '{"error":{"message":"bad","type":"x","code":"y"}}',
      '<html>oops</html>',
      '{"object":"error","message":"m","code":400}',
      '',
    ]);
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

let fuzz: BackendFuzz;

beforeAll(async () => {
  fuzz = await BackendFuzz.start(script);
});

afterAll(async () => {
  await fuzz?.close();
});

test(
  'X7 E1 E3 generated broken backend streams: every response ends once, validly, with no internal error',
  { tags: ['X7', 'E1', 'E3', 'L1'], timeout: 600_000 },
  async () => {
    const problems = await fuzz.run(COUNT);
    expect(problems, `${problems.join('\n')}\n  outcomes: ${fuzz.summary()}`).toEqual([]);
    expect(fuzz.gatewayProblems()).toEqual([]);
  },
);
