/**
 * Response header values built from request content. Node refuses to write a header value with
 * control characters (a NUL in a JSON key, say) and throws, so such text is percent-encoded
 * first, and bounded, since a request may name thousands of fields.
 */
import type { TruncationReport } from '../engine/truncation.js';

/** Lenient mode (L3): the unknown fields that were ignored (docs/headers.md). */
export const IGNORED_FIELDS_HEADER = 'x-responses-ignored-fields';

/** Longest value written; past it the list ends with `...(+N more)` (ASCII: header values must be). */
export const MAX_LIST_HEADER_CHARS = 4096;

/**
 * `text` with every character outside printable ASCII, and `%` and `,` (the list separator),
 * percent-encoded as UTF-8 (`%00`, `%C3%A9`); a lone surrogate becomes U+FFFD (`%EF%BF%BD`).
 * Ordinary field paths (`input[0].foo`) are unchanged.
 */
export function headerSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0x20 && code <= 0x7e && ch !== '%' && ch !== ',') {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A comma-separated header list of `items`, each made header-safe, cut to MAX_LIST_HEADER_CHARS. */
export function headerList(items: readonly string[]): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const item = headerSafe(items[i]);
    const next = out === '' ? item : `${out}, ${item}`;
    if (next.length > MAX_LIST_HEADER_CHARS) return `${out}${out === '' ? '' : ', '}...(+${items.length - i} more)`;
    out = next;
  }
  return out;
}

const CUT = '...(cut)';

/**
 * One text made header-safe and cut to `max` characters between two of the text's characters
 * (never inside the escapes of one), ending with `...(cut)` when it was longer. A request's model
 * name of 100,000 characters must not become a header that a client refuses to read (undici stops
 * at 16 KiB).
 */
export function headerText(text: string, max: number = MAX_LIST_HEADER_CHARS): string {
  const safe = headerSafe(text);
  if (safe.length <= max) return safe;
  const room = max - CUT.length;
  let out = '';
  for (const ch of text) {
    const next = headerSafe(ch);
    if (out.length + next.length > room) break;
    out += next;
  }
  return `${out}${CUT}`;
}

export const ignoredFieldsHeader = headerList;

/** `truncation` (docs/headers.md): what was measured and, with "auto", what was dropped. */
export const TRUNCATION_HEADER = 'x-responses-truncation';
/** The items `truncation: "auto"` dropped: their ids, or `context[i]` for items sent without one. */
export const TRUNCATED_ITEMS_HEADER = 'x-responses-truncated-items';

export function truncationHeaders(report: TruncationReport): Record<string, string> {
  if (!report.measured) return { [TRUNCATION_HEADER]: `unmeasured; reason=${headerText(report.reason)}` };
  const summary =
    `dropped_turns=${report.droppedTurns}; dropped_items=${report.dropped.length}; ` +
    `input_tokens=${report.inputTokens}; sent_tokens=${report.fittedTokens}; max_model_len=${report.maxModelLen}`;
  const out: Record<string, string> = { [TRUNCATION_HEADER]: summary };
  if (report.dropped.length > 0)
    out[TRUNCATED_ITEMS_HEADER] = headerList(report.dropped.map((d) => d.id ?? `context[${d.index}]`));
  return out;
}
