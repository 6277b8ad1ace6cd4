import { useStudio, type RunView } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { ExchangeView } from '../exchange/ExchangeView.js';
import { ReplayBar } from '../library/ReplayBar.js';
import { EventTable } from './EventTable.js';
import { ResponseBodyView } from './ResponseBodyView.js';
import type { Run } from './run-model.js';
import { RunStats } from './RunStats.js';
import { RunTabs } from './RunTabs.js';
import { Waterfall } from './Waterfall.js';

const VIEWS: { id: RunView; label: string; title: string }[] = [
  { id: 'events', label: 'Events', title: 'Every event as a row, with the waterfall' },
  { id: 'exchange', label: 'Exchange', title: 'The HTTP request and response exactly as they went' },
];

function Filters({ run }: { run: Run }) {
  const typeFilter = useStudio((s) => s.typeFilter);
  const textFilter = useStudio((s) => s.textFilter);
  const setFilters = useStudio((s) => s.setFilters);
  useStudio((s) => s.version);
  const types = Array.from(run.types).sort();
  return (
    <div className="filters">
      <select
        aria-label="Filter by type"
        data-testid="timeline-filter-type"
        value={typeFilter}
        onChange={(e) => setFilters({ typeFilter: e.target.value })}
      >
        <option value="">all types</option>
        {types.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <input
        id="timeline-filter-text"
        aria-label="Filter by text"
        data-testid="timeline-filter-text"
        placeholder="filter text…"
        value={textFilter}
        onChange={(e) => setFilters({ textFilter: e.target.value })}
      />
    </div>
  );
}

function ViewTabs() {
  const view = useStudio((s) => s.runView);
  const setView = useStudio((s) => s.setRunView);
  return (
    <div className="tabs view-tabs" role="tablist" aria-label="Run view">
      {VIEWS.map((v) => (
        <button
          key={v.id}
          role="tab"
          aria-selected={view === v.id}
          className={view === v.id ? 'active' : ''}
          data-testid={`view-${v.id}`}
          title={v.title}
          onClick={() => setView(v.id)}
        >
          {v.label}
        </button>
      ))}
    </div>
  );
}

function EventsView({ run }: { run: Run }) {
  if (run.body !== undefined && run.rows.length === 0) return <ResponseBodyView run={run} />;
  return (
    <>
      <Waterfall run={run} />
      <EventTable run={run} />
    </>
  );
}

export function Timeline() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  const view = useStudio((s) => s.runView);
  useStudio((s) => s.version);
  const injected = run?.injectedFault
    ? ` (the simulator fault '${run.injectedFault}' was injected into this request)`
    : '';
  return (
    <Panel
      title="Timeline"
      testId="timeline"
      actions={run ? <>{view === 'events' ? <Filters run={run} /> : null}</> : null}
    >
      <RunTabs />
      {!run ? (
        <EmptyState title="No runs yet" testId="timeline-empty">
          Pick a template in the Request panel and press <kbd>Send</kbd> (<kbd>Ctrl/Cmd+Enter</kbd>). Every streamed
          event appears here as a row.
        </EmptyState>
      ) : (
        <>
          <RunStats run={run} />
          {run.replayOf ? <ReplayBar runId={run.id} /> : null}
          <ErrorNote
            message={
              run.error ? `${run.error.code ? `${run.error.code}: ` : ''}${run.error.message}${injected}` : undefined
            }
            testId="run-error"
          />
          <ViewTabs />
          {view === 'events' ? <EventsView run={run} /> : <ExchangeView run={run} />}
        </>
      )}
    </Panel>
  );
}
