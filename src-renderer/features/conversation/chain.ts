/**
 * The responses a run continues (`previous_response_id`, then theirs, …), read from the gateway's
 * store: each link's own input items and its output, oldest first. A `conversation` (the
 * Conversations API) would be a second source of earlier items; this gateway has no such API yet.
 */
import { getJson, type Connection, type JsonAnswer } from '../../lib/gateway-client.js';

export interface ChainLink {
  responseId: string;
  model?: string;
  input: unknown[];
  output: unknown[];
}

export interface Chain {
  links: ChainLink[];
  /** Why the walk stopped early (a link not stored, a 404, a loop, the depth limit). */
  error?: string;
}

/** Links walked at most (a longer history is cut, and the view says so). */
export const MAX_CHAIN_LINKS = 50;

interface StoredResponse {
  id?: string;
  model?: string;
  output?: unknown[];
  previous_response_id?: string | null;
  error?: { message?: string };
}

export async function loadChain(connection: Connection, previousId: string): Promise<Chain> {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  let id: string | null = previousId;
  while (id) {
    if (seen.has(id)) return { links: links.reverse(), error: `the chain loops at ${id}` };
    if (links.length >= MAX_CHAIN_LINKS)
      return { links: links.reverse(), error: `only the last ${MAX_CHAIN_LINKS} responses are shown` };
    seen.add(id);
    const path: string = `/v1/responses/${encodeURIComponent(id)}`;
    const [res, items]: [JsonAnswer<StoredResponse>, JsonAnswer<{ data?: unknown[] }>] = await Promise.all([
      getJson<StoredResponse>(connection, path),
      getJson<{ data?: unknown[] }>(connection, `${path}/input_items?order=asc&limit=100`),
    ]);
    if (res.status !== 200 || !res.body) {
      const why = res.body?.error?.message ?? res.error ?? `HTTP ${res.status}`;
      return { links: links.reverse(), error: `${id} could not be read from the store: ${why}` };
    }
    links.push({
      responseId: id,
      model: res.body.model,
      input: items.status === 200 ? (items.body?.data ?? []) : [],
      output: res.body.output ?? [],
    });
    id = res.body.previous_response_id ?? null;
  }
  return { links: links.reverse() };
}
