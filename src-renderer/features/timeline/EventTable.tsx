import { memo, useCallback, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useStudio } from '../../app/store.js';
import { filterRows, type Run, type TimelineRow } from './run-model.js';

const ROW_HEIGHT = 22;
/** The row height for the stylesheet (`.event-scroll .event-row`), from the same constant. */
const ROW_HEIGHT_VAR = { '--row-height': `${ROW_HEIGHT}px` } as React.CSSProperties;
// Module-level so the virtualizer sees the same function every render: a new one makes it
// re-measure every row (100k rows → a long task per scroll step).
const estimateRowSize = () => ROW_HEIGHT;
/** Rows moved by PageUp / PageDown. */
const PAGE = 20;

const KIND_TAG: Record<string, { text: string; title: string } | undefined> = {
  extension: { text: 'ext', title: 'Extension event (X-Responses-Extensions: on)' },
  'other-dialect': { text: 'dialect?', title: 'This name belongs to the other event dialect' },
  unknown: { text: '?', title: 'Not an event of the Responses API or its extensions' },
};

interface RowProps {
  row: TimelineRow;
  selected: boolean;
  cursor: boolean;
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
    a.cursor === b.cursor &&
    a.top === b.top &&
    a.onSelect === b.onSelect &&
    // Violations can be attached to a row after it was drawn.
    a.row.violations.length === b.row.violations.length,
);

function RowView({ row, selected, cursor, onSelect, top }: RowProps) {
  const tag = KIND_TAG[row.kind];
  return (
    <div
      role="row"
      aria-selected={selected}
      className={`event-row lc-${row.lifecycle}${row.violations.length ? ' has-violation' : ''}${selected ? ' selected' : ''}${cursor ? ' cursor' : ''}`}
      data-testid="event-row"
      data-type={row.type}
      data-index={row.index}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onSelect(row.index)}
      title={row.violations.join('\n') || undefined}
    >
      <span className="c-seq">{row.sequenceNumber ?? '–'}</span>
      <span className="c-type">
        <span className="c-type-name" title={row.type}>
          {row.violations.length ? <span className="violation-flag">⚠ </span> : null}
          {row.type}
        </span>
        {row.alias ? (
          <span
            className="kind-tag kind-alias"
            title="An alias of the official event: its content is counted once in Assembled"
          >
            alias
          </span>
        ) : tag ? (
          <span className={`kind-tag kind-${row.kind}`} title={tag.title}>
            {tag.text}
          </span>
        ) : null}
      </span>
      <span className="c-item mono">{row.itemId ?? ''}</span>
      <span className="c-oi">{row.outputIndex ?? ''}</span>
      <span className="c-dt">{row.dt.toFixed(1)}</span>
      <span className="c-t">{row.t.toFixed(1)}</span>
      <span className="c-bytes">{row.bytes}</span>
    </div>
  );
}

/**
 * The virtualized event table. Keyboard: ↑/↓, PageUp/PageDown, Home/End move the cursor; Enter
 * opens the row under it in the detail pane.
 */
export function EventTable({ run }: { run: Run }) {
  const version = useStudio((s) => s.version);
  const typeFilter = useStudio((s) => s.typeFilter);
  const textFilter = useStudio((s) => s.textFilter);
  const selected = useStudio((s) => s.selectedRow);
  const cursorRow = useStudio((s) => s.cursorRow);
  const selectRow = useStudio((s) => s.selectRow);
  const setCursorRow = useStudio((s) => s.setCursorRow);
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
  // Position of the cursor within the filtered rows (-1: none yet).
  const cursorPos = cursorRow === null ? -1 : rows.findIndex((r) => r.index === cursorRow);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (rows.length === 0 || e.ctrlKey || e.metaKey || e.altKey) return;
    const from = cursorPos >= 0 ? cursorPos : -1;
    let to: number | null = null;
    if (e.key === 'ArrowDown') to = from + 1;
    else if (e.key === 'ArrowUp') to = from <= 0 ? 0 : from - 1;
    else if (e.key === 'PageDown') to = from + PAGE;
    else if (e.key === 'PageUp') to = from - PAGE;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = rows.length - 1;
    else if (e.key === 'Enter' && from >= 0) {
      e.preventDefault();
      selectRow(rows[from].index);
      return;
    }
    if (to === null) return;
    e.preventDefault();
    const pos = Math.max(0, Math.min(rows.length - 1, to));
    setCursorRow(rows[pos].index);
    // Only the keyboard scrolls the list to the cursor (a filter change keeps the scroll position).
    virtualizer.scrollToIndex(pos, { align: 'auto' });
  };
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
      <div
        className="event-scroll"
        ref={parent}
        data-testid="event-scroll"
        style={ROW_HEIGHT_VAR}
        tabIndex={0}
        aria-label="Events: arrow keys move, Enter opens the event"
        onKeyDown={onKeyDown}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const row = rows[v.index];
            return (
              <Row
                key={row.index}
                row={row}
                selected={selected === row.index}
                cursor={cursorRow === row.index}
                onSelect={selectRow}
                top={v.start}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
