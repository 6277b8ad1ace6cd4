import Editor from '@monaco-editor/react';
import { useStudio } from '../../app/store.js';
import { monacoTheme } from '../../lib/monaco.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Panel } from '../../ui/Panel.js';
import { AssembledView } from './AssembledView.js';

export function EventDetail() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  const selected = useStudio((s) => s.selectedRow);
  const theme = useStudio((s) => s.theme);
  useStudio((s) => s.version);
  const row = run && selected !== null ? run.rows[selected] : undefined;
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
        ) : (
          <EmptyState title="Select a row">The raw JSON of the selected event shows here.</EmptyState>
        )}
      </Panel>
      <AssembledView />
    </div>
  );
}
