import { useNow } from '../../lib/use-now.js';
import { openRunInComposer } from './edit-run.js';
import { OMITTED_TOOLS_HEADER } from '../../../src-server/shared/protocol/hosted-tools.js';
import { headerValue, isLive, runStats, type Run } from './run-model.js';

/** Silence after which a streaming run says how long nothing has arrived. */
export const STALL_AFTER_MS = 2000;

const seconds = (ms: number) => `${Math.floor(ms / 1000)} s`;
const clock = (ms: number) => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** "no data for N s" while a stream is open and silent (a stall looks like nothing otherwise). */
function StallNote({ run }: { run: Run }) {
  const live = run.status === 'streaming' || run.status === 'sending';
  const now = useNow(500, live);
  const last = run.sentAt + run.lastT;
  if (!live || now - last < STALL_AFTER_MS) return null;
  return (
    <span className="stall" data-testid="run-stall">
      no data for {seconds(now - last)}
    </span>
  );
}

/** Session mode: the gateway holds the stream for tool outputs, with its timeout counting down. */
function WaitNote({ run }: { run: Run }) {
  const wait = run.waiting;
  const now = useNow(500, wait !== undefined);
  if (!wait) return null;
  const n = wait.pendingCallIds.length;
  const timeout = wait.timeoutSeconds;
  return (
    <span className="waiting" data-testid="run-waiting">
      waiting for {n} tool output{n === 1 ? '' : 's'}
      {timeout === undefined
        ? ''
        : timeout === 0
          ? ' · no timeout'
          : ` · times out in ${clock(wait.since + timeout * 1000 - now)}`}
    </span>
  );
}

/** Custom tools whose grammar the backend does not enforce (the model only reads it in the description). */
function grammarTools(request: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (tools: unknown): void => {
    if (!Array.isArray(tools)) return;
    for (const t of tools as { type?: unknown; name?: unknown; format?: { type?: unknown }; tools?: unknown }[]) {
      if (t?.type === 'custom' && t.format?.type === 'grammar') out.push(String(t.name));
      if (t?.type === 'namespace') visit(t.tools);
    }
  };
  visit(request.tools);
  return out;
}

/** What the gateway did to the request's tools: hosted tools left out, grammars not enforced. */
function ToolNotes({ run }: { run: Run }) {
  const omitted = headerValue(run.responseHeaders, OMITTED_TOOLS_HEADER);
  const grammars = grammarTools(run.request);
  return (
    <>
      {omitted ? (
        <span
          className="fault-flag"
          data-testid="run-omitted-tools"
          title="Hosted tools the gateway does not run were not offered to the model (--responses-hosted-tools omit)"
        >
          hosted tools omitted: {omitted}
        </span>
      ) : null}
      {grammars.length ? (
        <span
          className="muted"
          data-testid="run-grammar-note"
          title="Custom tools are offered to the backend as a function with one string argument; the grammar is in its description, not enforced while decoding"
        >
          grammar not enforced: {grammars.join(', ')}
        </span>
      ) : null}
    </>
  );
}

export function RunStats({ run }: { run: Run }) {
  const st = runStats(run);
  const nonStreaming = run.body !== undefined && run.rows.length === 0;
  const bodyChars = run.exchanges[0]?.responseChars ?? 0;
  return (
    <div className="run-stats" data-testid="run-stats">
      <span data-testid="run-status" data-status={run.status}>
        {run.status}
      </span>
      <WaitNote run={run} />
      <StallNote run={run} />
      {run.httpStatus ? <span>{run.httpStatus === 101 ? 'WebSocket (101)' : `HTTP ${run.httpStatus}`}</span> : null}
      {run.responseId ? <span className="mono">{run.responseId}</span> : null}
      {run.linkedFrom ? <span>continues {run.linkedFrom}</span> : null}
      {run.replayOf ? <span data-testid="run-replay-of">recording {run.replayOf.recordingId}</span> : null}
      {run.injectedFault ? (
        <span className="fault-flag" data-testid="run-fault" title="Asked for with x-simulator-fault">
          ⚡ injected fault: {run.injectedFault}
        </span>
      ) : null}
      <ToolNotes run={run} />
      {nonStreaming ? (
        <span data-testid="run-nonstreaming">JSON response · {(bodyChars / 1024).toFixed(1)} KiB</span>
      ) : (
        <>
          <span>{st.events} events</span>
          <span>{(st.bytes / 1024).toFixed(1)} KiB</span>
        </>
      )}
      {st.ttftMs !== undefined ? <span>TTFT {st.ttftMs.toFixed(0)} ms</span> : null}
      {st.ttftMs !== undefined ? (
        <span
          data-testid="run-rate"
          title="Output tokens after the first, per second (needs at least 250 ms of deltas)"
        >
          {st.tokensPerSecond !== undefined ? `${st.tokensPerSecond.toFixed(1)} tok/s` : '— tok/s'}
        </span>
      ) : null}
      {run.violationCount ? <span className="violation-count">{run.violationCount} violations</span> : null}
      <span className="spacer" />
      {!isLive(run) ? (
        <button
          className="small"
          data-testid="run-edit"
          title="Put this run's request and switches into the composer to edit and send again"
          onClick={() => openRunInComposer(run)}
        >
          Edit and resend
        </button>
      ) : null}
    </div>
  );
}
