import { useStudio } from '../../app/store.js';
import { ErrorNote, Panel, Unavailable } from '../../ui/Panel.js';
import { capabilityString } from './capabilities.js';
import { FlagsTable } from './FlagsTable.js';
import { LogTailView } from './LogTailView.js';
import { MetricsView } from './MetricsView.js';
import './gateway.css';

type Entry = { status: string; reason?: string };
const isTable = (v: unknown): v is Record<string, Entry> =>
  !!v &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.values(v).length > 0 &&
  Object.values(v).every((e) => !!e && typeof e === 'object' && typeof (e as Entry).status === 'string');

/** A capability table ({ name: { status, reason } }) as one line per entry, the reason on hover. */
function CapabilityList({ table }: { table: Record<string, Entry> }) {
  return (
    <ul className="cap-list">
      {Object.entries(table).map(([name, e]) => (
        <li key={name} title={e.reason} className={`cap-${e.status}`}>
          <span className="mono">{name}</span> <span className="cap-status">{e.status}</span>
        </li>
      ))}
    </ul>
  );
}

function Value({ v }: { v: unknown }) {
  if (v === null || v === undefined) return <span className="muted">–</span>;
  if (isTable(v)) return <CapabilityList table={v} />;
  if (typeof v === 'object') return <pre className="caps-json">{JSON.stringify(v, null, 2)}</pre>;
  return <span className="mono">{String(v)}</span>;
}

/** Status, address, backend and everything /v1/capabilities reports. */
export function GatewayPanel() {
  const health = useStudio((s) => s.health);
  const caps = useStudio((s) => s.capabilities);
  const capsError = useStudio((s) => s.capabilitiesError);
  const refresh = useStudio((s) => s.refreshHealth);
  // A primitive, not the connection object: a new object per call would re-render forever.
  const baseUrl = useStudio((s) => s.activeConnection()?.baseUrl ?? null);
  const apiKey = useStudio((s) => s.activeConnection()?.apiKey);
  const recording = useStudio((s) => s.library.recording);
  const logs = capabilityString(caps, ['gateway.logs.endpoint']);
  const metrics = capabilityString(caps, ['gateway.metrics.endpoint']);
  const metricsJson =
    capabilityString(caps, ['gateway.metrics.json']) ?? (metrics ? `${metrics}?format=json` : undefined);
  const flags = (caps?.gateway as { flags?: unknown } | undefined)?.flags;
  const url = baseUrl === null ? '(not connected)' : baseUrl || window.location.origin;
  return (
    <Panel title="Gateway" testId="gateway-panel" actions={<button onClick={() => void refresh()}>Refresh</button>}>
      <dl className="kv">
        <dt>Status</dt>
        <dd data-testid="gateway-status" className={`health-${health.state}`}>
          {health.state}
        </dd>
        <dt>Address</dt>
        <dd className="mono">{url}</dd>
        <dt>Models</dt>
        <dd data-testid="gateway-models">{health.models.join(', ') || '–'}</dd>
        <dt>Recording</dt>
        <dd data-testid="gateway-recording">
          {recording === null ? 'see the Sessions panel' : recording ? 'on' : 'off'}
        </dd>
      </dl>
      <ErrorNote message={health.error} />
      {/* Shown as missing until the gateway advertises these endpoints: never invented from other data. */}
      {!logs ? (
        <Unavailable
          feature="Live log tail"
          detail="the gateway advertises no log stream (gateway.logs.endpoint in /v1/capabilities)"
        />
      ) : baseUrl === null ? null : (
        <>
          <h3>Log</h3>
          <LogTailView baseUrl={baseUrl} apiKey={apiKey} endpoint={logs} />
        </>
      )}
      {!metrics ? (
        <Unavailable
          feature="Metrics"
          detail="the gateway advertises no metrics endpoint (gateway.metrics.endpoint in /v1/capabilities)"
        />
      ) : baseUrl === null || !metricsJson ? null : (
        <>
          <h3>
            Metrics <span className="muted mono">{metrics}</span>
          </h3>
          <MetricsView baseUrl={baseUrl} apiKey={apiKey} path={metricsJson} />
        </>
      )}
      {flags && typeof flags === 'object' && !Array.isArray(flags) ? (
        <>
          <h3>Active flags</h3>
          <FlagsTable flags={flags as Record<string, unknown>} />
        </>
      ) : null}
      <h3>Capabilities</h3>
      {caps ? (
        <dl className="kv" data-testid="capabilities">
          {Object.entries(caps).map(([k, v]) => (
            <div key={k} className="kv-row">
              <dt>{k}</dt>
              <dd>
                <Value v={v} />
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <div className="muted">{capsError ?? 'not loaded'}</div>
      )}
    </Panel>
  );
}
