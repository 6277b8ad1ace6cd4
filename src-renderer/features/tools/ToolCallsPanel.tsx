import { useState } from 'react';
import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { featureAvailability, SESSION_FEATURES } from '../gateway/capabilities.js';
import type { Run } from '../timeline/run-model.js';
import { functionCalls, type PendingCall } from './pending.js';
import { SchemaForm } from './SchemaForm.js';
import { isSessionRun, submitToolOutputs } from './submit.js';

/** The tool's output schema is unknown, so the form offers a free-form result object plus a raw editor. */
const OUTPUT_SCHEMA = {
  type: 'object',
  properties: { result: { type: 'string', description: 'What the tool returned' } },
} as const;

function CallCard({ run, call }: { run: Run; call: PendingCall }) {
  const answered = useStudio((s) => s.answered[call.callId]);
  const setMock = useStudio((s) => s.setMock);
  const [mode, setMode] = useState<'form' | 'editor'>('form');
  const [formValue, setFormValue] = useState<unknown>({ result: '' });
  const [text, setText] = useState('{"result": ""}');
  const [busy, setBusy] = useState(false);
  const output = mode === 'form' ? JSON.stringify(formValue) : text;
  const session = isSessionRun(run);
  return (
    <div
      className={`tool-call${call.problems.length ? ' invalid' : ''}`}
      data-testid="tool-call"
      data-call-id={call.callId}
    >
      <div className="tool-call-head">
        <strong>{call.name}</strong> <span className="mono muted">{call.callId}</span>{' '}
        {call.complete ? null : <span className="badge">arguments streaming…</span>}
      </div>
      <pre className="tool-args" data-testid="tool-args">
        {call.arguments || '(no arguments yet)'}
      </pre>
      {call.problems.length ? (
        <ul className="violations" data-testid="tool-arg-problems">
          {call.problems.map((p, i) => (
            <li key={i}>⚠ {p}</li>
          ))}
        </ul>
      ) : call.complete ? (
        <div className="ok-note">arguments match the tool schema</div>
      ) : null}
      {answered !== undefined ? (
        <div className="muted" data-testid="tool-answered">
          answered: {answered}
        </div>
      ) : call.complete ? (
        <div className="tool-answer">
          <div className="tabs">
            <button className={mode === 'form' ? 'active' : ''} onClick={() => setMode('form')}>
              Form
            </button>
            <button className={mode === 'editor' ? 'active' : ''} onClick={() => setMode('editor')}>
              Editor
            </button>
          </div>
          {mode === 'form' ? (
            <SchemaForm schema={OUTPUT_SCHEMA} value={formValue} onChange={setFormValue} />
          ) : (
            <textarea
              data-testid="tool-output-editor"
              value={text}
              onChange={(e) => setText(e.target.value)}
              rows={4}
            />
          )}
          <div className="row-actions">
            <button
              className="primary"
              data-testid="submit-tool-output"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                await submitToolOutputs(run, [{ callId: call.callId, output }]);
                setBusy(false);
              }}
            >
              {session ? 'Submit (session)' : 'Continue (previous_response_id)'}
            </button>
            <button
              onClick={() => setMock(call.name, output)}
              title="Answer this tool with this output automatically when mocks are on"
            >
              Save as mock
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function ToolCallsPanel() {
  const run = useStudio((s) => s.runs.find((r) => r.id === s.activeRunId) ?? null);
  const caps = useStudio((s) => s.capabilities);
  const mocks = useStudio((s) => s.mocks);
  const mocksEnabled = useStudio((s) => s.mocksEnabled);
  const setMocksEnabled = useStudio((s) => s.setMocksEnabled);
  const setMock = useStudio((s) => s.setMock);
  const toolError = useStudio((s) => s.toolError);
  useStudio((s) => s.version);
  const calls = run ? functionCalls(run) : [];
  const session = featureAvailability(caps, SESSION_FEATURES);
  return (
    <Panel title="Tool calls" testId="tools-panel">
      {session !== 'available' ? (
        <div className="muted small-note">
          Session mode is not available on this gateway; answers continue with previous_response_id.
        </div>
      ) : null}
      <ErrorNote message={toolError} testId="tool-error" />
      {!run || calls.length === 0 ? (
        <EmptyState title="No function calls">
          Send the “Function tools” template: calls the model makes appear here with their arguments checked against the
          tool schema.
        </EmptyState>
      ) : (
        calls.map((c) => <CallCard key={c.callId} run={run} call={c} />)
      )}
      <div className="mocks">
        <label>
          <input
            type="checkbox"
            data-testid="mocks-enabled"
            checked={mocksEnabled}
            onChange={(e) => setMocksEnabled(e.target.checked)}
          />{' '}
          Answer automatically with saved mocks
        </label>
        {Object.entries(mocks).map(([name, out]) => (
          <div key={name} className="mock-row">
            <span className="mono">{name}</span> → <span className="mono">{out}</span>{' '}
            <button onClick={() => setMock(name, null)}>remove</button>
          </div>
        ))}
      </div>
    </Panel>
  );
}
