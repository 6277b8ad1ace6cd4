import { useState } from 'react';
import { useStudio } from '../../app/store.js';
import { postJson } from '../../lib/gateway-client.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel, Unavailable } from '../../ui/Panel.js';
import { decryptEndpoint } from '../gateway/capabilities.js';
import type { ContextBlob } from '../timeline/run-model.js';

/** The gateway's inspection of a sealed blob (docs/state.md). */
export interface Inspection {
  version?: number;
  key_id?: string | null;
  bytes?: number;
  integrity?: 'valid' | 'tampered' | 'foreign-key' | 'malformed' | string;
  payload?: unknown;
}

const INTEGRITY_TEXT: Record<string, string> = {
  valid: 'valid — sealed by a key this gateway holds, unmodified',
  tampered: 'tampered — the key matches but the bytes were changed',
  'foreign-key': 'foreign key — sealed by a key this gateway does not hold',
  malformed: 'malformed — not a sealed token',
};

/**
 * One sealed blob. Decryption goes through the gateway (it holds the key; the page never sees
 * it): the answer says integrity, size and key id, and the plaintext only for a valid blob.
 */
function BlobRow({ blob, endpoint }: { blob: ContextBlob; endpoint?: string }) {
  const hasConnection = useStudio((s) => s.activeConnection() !== null);
  const [answer, setAnswer] = useState<Inspection | null>(null);
  const [error, setError] = useState<string>();
  const decrypt = async () => {
    setError(undefined);
    const conn = useStudio.getState().activeConnection();
    if (!conn || !endpoint) return;
    const res = await postJson<Inspection & { error?: { message?: string } }>(conn, endpoint, {
      encrypted_content: blob.value,
      reveal: true,
    });
    if (res.status === 200 && res.body) setAnswer(res.body);
    else setError(res.body?.error?.message ?? res.error ?? `HTTP ${res.status}`);
  };
  const integrity = answer?.integrity ?? 'unknown';
  return (
    <div className="blob" data-testid="context-blob">
      <div>
        <strong>{blob.source}</strong> {blob.itemId ? <span className="mono muted">{blob.itemId}</span> : null} ·{' '}
        {blob.bytes.toLocaleString()} characters{blob.keyId ? ` · key ${blob.keyId}` : ''}
      </div>
      <div className="mono blob-preview">{blob.value.slice(0, 96)}…</div>
      {endpoint && hasConnection ? (
        <button data-testid="decrypt" onClick={() => void decrypt()}>
          Decrypt
        </button>
      ) : null}
      <ErrorNote message={error} />
      {answer ? (
        <div className={`decrypted integrity-${integrity}`} data-testid="decrypted" data-integrity={integrity}>
          <div>
            integrity: <strong>{integrity}</strong> <span className="muted">{INTEGRITY_TEXT[integrity] ?? ''}</span>
          </div>
          <div className="muted" data-testid="decrypted-meta">
            {answer.bytes !== undefined ? `${answer.bytes.toLocaleString()} bytes sealed` : ''}
            {answer.key_id ? ` · key id ${answer.key_id}` : ' · key id unknown'}
            {answer.version !== undefined ? ` · format v${answer.version}` : ''}
          </div>
          {answer.payload !== undefined ? (
            <pre data-testid="decrypted-payload">
              {typeof answer.payload === 'string' ? answer.payload : JSON.stringify(answer.payload, null, 2)}
            </pre>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

export function ContextPanel() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  const caps = useStudio((s) => s.capabilities);
  useStudio((s) => s.version);
  const endpoint = decryptEndpoint(caps);
  const blobs = run?.blobs ?? [];
  return (
    <Panel title="Encrypted context" testId="context-panel">
      {!endpoint ? (
        <Unavailable
          feature="Decryption"
          detail="the gateway offers no encrypted-content inspect endpoint to this page; blobs are still listed"
        />
      ) : null}
      {blobs.length === 0 ? (
        <EmptyState title="No sealed blobs in this run">
          Use the “Reasoning with summary” template (it asks for <code>reasoning.encrypted_content</code>); sealed
          reasoning and <code>response.additional_context</code> blobs are listed here.
        </EmptyState>
      ) : (
        blobs.map((b, i) => <BlobRow key={i} blob={b} endpoint={endpoint} />)
      )}
    </Panel>
  );
}
