import { memo, useCallback, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { filterRows, runStats, type Run, type TimelineRow } from './run-model.js';
import { Waterfall } from './Waterfall.js';
import { ReplayBar } from '../library/ReplayBar.js';

const ROW_HEIGHT = 22;
/** The row height for the stylesheet (`.event-scroll .event-row`), from the same constant. */
const ROW_HEIGHT_VAR = { '--row-height': `${ROW_HEIGHT}px` } as React.CSSProperties;
// Module-level so the virtualizer sees the same function every render: a new one makes it
// re-measure every row (100k rows → a long task per scroll step).
const estimateRowSize = () => ROW_HEIGHT;

function RunTabs() {
  const runs = useStudio((s) => s.runs);
  const active = useStudio((s) => s.activeRunId);
  const select = useStudio((s) => s.selectRun);
  useStudio((s) => s.version);
  return (
    <div className="run-tabs" role="tablist">
      {runs.map((r) => (
        <button
          key={r.id}
          role="tab"
          aria-selected={r.id === active}
          className={`run-tab status-${r.status}`}
          data-testid="run-tab"
          data-status={r.status}
          onClick={() => select(r.id)}
        >
          {r.linkedFrom ? '↳ ' : ''}
          {r.replayOf ? `▶ ${r.replayOf.name}` : r.id} · {String(r.request.model ?? '?')} ·{' '}
          <span className="run-status">{r.status}</span>
        </button>
      ))}
    </div>
  );
}

function Stats({ run }: { run: Run }) {
  const st = runStats(run);
  return (
    <div className="run-stats" data-testid="run-stats">
      <span data-testid="run-status" data-status={run.status}>
        {run.status}
      </span>
      {run.httpStatus ? <span>HTTP {run.httpStatus}</span> : null}
      {run.responseId ? <span className="mono">{run.responseId}</span> : null}
      {run.linkedFrom ? <span>continues {run.linkedFrom}</span> : null}
      {run.replayOf ? <span data-testid="run-replay-of">recording {run.replayOf.recordingId}</span> : null}
      <span>{st.events} events</span>
      <span>{(st.bytes / 1024).toFixed(1)} KiB</span>
      {st.ttftMs !== undefined ? <span>TTFT {st.ttftMs.toFixed(0)} ms</span> : null}
      {st.tokensPerSecond !== undefined ? <span>{st.tokensPerSecond.toFixed(1)} tok/s</span> : null}
      {run.violationCount ? <span className="violation-count">{run.violationCount} violations</span> : null}
    </div>
  );
}

interface RowProps {
  row: TimelineRow;
  selected: boolean;
  onSelect: (index: number) => void;
  top: number;
}

/**
 * One timeline row. Memoized, with a stable select handler and only its offset as layout input,
 * so scrolling re-renders only the rows that enter the window (100k-event runs).
 */
const Row = memo(
  RowView,
  (a, b) =>
    a.row === b.row &&
    a.selected === b.selected &&
    a.top === b.top &&
    a.onSelect === b.onSelect &&
    // Violations can be attached to a row after it was drawn.
    a.row.violations.length === b.row.violations.length,
);

function RowView({ row, selected, onSelect, top }: RowProps) {
  return (
    <div
      role="row"
      aria-selected={selected}
      className={`event-row lc-${row.lifecycle}${row.violations.length ? ' has-violation' : ''}${selected ? ' selected' : ''}`}
      data-testid="event-row"
      data-type={row.type}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onSelect(row.index)}
      title={row.violations.join('\n') || undefined}
    >
      <span className="c-seq">{row.sequenceNumber ?? '–'}</span>
      <span className="c-type">
        {row.violations.length ? <span className="violation-flag">⚠ </span> : null}
        {row.type}
      </span>
      <span className="c-item mono">{row.itemId ?? ''}</span>
      <span className="c-oi">{row.outputIndex ?? ''}</span>
      <span className="c-dt">{row.dt.toFixed(1)}</span>
      <span className="c-t">{row.t.toFixed(1)}</span>
      <span className="c-bytes">{row.bytes}</span>
    </div>
  );
}

function EventTable({ run }: { run: Run }) {
  const version = useStudio((s) => s.version);
  const typeFilter = useStudio((s) => s.typeFilter);
  const textFilter = useStudio((s) => s.textFilter);
  const selected = useStudio((s) => s.selectedRow);
  const selectRow = useStudio((s) => s.selectRow);
  const rowCount = run.rows.length;
  // Rows mutate in place (see run-model.ts): rowCount and version say when to recompute.
  const rows = useMemo(
    () => filterRows(run.rows, typeFilter, textFilter),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [run, rowCount, version, typeFilter, textFilter],
  );
  const parent = useRef<HTMLDivElement>(null);
  const getScrollElement = useCallback(() => parent.current, []);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement,
    estimateSize: estimateRowSize,
    overscan: 8,
  });
  return (
    <div className="event-table" role="grid" data-testid="event-table" data-count={rows.length}>
      <div className="event-row head" role="row">
        <span className="c-seq">seq</span>
        <span className="c-type">type</span>
        <span className="c-item">item</span>
        <span className="c-oi">out</span>
        <span className="c-dt">Δt ms</span>
        <span className="c-t">t ms</span>
        <span className="c-bytes">bytes</span>
      </div>
      <div className="event-scroll" ref={parent} data-testid="event-scroll" style={ROW_HEIGHT_VAR}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const row = rows[v.index];
            return (
              <Row key={row.index} row={row} selected={selected === row.index} onSelect={selectRow} top={v.start} />
            );
          })}
        </div>
      </div>
    </div>
  );
}

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

export function Timeline() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  useStudio((s) => s.version);
  return (
    <Panel title="Timeline" testId="timeline" actions={run ? <Filters run={run} /> : null}>
      <RunTabs />
      {!run ? (
        <EmptyState title="No runs yet" testId="timeline-empty">
          Pick a template in the Request panel and press <kbd>Send</kbd> (<kbd>Ctrl/Cmd+Enter</kbd>). Every streamed
          event appears here as a row.
        </EmptyState>
      ) : (
        <>
          <Stats run={run} />
          {run.replayOf ? <ReplayBar runId={run.id} /> : null}
          <ErrorNote
            message={run.error ? `${run.error.code ? `${run.error.code}: ` : ''}${run.error.message}` : undefined}
            testId="run-error"
          />
          <Waterfall run={run} />
          <EventTable run={run} />
        </>
      )}
    </Panel>
  );
}
