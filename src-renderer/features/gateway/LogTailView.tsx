import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ErrorNote } from '../../ui/Panel.js';
import { appendBounded, followLogs, parseLogLine, type LogLine } from './log-stream.js';

/** Live log tail: the gateway's recent lines, then each new one; pause keeps them aside, clear empties. */
export function LogTailView({ baseUrl, apiKey, endpoint }: { baseUrl: string; apiKey?: string; endpoint: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<string>();
  const pausedRef = useRef(false);
  const pending = useRef<LogLine[]>([]);
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    const controller = new AbortController();
    let seq = 0;
    setError(undefined);
    void followLogs(
      { baseUrl, apiKey },
      endpoint,
      (raws) => {
        const parsed = raws.map((r) => parseLogLine(r, seq++)).filter((l): l is LogLine => l !== null);
        if (pausedRef.current) {
          pending.current = appendBounded(pending.current, parsed);
          setHeld(pending.current.length);
        } else setLines((old) => appendBounded(old, parsed));
      },
      controller.signal,
      (n) => setDropped((d) => d + n),
    ).then((err) => {
      if (!controller.signal.aborted) setError(err ?? 'the gateway ended the log stream');
    });
    return () => controller.abort();
  }, [baseUrl, apiKey, endpoint]);

  // Follow the newest line unless the reader scrolled up.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const togglePause = (): void => {
    const next = !paused;
    pausedRef.current = next;
    setPaused(next);
    if (!next) {
      const kept = pending.current;
      pending.current = [];
      setHeld(0);
      setLines((old) => appendBounded(old, kept));
    }
  };

  return (
    <div className="log-tail" data-testid="gateway-logs">
      <div className="log-tail-bar">
        <button onClick={togglePause} data-testid="logs-pause">
          {paused ? `Resume${held ? ` (${held} new)` : ''}` : 'Pause'}
        </button>
        <button
          onClick={() => {
            pending.current = [];
            setHeld(0);
            setLines([]);
          }}
          data-testid="logs-clear"
        >
          Clear
        </button>
        <span className="muted">
          {lines.length} lines{dropped ? `, ${dropped} skipped by the gateway (slow reader)` : ''}
        </span>
      </div>
      <ErrorNote message={error} />
      <div
        className="log-tail-lines mono"
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
        }}
      >
        {lines.length === 0 ? (
          <div className="muted">No log lines yet.</div>
        ) : (
          lines.map((l) => (
            <div key={l.seq} className={`log-line log-${l.level}`} data-testid="log-line">
              <span className="log-time">{l.time.slice(11, 23)}</span> <span className="log-level">{l.level}</span>{' '}
              <span className="log-msg">{l.msg}</span>{' '}
              <span className="log-fields">{Object.keys(l.fields).length ? JSON.stringify(l.fields) : ''}</span>
            </div>
          ))
        )}
      </div>
    </div>
  );
}
