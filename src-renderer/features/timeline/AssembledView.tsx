import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Panel } from '../../ui/Panel.js';

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

/** What the events add up to: message text, reasoning and summary, tool arguments as they grow. */
export function AssembledView() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  useStudio((s) => s.version);
  const items = run?.items ?? [];
  return (
    <Panel title="Assembled" testId="assembled">
      {items.length === 0 ? (
        <EmptyState title="Nothing assembled yet">Output items appear here as their deltas arrive.</EmptyState>
      ) : (
        items.map((it) => (
          <div key={it.key} className={`assembled-item a-${it.type}`} data-testid={`assembled-${it.type}`}>
            <div className="assembled-head">
              {it.type}
              {it.name ? ` · ${it.name}` : ''}
              {it.callId ? ` · ${it.callId}` : ''} <span className="muted">{it.status}</span>
            </div>
            {it.summary ? (
              <div className="assembled-summary" data-testid="assembled-summary">
                <em>Summary:</em> <Tail text={it.summary} />
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
            {it.type === 'function_call' ? (
              <pre className="assembled-args" data-testid="assembled-args">
                <Tail text={it.arguments} />
              </pre>
            ) : null}
          </div>
        ))
      )}
    </Panel>
  );
}
