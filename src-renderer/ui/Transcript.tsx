import type { TranscriptEntry } from '../features/timeline/transcript.js';

/** A conversation as a readable list: who said what, tool calls and their outputs as code. */
export function Transcript({ entries, testId }: { entries: readonly TranscriptEntry[]; testId?: string }) {
  return (
    <ol className="transcript" data-testid={testId}>
      {entries.map((e) => (
        <li
          key={e.key}
          className={`tx tx-${e.role} tx-${e.kind} tx-src-${e.source}${e.dropped ? ' tx-dropped' : ''}`}
          data-testid="transcript-entry"
          data-role={e.role}
          data-kind={e.kind}
        >
          <div className="tx-head">
            <span className="tx-role">{e.source === 'instructions' ? 'instructions' : e.role}</span>
            {e.title ? <span className="tx-title mono">{e.title}</span> : null}
            {e.kind !== 'message' && !e.title ? <span className="tx-title">{e.kind}</span> : null}
            {e.status && e.status !== 'completed' ? <span className="badge">{e.status}</span> : null}
            {e.dropped ? (
              <span className="badge badge-dropped" data-testid="transcript-dropped">
                dropped by truncation
              </span>
            ) : null}
          </div>
          {e.code ? (
            <pre className="tx-code">{e.text || '(empty)'}</pre>
          ) : (
            <div className="tx-text">{e.text || <span className="muted">(empty)</span>}</div>
          )}
        </li>
      ))}
    </ol>
  );
}
