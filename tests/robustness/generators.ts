/**
 * Generators of broken request values shared by the fuzz tests (tests/robustness/fuzz.test.ts for
 * HTTP bodies, websocket-fuzz.test.ts for WebSocket messages): odd strings, wrong-typed values,
 * hostile JSON Schemas, and the helpers that mutate a body at a path.
 */
import type { Prng } from '../../src-server/backends/simulator/prng.js';
import { deepJson } from './helpers.js';

const CONTROL = ['\u0000', '\u0001', '\r\n', '\u001b[31m', '\u2028', '\uD800', '\uFEFF', '\u0085', '%00', '../'];

export function randomString(rng: Prng, max = 40): string {
  const n = rng.int(0, max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    s +=
      r < 0.1
        ? rng.pick(CONTROL)
        : r < 0.2
          ? String.fromCodePoint(rng.int(0x80, 0x2fff))
          : String.fromCharCode(rng.int(0x20, 0x7e));
  }
  return s;
}

/** Numbers JSON.stringify cannot write: spliced into the text as tokens. */
export const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '123456789012345678901234567890',
  '0.0000000000000000001',
];

export function hostileSchema(rng: Prng): unknown {
  return rng.pick<unknown>([
    { type: 'array', minItems: 1e9 },
    { type: 'string', minLength: 1e9 },
    { type: 'object', properties: { s: { type: 'string', minLength: 1e8 } }, required: ['s'] },
    { $defs: { n: { type: 'object', properties: { n: { $ref: '#/$defs/n' } }, required: ['n'] } }, $ref: '#/$defs/n' },
    { $defs: { a: { allOf: [{ $ref: '#/$defs/a' }, { $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' },
    { $defs: { a: { anyOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' },
    { $ref: '#/nowhere' },
    { type: 'number', minimum: 1e308, maximum: -1e308, multipleOf: 0 },
    {
      type: 'array',
      items: { type: 'array', minItems: 500, items: { type: 'string', minLength: 500 } },
      minItems: 500,
    },
    { type: ['integer', 'null'], enum: [] },
    { properties: 'x', required: 7, items: [1, 2] },
  ]);
}

export function randomValue(rng: Prng, depth = 0): unknown {
  const r = rng.int(0, 15);
  switch (r) {
    case 0:
      return randomString(rng);
    case 1:
      return 'x'.repeat(rng.pick([1_000, 100_000, 1_000_000]));
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, -1e308, Number.MAX_VALUE]);
    case 3:
      return rng.next() < 0.5;
    case 4:
      return null;
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      // Spliced into the text after serialization (below): the test must not recurse into it.
      return `__deep_${rng.pick([20, 100, 127, 129, 500, 5_000])}_${rng.next() < 0.5 ? 'object' : 'array'}__`;
    case 8:
      return Array.from({ length: rng.pick([10, 1_000, 20_000]) }, (_, i) => i);
    case 9:
      return hostileSchema(rng);
    case 10:
      return depth < 3 ? { [randomString(rng, 8)]: randomValue(rng, depth + 1) } : 'leaf';
    case 11:
      return depth < 3 ? [randomValue(rng, depth + 1), randomValue(rng, depth + 1)] : 0;
    case 12:
      return `rsv1.${randomString(rng, 10)}.${randomString(rng, 30)}`;
    case 13:
      return rng.pick(['resp_', 'rec_', 'call_', 'fc_', 'msg_']) + randomString(rng, 30);
    case 14:
      return rng.pick(['sim-chat', 'sim-reasoning', 'gpt-4o', '', 'sim-chat ', 'SIM-CHAT']);
    default:
      return { type: rng.pick(['function', 'message', 'input_text', 'reasoning', 'json_schema', 'web_search', 'x']) };
  }
}

/** Every path to a field in `value` (objects and arrays, a few levels down). */
export function paths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (prefix.length > 5 || typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const at = [...prefix, Array.isArray(value) ? Number(k) : k];
    out.push(at);
    paths(v, at, out);
  }
  return out;
}

export function setAt(root: unknown, at: (string | number)[], v: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[at[at.length - 1]] = v;
}

export function deleteAt(root: unknown, at: (string | number)[]): void {
  let node = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  if (Array.isArray(node)) node.splice(Number(at[at.length - 1]), 1);
  else delete node[at[at.length - 1]];
}

/**
 * Up to three random mutations of `body`, in place: a value replaced, a field removed, or a field
 * added under one of `oddKeys` (its value sometimes a placeholder that `withDeepNesting` expands).
 */
export function mutate(rng: Prng, body: Record<string, unknown>, oddKeys: readonly string[]): void {
  const mutations = rng.int(0, 3);
  for (let m = 0; m < mutations; m++) {
    const all = paths(body);
    const kind = rng.next();
    if (kind < 0.6 && all.length > 0) setAt(body, rng.pick(all), randomValue(rng));
    else if (kind < 0.75 && all.length > 0) deleteAt(body, rng.pick(all));
    else
      body[rng.pick([...oddKeys, randomString(rng, 20)])] =
        rng.next() < 0.3 ? `__deep_${rng.pick([129, 5_000])}_object__` : randomValue(rng);
  }
}

/** JSON text with each placeholder of `mutate` replaced by a value nested that deep. */
export function withDeepNesting(text: string): string {
  return text.replace(/"__deep_(\d+)_(object|array)__"/g, (_m, n: string, kind: 'object' | 'array') =>
    deepJson(Number(n), kind),
  );
}
