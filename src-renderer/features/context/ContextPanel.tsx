import { useState } from 'react';
import { useStudio } from '../../app/store.js';
import { postJson } from '../../lib/gateway-client.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel, Unavailable } from '../../ui/Panel.js';
import { capabilityString, DECRYPT_FEATURES, featureAvailability } from '../gateway/capabilities.js';
import type { ContextBlob } from '../timeline/run-model.js';

interface DecryptAnswer {
  integrity?: 'valid' | 'tampered' | 'foreign_key' | string;
  key_id?: string;
  plaintext?: unknown;
}

/**
 * Sealed blobs of the run. Decryption goes through the gateway (it holds the key; the page never
 * sees it), at the endpoint the gateway advertises in /v1/capabilities.
 */
function BlobRow({ blob, endpoint }: { blob: ContextBlob; endpoint?: string }) {
  const hasConnection = useStudio((s) => s.activeConnection() !== null);
  const [answer, setAnswer] = useState<DecryptAnswer | null>(null);
  const [error, setError] = useState<string>();
  return (
    <div className="blob" data-testid="context-blob">
      <div>
        <strong>{blob.source}</strong> {blob.itemId ? <span className="mono muted">{blob.itemId}</span> : null} · {blob.bytes.toLocaleString()} bytes{blob.keyId ? ` · key ${blob.keyId}` : ''}
      </div>
      <div className="mono blob-preview">{blob.value.slice(0, 96)}…</div>
      {endpoint && hasConnection ? (
        <button
          data-testid="decrypt"
          onClick={async () => {
            setError(undefined);
            const conn = useStudio.getState().activeConnection();
            if (!conn) return;
            const res = await postJson<DecryptAnswer & { error?: { message?: string } }>(conn, endpoint, { encrypted_content: blob.value });
            if (res.status === 200 && res.body) setAnswer(res.body);
            else setError(res.body?.error?.message ?? res.error ?? `HTTP ${res.status}`);
          }}
        >
          Decrypt
        </button>
      ) : null}
      <ErrorNote message={error} />
      {answer ? (
        <div className={`decrypted integrity-${answer.integrity ?? 'unknown'}`} data-testid="decrypted">
          <div>
            integrity: <strong>{answer.integrity ?? 'unknown'}</strong>
            {answer.key_id ? ` · key ${answer.key_id}` : ''}
          </div>
          <pre>{typeof answer.plaintext === 'string' ? answer.plaintext : JSON.stringify(answer.plaintext, null, 2)}</pre>
        </div>
      ) : null}
    </div>
  );
}

export function ContextPanel() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  const caps = useStudio((s) => s.capabilities);
  useStudio((s) => s.version);
  const decrypt = featureAvailability(caps, DECRYPT_FEATURES);
  const endpoint = capabilityString(caps, ['encrypted_context.decrypt_endpoint', 'features.encrypted_context.decrypt_endpoint', 'decrypt.endpoint']);
  const blobs = run?.blobs ?? [];
  return (
    <Panel title="Encrypted context" testId="context-panel">
      {decrypt !== 'available' || !endpoint ? <Unavailable feature="Decryption" detail="the gateway does not advertise a decrypt endpoint in /v1/capabilities; blobs are still listed" /> : null}
      {blobs.length === 0 ? (
        <EmptyState title="No sealed blobs in this run">
          Use the “Reasoning with summary” template (it asks for <code>reasoning.encrypted_content</code>); sealed reasoning and <code>response.additional_context</code> blobs are listed here.
        </EmptyState>
      ) : (
        blobs.map((b, i) => <BlobRow key={i} blob={b} endpoint={decrypt === 'available' ? endpoint : undefined} />)
      )}
    </Panel>
  );
}
