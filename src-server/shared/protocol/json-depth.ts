/**
 * Nesting depth of JSON text, measured without parsing it: one pass over the characters (or UTF-8
 * bytes), counting `{` / `[` outside strings. JSON.parse itself copes with any depth, but
 * everything after it — JSON.stringify, structuredClone, schema validation, redaction — recurses
 * and overflows the stack on a value nested a few thousand levels deep. Bodies are measured here
 * before any of that runs, so a deep body is a 400 naming the limit, never a RangeError.
 * Isomorphic (no node: imports): the recording format checks imported lines the same way.
 */

/** Default of `--max-request-depth`: far above any real request, far below a stack overflow. */
export const DEFAULT_MAX_JSON_DEPTH = 128;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The deepest nesting in `text` (0 for a scalar, 1 for `{}` or `[]`), or -1 as soon as it passes
 * `limit` (the scan stops there). Works on a string or on UTF-8 bytes: the characters it looks
 * for are ASCII and never occur inside a multi-byte sequence. Malformed JSON gets a best-effort
 * answer; JSON.parse reports the syntax error.
 */
export function jsonDepthWithin(text: string | Uint8Array, limit: number): number {
  const bytes = typeof text !== 'string';
  const n = text.length;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = bytes ? (text as Uint8Array)[i] : (text as string).charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return -1;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
    }
  }
  return deepest;
}

/** True when `text` nests no deeper than `limit`. */
export function jsonDepthOk(text: string | Uint8Array, limit: number): boolean {
  return jsonDepthWithin(text, limit) !== -1;
}

/**
 * Depth of an already parsed value, iteratively (no recursion, so any depth is safe to measure);
 * stops once past `limit` and returns -1.
 */
export function valueDepthWithin(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    const depth = d + 1;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return -1;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth]);
    }
  }
  return deepest;
}

/**
 * Number of values in a parsed value (objects, arrays and scalars, the root included),
 * iteratively; stops once past `limit` and returns -1.
 */
export function valueCountWithin(value: unknown, limit: number): number {
  if (limit < 1) return -1;
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    count++;
    if (typeof v !== 'object' || v === null) continue;
    const children = Array.isArray(v) ? v : Object.values(v);
    // Every value waiting on the stack counts too: past the limit without walking them.
    if (count + stack.length + children.length > limit) return -1;
    for (const child of children) stack.push(child);
  }
  return count;
}
