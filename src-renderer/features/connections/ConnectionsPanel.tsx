import { useState } from 'react';
import { useStudio } from '../../app/store.js';
import { bridge } from '../../lib/bridge.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';

export function ConnectionsPanel() {
  const profiles = useStudio((s) => s.profiles);
  const activeId = useStudio((s) => s.activeProfileId);
  const select = useStudio((s) => s.selectProfile);
  const update = useStudio((s) => s.updateProfile);
  const connect = useStudio((s) => s.connectProfile);
  const urls = useStudio((s) => s.gatewayUrls);
  const health = useStudio((s) => s.health);
  const error = useStudio((s) => s.connectionError);
  // In web mode the key stays in this component's memory only; on desktop it goes to the keychain.
  const [key, setKey] = useState('');
  const active = profiles.find((p) => p.id === activeId);
  const desktop = bridge() !== null;
  return (
    <Panel title="Connections" testId="connections-panel">
      <div className="profiles">
        {profiles.map((p) => (
          <label key={p.id} className={`profile${p.id === activeId ? ' active' : ''}`}>
            <input type="radio" name="profile" checked={p.id === activeId} onChange={() => select(p.id)} /> {p.name}
            {p.kind === 'builtin' || urls[p.id] ? (
              <span className={`dot health-${p.id === activeId ? health.state : 'unknown'}`} />
            ) : null}
          </label>
        ))}
      </div>
      {active && active.kind !== 'builtin' ? (
        <div className="profile-edit">
          <label>
            Backend URL
            <input
              value={active.backendUrl ?? ''}
              onChange={(e) => update(active.id, { backendUrl: e.target.value })}
            />
          </label>
          <label>
            Kind
            <select
              value={active.backendKind ?? 'vllm'}
              onChange={(e) => update(active.id, { backendKind: e.target.value as 'vllm' | 'openai-chat' })}
            >
              <option value="vllm">vLLM</option>
              <option value="openai-chat">OpenAI-compatible</option>
            </select>
          </label>
          {active.kind === 'remote' ? (
            <label>
              API key {active.hasKey ? '(stored in keychain)' : ''}
              <input
                type="password"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                placeholder={desktop ? 'kept in the OS keychain' : 'kept in memory only'}
              />
            </label>
          ) : null}
          <button className="primary" onClick={() => void connect(active.id, key || undefined)}>
            Connect
          </button>
          {!desktop ? (
            <div className="muted small-note">
              Web mode serves one gateway. For another backend run: npm start -- --backend {active.backendUrl}
            </div>
          ) : null}
        </div>
      ) : null}
      <ErrorNote message={error} testId="connection-error" />
      <div className="muted small-note">
        Health: <span data-testid="profile-health">{health.state}</span>{' '}
        {health.models.length ? `· models: ${health.models.join(', ')}` : ''}
      </div>
      <ErrorNote message={health.error} />
    </Panel>
  );
}
