import { useEffect, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Gauge } from '../../ui/Gauge.js';
import { Panel } from '../../ui/Panel.js';
import { retryAfterSeconds, type RateLimitSnapshot } from './rate-limit-model.js';

function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(id);
  }, []);
  const left = Math.max(0, (until - now) / 1000);
  return (
    <div className={`countdown${left === 0 ? ' done' : ''}`} data-testid="retry-countdown">
      {left > 0 ? `429: retry in ${left.toFixed(1)} s` : '429: you may retry now'}
    </div>
  );
}

export function RateLimitsPanel() {
  const runs = useStudio((s) => s.runs);
  useStudio((s) => s.version);
  // History across runs, newest last; each run's snapshots are relative to its send time.
  const history: (RateLimitSnapshot & { runId: string; at: number })[] = runs.flatMap((r) =>
    r.rateLimits.map((s) => ({ ...s, runId: r.id, at: r.sentAt + s.t })),
  );
  const latest = history[history.length - 1];
  const limited = [...runs].reverse().find((r) => r.httpStatus === 429);
  const retry = limited ? retryAfterSeconds(limited.responseHeaders, limited.sentAt) : undefined;
  return (
    <Panel title="Rate limits" testId="rate-limits-panel">
      {limited && retry !== undefined ? <Countdown until={limited.sentAt + retry * 1000} /> : null}
      {!latest ? (
        <EmptyState title="No rate-limit data yet" testId="rate-limits-empty">
          Gauges fill from <code>x-ratelimit-*</code> headers and <code>response.rate_limits.updated</code> events once
          a request is answered. A gateway without rate limiting sends neither.
        </EmptyState>
      ) : (
        <>
          {latest.gauges.map((g) => (
            <Gauge key={g.name} label={g.name} remaining={g.remaining} limit={g.limit} reset={g.resetSeconds} />
          ))}
          <table className="history" data-testid="rate-limit-history">
            <thead>
              <tr>
                <th>run</th>
                <th>source</th>
                {latest.gauges.map((g) => (
                  <th key={g.name}>{g.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {history
                .slice(-20)
                .reverse()
                .map((h, i) => (
                  <tr key={i}>
                    <td>{h.runId}</td>
                    <td>{h.source}</td>
                    {latest.gauges.map((g) => {
                      const v = h.gauges.find((x) => x.name === g.name);
                      return <td key={g.name}>{v ? `${v.remaining}/${v.limit}` : ''}</td>;
                    })}
                  </tr>
                ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
