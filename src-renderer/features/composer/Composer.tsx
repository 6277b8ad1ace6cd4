import Editor from '@monaco-editor/react';
import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../app/store.js';
import { findAction } from '../../actions/registry.js';
import { REQUEST_MODEL_URI, monacoTheme } from '../../lib/monaco.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { featureAvailability, SESSION_FEATURES } from '../gateway/capabilities.js';
import { TEMPLATES } from './templates.js';
import type { Dialect, SimulatorFault, Transport } from './slice.js';
import { useNow } from '../../lib/use-now.js';
import { retryBlock } from '../rate-limits/retry-block.js';
import { activeVariables } from '../saved/slice.js';
import { variablesUsed } from '../saved/variables.js';

const FAULTS: SimulatorFault[] = [
  '',
  'error_chunk',
  'malformed_chunk',
  'truncate',
  'stall',
  'rate_limit',
  'server_error',
];

/** The simulator's numeric knobs, each sent as its `x-simulator-*` header. */
const SIMULATOR_FIELDS = [
  { key: 'ttftMs', label: 'TTFT ms', testId: 'ttft-ms', title: 'Simulated time to first token (x-simulator-ttft-ms)' },
  { key: 'tokenMs', label: 'Token ms', testId: 'token-ms', title: 'Simulated time per token (x-simulator-token-ms)' },
  {
    key: 'deltas',
    label: 'Deltas',
    testId: 'deltas',
    title: 'Exact number of content deltas the simulator sends (x-simulator-deltas)',
  },
] as const;

export function Composer() {
  // Only what the composer shows: streaming bumps `version` every frame and must not re-render the editor.
  const s = useStudio(
    useShallow((st) => ({
      requestText: st.requestText,
      dialect: st.dialect,
      transport: st.transport,
      extensions: st.extensions,
      sessionMode: st.sessionMode,
      fault: st.fault,
      ttftMs: st.ttftMs,
      tokenMs: st.tokenMs,
      deltas: st.deltas,
      simTool: st.simTool,
      simToolArguments: st.simToolArguments,
      composerError: st.composerError,
      theme: st.theme,
      capabilities: st.capabilities,
      applyTemplate: st.applyTemplate,
      setComposer: st.setComposer,
      setRequestText: st.setRequestText,
    })),
  );
  const sending = useStudio((st) =>
    st.runs.some(
      (r) => r.id === st.activeRunId && (r.status === 'sending' || r.status === 'streaming' || r.status === 'waiting'),
    ),
  );
  const session = featureAvailability(s.capabilities, SESSION_FEATURES);
  // After a 429 with Retry-After, Send waits for it (the countdown is in Rate limits).
  // A number (not an object) from the selector: a fresh object per call would re-render forever.
  const until = useStudio((st) => retryBlock(st.runs, st.activeProfileId, Date.now())?.until ?? 0);
  const now = useNow(250, until > Date.now());
  const leftMs = until - now;
  const block = until > 0 && leftMs > 0 ? { leftMs, retryAfterSeconds: Math.ceil((until - now) / 1000) } : null;
  const collection = useStudio((st) => st.saved.doc.collections.find((c) => c.id === st.saved.activeCollectionId));
  const vars = useStudio(useShallow((st) => activeVariables(st)));
  const used = variablesUsed(s.requestText);
  const missing = used.filter((v) => vars[v] === undefined);
  return (
    <Panel
      title="Request"
      testId="composer"
      actions={
        <>
          <select
            aria-label="Template"
            data-testid="template-select"
            value=""
            onChange={(e) => e.target.value && s.applyTemplate(e.target.value)}
          >
            <option value="">Template…</option>
            {TEMPLATES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
          <select
            aria-label="Copy as"
            data-testid="copy-as"
            value=""
            onChange={(e) => e.target.value && findAction(e.target.value).run()}
          >
            <option value="">Copy as…</option>
            <option value="copy.curl">curl</option>
            <option value="copy.node">openai-node</option>
            <option value="copy.python">Python</option>
          </select>
          {sending ? (
            <button
              className="danger"
              data-testid="stop"
              onClick={() => findAction('request.stop').run()}
              title="Stop (Esc)"
            >
              Stop
            </button>
          ) : (
            <button
              className="primary"
              data-testid="send"
              disabled={block !== null}
              onClick={() => findAction('request.send').run()}
              title={
                block
                  ? 'HTTP 429: the server asked to wait (Retry-After); the countdown is in Rate limits'
                  : s.fault
                    ? `Send (Ctrl/Cmd+Enter) with the simulator fault '${s.fault}' (this send only)`
                    : 'Send (Ctrl/Cmd+Enter)'
              }
            >
              {block ? `Retry in ${Math.ceil(block.leftMs / 1000)} s` : s.fault ? `Send ⚡${s.fault}` : 'Send'}
            </button>
          )}
        </>
      }
    >
      <div className="composer-switches">
        <label>
          Dialect
          <select
            data-testid="dialect"
            value={s.dialect}
            onChange={(e) => s.setComposer({ dialect: e.target.value as Dialect })}
          >
            <option value="openai">openai</option>
            <option value="open-responses">open-responses</option>
          </select>
        </label>
        <label title="HTTP: POST /v1/responses with server-sent events. WebSocket: a response.create message on GET /v1/responses (docs/streaming.md); the Exchange view then lists every frame.">
          Transport
          <select
            data-testid="transport"
            value={s.transport}
            onChange={(e) => s.setComposer({ transport: e.target.value as Transport })}
          >
            <option value="http">HTTP / SSE</option>
            <option value="websocket">WebSocket</option>
          </select>
        </label>
        <label title="Extension events (tool_call.delta, rate_limits.updated, additional_context, ping)">
          <input
            type="checkbox"
            data-testid="extensions"
            checked={s.extensions}
            onChange={(e) => s.setComposer({ extensions: e.target.checked })}
          />{' '}
          Extensions
        </label>
        <label
          title={
            session === 'available'
              ? 'Keep the stream open while tool calls wait for outputs'
              : 'Session mode is not advertised by this gateway'
          }
        >
          <input
            type="checkbox"
            data-testid="session-mode"
            checked={s.sessionMode}
            onChange={(e) => s.setComposer({ sessionMode: e.target.checked })}
          />{' '}
          Session mode
          {session !== 'available' ? <span className="muted"> (not available)</span> : null}
        </label>
        <label title="Simulator fault injection (x-simulator-fault), for the next send only">
          Fault (next send)
          <select
            data-testid="fault"
            value={s.fault}
            onChange={(e) => s.setComposer({ fault: e.target.value as SimulatorFault })}
          >
            {FAULTS.map((f) => (
              <option key={f} value={f}>
                {f || 'none'}
              </option>
            ))}
          </select>
        </label>
        {SIMULATOR_FIELDS.map((f) => (
          <label key={f.key} title={f.title}>
            {f.label}
            <input
              className="num"
              data-testid={f.testId}
              value={s[f.key]}
              onChange={(e) => s.setComposer({ [f.key]: e.target.value })}
            />
          </label>
        ))}
        <label title="Make the simulator call this tool (x-simulator-tool): the function name the backend sees, e.g. exec_command, apply_patch, mcp__echo__echo">
          Call tool
          <input
            data-testid="sim-tool"
            placeholder="tool name"
            value={s.simTool}
            onChange={(e) => s.setComposer({ simTool: e.target.value })}
          />
        </label>
        {s.simTool.trim() ? (
          <label title="The call's arguments as a JSON object (x-simulator-tool-arguments); empty: generated from the tool's schema">
            Arguments
            <input
              className="mono"
              data-testid="sim-tool-arguments"
              placeholder='{"cmd": "ls"}'
              value={s.simToolArguments}
              onChange={(e) => s.setComposer({ simToolArguments: e.target.value })}
            />
          </label>
        ) : null}
      </div>
      {collection || used.length ? (
        <div className="muted small-note" data-testid="composer-variables">
          {collection
            ? `Variables of “${collection.name}”: ${Object.keys(vars).join(', ') || 'none'}`
            : 'No collection'}
          {missing.length ? (
            <span className="error-text"> · not defined: {missing.map((m) => `{{${m}}}`).join(' ')}</span>
          ) : null}
        </div>
      ) : null}
      <ErrorNote message={s.composerError} testId="composer-error" />
      <div className="editor-host" data-testid="request-editor">
        <Editor
          path={REQUEST_MODEL_URI}
          language="json"
          theme={monacoTheme(s.theme)}
          value={s.requestText}
          onChange={(v) => s.setRequestText(v ?? '')}
          options={{
            minimap: { enabled: false },
            fontSize: 13,
            scrollBeyondLastLine: false,
            automaticLayout: true,
            tabSize: 2,
          }}
        />
      </div>
    </Panel>
  );
}
