/**
 * Library fields of a run from its request, isomorphic: what kind of request it is, the start of
 * its input, and the recording it re-runs. The store derives them when a recording starts; files
 * written before they existed get them the same way on import.
 */
/** Request header a re-run sends with each request: the id of the recording it re-runs. */
export const RERUN_OF_HEADER = 'x-responses-rerun-of';
/** Longest input preview kept for the library. */
export const INPUT_PREVIEW_CHARS = 120;

export type RunKind = 'response' | 'tool_outputs';

export interface RequestSummary {
  requestKind: RunKind;
  inputPreview: string | null;
  rerunOf: string | null;
}

const TOOL_OUTPUTS_PATH = /\/responses\/[^/]+\/tool_outputs$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function squash(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '') return null;
  return t.length > INPUT_PREVIEW_CHARS ? `${t.slice(0, INPUT_PREVIEW_CHARS - 1)}…` : t;
}

/** The readable start of a request's input: the last user text, or what the tool outputs answer. */
function inputText(body: Record<string, unknown>, kind: RunKind): string | null {
  if (kind === 'tool_outputs') {
    const outs = Array.isArray(body.tool_outputs) ? body.tool_outputs.filter(isObject) : [];
    const ids = outs.map((o) => (typeof o.call_id === 'string' ? o.call_id : '?'));
    return ids.length ? `tool outputs for ${ids.join(', ')}` : 'tool outputs';
  }
  if (typeof body.input === 'string') return squash(body.input);
  const items = Array.isArray(body.input) ? body.input.filter(isObject) : [];
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type === 'function_call_output')
      return `tool output for ${typeof item.call_id === 'string' ? item.call_id : '?'}`;
    if (item.role !== 'user' && item.role !== undefined) continue;
    if (typeof item.content === 'string') return squash(item.content);
    for (const part of Array.isArray(item.content) ? item.content.filter(isObject) : [])
      if (typeof part.text === 'string') return squash(part.text);
  }
  return null;
}

export function requestSummary(request: unknown): RequestSummary {
  const r = isObject(request) ? request : {};
  const kind: RunKind = typeof r.path === 'string' && TOOL_OUTPUTS_PATH.test(r.path) ? 'tool_outputs' : 'response';
  const headers = isObject(r.headers) ? r.headers : {};
  const rerunOf = headers[RERUN_OF_HEADER];
  return {
    requestKind: kind,
    inputPreview: isObject(r.body) ? inputText(r.body, kind) : null,
    rerunOf: typeof rerunOf === 'string' && rerunOf !== '' ? rerunOf.slice(0, 100) : null,
  };
}
