/**
 * A run as a readable transcript: the request's instructions and input items, then what the
 * model produced (from the assembled items, so a live run reads as it streams). Pure: the
 * conversation view renders the entries; previous_response_id chains add the stored links before.
 */
import type { AssembledItem } from './assembled.js';

export interface TranscriptEntry {
  key: string;
  /** Where the entry comes from: the request, or the model's output. */
  source: 'instructions' | 'input' | 'output';
  /** user, assistant, system, developer, tool (outputs), or the item type for others. */
  role: string;
  /** message, reasoning, function_call, function_call_output, refusal, or another item type. */
  kind: string;
  /** A short heading: the tool name and call id, "reasoning summary", … */
  title?: string;
  text: string;
  /** Arguments, outputs and unknown items are shown as code. */
  code?: boolean;
  status?: string;
  /** Left out of what the backend got by `truncation: "auto"`. */
  dropped?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((p) => {
      if (typeof p.text === 'string') return p.text;
      if (typeof p.refusal === 'string') return `[refusal] ${p.refusal}`;
      if (p.type === 'input_image')
        return `[image${typeof p.image_url === 'string' ? `: ${p.image_url.slice(0, 80)}` : ''}]`;
      if (p.type === 'input_file') return `[file${typeof p.filename === 'string' ? `: ${p.filename}` : ''}]`;
      return `[${String(p.type ?? 'part')}]`;
    })
    .join('\n');
}

/** One Responses item (input or stored output) as a transcript entry. */
export function entryOfItem(item: unknown, source: TranscriptEntry['source'], key: string): TranscriptEntry {
  if (!isObject(item)) return { key, source, role: 'unknown', kind: 'unknown', text: JSON.stringify(item), code: true };
  const type = typeof item.type === 'string' ? item.type : typeof item.role === 'string' ? 'message' : 'unknown';
  const status = typeof item.status === 'string' ? item.status : undefined;
  switch (type) {
    case 'message':
      return {
        key,
        source,
        role: String(item.role ?? 'assistant'),
        kind: 'message',
        text: contentText(item.content),
        status,
      };
    case 'reasoning': {
      const summary = Array.isArray(item.summary) ? contentText(item.summary) : '';
      const text = contentText(item.content);
      return {
        key,
        source,
        role: 'assistant',
        kind: 'reasoning',
        title: text ? 'reasoning' : 'reasoning summary',
        text: text || summary || (typeof item.encrypted_content === 'string' ? '[encrypted reasoning]' : ''),
        status,
      };
    }
    case 'function_call':
    case 'custom_tool_call':
      return {
        key,
        source,
        role: 'assistant',
        kind: type,
        title: `${String(item.name ?? '?')} · ${String(item.call_id ?? '')}`,
        text: String(item.arguments ?? item.input ?? ''),
        code: true,
        status,
      };
    case 'function_call_output':
    case 'custom_tool_call_output':
      return {
        key,
        source,
        role: 'tool',
        kind: type,
        title: `output · ${String(item.call_id ?? '')}`,
        text: typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
        code: true,
        status,
      };
    default:
      return { key, source, role: type, kind: type, text: JSON.stringify(item, null, 2), code: true, status };
  }
}

/** The request's instructions and input (a string or a list of items). */
export function entriesOfRequest(request: Record<string, unknown>, keyPrefix = 'in'): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  if (typeof request.instructions === 'string' && request.instructions !== '')
    out.push({
      key: `${keyPrefix}-instructions`,
      source: 'instructions',
      role: 'system',
      kind: 'message',
      text: request.instructions,
    });
  const input = request.input;
  if (typeof input === 'string')
    out.push({ key: `${keyPrefix}-0`, source: 'input', role: 'user', kind: 'message', text: input });
  else if (Array.isArray(input)) input.forEach((item, i) => out.push(entryOfItem(item, 'input', `${keyPrefix}-${i}`)));
  return out;
}

/** What the model produced, from the assembled items (live as they stream). */
export function entriesOfOutput(items: readonly AssembledItem[], keyPrefix = 'out'): TranscriptEntry[] {
  return items.map((it, i): TranscriptEntry => {
    const key = `${keyPrefix}-${it.key}-${i}`;
    const status = it.interrupted ? 'interrupted' : it.status;
    switch (it.type) {
      case 'message':
        return {
          key,
          source: 'output',
          role: 'assistant',
          kind: 'message',
          text: it.refusal ? `${it.text}${it.text ? '\n' : ''}[refusal] ${it.refusal}` : it.text,
          status,
        };
      case 'reasoning':
        return {
          key,
          source: 'output',
          role: 'assistant',
          kind: 'reasoning',
          title: it.reasoning ? 'reasoning' : 'reasoning summary',
          text: it.reasoning || it.summaryParts.join('\n\n') || (it.encryptedContent ? '[encrypted reasoning]' : ''),
          status,
        };
      case 'function_call':
      case 'custom_tool_call':
        return {
          key,
          source: 'output',
          role: 'assistant',
          kind: it.type,
          title: `${it.name ?? '?'} · ${it.callId ?? ''}`,
          text: it.arguments,
          code: true,
          status,
        };
      case 'function_call_output':
      case 'custom_tool_call_output':
        return {
          key,
          source: 'output',
          role: 'tool',
          kind: it.type,
          title: `output · ${it.callId ?? ''}`,
          text: it.output ?? '',
          code: true,
          status,
        };
      default:
        return it.raw
          ? { ...entryOfItem(it.raw, 'output', key), status }
          : { key, source: 'output', role: it.type, kind: it.type, text: '', status };
    }
  });
}
