import Editor from '@monaco-editor/react';
import { useStudio } from '../../app/store.js';
import { monacoTheme } from '../../lib/monaco.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Panel } from '../../ui/Panel.js';
import { AssembledView } from './AssembledView.js';
import { ConversationView } from '../conversation/ConversationView.js';
import type { DetailView } from '../../app/store.js';

const DETAIL_VIEWS: { id: DetailView; label: string; title: string }[] = [
  { id: 'assembled', label: 'Assembled', title: 'What the events add up to, item by item' },
  { id: 'conversation', label: 'Conversation', title: 'The run (and the responses it continues) as a transcript' },
];

/** Assembled or Conversation, beside the raw event. */
function DerivedView() {
  const view = useStudio((s) => s.detailView);
  const setView = useStudio((s) => s.setDetailView);
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  useStudio((s) => s.version);
  const tabs = (
    <div className="tabs" role="tablist" aria-label="Derived view">
      {DETAIL_VIEWS.map((v) => (
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
  if (view === 'assembled') return <AssembledView tabs={tabs} />;
  return (
    <Panel title={tabs} testId="conversation">
      {run ? (
        <ConversationView run={run} />
      ) : (
        <EmptyState title="No run selected">
          Send a request: its input and output read here as a conversation.
        </EmptyState>
      )}
    </Panel>
  );
}

export function EventDetail() {
  const view = useStudio((s) => s.runView);
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  const selected = useStudio((s) => s.selectedRow);
  const theme = useStudio((s) => s.theme);
  useStudio((s) => s.version);
  const row = run && selected !== null ? run.rows[selected] : undefined;
  // The Exchange view takes the whole column: the event panes belong to the Events view.
  if (view !== 'events') return null;
  return (
    <div className="detail-split">
      <Panel title={row ? `Event #${row.sequenceNumber ?? row.index} · ${row.type}` : 'Event'} testId="event-detail">
        {row ? (
          <>
            {row.violations.length ? (
              <ul className="violations" data-testid="row-violations">
                {row.violations.map((v, i) => (
                  <li key={i}>⚠ {v}</li>
                ))}
              </ul>
            ) : null}
            <div className="editor-host small">
              <Editor
                language="json"
                theme={monacoTheme(theme)}
                value={row.data ? JSON.stringify(row.data, null, 2) : row.raw}
                options={{
                  readOnly: true,
                  minimap: { enabled: false },
                  fontSize: 12,
                  scrollBeyondLastLine: false,
                  automaticLayout: true,
                  wordWrap: 'on',
                }}
              />
            </div>
          </>
        ) : run && run.body !== undefined && run.rows.length === 0 ? (
          <EmptyState title="No events">This answer was one JSON body, shown whole above and in Exchange.</EmptyState>
        ) : (
          <EmptyState title="Select a row">The raw JSON of the selected event shows here.</EmptyState>
        )}
      </Panel>
      <DerivedView />
    </div>
  );
}
