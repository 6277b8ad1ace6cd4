import { useStudio } from '../app/store.js';
import { asCurl, asOpenAiNode, asPython } from '../features/composer/snippets.js';
import { requestHeaders } from '../features/composer/send.js';

/** The composer's request as code; falls back to the raw text when it is not valid JSON. */
export function snippet(kind: 'curl' | 'node' | 'python'): string {
  const s = useStudio.getState();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(s.requestText) as Record<string, unknown>;
  } catch {
    return s.requestText;
  }
  const conn = s.activeConnection();
  const url = conn?.baseUrl || window.location.origin;
  const input = { url, body, headers: requestHeaders() };
  return kind === 'curl' ? asCurl(input) : kind === 'node' ? asOpenAiNode(input) : asPython(input);
}
