import { useStudio } from '../app/store.js';
import { asCurl, asOpenAiNode, asPython } from '../features/composer/snippets.js';
import { requestHeaders } from '../features/composer/send.js';
import { resolveVariables } from '../features/saved/variables.js';
import { activeVariables } from '../features/saved/slice.js';

/** Copies to the clipboard and says so (or says why it could not). */
export function copyText(text: string, what: string): void {
  const s = useStudio.getState();
  if (!navigator.clipboard) {
    s.showToast(`Could not copy ${what}: no clipboard access here`);
    return;
  }
  navigator.clipboard.writeText(text).then(
    () => s.showToast(`Copied ${what} to the clipboard`),
    (e: unknown) => s.showToast(`Could not copy ${what}: ${(e as Error).message}`),
  );
}

/**
 * The composer's request as code, placeholders filled in; the collection's `baseUrl` variable,
 * when set, is the server the snippet talks to. Falls back to the raw text when it is not JSON.
 */
export function snippet(kind: 'curl' | 'node' | 'python'): string {
  const s = useStudio.getState();
  const vars = activeVariables(s);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(resolveVariables(s.requestText, vars)) as Record<string, unknown>;
  } catch {
    return s.requestText;
  }
  const conn = s.activeConnection();
  const url = (vars.baseUrl || conn?.baseUrl || window.location.origin).replace(/\/+$/, '').replace(/\/v1$/, '');
  const input = { url, body, headers: requestHeaders() };
  return kind === 'curl' ? asCurl(input) : kind === 'node' ? asOpenAiNode(input) : asPython(input);
}

const NAMES = {
  curl: 'the request as curl',
  node: 'the request as openai-node code',
  python: 'the request as Python code',
};

export function copySnippet(kind: 'curl' | 'node' | 'python'): void {
  copyText(snippet(kind), NAMES[kind]);
}
