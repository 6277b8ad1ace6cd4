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
import { useStudio, type SidePanel } from './store.js';

const SIDE_PANELS: { id: SidePanel; label: string }[] = [
  { id: 'tools', label: 'Tools' },
  { id: 'rate-limits', label: 'Rate limits' },
  { id: 'context', label: 'Context' },
  { id: 'gateway', label: 'Gateway' },
  { id: 'connections', label: 'Connections' },
  { id: 'library', label: 'Sessions' },
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
  }
}

export function App() {
  const theme = useStudio((s) => s.theme);
  const side = useStudio((s) => s.sidePanel);
  const setSide = useStudio((s) => s.setSidePanel);
  const health = useStudio((s) => s.health);
  const profile = useStudio((s) => s.profiles.find((p) => p.id === s.activeProfileId));
  useShortcuts();
  useFileDrop();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    void useStudio.getState().refreshHealth();
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Responses Studio</span>
        <span
          className={`dot health-${health.state}`}
          data-testid="topbar-health"
          data-state={health.state}
          title={health.error ?? health.state}
        />
        <span className="muted">{profile?.name}</span>
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
    </div>
  );
}
