/**
 * What `truncation` did to a run, from the gateway's `x-responses-truncation` and
 * `x-responses-truncated-items` headers (docs/headers.md). Pure.
 */
import { headerValue } from '../timeline/run-model.js';

export type TruncationNote =
  | { measured: false; reason: string }
  | {
      measured: true;
      droppedTurns: number;
      droppedItems: number;
      inputTokens: number;
      sentTokens: number;
      maxModelLen: number;
      /** Ids of the dropped items, or `context[i]` for items sent without one. */
      dropped: string[];
    };

/** Header lists are percent-encoded (docs/headers.md); a malformed escape is shown as sent. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function truncationOf(headers: Record<string, string>): TruncationNote | null {
  const value = headerValue(headers, 'x-responses-truncation');
  if (value === undefined) return null;
  if (value.startsWith('unmeasured')) {
    const reason = /reason=(.*)$/.exec(value)?.[1] ?? '';
    return { measured: false, reason: decoded(reason) };
  }
  const field = (name: string): number => Number(new RegExp(`${name}=(\\d+)`).exec(value)?.[1] ?? NaN);
  const list = headerValue(headers, 'x-responses-truncated-items') ?? '';
  return {
    measured: true,
    droppedTurns: field('dropped_turns'),
    droppedItems: field('dropped_items'),
    inputTokens: field('input_tokens'),
    sentTokens: field('sent_tokens'),
    maxModelLen: field('max_model_len'),
    dropped: list === '' ? [] : list.split(', ').map(decoded),
  };
}

/** One line for the run: what was measured and what was dropped. */
export function truncationSummary(note: TruncationNote): string {
  if (!note.measured) return `Truncation: not measured (${note.reason}).`;
  if (note.droppedItems === 0)
    return `Truncation: the context fits (${note.inputTokens} of ${note.maxModelLen} tokens); nothing was dropped.`;
  return (
    `Truncation dropped ${note.droppedItems} item${note.droppedItems === 1 ? '' : 's'} ` +
    `(${note.droppedTurns} oldest turn${note.droppedTurns === 1 ? '' : 's'}): the context was ${note.inputTokens} tokens, ` +
    `${note.sentTokens} were sent (max_model_len ${note.maxModelLen}).`
  );
}
