import type { ReactNode } from 'react';
import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Panel } from '../../ui/Panel.js';
import type { AssembledItem } from './assembled.js';
import { isLive, type Run } from './run-model.js';

/** Longest text shown per field: relaying out megabytes of text every frame would stall a fast stream. */
const SHOWN_CHARS = 20_000;

function Tail({ text }: { text: string }) {
  if (text.length <= SHOWN_CHARS) return <>{text}</>;
  return (
    <>
      <span className="muted">
        [… {(text.length - SHOWN_CHARS).toLocaleString()} earlier characters; the full text is in the event JSON]
      </span>
      {text.slice(-SHOWN_CHARS)}
    </>
  );
}

const KNOWN = new Set([
  'message',
  'reasoning',
  'function_call',
  'custom_tool_call',
  'function_call_output',
  'custom_tool_call_output',
]);

/** One output item as its events (or the final object) add it up. Presentational. */
export function AssembledCard({ it }: { it: AssembledItem }) {
  return (
    <div className={`assembled-item a-${it.type}`} data-testid={`assembled-item-${it.type}`}>
      <div className="assembled-head">
        {it.type}
        {it.name ? ` · ${it.name}` : ''}
        {it.callId ? ` · ${it.callId}` : ''}{' '}
        {it.interrupted ? (
          <span className="badge bad" data-testid="assembled-interrupted" title={it.interrupted}>
            interrupted
          </span>
        ) : (
          <span className="muted" data-testid="assembled-status">
            {it.status}
          </span>
        )}
      </div>
      {it.interrupted ? <div className="muted small-note">{it.interrupted}</div> : null}
      {it.summaryParts.length ? (
        <div className="assembled-summary" data-testid="assembled-summary">
          <em>Summary:</em>{' '}
          {it.summaryParts.map((p, i) => (
            <p key={i}>
              <Tail text={p} />
            </p>
          ))}
        </div>
      ) : null}
      {it.reasoning ? (
        <pre className="assembled-reasoning" data-testid="assembled-reasoning">
          <Tail text={it.reasoning} />
        </pre>
      ) : null}
      {it.text ? (
        <div className="assembled-text" data-testid="assembled-text">
          <Tail text={it.text} />
        </div>
      ) : null}
      {it.refusal ? (
        <div className="assembled-refusal" data-testid="assembled-refusal">
          <em>Refusal:</em> <Tail text={it.refusal} />
        </div>
      ) : null}
      {it.type === 'function_call' || it.type === 'custom_tool_call' ? (
        <pre className="assembled-args" data-testid="assembled-args">
          <Tail text={it.arguments} />
        </pre>
      ) : null}
      {it.output !== undefined ? (
        <pre className="assembled-output" data-testid="assembled-output">
          <Tail text={it.output} />
        </pre>
      ) : null}
      {!KNOWN.has(it.type) && it.raw ? <pre className="assembled-raw">{JSON.stringify(it.raw, null, 2)}</pre> : null}
      {it.notes.length ? (
        <ul className="violations" data-testid="assembled-notes">
          {it.notes.map((n, i) => (
            <li key={i}>⚠ {n}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * The response's own status while it is live or once it ended properly; when the stream ended
 * without a terminal event (aborted, cut), that end — never a stale "in_progress".
 */
export function assembledState(run: Run): string {
  const ended =
    !isLive(run) &&
    (run.responseStatus === undefined || run.responseStatus === 'in_progress' || run.responseStatus === 'queued');
  if (ended && run.rows.length + (run.body === undefined ? 0 : 1) > 0) return `stream ${run.status}`;
  return run.responseStatus ? `response ${run.responseStatus}` : '';
}

/** What the events add up to: message text, reasoning and summary, tool arguments as they grow. */
export function AssembledView({ tabs }: { tabs?: ReactNode }) {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  useStudio((s) => s.version);
  const items = run?.items ?? [];
  return (
    <Panel
      title={tabs ?? 'Assembled'}
      testId="assembled"
      actions={
        <span className="muted" data-testid="assembled-state">
          {run ? assembledState(run) : ''}
        </span>
      }
    >
      {items.length === 0 ? (
        <EmptyState title="Nothing assembled yet">Output items appear here as their deltas arrive.</EmptyState>
      ) : (
        items.map((it) => <AssembledCard key={it.key} it={it} />)
      )}
    </Panel>
  );
}
