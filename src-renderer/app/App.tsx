import { useEffect } from 'react';
import { CommandPalette } from '../actions/CommandPalette.js';
import { findAction, shortcutLabel } from '../actions/registry.js';
import { useShortcuts } from '../actions/useShortcuts.js';
import { Composer } from '../features/composer/Composer.js';
import { ConnectionsPanel } from '../features/connections/ConnectionsPanel.js';
import { ContextPanel } from '../features/context/ContextPanel.js';
import { GatewayPanel } from '../features/gateway/GatewayPanel.js';
import { DiffView } from '../features/library/DiffView.js';
import { LibraryPanel } from '../features/library/LibraryPanel.js';
import { useFileDrop } from '../features/library/useFileDrop.js';
import { RateLimitsPanel } from '../features/rate-limits/RateLimitsPanel.js';
import { EventDetail } from '../features/timeline/EventDetail.js';
import { Timeline } from '../features/timeline/Timeline.js';
import { ToolCallsPanel } from '../features/tools/ToolCallsPanel.js';
import { SavedPanel } from '../features/saved/SavedPanel.js';
import { profileLabel } from '../features/connections/profiles.js';
import { useStudio, type SidePanel } from './store.js';

/** How often the top bar re-checks the gateway and its backend. */
const HEALTH_EVERY_MS = 15_000;

const SIDE_PANELS: { id: SidePanel; label: string }[] = [
  { id: 'tools', label: 'Tools' },
  { id: 'rate-limits', label: 'Rate limits' },
  { id: 'context', label: 'Context' },
  { id: 'gateway', label: 'Gateway' },
  { id: 'connections', label: 'Connections' },
  { id: 'library', label: 'Sessions' },
  { id: 'saved', label: 'Saved' },
];

function Side() {
  const side = useStudio((s) => s.sidePanel);
  switch (side) {
    case 'tools':
      return <ToolCallsPanel />;
    case 'rate-limits':
      return <RateLimitsPanel />;
    case 'context':
      return <ContextPanel />;
    case 'gateway':
      return <GatewayPanel />;
    case 'connections':
      return <ConnectionsPanel />;
    case 'library':
      return <LibraryPanel />;
    case 'saved':
      return <SavedPanel />;
  }
}

/** The backend actually in use and its health, named from what the gateway reports. */
function BackendStatus() {
  const health = useStudio((s) => s.health);
  const profile = useStudio((s) => s.profiles.find((p) => p.id === s.activeProfileId));
  const label = profile ? profileLabel(profile, health.backend) : '';
  const backend = health.backend
    ? health.backend.kind === 'simulator'
      ? 'simulated vLLM'
      : `${health.backend.kind} ${health.backend.url}`
    : null;
  const state =
    health.state === 'ok'
      ? 'backend answers'
      : health.state === 'down'
        ? `backend down${health.error ? `: ${health.error}` : ''}`
        : health.state === 'checking'
          ? 'checking…'
          : (health.error ?? 'not checked');
  return (
    <>
      <span
        className={`dot health-${health.state}`}
        data-testid="topbar-health"
        data-state={health.state}
        title={health.error ?? health.state}
      />
      <span className="topbar-backend" data-testid="topbar-backend" title={health.error ?? undefined}>
        <strong>{label}</strong>
        {backend && profile?.kind !== 'builtin' ? <span className="muted mono"> · {backend}</span> : null}
        <span className={`muted health-text-${health.state}`}> · {state}</span>
      </span>
    </>
  );
}

function Toast() {
  const toast = useStudio((s) => s.toast);
  if (!toast) return null;
  return (
    <div className="toast" role="status" data-testid="toast">
      {toast.text}
    </div>
  );
}

export function App() {
  const theme = useStudio((s) => s.theme);
  const side = useStudio((s) => s.sidePanel);
  const setSide = useStudio((s) => s.setSidePanel);
  useShortcuts();
  useFileDrop();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    const s = useStudio.getState();
    void s.refreshHealth();
    void s.loadProfileGateways();
    // A backend that goes away later must show as down without a reload.
    const id = setInterval(() => void useStudio.getState().refreshHealth(), HEALTH_EVERY_MS);
    return () => clearInterval(id);
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Responses Studio</span>
        <BackendStatus />
        <span className="spacer" />
        <button onClick={() => findAction('palette.open').run()} title="Command palette">
          Commands <kbd>{shortcutLabel('Mod+K')}</kbd>
        </button>
        <button data-testid="theme-toggle" onClick={() => findAction('theme.toggle').run()}>
          {theme === 'dark' ? 'Light' : 'Dark'} theme
        </button>
      </header>
      <main className="layout">
        <div className="col-left">
          <Composer />
        </div>
        <div className="col-center">
          <Timeline />
          <EventDetail />
        </div>
        <div className="col-right">
          <nav className="side-tabs" role="tablist">
            {SIDE_PANELS.map((p) => (
              <button
                key={p.id}
                role="tab"
                aria-selected={side === p.id}
                data-testid={`side-${p.id}`}
                className={side === p.id ? 'active' : ''}
                onClick={() => setSide(p.id)}
              >
                {p.label}
              </button>
            ))}
          </nav>
          <Side />
        </div>
      </main>
      <CommandPalette />
      <DiffView />
      <Toast />
    </div>
  );
}
