import { useState } from 'react';
import { useStudio } from '../../app/store.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { profileLabel } from './profiles.js';

const KEY_STORAGE_TEXT: Record<string, string> = {
  keychain: 'kept by the app in the OS keychain',
  file: 'kept by the console’s server in a file only you can read (data folder)',
  memory: 'kept by the console’s server in memory until it stops',
};

export function ConnectionsPanel() {
  const profiles = useStudio((s) => s.profiles);
  const activeId = useStudio((s) => s.activeProfileId);
  const select = useStudio((s) => s.selectProfile);
  const update = useStudio((s) => s.updateProfile);
  const connect = useStudio((s) => s.connectProfile);
  const urls = useStudio((s) => s.gatewayUrls);
  const health = useStudio((s) => s.health);
  const error = useStudio((s) => s.connectionError);
  const connecting = useStudio((s) => s.connecting);
  const keyStorage = useStudio((s) => s.keyStorage);
  // The key goes to the console's host once (Connect) and is cleared here: the page never keeps it.
  const [key, setKey] = useState('');
  const active = profiles.find((p) => p.id === activeId);
  return (
    <Panel title="Connections" testId="connections-panel">
      <div className="profiles">
        {profiles.map((p) => (
          <label key={p.id} className={`profile${p.id === activeId ? ' active' : ''}`} data-testid={`profile-${p.id}`}>
            <input type="radio" name="profile" checked={p.id === activeId} onChange={() => select(p.id)} />{' '}
            {profileLabel(p, p.id === activeId ? health.backend : undefined)}
            {p.kind === 'builtin' || urls[p.id] ? (
              <span
                className={`dot health-${p.id === activeId ? health.state : 'unknown'}`}
                title={p.id === activeId ? health.state : 'select to check'}
              />
            ) : (
              <span className="muted small"> not connected</span>
            )}
          </label>
        ))}
      </div>
      {active && active.kind !== 'builtin' ? (
        <div className="profile-edit">
          <label>
            Backend URL
            <input
              data-testid="profile-backend-url"
              value={active.backendUrl ?? ''}
              onChange={(e) => update(active.id, { backendUrl: e.target.value })}
            />
          </label>
          <label>
            Kind
            <select
              data-testid="profile-backend-kind"
              value={active.backendKind ?? 'vllm'}
              onChange={(e) =>
                update(active.id, { backendKind: e.target.value as 'vllm' | 'vllm-responses' | 'openai-chat' })
              }
            >
              <option value="vllm">vLLM (Chat Completions)</option>
              <option value="vllm-responses">vLLM (its own /v1/responses)</option>
              <option value="openai-chat">OpenAI-compatible</option>
            </select>
          </label>
          <label>
            API key {active.hasKey ? <span className="badge">stored</span> : null}
            <input
              type="password"
              data-testid="profile-api-key"
              autoComplete="off"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              placeholder={active.hasKey ? 'leave empty to keep the stored key' : 'optional'}
            />
          </label>
          <div className="muted small-note">
            The key is sent once to the console’s own server and {KEY_STORAGE_TEXT[keyStorage ?? ''] ?? 'kept there'};
            it is never shown or sent back to this page.
          </div>
          <div className="row-actions">
            <button
              className="primary"
              data-testid="profile-connect"
              disabled={connecting === active.id}
              onClick={() => {
                const k = key;
                setKey('');
                void connect(active.id, k || undefined);
              }}
            >
              {connecting === active.id ? 'Connecting…' : urls[active.id] ? 'Reconnect' : 'Connect'}
            </button>
            {active.hasKey ? (
              <button data-testid="profile-forget-key" onClick={() => void connect(active.id, null)}>
                Forget key
              </button>
            ) : null}
          </div>
          {urls[active.id] ? (
            <div className="muted small-note mono" data-testid="profile-gateway-url">
              gateway {urls[active.id]} → {active.backendUrl}
            </div>
          ) : null}
        </div>
      ) : null}
      <ErrorNote message={error} testId="connection-error" />
      <div className="muted small-note">
        Health: <span data-testid="profile-health">{health.state}</span>{' '}
        {health.backend ? (
          <span className="mono">
            · backend {health.backend.kind} {health.backend.url}
          </span>
        ) : null}{' '}
        {health.models.length ? `· models: ${health.models.join(', ')}` : ''}
      </div>
      <ErrorNote message={health.error} testId="profile-health-error" />
    </Panel>
  );
}
