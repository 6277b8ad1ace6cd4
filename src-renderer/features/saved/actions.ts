/**
 * Saved requests: load them from the console's server, save the composer's request into a
 * collection, open one into the composer, edit collections and variables, import and export the
 * whole document as JSON. The built-in templates are the read-only "Examples" collection.
 */
import { useStudio } from '../../app/store.js';
import { getJson, sendJson } from '../../lib/gateway-client.js';
import { saveTextFile } from '../../lib/files.js';
import {
  parseSavedRequests,
  SavedRequestsError,
  SAVED_REQUESTS_FORMAT,
  SAVED_REQUESTS_VERSION,
  type Collection,
  type SavedRequest,
  type SavedRequestsDoc,
} from '../../../src-server/shared/saved-requests.js';
import { CONSOLE_CONNECTION } from '../connections/slice.js';
import { TEMPLATES, templateText } from '../composer/templates.js';

export const EXAMPLES_ID = 'examples';
const ENDPOINT = '/v1/console/saved-requests';

/** The templates as a collection (read-only: not part of the saved document). */
export function examplesCollection(): Collection {
  return {
    id: EXAMPLES_ID,
    name: 'Examples',
    variables: {},
    requests: TEMPLATES.map((t) => ({
      id: t.id,
      name: t.label,
      body: templateText(t.id),
      ...(t.sessionMode ? { sessionMode: true } : {}),
    })),
  };
}

const newId = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;

const saved = () => useStudio.getState().saved;
const setSaved = (patch: Parameters<ReturnType<typeof useStudio.getState>['setSaved']>[0]) =>
  useStudio.getState().setSaved(patch);

export async function loadSavedRequests(): Promise<void> {
  const res = await getJson<SavedRequestsDoc & { persistent?: boolean; error?: { message?: string } }>(
    CONSOLE_CONNECTION,
    ENDPOINT,
  );
  if (res.status === 404) {
    setSaved({ status: 'unavailable', error: undefined });
    return;
  }
  if (res.status !== 200 || !res.body) {
    setSaved({ status: 'ready', error: res.body?.error?.message ?? res.error ?? `HTTP ${res.status}` });
    return;
  }
  try {
    setSaved({ doc: parseSavedRequests(res.body), persistent: res.body.persistent === true, status: 'ready' });
  } catch (e) {
    setSaved({ status: 'ready', error: (e as Error).message });
  }
}

/** Writes the whole document; the server checks it again and answers what it kept. */
async function store(doc: SavedRequestsDoc, notice?: string): Promise<boolean> {
  const res = await sendJson<SavedRequestsDoc & { persistent?: boolean; error?: { message?: string } }>(
    CONSOLE_CONNECTION,
    ENDPOINT,
    doc,
    { method: 'PUT' },
  );
  if (res.status !== 200 || !res.body) {
    setSaved({ error: `Not saved: ${res.body?.error?.message ?? res.error ?? `HTTP ${res.status}`}` });
    return false;
  }
  setSaved({ doc: parseSavedRequests(res.body), persistent: res.body.persistent === true, error: undefined, notice });
  return true;
}

function withCollection(doc: SavedRequestsDoc, id: string, change: (c: Collection) => Collection): SavedRequestsDoc {
  return { ...doc, collections: doc.collections.map((c) => (c.id === id ? change(c) : c)) };
}

export async function createCollection(name: string): Promise<string | null> {
  const id = newId('col');
  const doc = saved().doc;
  const ok = await store(
    {
      ...doc,
      collections: [...doc.collections, { id, name: name.trim() || 'Collection', variables: {}, requests: [] }],
    },
    `Collection “${name.trim() || 'Collection'}” created`,
  );
  if (!ok) return null;
  setSaved({ activeCollectionId: id });
  return id;
}

export async function deleteCollection(id: string): Promise<void> {
  const doc = saved().doc;
  const ok = await store({ ...doc, collections: doc.collections.filter((c) => c.id !== id) }, 'Collection deleted');
  if (ok && saved().activeCollectionId === id) setSaved({ activeCollectionId: null, activeRequestId: null });
}

export async function setVariables(collectionId: string, variables: Record<string, string>): Promise<void> {
  await store(
    withCollection(saved().doc, collectionId, (c) => ({ ...c, variables })),
    'Variables saved',
  );
}

/** Saves the composer's request (text as written, placeholders kept) into a collection. */
export async function saveComposerRequest(collectionId: string, name: string): Promise<void> {
  const s = useStudio.getState();
  const request: SavedRequest = {
    id: newId('req'),
    name: name.trim() || 'Request',
    body: s.requestText,
    dialect: s.dialect,
    extensions: s.extensions,
    sessionMode: s.sessionMode,
  };
  const ok = await store(
    withCollection(saved().doc, collectionId, (c) => ({ ...c, requests: [...c.requests, request] })),
    `Saved “${request.name}”`,
  );
  if (ok) setSaved({ activeCollectionId: collectionId, activeRequestId: request.id });
}

export async function deleteRequest(collectionId: string, requestId: string): Promise<void> {
  await store(
    withCollection(saved().doc, collectionId, (c) => ({
      ...c,
      requests: c.requests.filter((r) => r.id !== requestId),
    })),
    'Request deleted',
  );
}

/** Puts a saved request (or an example) into the composer; its collection's variables apply. */
export function openSavedRequest(collectionId: string, requestId: string): void {
  const s = useStudio.getState();
  const collection =
    collectionId === EXAMPLES_ID ? examplesCollection() : saved().doc.collections.find((c) => c.id === collectionId);
  const request = collection?.requests.find((r) => r.id === requestId);
  if (!collection || !request) return;
  s.setRequestText(request.body);
  s.setComposer({
    dialect: request.dialect ?? s.dialect,
    extensions: request.extensions ?? s.extensions,
    sessionMode: request.sessionMode ?? false,
  });
  setSaved({ activeCollectionId: collectionId === EXAMPLES_ID ? null : collectionId, activeRequestId: requestId });
}

export async function exportSavedRequests(): Promise<void> {
  const doc = saved().doc;
  const name = await saveTextFile('saved-requests.json', JSON.stringify(doc, null, 2), 'application/json');
  if (name) setSaved({ notice: `Exported ${doc.collections.length} collection(s) to ${name}` });
}

/**
 * Adds the collections of an exported file. Collections get new ids, so importing a file twice
 * gives two copies; the import says so by name.
 */
export async function importSavedRequests(text: string, fileName: string): Promise<void> {
  let incoming: SavedRequestsDoc;
  try {
    incoming = parseSavedRequests(JSON.parse(text) as unknown);
  } catch (e) {
    const why = e instanceof SavedRequestsError || e instanceof SyntaxError ? e.message : String(e);
    setSaved({
      error: `${fileName}: not a saved-requests file (${SAVED_REQUESTS_FORMAT} v${SAVED_REQUESTS_VERSION}): ${why}`,
    });
    return;
  }
  const doc = saved().doc;
  const names = new Set(doc.collections.map((c) => c.name));
  const added = incoming.collections.map((c) => ({
    ...c,
    id: newId('col'),
    name: names.has(c.name) ? `${c.name} (imported)` : c.name,
  }));
  await store(
    { ...doc, collections: [...doc.collections, ...added] },
    `Imported ${added.length} collection(s) from ${fileName}`,
  );
}
