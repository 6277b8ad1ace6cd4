import { useState } from 'react';
import { useStudio } from '../../app/store.js';
import { useNow } from '../../lib/use-now.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { featureAvailability, SESSION_FEATURES } from '../gateway/capabilities.js';
import type { Run } from '../timeline/run-model.js';
import { outputDraft, type OutputMode } from './output-draft.js';
import { functionCalls, type PendingCall } from './pending.js';
import { sendRequest } from '../composer/send.js';
import { isSessionRun, submitToolOutputs } from './submit.js';

/** The answer form: the output exactly as typed, JSON-checked or plain text, with the item it becomes. */
function AnswerForm({ run, call }: { run: Run; call: PendingCall }) {
  const setMock = useStudio((s) => s.setMock);
  const [mode, setMode] = useState<OutputMode>('json');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const session = isSessionRun(run);
  const draft = outputDraft(text, mode, call.callId, session);
  return (
    <div className="tool-answer">
      <div className="tabs" role="radiogroup" aria-label="Output format">
        <button
          role="radio"
          aria-checked={mode === 'json'}
          className={mode === 'json' ? 'active' : ''}
          data-testid="tool-output-mode-json"
          onClick={() => setMode('json')}
        >
          JSON
        </button>
        <button
          role="radio"
          aria-checked={mode === 'text'}
          className={mode === 'text' ? 'active' : ''}
          data-testid="tool-output-mode-text"
          onClick={() => setMode('text')}
        >
          Text
        </button>
      </div>
      <textarea
        data-testid="tool-output-input"
        aria-label={`Output of ${call.name}`}
        placeholder={mode === 'json' ? '{"temp_c": 18}' : 'what the tool returned'}
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={3}
      />
      {draft.error && text !== '' ? <div className="error-note small">{draft.error}</div> : null}
      {draft.preview ? (
        <div className="tool-preview">
          <div className="muted small">
            {session
              ? 'Sent in tool_outputs to the live response:'
              : 'Sent as an input item with previous_response_id:'}
          </div>
          <pre data-testid="tool-output-preview">{JSON.stringify(draft.preview, null, 2)}</pre>
        </div>
      ) : null}
      <div className="row-actions">
        <button
          className="primary"
          data-testid="submit-tool-output"
          disabled={busy || draft.output === null}
          onClick={async () => {
            if (draft.output === null) return;
            setBusy(true);
            await submitToolOutputs(run, [{ callId: call.callId, output: draft.output }], sendRequest);
            setBusy(false);
          }}
        >
          {session ? 'Submit (session)' : 'Continue (previous_response_id)'}
        </button>
        <button
          disabled={draft.output === null}
          onClick={() => draft.output !== null && setMock(call.name, draft.output)}
          title="Answer this tool with this output automatically when mocks are on"
        >
          Save as mock
        </button>
      </div>
    </div>
  );
}

function CallCard({ run, call }: { run: Run; call: PendingCall }) {
  return (
    <div
      className={`tool-call${call.problems.length ? ' invalid' : ''}${call.output !== undefined ? ' answered' : ''}`}
      data-testid="tool-call"
      data-call-id={call.callId}
      data-answered={String(call.output !== undefined)}
    >
      <div className="tool-call-head">
        <strong>{call.name}</strong> <span className="mono muted">{call.callId}</span>{' '}
        {call.complete ? null : <span className="badge">arguments streaming…</span>}
        {call.output !== undefined ? <span className="badge ok">answered</span> : null}
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
      {call.output !== undefined ? (
        <div className="tool-answered" data-testid="tool-answered">
          <div className="muted small">
            {call.outputInRun ? 'output (function_call_output in the response):' : 'output sent by this console:'}
          </div>
          <pre data-testid="tool-answered-output">{call.output}</pre>
        </div>
      ) : call.complete ? (
        <AnswerForm run={run} call={call} />
      ) : null}
    </div>
  );
}

/** Session mode: what the gateway is waiting for, and how long it will wait. */
function WaitBanner({ run }: { run: Run }) {
  const wait = run.waiting;
  const now = useNow(500, wait !== undefined);
  if (!wait) return null;
  const n = wait.pendingCallIds.length;
  const timeout = wait.timeoutSeconds;
  const left = timeout ? Math.max(0, Math.ceil((wait.since + timeout * 1000 - now) / 1000)) : null;
  return (
    <div className="wait-banner" data-testid="tool-waiting">
      The response is waiting for {n} tool output{n === 1 ? '' : 's'} ({wait.pendingCallIds.join(', ')})
      {left === null ? (timeout === 0 ? '; the gateway has no timeout.' : '.') : ''}
      {left !== null ? (
        <>
          {' '}
          — it fails with <code>tool_outputs_timeout</code> in{' '}
          <strong data-testid="tool-waiting-countdown">
            {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')}
          </strong>
          .
        </>
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
  const answered = useStudio((s) => s.answered);
  useStudio((s) => s.version);
  const calls = run ? functionCalls(run, answered) : [];
  const session = featureAvailability(caps, SESSION_FEATURES);
  return (
    <Panel title="Tool calls" testId="tools-panel">
      {session !== 'available' ? (
        <div className="muted small-note">
          Session mode is not available on this gateway; answers continue with previous_response_id.
        </div>
      ) : null}
      {run ? <WaitBanner run={run} /> : null}
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
