import { useEffect, useState } from 'react';
import { useStudio } from '../../app/store.js';
import { getJson, sendJson } from '../../lib/gateway-client.js';
import { useNow } from '../../lib/use-now.js';
import { EmptyState } from '../../ui/EmptyState.js';
import { Gauge } from '../../ui/Gauge.js';
import { ErrorNote, Panel } from '../../ui/Panel.js';
import { CONSOLE_CONNECTION } from '../connections/slice.js';
import { capabilityString } from '../gateway/capabilities.js';
import type { Run } from '../timeline/run-model.js';
import { retryAfterSeconds, type RateLimitSnapshot } from './rate-limit-model.js';
import { lastRateLimited } from './retry-block.js';

/** The last 429 of the active profile: what it said, and the Retry-After countdown. */
function TooManyRequests({ run, now }: { run: Run; now: number }) {
  const at = run.answeredAt ?? run.sentAt;
  const secs = retryAfterSeconds(run.responseHeaders, at);
  const left = secs === undefined ? undefined : Math.max(0, (at + secs * 1000 - now) / 1000);
  const source = run.injectedFault
    ? `the simulator fault '${run.injectedFault}' (asked for by the request)`
    : run.responseHeaders['x-ratelimit-limit-requests'] || run.responseHeaders['x-ratelimit-limit-tokens']
      ? 'the gateway’s rate limiter'
      : 'the backend (no x-ratelimit-* headers: not this gateway’s limiter)';
  return (
    <div className={`countdown${left === 0 ? ' elapsed' : ''}`} data-testid="retry-countdown">
      <div>
        <strong>HTTP 429</strong> on {run.id} from {source}
        {run.error?.message ? `: ${run.error.message}` : ''}
      </div>
      <div data-testid="retry-countdown-text">
        {left === undefined || secs === undefined
          ? 'No Retry-After header: the server did not say when to retry.'
          : left > 0
            ? `429: retry in ${left.toFixed(1)} s (Retry-After ${Number(secs.toFixed(1))} s) — Send is held until then`
            : `Retry-After (${Number(secs.toFixed(1))} s) has elapsed: Send is available again.`}
      </div>
    </div>
  );
}

interface LimitsWire {
  requests_per_minute: number;
  tokens_per_minute: number;
  enabled: boolean;
  error?: { message?: string };
}

/** Runtime editing of the embedded gateway's default limits (PUT /v1/console/rate-limits). */
function LimitsEditor({ endpoint }: { endpoint: string }) {
  const [rpm, setRpm] = useState('');
  const [tpm, setTpm] = useState('');
  const [state, setState] = useState<{ error?: string; notice?: string }>({});
  useEffect(() => {
    void getJson<LimitsWire>(CONSOLE_CONNECTION, endpoint).then((res) => {
      if (res.status === 200 && res.body) {
        setRpm(String(res.body.requests_per_minute));
        setTpm(String(res.body.tokens_per_minute));
      } else setState({ error: res.body?.error?.message ?? res.error ?? `HTTP ${res.status}` });
    });
  }, [endpoint]);
  const apply = async () => {
    const r = Number(rpm);
    const t = Number(tpm);
    if (![r, t].every((n) => Number.isInteger(n) && n >= 0)) {
      setState({ error: 'Limits are whole numbers ≥ 0 (0 = unlimited).' });
      return;
    }
    const res = await sendJson<LimitsWire>(
      CONSOLE_CONNECTION,
      endpoint,
      { requests_per_minute: r, tokens_per_minute: t },
      { method: 'PUT' },
    );
    if (res.status === 200 && res.body) {
      setState({
        notice: res.body.enabled
          ? `Applied: requests per minute ${res.body.requests_per_minute || 'unlimited'}, tokens per minute ${res.body.tokens_per_minute || 'unlimited'} (every client).`
          : 'Applied: no limits.',
      });
      void useStudio.getState().refreshHealth();
    } else setState({ error: res.body?.error?.message ?? res.error ?? `HTTP ${res.status}` });
  };
  return (
    <div className="limits-editor" data-testid="limits-editor">
      <h3>Limits of the built-in gateway</h3>
      <div className="inline">
        <label>
          Requests / min
          <input className="num" data-testid="limit-rpm" value={rpm} onChange={(e) => setRpm(e.target.value)} />
        </label>
        <label>
          Tokens / min
          <input className="num" data-testid="limit-tpm" value={tpm} onChange={(e) => setTpm(e.target.value)} />
        </label>
        <button data-testid="limits-apply" onClick={() => void apply()}>
          Apply
        </button>
      </div>
      <div className="muted small-note">
        0 = unlimited. Applies now, until the gateway restarts (flags: --rate-limit-*).
      </div>
      <ErrorNote message={state.error} testId="limits-error" />
      {state.notice ? (
        <div className="ok-note" data-testid="limits-notice">
          {state.notice}
        </div>
      ) : null}
    </div>
  );
}

export function RateLimitsPanel() {
  const runs = useStudio((s) => s.runs);
  const profileId = useStudio((s) => s.activeProfileId);
  const caps = useStudio((s) => s.capabilities);
  useStudio((s) => s.version);
  // History across runs, newest last; each run's snapshots are relative to its send time.
  const history: (RateLimitSnapshot & { runId: string; at: number })[] = runs.flatMap((r) =>
    r.rateLimits.map((s) => ({
      ...s,
      runId: r.id,
      // Headers arrive with the status line; events carry their offset from the send.
      at: s.source === 'headers' ? (r.answeredAt ?? r.sentAt) : r.sentAt + s.t,
    })),
  );
  const latest = history[history.length - 1];
  const limited = lastRateLimited(runs, profileId);
  const ticking = latest?.gauges.some((g) => g.resetSeconds !== undefined) || limited !== undefined;
  const now = useNow(250, ticking);
  const editor = profileId === 'builtin' ? capabilityString(caps, ['gateway.console.rate_limits']) : undefined;
  return (
    <Panel title="Rate limits" testId="rate-limits-panel">
      {limited ? <TooManyRequests run={limited} now={now} /> : null}
      {!latest ? (
        <EmptyState title="No rate-limit readings yet" testId="rate-limits-empty">
          Gauges fill from <code>x-ratelimit-*</code> headers and <code>response.rate_limits.updated</code> events once
          a request is answered. A gateway without limits sends neither
          {editor ? ': set some below.' : '.'}
        </EmptyState>
      ) : (
        <>
          {latest.gauges.map((g) => (
            <Gauge
              key={g.name}
              label={g.name}
              remaining={g.remaining}
              limit={g.limit}
              resetAt={g.resetSeconds === undefined ? undefined : latest.at + g.resetSeconds * 1000}
              now={now}
            />
          ))}
          <div className="muted small-note">
            Reading from {latest.source === 'event' ? 'a response.rate_limits.updated event' : 'response headers'} of{' '}
            {latest.runId}.
          </div>
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
      {editor ? <LimitsEditor endpoint={editor} /> : null}
    </Panel>
  );
}
