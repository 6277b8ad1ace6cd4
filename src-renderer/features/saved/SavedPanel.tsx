import { useEffect, useRef, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { readFiles } from '../../lib/files.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel, Unavailable } from '../../ui/Panel.js';
import type { Collection } from '../../../src-server/shared/saved-requests.js';
import {
  createCollection,
  deleteCollection,
  deleteRequest,
  examplesCollection,
  EXAMPLES_ID,
  exportSavedRequests,
  importSavedRequests,
  loadSavedRequests,
  openSavedRequest,
  saveComposerRequest,
  setVariables,
} from './actions.js';
import { variablesUsed } from './variables.js';

function VariablesEditor({ collection }: { collection: Collection }) {
  const saved = JSON.stringify(collection.variables, null, 2);
  const [text, setText] = useState(saved);
  const [error, setError] = useState<string>();
  // Only a change of what is stored resets the editor (not every store update).
  useEffect(() => setText(saved), [collection.id, saved]);
  const save = () => {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
      // Values are text; objects and arrays (e.g. tools) are kept as their JSON.
      const vars = Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      );
      setError(undefined);
      void setVariables(collection.id, vars);
    } catch (e) {
      setError(`Variables must be a JSON object of name → value: ${(e as Error).message}`);
    }
  };
  return (
    <div className="saved-vars">
      <div className="muted small-note">
        Variables, used as <code>{'{{name}}'}</code> in the requests (<code>{'"{{tools}}"'}</code> takes a JSON value);
        <code>baseUrl</code> is used by Copy as…
      </div>
      <textarea
        data-testid="saved-variables"
        rows={Math.min(10, Math.max(3, text.split('\n').length))}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <ErrorNote message={error} />
      <button data-testid="saved-variables-save" onClick={save}>
        Save variables
      </button>
    </div>
  );
}

function CollectionView({ collection, readOnly }: { collection: Collection; readOnly?: boolean }) {
  const activeRequestId = useStudio((s) => s.saved.activeRequestId);
  const activeCollectionId = useStudio((s) => s.saved.activeCollectionId);
  const [open, setOpen] = useState(!readOnly);
  return (
    <section className="saved-collection" data-testid="saved-collection" data-id={collection.id}>
      <header>
        <button className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? '▾' : '▸'} {collection.name}
        </button>
        <span className="muted small">
          {collection.requests.length} request{collection.requests.length === 1 ? '' : 's'}
          {activeCollectionId === collection.id ? ' · variables active' : ''}
        </span>
        {readOnly ? null : (
          <button
            className="danger small"
            title="Delete this collection"
            onClick={() => void deleteCollection(collection.id)}
          >
            Delete
          </button>
        )}
      </header>
      {open ? (
        <>
          <ul className="saved-requests">
            {collection.requests.map((r) => {
              const vars = variablesUsed(r.body);
              return (
                <li
                  key={r.id}
                  className={activeRequestId === r.id ? 'active' : ''}
                  data-testid="saved-request"
                  data-id={r.id}
                >
                  <button
                    className="link"
                    onClick={() => openSavedRequest(collection.id, r.id)}
                    title="Open in the composer"
                  >
                    {r.name}
                  </button>
                  {vars.length ? <span className="muted small"> {vars.map((v) => `{{${v}}}`).join(' ')}</span> : null}
                  {readOnly ? null : (
                    <button className="small" title="Delete" onClick={() => void deleteRequest(collection.id, r.id)}>
                      ×
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          {readOnly ? null : <VariablesEditor collection={collection} />}
        </>
      ) : null}
    </section>
  );
}

/** Named requests in collections with variables; the templates are the Examples collection. */
export function SavedPanel() {
  const saved = useStudio((s) => s.saved);
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [newCollection, setNewCollection] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (saved.status === 'idle') void loadSavedRequests();
  }, [saved.status]);
  const collections = saved.doc.collections;
  const targetId = target || collections[0]?.id || '';
  return (
    <Panel
      title="Saved requests"
      testId="saved-panel"
      actions={
        <>
          <button data-testid="saved-import" onClick={() => fileInput.current?.click()}>
            Import…
          </button>
          <input
            ref={fileInput}
            type="file"
            hidden
            accept=".json"
            data-testid="saved-import-input"
            onChange={(e) =>
              e.target.files &&
              void readFiles(e.target.files)
                .then(async (files) => {
                  for (const f of files) await importSavedRequests(f.text, f.name);
                })
                .finally(() => (e.target.value = ''))
            }
          />
          <button data-testid="saved-export" disabled={!collections.length} onClick={() => void exportSavedRequests()}>
            Export
          </button>
        </>
      }
    >
      {saved.status === 'unavailable' ? (
        <Unavailable feature="Saved requests" detail="this gateway was not started by the console" />
      ) : null}
      <ErrorNote message={saved.error} testId="saved-error" />
      {saved.notice ? (
        <div className="ok-note" data-testid="saved-notice">
          {saved.notice}
        </div>
      ) : null}
      {saved.status === 'ready' && !saved.persistent ? (
        <div className="muted small-note">Kept in memory: the console runs without a data folder (--in-memory).</div>
      ) : null}
      <div className="saved-save">
        <input
          data-testid="saved-name"
          placeholder="Name for the composer’s request"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <select aria-label="Collection" value={targetId} onChange={(e) => setTarget(e.target.value)}>
          {collections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <button
          className="primary"
          data-testid="saved-save"
          disabled={!targetId || !name.trim()}
          onClick={() => void saveComposerRequest(targetId, name).then(() => setName(''))}
        >
          Save request
        </button>
      </div>
      <div className="saved-save">
        <input
          data-testid="saved-new-collection-name"
          placeholder="New collection name"
          value={newCollection}
          onChange={(e) => setNewCollection(e.target.value)}
        />
        <button
          data-testid="saved-new-collection"
          disabled={!newCollection.trim()}
          onClick={() =>
            void createCollection(newCollection).then((id) => {
              if (id) setTarget(id);
              setNewCollection('');
            })
          }
        >
          New collection
        </button>
      </div>
      {collections.length === 0 && saved.status === 'ready' ? (
        <EmptyState title="No saved requests yet">
          Create a collection, then save the composer’s request into it. Variables such as <code>{'{{model}}'}</code>{' '}
          are filled in when you send.
        </EmptyState>
      ) : null}
      {collections.map((c) => (
        <CollectionView key={c.id} collection={c} />
      ))}
      <CollectionView key={EXAMPLES_ID} collection={examplesCollection()} readOnly />
    </Panel>
  );
}
