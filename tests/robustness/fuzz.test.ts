/**
 * Fuzzing the gateway as users run it: real gateway processes (recording on, API keys on, a data
 * dir, the Azure routes on; one strict, one lenient), and a few thousand generated requests from
 * a fixed seed against every route the router serves, with every method, plus unknown paths.
 * Bodies: valid ones mutated — wrong types at every known field, deep nesting, huge numbers,
 * NUL and control characters, oversized strings, unknown fields with odd names, hostile JSON
 * Schemas — and malformed JSON, wrong content types, odd headers and path parameters.
 *
 * Asserted for every request: an answer (within a per-request bound far above anything real; a
 * bound against hangs, not a timing assertion), never a 500 (5xx only 502/503/504, backend
 * trouble), the OpenAI envelope `{"error": {message, type, param, code}}` on every error, and a
 * stream that ends. At the end each process is still the one that started, logged no error, no
 * stream violation (its own event streams stayed valid whatever was asked) and no uncaught
 * exception, and closes cleanly.
 *
 * FUZZ_SEED and FUZZ_BODIES change the seed and the count for a longer exploration.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Prng } from '../../src-server/backends/simulator/prng.js';
import { parseFlags } from '../../src-server/config/flags.js';
import { createGateway } from '../../src-server/gateway.js';
import type { RouteInfo } from '../../src-server/http/server.js';
import { createLogger } from '../../src-server/logging/logger.js';
import { toJsonl } from '../../src-server/shared/recording-format/format.js';
import { tempDir } from '../recording/helpers.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { recordedRun } from '../support/recorded-run.js';
import { deepJson, envelopeProblem } from './helpers.js';
import { hostileSchema, mutate, RAW_NUMBERS, randomString, withDeepNesting } from './generators.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_424);
const BODIES = Number(process.env.FUZZ_BODIES ?? 3000);
/** Far above any answer here (the slowest are session waits of --responses-tool-timeout 3). */
const PER_REQUEST_BOUND_MS = 60_000;
const CONCURRENCY = 4;
const KEY = 'fuzz-key-0123456789';

const FLAGS = [
  '--record',
  'on',
  '--api-key',
  KEY,
  '--enable-azure-api',
  '--responses-tool-timeout',
  '3',
  '--backend-timeout',
  '30',
  '--log-level',
  'warn',
];

interface Target {
  name: string;
  process: GatewayProcess;
  dataDir: string;
  /** Ids that exist (responses, recordings), for path parameters. */
  ids: string[];
}

let routes: RouteInfo[] = [];
const targets: Target[] = [];

async function call(g: GatewayProcess, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${g.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  // The routes, from the router of a gateway with the same flags (in-process, only to list them).
  const { config } = parseFlags([...FLAGS, '--port', '0', '--log-level', 'silent']);
  const probe = await createGateway({ ...config, host: '127.0.0.1' }, { logger: createLogger('silent') });
  routes = [...probe.routes];
  await probe.close();
  for (const [name, extra] of [
    ['strict', []],
    ['lenient', ['--responses-compat', 'lenient']],
  ] as const) {
    const dataDir = tempDir(`rs-fuzz-${name}-`);
    const g = await startGatewayProcess([...FLAGS, '--data-dir', dataDir, ...extra]);
    // Something to find: a stored response, a background one, a recording.
    const ids: string[] = [];
    const stored = await call(g, '/v1/responses', { model: 'sim-chat', input: 'seed' });
    ids.push(String(stored.id));
    const bg = await call(g, '/v1/responses', { model: 'sim-chat', input: 'bg', background: true });
    ids.push(String(bg.id));
    // A conversation and one of its items (X4).
    const conv = await call(g, '/v1/conversations', { items: [{ role: 'user', content: 'seed' }] });
    ids.push(String(conv.id));
    const convItems = (await (
      await fetch(`${g.url}/v1/conversations/${String(conv.id)}/items`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as { data: { id: string }[] };
    ids.push(...convItems.data.map((i) => i.id));
    const list = (await (
      await fetch(`${g.url}/v1/recordings`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as { data: { id: string; sessionId: string }[] };
    for (const r of list.data) ids.push(r.id, r.sessionId);
    targets.push({ name, process: g, dataDir, ids });
  }
}, 120_000);

afterAll(async () => {
  for (const t of targets) {
    if (t.process.alive()) await t.process.kill();
    fs.rmSync(t.dataDir, { recursive: true, force: true });
  }
});

// ---- generation -------------------------------------------------------------------------------

const TOOL = {
  type: 'function',
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A valid-looking body for a route, with the fields its schema knows. */
function baseBody(rng: Prng, route: RouteInfo, t: Target): unknown {
  const p = route.pattern;
  if (p.endsWith('/tool_outputs'))
    return { tool_outputs: [{ call_id: `call_${randomString(rng, 6)}`, output: 'sunny' }] };
  if (p.endsWith('/inspect')) return { encrypted_content: `rsv1.abc.${randomString(rng, 20)}`, reveal: true };
  if (p.endsWith('/import'))
    return toJsonl({
      sessionId: null,
      exportedAt: '',
      runs: [
        recordedRun([{ seq: 0, offsetMs: 1, type: 'http.body', data: '{"object":"response"}' }], {
          id: `rec_${rng.hex(8)}`,
        }),
      ],
    });
  // Re-run targets (baseUrl, headers) are not fuzzed: arbitrary ones would send traffic off this machine.
  if (p.endsWith('/rerun')) return {};
  if (p.startsWith('/v1/recordings')) return { name: randomString(rng, 10), tags: ['fuzz'] };
  if (p.endsWith('/cancel')) return {};
  if (p.startsWith('/v1/conversations')) {
    const items = [
      { role: 'user', content: randomString(rng, 20) },
      { type: 'item_reference', id: rng.pick(t.ids) },
    ];
    if (p === '/v1/conversations')
      return { items: items.slice(0, rng.int(0, 2)), metadata: { k: randomString(rng, 8) } };
    if (p.endsWith('/items')) return { items };
    return { metadata: { k: randomString(rng, 8) } };
  }
  const body: Record<string, unknown> = {
    model: rng.pick(['sim-chat', 'sim-reasoning']),
    input: 'Use get_weather for Paris',
  };
  if (rng.next() < 0.4) body.stream = true;
  if (rng.next() < 0.2) body.background = true;
  if (rng.next() < 0.3) body.tools = [TOOL];
  if (rng.next() < 0.15) body.text = { format: { type: 'json_schema', name: 'out', schema: hostileSchema(rng) } };
  if (rng.next() < 0.15) body.tools = [{ ...TOOL, parameters: hostileSchema(rng) }];
  if (rng.next() < 0.15) body.previous_response_id = rng.next() < 0.5 ? rng.pick(t.ids) : `resp_${'a'.repeat(60_000)}`;
  if (rng.next() < 0.1) body.include = ['reasoning.encrypted_content'];
  if (rng.next() < 0.1) body.reasoning = { effort: 'low', summary: 'auto' };
  if (rng.next() < 0.1) body.store = false;
  if (rng.next() < 0.1) body.metadata = { k: 'v' };
  if (rng.next() < 0.1) body.max_output_tokens = rng.pick([1, 16, 100000]);
  if (rng.next() < 0.1) body.conversation = rng.next() < 0.5 ? rng.pick(t.ids) : { id: rng.pick(t.ids) };
  if (rng.next() < 0.1) body.truncation = rng.pick(['auto', 'disabled']);
  if (rng.next() < 0.1)
    body.input = [
      { type: 'item_reference', id: rng.pick(t.ids) },
      { role: 'user', content: 'go' },
    ];
  return body;
}

/** The body's bytes: the base body mutated, or something that is not JSON at all. */
function bodyBytes(rng: Prng, route: RouteInfo, t: Target): string | Uint8Array<ArrayBuffer> {
  const base = baseBody(rng, route, t);
  if (typeof base === 'string') {
    // A recording file: lines cut, lines deepened, ids replaced.
    const r = rng.next();
    if (r < 0.25) return base.slice(0, rng.int(0, base.length));
    if (r < 0.5) return base.replace(/"id":"[^"]*"/, `"id":${JSON.stringify(randomString(rng, 20))}`);
    if (r < 0.7) return base.replace('"input":"hi"', `"input":${deepJson(rng.pick([100, 200, 20_000]))}`);
    return base;
  }
  const r = rng.next();
  if (r < 0.05) return rng.pick(['', ' ', 'null', '[]', '"text"', '1e400', '{', '{"a":}', '\uFEFF{}', 'true']);
  if (r < 0.1) return deepJson(rng.pick([129, 10_000, 100_000]), rng.next() < 0.5 ? 'object' : 'array');
  if (r < 0.13) return Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff\xfe":1}
  const body = structuredClone(base) as Record<string, unknown>;
  mutate(rng, body, ['x', '__proto__', 'constructor', 'a\u0000b', 'we\r\nird', 'ü'.repeat(50)]);
  let text = withDeepNesting(JSON.stringify(body));
  if (rng.next() < 0.1) text = text.replace(/:(-?\d+(\.\d+)?)([,}])/, `:${rng.pick(RAW_NUMBERS)}$3`);
  if (rng.next() < 0.05) text = text.slice(0, rng.int(0, text.length));
  return text;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  'application/x-ndjson',
  'application/json; charset=klingon',
  '',
];
const QUERY_NAMES = [
  'limit',
  'offset',
  'search',
  'session',
  'after',
  'order',
  'include[]',
  'stream',
  'starting_after',
  'format',
  'a',
  'b',
  'api-version',
];

/** Percent-encodes every byte of the UTF-8 text but unreserved characters (lone surrogates included). */
function encodePath(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8'))
    out += /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).padStart(2, '0')}`;
  return out;
}

function pathParam(rng: Prng, t: Target): string {
  const r = rng.next();
  if (r < 0.5 && t.ids.length > 0) return encodePath(rng.pick(t.ids));
  return encodePath(
    rng.pick([
      '..',
      '.',
      '%00',
      'resp_',
      'a'.repeat(3000),
      '\u0000',
      '../../etc/passwd',
      'ü',
      ' ',
      randomString(rng, 30),
    ]),
  );
}

interface Planned {
  method: string;
  path: string;
  pattern: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

function plan(rng: Prng, t: Target): Planned {
  // The create route (and its aliases) takes the most varied bodies: it gets a larger share.
  const creates = routes.filter((r) => r.method === 'POST' && r.pattern.endsWith('/responses'));
  const route = rng.next() < 0.4 ? rng.pick(creates) : rng.pick(routes);
  let method: string = route.method;
  const r = rng.next();
  if (r < 0.08) method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  let path = route.pattern.replace(/:(\w+)/g, (_m, name: string) =>
    name === 'deployment' ? rng.pick(['sim-chat', 'nope', '..']) : pathParam(rng, t),
  );
  let pattern = route.pattern;
  if (r > 0.95) {
    path = rng.pick([
      '/',
      '/v1',
      '/v1/',
      '/v2/responses',
      '/v1/responses/',
      '/v1//responses',
      '/openai',
      '/%2e%2e/etc',
      '/v1/recordings/x/y/z',
      `/${randomString(rng, 10).replace(/[^\w]/g, '')}`,
    ]);
    pattern = '(unmatched)';
  }
  const query = new URLSearchParams();
  if (path.startsWith('/openai/') && rng.next() < 0.8)
    query.set('api-version', rng.pick(['2025-04-01-preview', 'preview', 'latest', '2000-01-01', '']));
  for (let i = rng.int(0, 2); i > 0; i--)
    query.append(
      rng.pick(QUERY_NAMES),
      rng.pick(['abc', 'NaN', '1e400', '-1', '0', '1', '20', '1001', 'asc', 'true', 'har', randomString(rng, 10)]),
    );
  if (query.size > 0) path += `?${query.toString()}`;
  const headers: Record<string, string> = {};
  const auth = rng.next();
  if (auth < 0.88) headers.authorization = `Bearer ${KEY}`;
  else if (auth < 0.92 && path.startsWith('/openai/')) headers['api-key'] = KEY;
  else if (auth < 0.96) headers.authorization = rng.pick(['Bearer nope', 'Basic abc', 'Bearer', `bearer ${KEY}x`]);
  if (rng.next() < 0.05) headers['x-responses-dialect'] = rng.pick(['open-responses', 'openai', 'klingon', '']);
  if (rng.next() < 0.05) headers['x-responses-extensions'] = rng.pick(['on', 'off', 'maybe']);
  if (rng.next() < 0.05) headers['x-request-id'] = rng.pick(['req-fuzz', 'a'.repeat(200), 'with space', '..']);
  if (rng.next() < 0.03) headers['x-responses-session'] = 'on';
  if (rng.next() < 0.03) headers['openai-organization'] = 'org-fuzz';
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (method !== 'GET' && method !== 'HEAD' && (method !== 'DELETE' || rng.next() < 0.2)) {
    body = bodyBytes(rng, route, t);
    const ct = rng.pick(CONTENT_TYPES);
    if (ct !== '') headers['content-type'] = ct;
  }
  return { method, path, pattern, headers, body };
}

// ---- checking -------------------------------------------------------------------------------

interface Outcome {
  problem: string | null;
  status: number;
}

async function send(t: Target, p: Planned): Promise<Outcome> {
  const signal = AbortSignal.timeout(PER_REQUEST_BOUND_MS);
  let res: Response;
  try {
    res = await fetch(`${t.process.url}${p.path}`, { method: p.method, headers: p.headers, body: p.body, signal });
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    return {
      problem: `no answer: ${(err as Error).message} (${cause?.code ?? ''} ${cause?.message ?? ''})`,
      status: 0,
    };
  }
  const status = res.status;
  const type = res.headers.get('content-type') ?? '';
  try {
    if (p.pattern === '/v1/console/logs' && status === 200) {
      // The live log tail never ends by itself: one chunk is an answer.
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      await reader.cancel();
      return { problem: null, status };
    }
    const text = await res.text();
    if (status >= 500 && ![502, 503, 504].includes(status))
      return { problem: `HTTP ${status}: ${text.slice(0, 300)}`, status };
    if (p.method === 'HEAD' || status === 204) return { problem: null, status };
    if (p.pattern === '/healthz' && status === 503) {
      // Its own documented shape (docs/running.md): the backend did not answer the probe in time.
      const health = JSON.parse(text) as { status?: unknown; error?: { code?: unknown } };
      const ok = health.status === 'unavailable' && typeof health.error?.code === 'string';
      return { problem: ok ? null : `/healthz 503 without its shape: ${text.slice(0, 200)}`, status };
    }
    if (status >= 400) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { problem: `HTTP ${status} without a JSON body: ${text.slice(0, 200)}`, status };
      }
      const problem = envelopeProblem(body);
      return { problem: problem ? `HTTP ${status}: ${problem}: ${text.slice(0, 200)}` : null, status };
    }
    if (type.startsWith('application/json')) JSON.parse(text);
    return { problem: null, status };
  } catch (err) {
    return { problem: `HTTP ${status}, the body failed: ${(err as Error).message}`, status };
  }
}

function describePlan(p: Planned): string {
  const body = p.body === undefined ? '' : typeof p.body === 'string' ? p.body : Buffer.from(p.body).toString('latin1');
  return `${p.method} ${p.path.slice(0, 200)} ${JSON.stringify(p.headers)} ${body.slice(0, 300)}`;
}

describe('X7 fuzzing every route of real gateway processes', { tags: ['X7', 'M2', 'E4', 'L3'] }, () => {
  test(
    'seeded requests: no 500, no hang, no exit, the OpenAI envelope on every error',
    { timeout: 600_000 },
    async () => {
      const started = performance.now();
      const rng = new Prng(SEED);
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const perRoute = new Map<string, number>();
      let sent = 0;
      /** The slowest requests, reported with the figures (not asserted: load decides). */
      const slowest: { ms: number; what: string }[] = [];
      for (const t of targets) {
        const count = t.name === 'strict' ? Math.ceil((BODIES * 2) / 3) : Math.floor(BODIES / 3);
        const planned = Array.from({ length: count }, () => plan(rng, t));
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < planned.length) {
            const p = planned[next++];
            const t0 = performance.now();
            const { problem, status } = await send(t, p);
            const ms = performance.now() - t0;
            if (slowest.length < 5 || ms > slowest[slowest.length - 1].ms) {
              slowest.push({ ms, what: `${t.name} ${status} ${describePlan(p).slice(0, 160)}` });
              slowest.sort((a, b) => b.ms - a.ms).splice(5);
            }
            sent++;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            perRoute.set(p.pattern, (perRoute.get(p.pattern) ?? 0) + 1);
            if (problem && failures.length < 20) failures.push(`${t.name}: ${problem}\n    ${describePlan(p)}`);
            if (!t.process.alive())
              throw new Error(`the ${t.name} gateway exited after: ${describePlan(p)}\n${t.process.stderr()}`);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `fuzz: seed ${SEED}, ${sent} requests over ${routes.length} routes (+ unmatched paths), ${seconds} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
      );
      console.log(`fuzz: slowest answers:\n${slowest.map((x) => `  ${x.ms.toFixed(0)} ms ${x.what}`).join('\n')}`);
      expect(failures, failures.join('\n')).toEqual([]);
      // Every route of the router was exercised.
      for (const r of routes) expect(perRoute.get(r.pattern) ?? 0, `${r.method} ${r.pattern}`).toBeGreaterThan(0);

      for (const t of targets) {
        // Still the same process, still serving, nothing logged at error level, no uncaught exception.
        expect(t.process.alive()).toBe(true);
        expect((await fetch(`${t.process.url}/healthz`)).status).toBe(200);
        const errors = t.process
          .stderr()
          .split('\n')
          .filter((l) => l.includes('"level":"error"'));
        expect(errors.slice(0, 5), `${t.name} logged errors`).toEqual([]);
        const violations = t.process
          .stderr()
          .split('\n')
          .filter((l) => l.includes('"msg":"stream violation"'));
        expect(violations.slice(0, 5), `${t.name} logged stream violations`).toEqual([]);
        await t.process.stop();
      }
    },
  );
});
