/**
 * The sessions library over the gateway's recording REST API (docs/recording.md). The console
 * never reads the store itself: the same calls work in web mode and in the desktop window.
 */
import type { RecordedRun, RecordingSummary } from '../../../src-server/shared/recording-format/format.js';

export type { RecordingSummary };
import type { RecordingDiff } from '../../../src-server/shared/recording-format/diff.js';
import { gatewayFetch, type Connection, type GatewayFetchInit } from '../../lib/gateway-client.js';

export interface RecordingPage {
  data: RecordingSummary[];
  total: number;
  /** Whether the gateway records new runs right now. */
  recording: boolean;
}

export interface ImportAnswer {
  ids: string[];
  /** Runs of the file the library already holds (the same file imported again). */
  duplicates: string[];
}

export interface RerunAnswer {
  runs: string[];
  stored: string[];
  diffs: { recordedId: string; rerunId: string; diff: RecordingDiff }[];
}

/** An HTTP answer that was not what the call needed; the message is the gateway's own. */
export class LibraryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(connection: Connection, path: string, init: GatewayFetchInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await gatewayFetch(connection, path, init);
  } catch (e) {
    throw new LibraryError(`gateway unreachable: ${(e as Error).message}`, 0);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    // Not JSON: keep the text for the message below.
  }
  if (!res.ok) {
    const err = (body as { error?: { message?: string; code?: string } } | null)?.error;
    throw new LibraryError(err?.message ?? (text.slice(0, 300) || `HTTP ${res.status}`), res.status);
  }
  return body as T;
}

const json = (body: unknown): GatewayFetchInit => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const rec = (id: string) => `/v1/recordings/${encodeURIComponent(id)}`;

export const library = {
  list(
    connection: Connection,
    options: { search?: string; limit?: number; offset?: number } = {},
  ): Promise<RecordingPage> {
    const q = new URLSearchParams();
    if (options.search) q.set('search', options.search);
    q.set('limit', String(options.limit ?? 200));
    if (options.offset) q.set('offset', String(options.offset));
    return call<RecordingPage>(connection, `/v1/recordings?${q.toString()}`);
  },
  get(connection: Connection, id: string): Promise<RecordedRun> {
    return call<RecordedRun>(connection, rec(id));
  },
  update(
    connection: Connection,
    id: string,
    patch: { name?: string | null; tags?: string[] },
  ): Promise<RecordingSummary> {
    return call<RecordingSummary>(connection, rec(id), { method: 'PATCH', ...json(patch) });
  },
  remove(connection: Connection, id: string): Promise<unknown> {
    return call(connection, rec(id), { method: 'DELETE' });
  },
  /** The session file of a recording: JSON Lines text, or HAR JSON text. */
  async exportText(connection: Connection, id: string, format: 'jsonl' | 'har'): Promise<string> {
    let res: Response;
    try {
      res = await gatewayFetch(connection, `${rec(id)}/export${format === 'har' ? '?format=har' : ''}`);
    } catch (e) {
      throw new LibraryError(`gateway unreachable: ${(e as Error).message}`, 0);
    }
    const text = await res.text();
    if (!res.ok) throw new LibraryError(text.slice(0, 300) || `HTTP ${res.status}`, res.status);
    return text;
  },
  importText(connection: Connection, text: string): Promise<ImportAnswer> {
    return call<ImportAnswer>(connection, '/v1/recordings/import', {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/x-ndjson' },
    });
  },
  diff(connection: Connection, a: string, b: string): Promise<RecordingDiff> {
    return call<RecordingDiff>(connection, `/v1/recordings/diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  },
  /**
   * Re-runs the session of `id` against a target the gateway knows: 'self' (the gateway itself)
   * or a connected profile's id, which the gateway resolves; the page never sends a URL.
   */
  rerun(connection: Connection, id: string, target: string): Promise<RerunAnswer> {
    return call<RerunAnswer>(connection, `${rec(id)}/rerun`, { method: 'POST', ...json({ target }) });
  },
};
