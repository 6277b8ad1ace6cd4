/**
 * A Conversations API conversation read from the gateway: its items, oldest first, in sections by
 * the response that added them (`GET /v1/conversations/{id}/responses` names each response's item
 * ids; items added with `POST …/items` have no response). Pure data for the conversation view.
 */
import { getJson, type Connection, type JsonAnswer } from '../../lib/gateway-client.js';

export interface ConversationSection {
  /** The response that added these items; null for items added directly. */
  responseId: string | null;
  status?: string | null;
  model?: string | null;
  /** False when the response was not stored (store: false) or is gone. */
  stored?: boolean;
  items: Record<string, unknown>[];
}

export interface LoadedConversation {
  id: string;
  metadata: Record<string, string>;
  sections: ConversationSection[];
  /** Items in the conversation (all of them, even when only the first pages were read). */
  itemCount: number;
  /** Why the view is incomplete (not found, a page failed, the item limit). */
  error?: string;
}

/** Items read at most (a longer conversation is cut, and the view says so). */
export const MAX_CONVERSATION_ITEMS = 1000;

interface ItemPage {
  data?: Record<string, unknown>[];
  has_more?: boolean;
  last_id?: string | null;
}

interface ResponseInfo {
  id: string;
  item_ids?: string[];
  status?: string | null;
  model?: string | null;
  stored?: boolean;
}

const why = (answer: JsonAnswer<unknown>): string => {
  const body = answer.body as { error?: { message?: string } } | null;
  return body?.error?.message ?? answer.error ?? `HTTP ${answer.status}`;
};

/** Consecutive items added by the same response form one section. */
export function sectionsOf(
  items: readonly Record<string, unknown>[],
  responses: readonly ResponseInfo[],
): ConversationSection[] {
  const owner = new Map<string, ResponseInfo>();
  for (const r of responses) for (const id of r.item_ids ?? []) owner.set(id, r);
  const sections: ConversationSection[] = [];
  for (const item of items) {
    const r = typeof item.id === 'string' ? owner.get(item.id) : undefined;
    const last = sections.at(-1);
    if (last && last.responseId === (r?.id ?? null)) {
      last.items.push(item);
      continue;
    }
    sections.push(
      r
        ? { responseId: r.id, status: r.status, model: r.model, stored: r.stored, items: [item] }
        : { responseId: null, items: [item] },
    );
  }
  return sections;
}

export async function loadConversation(connection: Connection, id: string): Promise<LoadedConversation> {
  const base = `/v1/conversations/${encodeURIComponent(id)}`;
  const [conv, responses] = await Promise.all([
    getJson<{ id?: string; metadata?: Record<string, string> }>(connection, base),
    getJson<{ data?: ResponseInfo[] }>(connection, `${base}/responses`),
  ]);
  if (conv.status !== 200 || !conv.body)
    return { id, metadata: {}, sections: [], itemCount: 0, error: `${id} could not be read: ${why(conv)}` };
  const items: Record<string, unknown>[] = [];
  let after: string | null = null;
  let error: string | undefined;
  for (;;) {
    const query: string = `?order=asc&limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const page: JsonAnswer<ItemPage> = await getJson<ItemPage>(connection, `${base}/items${query}`);
    if (page.status !== 200 || !page.body) {
      error = `the items could not be read: ${why(page)}`;
      break;
    }
    items.push(...(page.body.data ?? []));
    if (!page.body.has_more || !page.body.last_id) break;
    if (items.length >= MAX_CONVERSATION_ITEMS) {
      error = `only the first ${MAX_CONVERSATION_ITEMS} items are shown`;
      break;
    }
    after = page.body.last_id;
  }
  return {
    id,
    metadata: conv.body.metadata ?? {},
    sections: sectionsOf(items, responses.status === 200 ? (responses.body?.data ?? []) : []),
    itemCount: items.length,
    ...(error ? { error } : {}),
  };
}
