/**
 * Diff of two runs (isomorphic: the console imports it): the event-type sequence (an LCS over
 * types: missing, extra, reordered), the final Response JSON (ids and timestamps ignored), and
 * timing (time to first token, tokens/s). This is how one finds that a server forgets
 * `response.output_text.done`.
 */
import { BODY_TYPE, COMMENT_TYPE, finalResponse, type RunEvent } from './format.js';

export interface RunLike {
  events: readonly RunEvent[];
}

export type SequenceOp =
  | { op: 'same'; type: string; a: number; b: number }
  /** In A, not in B. */
  | { op: 'missing'; type: string; a: number }
  /** In B, not in A. */
  | { op: 'extra'; type: string; b: number };

export interface JsonChange {
  /** JSON path, e.g. `output[0].content[0].text`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  a?: unknown;
  b?: unknown;
}

export interface Timing {
  /** Offset of the first delta event (ms), null without one. */
  ttftMs: number | null;
  /** Output tokens per second after the first token (usage.output_tokens, else delta count); null under MIN_RATE_SPAN_MS. */
  tokensPerSecond: number | null;
  durationMs: number | null;
  outputTokens: number | null;
}

export interface RecordingDiff {
  /** True when types, order and the final Response (modulo the ignore list) are the same. */
  equal: boolean;
  sequence: SequenceOp[];
  /** Types present in A but not matched in B (and not reordered). */
  missing: string[];
  extra: string[];
  /** Types that are in both but at other places (a missing/extra pair of the same type). */
  reordered: string[];
  response: JsonChange[];
  timing: { a: Timing; b: Timing };
}

/** Fields that differ between any two runs by nature (ids, clocks, server cache state). */
export const DEFAULT_IGNORE = [
  'id',
  'created_at',
  'completed_at',
  'call_id',
  'item_id',
  'response_id',
  'previous_response_id',
  'sequence_number',
  'encrypted_content',
  'request_id',
  // Prefix-cache hits depend on what the server ran before, not on the run itself.
  'cached_tokens',
];

export interface DiffOptions {
  /** Object keys ignored anywhere in the Response JSON diff (default DEFAULT_IGNORE). */
  ignore?: readonly string[];
}

/** Types that carry no Responses event (keep-alives, whole JSON bodies) stay out of the sequence. */
const comparableTypes = (run: RunLike): string[] =>
  run.events.map((e) => e.type).filter((t) => t !== COMMENT_TYPE && t !== BODY_TYPE);

export function diffRuns(a: RunLike, b: RunLike, options: DiffOptions = {}): RecordingDiff {
  const sequence = diffSequence(comparableTypes(a), comparableTypes(b));
  const missingAll = sequence.filter((o) => o.op === 'missing').map((o) => o.type);
  const extraAll = sequence.filter((o) => o.op === 'extra').map((o) => o.type);
  const reordered: string[] = [];
  const extraLeft = [...extraAll];
  const missing: string[] = [];
  for (const t of missingAll) {
    const i = extraLeft.indexOf(t);
    if (i === -1) missing.push(t);
    else {
      reordered.push(t);
      extraLeft.splice(i, 1);
    }
  }
  const response = diffJson(
    finalResponse(a as { events: RunEvent[] }),
    finalResponse(b as { events: RunEvent[] }),
    new Set(options.ignore ?? DEFAULT_IGNORE),
  );
  return {
    equal: missingAll.length === 0 && extraAll.length === 0 && response.length === 0,
    sequence,
    missing,
    extra: extraLeft,
    reordered,
    response,
    timing: { a: timing(a), b: timing(b) },
  };
}

/** Longest common subsequence diff of two type lists (common prefix and suffix trimmed first). */
export function diffSequence(a: readonly string[], b: readonly string[]): SequenceOp[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const head: SequenceOp[] = [];
  for (let i = 0; i < pre; i++) head.push({ op: 'same', type: a[i], a: i, b: i });
  const tail: SequenceOp[] = [];
  for (let k = suf; k > 0; k--) tail.push({ op: 'same', type: a[a.length - k], a: a.length - k, b: b.length - k });
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  return [...head, ...middle(a, b, pre, n, m), ...tail];
}

/** Cells of the LCS table we allow (4 bytes each); beyond it a greedy match is used. */
const MAX_CELLS = 16_000_000;

function middle(a: readonly string[], b: readonly string[], pre: number, n: number, m: number): SequenceOp[] {
  const out: SequenceOp[] = [];
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) {
    // Greedy fallback: walk both, matching the next equal type ahead in B.
    let j = 0;
    for (let i = 0; i < n; i++) {
      const at = b.indexOf(a[pre + i], pre + j);
      if (at === -1 || at >= pre + m) {
        out.push({ op: 'missing', type: a[pre + i], a: pre + i });
        continue;
      }
      for (; pre + j < at; j++) out.push({ op: 'extra', type: b[pre + j], b: pre + j });
      out.push({ op: 'same', type: a[pre + i], a: pre + i, b: at });
      j++;
    }
    for (; j < m; j++) out.push({ op: 'extra', type: b[pre + j], b: pre + j });
    return out;
  }
  // lcs[i][j] = LCS length of a[i..] and b[j..] (suffixes), so the walk below goes forward.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[pre + i] === b[pre + j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[pre + i] === b[pre + j]) {
      out.push({ op: 'same', type: a[pre + i], a: pre + i, b: pre + j });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      out.push({ op: 'missing', type: a[pre + i], a: pre + i });
      i++;
    } else {
      out.push({ op: 'extra', type: b[pre + j], b: pre + j });
      j++;
    }
  }
  for (; i < n; i++) out.push({ op: 'missing', type: a[pre + i], a: pre + i });
  for (; j < m; j++) out.push({ op: 'extra', type: b[pre + j], b: pre + j });
  return out;
}

/** Structural JSON diff; keys in `ignore` are skipped at any depth. */
export function diffJson(
  a: unknown,
  b: unknown,
  ignore: ReadonlySet<string> = new Set(DEFAULT_IGNORE),
  path = '',
): JsonChange[] {
  if (Object.is(a, b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, kind: 'added', b: b[i] });
      else if (i >= b.length) out.push({ path: p, kind: 'removed', a: a[i] });
      else out.push(...diffJson(a[i], b[i], ignore, p));
    }
    return out;
  }
  if (isObj(a) && isObj(b)) {
    const out: JsonChange[] = [];
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (ignore.has(key)) continue;
      const p = path === '' ? key : `${path}.${key}`;
      if (!(key in b)) out.push({ path: p, kind: 'removed', a: a[key] });
      else if (!(key in a)) out.push({ path: p, kind: 'added', b: b[key] });
      else out.push(...diffJson(a[key], b[key], ignore, p));
    }
    return out;
  }
  return [{ path: path === '' ? '(root)' : path, kind: 'changed', a, b }];
}

const DELTA = /\.delta$/;

/**
 * Shortest span of deltas a tokens-per-second figure is computed over: a two-token run delivered
 * within a millisecond would otherwise read as millions of tokens per second.
 */
export const MIN_RATE_SPAN_MS = 250;

/** Tokens after the first one, per second over the time they took; null when too few or too fast to say. */
export function tokenRate(tokens: number | null, spanMs: number): number | null {
  if (tokens === null || tokens < 2 || !(spanMs >= MIN_RATE_SPAN_MS)) return null;
  return ((tokens - 1) * 1000) / spanMs;
}

export function timing(run: RunLike): Timing {
  const deltas = run.events.filter((e) => DELTA.test(e.type));
  const response = finalResponse(run as { events: RunEvent[] });
  const usage = response?.usage as { output_tokens?: unknown } | null | undefined;
  const outputTokens =
    typeof usage?.output_tokens === 'number' ? usage.output_tokens : deltas.length > 0 ? deltas.length : null;
  const last = run.events.at(-1);
  const ttftMs = deltas[0]?.offsetMs ?? null;
  const tokensPerSecond =
    ttftMs !== null && deltas.length > 1 ? tokenRate(outputTokens, deltas[deltas.length - 1].offsetMs - ttftMs) : null;
  return { ttftMs, tokensPerSecond, durationMs: last ? last.offsetMs : null, outputTokens };
}
